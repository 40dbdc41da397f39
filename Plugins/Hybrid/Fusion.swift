/// The arithmetic of score and rank fusion on one user's row, over the items the user has not
/// seen in training (`seen` is sorted ascending, as a CSR row).
enum Fusion {
    /// target += weight · normalised(source). Statistics over unseen items only; a row whose
    /// unseen scores are all equal (or that has no unseen item) contributes 0.
    static func addNormalized(_ source: UnsafeMutableBufferPointer<Float>, seen: UnsafeBufferPointer<Int32>, weight: Float,
                              normalization: Hybrid.Normalization, into target: UnsafeMutableBufferPointer<Float>) {
        var low = Double.infinity, high = -Double.infinity, sum = 0.0, count = 0
        forEachUnseen(source.count, seen) { item in
            let value = Double(source[item])
            low = min(low, value)
            high = max(high, value)
            sum += value
            count += 1
        }
        guard count > 0 else { return }
        let shift: Double, scale: Double
        switch normalization {
        case .minmax:
            shift = low
            scale = high > low ? 1 / (high - low) : 0
        case .zscore:
            let mean = sum / Double(count)
            var squares = 0.0
            forEachUnseen(source.count, seen) { item in
                let d = Double(source[item]) - mean
                squares += d * d
            }
            let std = (squares / Double(count)).squareRoot()
            shift = mean
            scale = std > 0 ? 1 / std : 0
        }
        for item in 0..<source.count {
            target[item] += weight * Float((Double(source[item]) - shift) * scale)
        }
    }

    /// target += weight / (k + rank), rank 1 the best unseen item (ties by ascending item id);
    /// seen items get nothing.
    static func addReciprocalRank(_ source: UnsafeMutableBufferPointer<Float>, seen: UnsafeBufferPointer<Int32>, weight: Float, k: Float,
                                  into target: UnsafeMutableBufferPointer<Float>) {
        var order: [Int32] = []
        order.reserveCapacity(source.count - seen.count)
        forEachUnseen(source.count, seen) { order.append(Int32($0)) }
        order.sort { source[Int($0)] != source[Int($1)] ? source[Int($0)] > source[Int($1)] : $0 < $1 }
        for (index, item) in order.enumerated() {
            target[Int(item)] += weight / (k + Float(index + 1))
        }
    }

    /// Calls `body` for every item of 0..<count not in `seen` (ascending), in ascending order.
    @inline(__always)
    static func forEachUnseen(_ count: Int, _ seen: UnsafeBufferPointer<Int32>, _ body: (Int) -> Void) {
        var next = 0
        for item in 0..<count {
            if next < seen.count && Int(seen[next]) == item {
                next += 1
                continue
            }
            body(item)
        }
    }
}
