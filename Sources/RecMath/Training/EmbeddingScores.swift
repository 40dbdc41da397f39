import CBLAS

/// Scores of embedding models for the host's `score` call: for each requested user u and every
/// item i, ⟨e_u, e_i⟩ (+ b_i), as one BLAS `sgemm` per block of users.
public enum EmbeddingScores {
    /// Writes `scores[r · itemCount + i]` = ⟨userRows[users[r]], itemRows[i]⟩ + itemBias[i].
    /// Tables are row-major with rows `stride` floats apart and `columns` meaningful entries.
    public static func fill(users: UnsafeBufferPointer<Int32>, userRows: UnsafePointer<Float>, itemRows: UnsafePointer<Float>,
                            itemCount: Int, columns: Int, stride: Int, itemBias: UnsafePointer<Float>? = nil,
                            into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= users.count * itemCount, "score buffer too small")
        guard !users.isEmpty, itemCount > 0, let out = scores.baseAddress else { return }
        // The requested users' rows, gathered contiguously (the user ids are arbitrary).
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: users.count * stride)
        defer { gathered.deallocate() }
        for (r, user) in users.enumerated() {
            (gathered + r * stride).update(from: userRows + Int(user) * stride, count: stride)
        }
        if columns > 0 {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(users.count), Int32(itemCount), Int32(columns),
                        1, gathered, Int32(stride), itemRows, Int32(stride), 0, out, Int32(itemCount))
        } else {
            out.update(repeating: 0, count: users.count * itemCount)
        }
        if let itemBias {
            for r in 0..<users.count {
                let row = out + r * itemCount
                for i in 0..<itemCount { row[i] += itemBias[i] }
            }
        }
    }
}
