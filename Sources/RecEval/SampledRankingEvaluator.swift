import RecMath

/// Sampled ranking evaluation (protocol "sampled:<sampler>-<N>", docs/metrics.md).
///
/// Each test user u is ranked over a small candidate set only: its relevant test items that are
/// not masked, T(u) \ M(u), plus its stored negatives (`SampledCandidates`, never a relevant or
/// masked item). The ranking uses the v1 rule — higher score first, equal scores by ascending item
/// index, items the model scored −∞ never listed — and the same `RankingMetric.values` with
/// |T(u)| relevant items, so the metrics differ from full ranking only in the candidates. AUC is
/// over the candidates: P = T(u) \ M(u), N = the negatives (ties ½).
///
/// The plugin still scores whole rows (the ABI scores users against every item); only the
/// candidates' scores are read.
public struct SampledRankingEvaluator: Sendable {
    public let keys: [MetricKey]
    public let candidates: SampledCandidates
    private let mask: CSRMatrix
    private let test: CSRMatrix
    /// Users scored per plugin call (blockSize × items floats of buffer).
    public var blockSize = 256

    public init(mask: CSRMatrix, test: CSRMatrix, candidates: SampledCandidates, metrics: [RankingMetric], cutoffs: [Int]) {
        precondition(mask.rowCount == test.rowCount && mask.columnCount == test.columnCount, "mask and test shapes differ")
        precondition(cutoffs.allSatisfy { $0 > 0 }, "cutoffs must be positive")
        let users = (0..<test.rowCount).filter { test.indptr[$0 + 1] > test.indptr[$0] }.map(Int32.init)
        precondition(users == candidates.users, "the candidates were drawn for other users")
        self.mask = mask
        self.test = test
        self.candidates = candidates
        keys = MetricKey.keys(metrics: metrics, cutoffs: cutoffs)
    }

    public var protocolName: String { candidates.protocolName }
    public var users: [Int32] { candidates.users }

    public func evaluate(
        score: (UnsafeBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) throws -> Void,
        progress: (Double) -> Void = { _ in }
    ) throws -> RankingEvaluator.Result {
        let itemCount = test.columnCount
        let users = candidates.users
        let blockSize = max(1, self.blockSize)
        let depth = keys.filter { !$0.metric.isCutoffFree }.map(\.cutoff).max() ?? 0
        let aucIndex = keys.firstIndex { $0.metric == .auc }
        var perUser = [[Double]](repeating: [], count: keys.count)
        var relevantCounts: [Int] = []
        var buffer = [Float](repeating: 0, count: blockSize * itemCount)
        var relevant = [Bool](repeating: false, count: itemCount)
        var entries: [(score: Float, item: Int32)] = []
        var start = 0
        while start < users.count {
            let end = min(start + blockSize, users.count)
            let block = Array(users[start..<end])
            try buffer.withUnsafeMutableBufferPointer { scores in
                let blockScores = UnsafeMutableBufferPointer(rebasing: scores[0..<(block.count * itemCount)])
                try block.withUnsafeBufferPointer { try score($0, blockScores) }
                for (row, user) in block.enumerated() {
                    let rowBase = row * itemCount
                    let truth = test.columns(of: Int(user)), masked = mask.columns(of: Int(user))
                    // Relevant candidates: T(u) minus masked items (both rows sorted).
                    entries.removeAll(keepingCapacity: true)
                    var m = masked.startIndex
                    for item in truth {
                        while m < masked.endIndex && masked[m] < item { m += 1 }
                        if m < masked.endIndex && masked[m] == item { continue }
                        entries.append((blockScores[rowBase + Int(item)], item))
                    }
                    let positiveCount = entries.count
                    for item in candidates.negatives(at: start + row) { entries.append((blockScores[rowBase + Int(item)], item)) }
                    if let bad = entries.first(where: { $0.score.isNaN }) {
                        throw EvaluationError("the model scored item \(bad.item) as NaN for user \(user)")
                    }
                    var auc = 0.0
                    if aucIndex != nil {
                        auc = Self.auc(positives: entries[0..<positiveCount].map(\.score),
                                       negatives: entries[positiveCount...].map(\.score))
                    }
                    var ranked = entries.filter { $0.score > -.infinity }
                    ranked.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
                    let list = ranked.prefix(depth).map(\.item)
                    for item in truth { relevant[Int(item)] = true }
                    var values = list.withUnsafeBufferPointer { list in
                        RankingMetric.values(ranked: list, isRelevant: { relevant[Int($0)] }, relevantCount: truth.count, keys: keys)
                    }
                    for item in truth { relevant[Int(item)] = false }
                    if let aucIndex { values[aucIndex] = auc }
                    for k in keys.indices { perUser[k].append(values[k]) }
                    relevantCounts.append(truth.count)
                }
            }
            start = end
            progress(Double(start) / Double(users.count))
        }
        let means = perUser.map { values in values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        return RankingEvaluator.Result(keys: keys, users: users, perUser: perUser, means: means, relevantCounts: relevantCounts)
    }

    /// Σ_p Σ_n ([s_p > s_n] + ½[s_p = s_n]) / (|P|·|N|); 0 without positives, 1 without negatives
    /// (the degenerate cases of the full-ranking AUC).
    static func auc(positives: [Float], negatives: [Float]) -> Double {
        guard !positives.isEmpty else { return 0 }
        guard !negatives.isEmpty else { return 1 }
        var twice = 0
        for p in positives {
            for n in negatives { twice += p > n ? 2 : (p == n ? 1 : 0) }
        }
        return Double(twice) / (2 * Double(positives.count) * Double(negatives.count))
    }
}
