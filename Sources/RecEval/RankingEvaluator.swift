import RecKit
import RecMath

/// Full-ranking evaluation, the host's side of every ranking run.
///
/// Protocol "full-ranking/v1": each test user is scored against every item; items the user has in
/// the training matrix are masked (set to −∞, never recommended); the host selects the top K by
/// the v1 tie rule; metrics are averaged over users with at least one test item.
public struct RankingEvaluator: Sendable {
    public static let protocolName = "full-ranking"

    public let keys: [MetricKey]
    /// Users with at least one test item, ascending.
    public let users: [Int32]
    private let train: CSRMatrix
    private let test: CSRMatrix
    /// Users scored per plugin call: bounds the score buffer (blockSize × items floats).
    public var blockSize = 256

    /// - Parameters:
    ///   - train: users × items training matrix (its entries are masked).
    ///   - test: users × items test matrix (its entries are the relevant items).
    public init(train: CSRMatrix, test: CSRMatrix, metrics: [RankingMetric], cutoffs: [Int]) {
        precondition(train.rowCount == test.rowCount && train.columnCount == test.columnCount, "train and test shapes differ")
        precondition(cutoffs.allSatisfy { $0 > 0 }, "cutoffs must be positive")
        self.train = train
        self.test = test
        keys = metrics.sorted().flatMap { metric in cutoffs.sorted().map { MetricKey(metric, $0) } }
        users = (0..<test.rowCount).filter { test.indptr[$0 + 1] > test.indptr[$0] }.map(Int32.init)
    }

    public struct Result: Sendable {
        public var keys: [MetricKey]
        public var users: [Int32]
        /// perUser[k][u]: value of keys[k] for users[u].
        public var perUser: [[Double]]
        /// Mean over users of each key.
        public var means: [Double]

        public func mean(_ key: MetricKey) -> Double? {
            keys.firstIndex(of: key).map { means[$0] }
        }
    }

    /// Scores every test user through `score` (a block of users → users × items scores, row-major),
    /// masks, ranks and measures. `progress` receives the fraction of users done.
    public func evaluate(
        score: (UnsafeBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) throws -> Void,
        progress: (Double) -> Void = { _ in }
    ) throws -> Result {
        let itemCount = train.columnCount
        let depth = keys.map(\.cutoff).max() ?? 0
        var perUser = [[Double]](repeating: [], count: keys.count)
        for k in keys.indices { perUser[k].reserveCapacity(users.count) }
        var buffer = [Float](repeating: 0, count: blockSize * itemCount)
        var relevant = [Bool](repeating: false, count: itemCount)
        var start = 0
        while start < users.count {
            let block = Array(users[start..<min(start + blockSize, users.count)])
            try buffer.withUnsafeMutableBufferPointer { scores in
                let blockScores = UnsafeMutableBufferPointer(rebasing: scores[0..<(block.count * itemCount)])
                try block.withUnsafeBufferPointer { try score($0, blockScores) }
                for (row, user) in block.enumerated() {
                    let rowScores = UnsafeMutableBufferPointer(rebasing: blockScores[(row * itemCount)..<((row + 1) * itemCount)])
                    if let bad = TopK.firstNaN(UnsafeBufferPointer(rowScores)) {
                        throw EvaluationError("the model scored item \(bad) as NaN for user \(user)")
                    }
                    for item in train.columns(of: Int(user)) { rowScores[Int(item)] = -.infinity }
                    let ranked = TopK.select(UnsafeBufferPointer(rowScores), k: depth)
                    let truth = test.columns(of: Int(user))
                    for item in truth { relevant[Int(item)] = true }
                    let values = ranked.withUnsafeBufferPointer {
                        RankingMetric.values(ranked: $0, isRelevant: { relevant[Int($0)] },
                                             relevantCount: truth.count, keys: keys)
                    }
                    for item in truth { relevant[Int(item)] = false }
                    for k in keys.indices { perUser[k].append(values[k]) }
                }
            }
            start += block.count
            progress(Double(start) / Double(users.count))
        }
        let means = perUser.map { values in values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        return Result(keys: keys, users: users, perUser: perUser, means: means)
    }
}

public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
