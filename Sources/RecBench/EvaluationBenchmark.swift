import Foundation
import RecData
import RecEval
import RecKit
import RecMath
#if canImport(Glibc)
import Glibc
#endif

/// `recbench bench evaluation`: times the host's full-ranking evaluation on a real split with a
/// dot-product model of random factors (the model is not the point: the evaluation is).
///
/// Scoring is what a factor plugin does — one SGEMM of a block of user factors against every
/// item's factors — and the rest is the runner's own evaluator, configured as `recbench run`
/// configures it (both cores, lists kept for the beyond-accuracy metrics, the six default metrics).
public struct EvaluationBenchmark {
    public var dataset: String
    public var dimensions = 64
    public var cutoff = 20
    public var blockSize = 256
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var seed: UInt64 = 1

    public init(dataset: String) { self.dataset = dataset }

    public struct Measurement: Sendable {
        public var users: Int
        public var items: Int
        public var trainInteractions: Int
        public var testInteractions: Int
        public var loadSeconds: Double
        public var matrixSeconds: Double
        public var factorSeconds: Double
        /// Wall time of `RankingEvaluator.evaluate`, of which `scoringSeconds` in the SGEMM calls.
        public var evaluationSeconds: Double
        public var scoringSeconds: Double
        /// CPU seconds (user + system, every thread of the process) spent during the evaluation: on
        /// a machine shared with other work, wall time depends on the load and this does not.
        public var evaluationCPUSeconds: Double
        public var peakResidentBytes: Int64
        public var means: [(String, Double)]
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    public func run(dataDirectory: DataDirectory) throws -> Measurement {
        guard let known = DatasetRegistry.named(dataset) else {
            throw PluginError("unknown dataset \(dataset); known: \(DatasetRegistry.names.joined(separator: ", "))")
        }
        var clock = Date()
        func lap() -> Double {
            let now = Date()
            defer { clock = now }
            return now.timeIntervalSince(clock)
        }
        let (data, fixed) = try known.load(from: dataDirectory)
        // A dataset's shipped split (Gowalla's), else MovieLens 100K's u1 fold.
        let split: Split
        if let fixed {
            split = fixed
        } else if dataset == MovieLens100K.name {
            split = try MovieLens100KFolds.load(set: "u1-u5", from: dataDirectory, dataset: data, only: 0)[0]
        } else {
            throw PluginError("\(dataset) ships no split; the benchmark uses gowalla, yelp2018, amazon-book or ml-100k (fold u1)")
        }
        let loadSeconds = lap()
        let train = try split.matrix(split.train, of: data)
        let test = try split.matrix(split.test, of: data)
        let matrixSeconds = lap()

        let d = dimensions, itemCount = data.itemCount
        var generator = SeededGenerator(seed: seed)
        let scale = 1 / Double(d).squareRoot()
        let userFactors = (0..<(data.userCount * d)).map { _ in Float(generator.nextGaussian() * scale) }
        let itemFactors = (0..<(itemCount * d)).map { _ in Float(generator.nextGaussian() * scale) }
        let factorSeconds = lap()

        var evaluator = RankingEvaluator(train: train, test: test, metrics: RankingMetric.original, cutoffs: [cutoff])
        evaluator.blockSize = blockSize
        evaluator.threadCount = threads
        evaluator.keepLists = true
        let cpuBefore = Self.processCPUSeconds()
        var gathered = [Float](repeating: 0, count: blockSize * d)
        var scoring = 0.0
        let result = try evaluator.evaluate { users, scores in
            let start = Date()
            userFactors.withUnsafeBufferPointer { factors in
                gathered.withUnsafeMutableBufferPointer { block in
                    for (row, user) in users.enumerated() {
                        let source = UnsafeBufferPointer(rebasing: factors[(Int(user) * d)..<((Int(user) + 1) * d)])
                        _ = UnsafeMutableBufferPointer(rebasing: block[(row * d)..<((row + 1) * d)]).initialize(from: source)
                    }
                    itemFactors.withUnsafeBufferPointer { items in
                        // scores (users × items) = block (users × d) · itemsᵀ (d × items)
                        DenseLinearAlgebra.gemm(transposeB: true, m: users.count, n: itemCount, k: d,
                                                a: block.baseAddress!, lda: d, b: items.baseAddress!, ldb: d,
                                                c: scores.baseAddress!, ldc: itemCount)
                    }
                }
            }
            scoring += Date().timeIntervalSince(start)
        }
        let evaluationSeconds = lap()
        let evaluationCPUSeconds = Self.processCPUSeconds() - cpuBefore
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Measurement(
            users: data.userCount, items: itemCount, trainInteractions: split.train.count, testInteractions: split.test.count,
            loadSeconds: loadSeconds, matrixSeconds: matrixSeconds, factorSeconds: factorSeconds,
            evaluationSeconds: evaluationSeconds, scoringSeconds: scoring, evaluationCPUSeconds: evaluationCPUSeconds, peakResidentBytes: Int64(usage.ru_maxrss) * 1024,
            means: zip(result.keys, result.means).map { ($0.description, $1) })
    }
}
