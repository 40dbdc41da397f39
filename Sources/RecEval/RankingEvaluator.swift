import Dispatch
import RecKit
import RecMath

/// Full-ranking evaluation, the host's side of every ranking run.
///
/// Protocol "full-ranking/v1": each test user is scored against every item; items the user has in
/// the training matrix are masked (set to −∞, never recommended); the host selects the top K by
/// the v1 tie rule; metrics are averaged over users with at least one test item.
///
/// Streaming: users are scored `blockSize` at a time into one reused buffer (blockSize × items
/// floats); per user only the top-max(K) list is kept (and only with `keepLists`). With
/// `threadCount` > 1 the rows of each block are split across threads for the NaN check, masking,
/// top-K selection, AUC and metrics; the plugin's scoring call is not affected. The values are
/// bit-identical to the serial path (each user's arithmetic is the same and results are gathered in
/// user order).
public struct RankingEvaluator: Sendable {
    public static let protocolName = "full-ranking"

    public let keys: [MetricKey]
    /// Users with at least one test item, ascending.
    public let users: [Int32]
    private let train: CSRMatrix
    private let test: CSRMatrix
    /// Users scored per plugin call: bounds the score buffer (blockSize × items floats).
    public var blockSize = 256
    /// Threads for the per-row part of each block (NaN check, masking, top-K, AUC, metrics), via
    /// `DispatchQueue.concurrentPerform` over `chunksPerThread` × threadCount chunks of rows.
    /// 1 = serial (the default); the results are bit-identical whatever the value.
    public var threadCount = 1
    /// Keep each user's top-max(K) list (item indices, best first) in `Result.lists`, for the
    /// beyond-accuracy metrics (`BeyondAccuracy`) or a TREC export: users × max(K) Int32s.
    public var keepLists = false
    /// Chunks per thread in each block (parallel path only): more chunks than threads, so a worker
    /// thread that starts late (busy machine) still takes a share instead of finding none left.
    static let chunksPerThread = 4

    /// - Parameters:
    ///   - train: users × items training matrix (its entries are masked).
    ///   - test: users × items test matrix (its entries are the relevant items).
    ///   - metrics: a cutoff-free metric (`auc`) gets one key with cutoff 0 (`MetricKey.keys`).
    public init(train: CSRMatrix, test: CSRMatrix, metrics: [RankingMetric], cutoffs: [Int]) {
        precondition(train.rowCount == test.rowCount && train.columnCount == test.columnCount, "train and test shapes differ")
        precondition(cutoffs.allSatisfy { $0 > 0 }, "cutoffs must be positive")
        self.train = train
        self.test = test
        keys = MetricKey.keys(metrics: metrics, cutoffs: cutoffs)
        users = (0..<test.rowCount).filter { test.indptr[$0 + 1] > test.indptr[$0] }.map(Int32.init)
    }

    public struct Result: Sendable {
        public var keys: [MetricKey]
        public var users: [Int32]
        /// perUser[k][u]: value of keys[k] for users[u].
        public var perUser: [[Double]]
        /// Mean over users of each key.
        public var means: [Double]
        /// |T(u)| of each of `users` (the GAUC weights); empty when the producer did not record it.
        public var relevantCounts: [Int] = []
        /// With `keepLists`: lists[u] is the top-max(K) list of users[u], best first (shorter when
        /// fewer candidates existed). Nil otherwise.
        public var lists: [[Int32]]? = nil

        public func mean(_ key: MetricKey) -> Double? {
            keys.firstIndex(of: key).map { means[$0] }
        }

        /// GAUC = Σ_u |T(u)| · AUC(u) / Σ_u |T(u)| over the evaluated users; nil unless `auc` was
        /// evaluated and `relevantCounts` recorded.
        public var gauc: Double? {
            guard let index = keys.firstIndex(where: { $0.metric == .auc }),
                  relevantCounts.count == perUser[index].count else { return nil }
            return RankingEvaluator.gauc(auc: perUser[index], weights: relevantCounts)
        }

        /// Values that are not means of per-user values: today `gauc` (cutoff 0) when `auc` was
        /// evaluated. The beyond-accuracy metrics come from `BeyondAccuracy.measure(result:…)`.
        public var aggregates: [AggregateMetric] {
            gauc.map { [AggregateMetric("gauc", cutoff: 0, value: $0)] } ?? []
        }
    }

    /// GAUC = Σ_u w_u · AUC(u) / Σ_u w_u (w_u = |T(u)| in `Result.gauc`); 0 when Σ w_u = 0.
    /// The sums run in user order.
    public static func gauc(auc: [Double], weights: [Int]) -> Double {
        precondition(auc.count == weights.count, "one weight per user")
        var weighted = 0.0, total = 0
        for (value, weight) in zip(auc, weights) {
            weighted += Double(weight) * value
            total += weight
        }
        return total > 0 ? weighted / Double(total) : 0
    }

    /// Scores every test user through `score` (a block of users → users × items scores, row-major),
    /// masks, ranks and measures. `progress` receives the fraction of users done.
    public func evaluate(
        score: (UnsafeBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) throws -> Void,
        progress: (Double) -> Void = { _ in }
    ) throws -> Result {
        let itemCount = train.columnCount
        let blockSize = max(1, self.blockSize)
        let threads = max(1, threadCount)
        let keyCount = keys.count
        var perUser = [[Double]](repeating: [], count: keyCount)
        for k in keys.indices { perUser[k].reserveCapacity(users.count) }
        var lists: [[Int32]] = []
        if keepLists { lists.reserveCapacity(users.count) }
        var buffer = [Float](repeating: 0, count: blockSize * itemCount)
        var blockValues = [Double](repeating: 0, count: blockSize * keyCount)
        var blockLists = [[Int32]](repeating: [], count: blockSize)
        var blockErrors = [EvaluationError?](repeating: nil, count: blockSize)
        // With threads, each block is cut into `chunksPerThread` × threads chunks taken in turn by
        // whichever thread is free (a thread that starts late still gets work); a chunk has its own
        // scratch, so no two threads share one.
        let chunks = threads == 1 ? 1 : threads * Self.chunksPerThread
        let scratch = (0..<chunks).map { _ in RowScratch(itemCount: itemCount) }
        let plan = RowPlan(keys: keys, keepLists: keepLists)
        var start = 0
        while start < users.count {
            let block = Array(users[start..<min(start + blockSize, users.count)])
            let rows = block.count
            try buffer.withUnsafeMutableBufferPointer { scores in
                let blockScores = UnsafeMutableBufferPointer(rebasing: scores[0..<(rows * itemCount)])
                try block.withUnsafeBufferPointer { try score($0, blockScores) }
                blockValues.withUnsafeMutableBufferPointer { values in
                    blockLists.withUnsafeMutableBufferPointer { listSlots in
                        blockErrors.withUnsafeMutableBufferPointer { errors in
                            let output = RowOutput(values: values, lists: listSlots, errors: errors)
                            let work = { (part: Int, parts: Int) in
                                let rowScratch = scratch[part]
                                for row in (rows * part / parts)..<(rows * (part + 1) / parts) {
                                    let rowScores = UnsafeMutableBufferPointer(
                                        rebasing: blockScores[(row * itemCount)..<((row + 1) * itemCount)])
                                    measure(row: row, user: block[row], scores: rowScores, plan: plan,
                                            scratch: rowScratch, output: output)
                                }
                            }
                            let parts = min(chunks, rows)
                            if parts <= 1 {
                                work(0, 1)
                            } else {
                                // The chunks touch disjoint rows, output slots and scratch objects.
                                let shared = UncheckedSendable(work)
                                DispatchQueue.concurrentPerform(iterations: parts) { shared.value($0, parts) }
                            }
                        }
                    }
                }
            }
            for row in 0..<rows {
                if let error = blockErrors[row] { throw error }
                for k in 0..<keyCount { perUser[k].append(blockValues[row * keyCount + k]) }
                if keepLists {
                    lists.append(blockLists[row])
                    blockLists[row] = []
                }
            }
            start += rows
            progress(Double(start) / Double(users.count))
        }
        let means = perUser.map { values in values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        let relevantCounts = users.map { Int(test.indptr[Int($0) + 1] - test.indptr[Int($0)]) }
        return Result(keys: keys, users: users, perUser: perUser, means: means,
                      relevantCounts: relevantCounts, lists: keepLists ? lists : nil)
    }

    /// One user's row: NaN check, top-K (masked items skipped), mask, metrics, AUC. Writes only its
    /// own output slots.
    private func measure(row: Int, user: Int32, scores: UnsafeMutableBufferPointer<Float>, plan: RowPlan,
                         scratch: RowScratch, output: RowOutput) {
        let seen = train.columns(of: Int(user))
        for item in seen { scratch.masked[Int(item)] = true }
        // One pass: the NaN check (over every item, masked or not) and the top-K selection.
        let scan = scratch.masked.withUnsafeBufferPointer { masked in
            SIMDScan.topK(UnsafeBufferPointer(scores), k: plan.depth, masked: masked, heap: &scratch.heap)
        }
        for item in seen { scratch.masked[Int(item)] = false }
        if let bad = scan.firstNaN {
            output.errors[row] = EvaluationError("the model scored item \(bad) as NaN for user \(user)")
            return
        }
        output.errors[row] = nil
        for item in seen { scores[Int(item)] = -.infinity }
        let ranked = scan.ranked
        let truth = test.columns(of: Int(user))
        for item in truth { scratch.relevant[Int(item)] = true }
        let values = ranked.withUnsafeBufferPointer { list in
            scratch.relevant.withUnsafeBufferPointer { relevant in
                RankingMetric.values(ranked: list, isRelevant: { relevant[Int($0)] },
                                     relevantCount: truth.count, keys: keys)
            }
        }
        for item in truth { scratch.relevant[Int(item)] = false }
        let base = row * keys.count
        for k in values.indices { output.values[base + k] = values[k] }
        if let aucIndex = plan.aucIndex {
            // Relevant candidates: T(u) minus the masked (training) items; both rows are sorted.
            scratch.relevantScores.removeAll(keepingCapacity: true)
            var s = seen.startIndex
            for item in truth {
                while s < seen.endIndex && seen[s] < item { s += 1 }
                if s < seen.endIndex && seen[s] == item { continue }
                scratch.relevantScores.append(scores[Int(item)])
            }
            output.values[base + aucIndex] = RankingMetric.auc(
                scores: UnsafeBufferPointer(scores), relevantScores: scratch.relevantScores, maskedCount: seen.count)
        }
        if plan.keepLists { output.lists[row] = ranked }
    }
}

/// What every row computes, fixed for one evaluation.
private struct RowPlan {
    /// Top-K depth: the largest cutoff of a top-K metric (0 when only AUC is asked for).
    var depth: Int
    var aucIndex: Int?
    var keepLists: Bool

    init(keys: [MetricKey], keepLists: Bool) {
        depth = keys.filter { !$0.metric.isCutoffFree }.map(\.cutoff).max() ?? 0
        aucIndex = keys.firstIndex { $0.metric == .auc }
        self.keepLists = keepLists
    }
}

/// Hands a closure over row ranges to `concurrentPerform`, whose closure must be Sendable.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Working memory of one chunk of rows (the serial path has one), reused across blocks: two flags
/// per catalogue item, the relevant candidates' scores and the top-K heap.
private final class RowScratch {
    var relevant: [Bool]
    var masked: [Bool]
    var relevantScores: [Float] = []
    var heap: [(score: Float, index: Int32)] = []
    init(itemCount: Int) {
        relevant = [Bool](repeating: false, count: itemCount)
        masked = relevant
    }
}

/// A block's output slots; each row writes only its own.
private struct RowOutput {
    var values: UnsafeMutableBufferPointer<Double>
    var lists: UnsafeMutableBufferPointer<[Int32]>
    var errors: UnsafeMutableBufferPointer<EvaluationError?>
}

/// Vectorised scans of one score row.
enum SIMDScan {
    /// The same list as `TopK.select` on the masked row (higher score first, ties by ascending
    /// index, masked and −∞ items never selected), plus the first NaN of the row, masked items
    /// included — in one pass. A chunk of 16 scores that has no NaN and none above the worst kept
    /// score is skipped with one vector comparison; the list is only valid when `firstNaN` is nil.
    ///
    /// Items are visited in ascending index, so once k are kept a newcomer enters only with a
    /// score strictly above the worst kept one (an equal score loses the tie on index).
    static func topK(
        _ scores: UnsafeBufferPointer<Float>, k: Int, masked: UnsafeBufferPointer<Bool>,
        heap: inout [(score: Float, index: Int32)]
    ) -> (ranked: [Int32], firstNaN: Int?) {
        heap.removeAll(keepingCapacity: true)
        guard let base = scores.baseAddress else { return ([], nil) }
        // With k = 0 nothing is kept: an infinite threshold leaves only the NaN check.
        var threshold = k > 0 ? -Float.infinity : .infinity
        /// Offers item `index`; false on NaN.
        @inline(__always) func offer(_ index: Int) -> Bool {
            let score = base[index]
            if score.isNaN { return false }
            guard score > threshold, !masked[index] else { return true }
            let candidate = (score: score, index: Int32(index))
            if heap.count < k {
                heap.append(candidate)
                TopK.siftUp(&heap, heap.count - 1)
                if heap.count == k { threshold = heap[0].score }
            } else {
                heap[0] = candidate
                TopK.siftDown(&heap, 0)
                threshold = heap[0].score
            }
            return true
        }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 16 <= scores.count {
            let s = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            if any((s .> SIMD16<Float>(repeating: threshold)) .| (s .!= s)) {
                for j in i..<(i + 16) where !offer(j) { return ([], j) }
            }
            i += 16
        }
        while i < scores.count {
            if !offer(i) { return ([], i) }
            i += 1
        }
        heap.sort { TopK.isBetter($0, than: $1) }
        return (heap.map(\.index), nil)
    }
}

public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
