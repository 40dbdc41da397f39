import Foundation
import RecLedger

/// Everything a report shows, read from the ledger and nothing else, so that the same ledger
/// always gives byte-identical files.
public struct ExperimentReport: Sendable {
    public var experiment: ExperimentRecord
    public var runs: [RunRecord]
    /// Metrics of each run, keyed by run id.
    public var metrics: [Int64: [MetricRecord]]
    /// Per-user values of the headline metric, by model label (single-fold ranking runs only).
    public var headlinePerUser: [String: PerUserRecord] = [:]

    public static func load(experiment name: String, from ledger: Ledger) throws -> ExperimentReport {
        guard let experiment = try ledger.latestExperiment(named: name) else {
            let known = try ledger.experimentNames()
            var message = "the ledger \(ledger.path) holds no finished experiment named \"\(name)\""
            message += known.isEmpty ? "; it is empty. Run an experiment first: recbench run FILE" : "; it holds: \(known.joined(separator: ", "))"
            throw ReportError(message)
        }
        let runs = try ledger.runs(experimentID: experiment.id!)
        var metrics: [Int64: [MetricRecord]] = [:]
        for run in runs { metrics[run.id!] = try ledger.metrics(runID: run.id!) }
        var report = ExperimentReport(experiment: experiment, runs: runs, metrics: metrics)
        if experiment.foldCount == 1, let headline = report.headline {
            for run in report.succeeded {
                report.headlinePerUser[run.label] = try ledger.perUser(runID: run.id!, metric: headline.metric, cutoff: headline.cutoff)
            }
        }
        return report
    }

    /// A metric column of the results table: "ndcg@10", or "rmse" (cutoff 0).
    public struct Column: Hashable, Sendable {
        public var metric: String
        public var cutoff: Int
        public var label: String { cutoff > 0 ? "\(metric)@\(cutoff)" : metric }
        /// Error metrics: smaller is better.
        public var lowerIsBetter: Bool { ["rmse", "mae"].contains(metric) }
    }

    /// Counts recorded beside metrics that are not quality measures.
    static let bookkeeping: Set<String> = ["unknown_pairs"]
    /// Measures of the whole set of lists rather than accuracy: reported in their own table,
    /// without a "best" (more coverage or novelty is not simply better).
    public static let beyondAccuracy: Set<String> = ["coverage", "gini", "novelty", "arp", "ild"]

    /// Metric columns in the order precision, recall, ndcg, map, mrr, hr, rmse, mae, then cutoffs.
    public var columns: [Column] {
        let order = ["precision", "recall", "ndcg", "map", "mrr", "hr", "rmse", "mae"]
        var seen = Set<Column>()
        for records in metrics.values {
            for record in records where !Self.bookkeeping.contains(record.metric) && !Self.beyondAccuracy.contains(record.metric) {
                seen.insert(Column(metric: record.metric, cutoff: record.cutoff))
            }
        }
        return seen.sorted {
            let a = order.firstIndex(of: $0.metric) ?? order.count, b = order.firstIndex(of: $1.metric) ?? order.count
            return (a, $0.metric, $0.cutoff) < (b, $1.metric, $1.cutoff)
        }
    }

    public func value(run: RunRecord, metric: String, cutoff: Int) -> Double? {
        metrics[run.id!]?.first { $0.metric == metric && $0.cutoff == cutoff }?.value
    }

    /// The metric significance is reported on: ndcg@10 when evaluated, else the first ndcg, else
    /// the first ranking column.
    public var headline: Column? {
        let ranking = columns.filter { !$0.lowerIsBetter && $0.cutoff > 0 }
        return ranking.first { $0.metric == "ndcg" && $0.cutoff == 10 } ?? ranking.first { $0.metric == "ndcg" } ?? ranking.first
    }

    /// The beyond-accuracy columns present, in the order coverage, gini, novelty, arp, ild, by cutoff.
    public var beyondAccuracyColumns: [Column] {
        let order = ["coverage", "gini", "novelty", "arp", "ild"]
        var seen = Set<Column>()
        for records in metrics.values {
            for record in records where Self.beyondAccuracy.contains(record.metric) {
                seen.insert(Column(metric: record.metric, cutoff: record.cutoff))
            }
        }
        return seen.sorted { (order.firstIndex(of: $0.metric)!, $0.cutoff) < (order.firstIndex(of: $1.metric)!, $1.cutoff) }
    }

    /// Runs that finished without error.
    public var succeeded: [RunRecord] { runs.filter { $0.status == "ok" } }

    /// One model of the experiment file: its runs over every fold, summarised.
    public struct ModelSummary: Sendable {
        public var label: String
        public var runs: [RunRecord]
        public var succeeded: Bool { runs.allSatisfy { $0.status == "ok" } }
        public var first: RunRecord { runs[0] }
        public var fitSeconds: Double { runs.compactMap(\.fitSeconds).reduce(0, +) }
        public var evalSeconds: Double { runs.compactMap(\.evalSeconds).reduce(0, +) }
    }

    /// Models in experiment-file order.
    public var models: [ModelSummary] {
        var order: [Int] = []
        var byPosition: [Int: [RunRecord]] = [:]
        for run in runs {
            if byPosition[run.position] == nil { order.append(run.position) }
            byPosition[run.position, default: []].append(run)
        }
        return order.map { ModelSummary(label: byPosition[$0]![0].label, runs: byPosition[$0]!) }
    }

    /// Mean and sample standard deviation of a metric over a model's folds (nil if any fold lacks it).
    public func aggregate(_ model: ModelSummary, _ column: Column) -> (mean: Double, std: Double)? {
        let values = model.runs.compactMap { value(run: $0, metric: column.metric, cutoff: column.cutoff) }
        guard !values.isEmpty, values.count == model.runs.count else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.count > 1 ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1) : 0
        return (mean, variance.squareRoot())
    }

    /// A published value and how the measured one compares.
    public struct ReferenceCheck: Sendable {
        public var model: String
        public var metric: String
        public var published: Double
        public var tolerance: Double
        public var source: String
        public var measured: Double?
        public var delta: Double? { measured.map { $0 - published } }
        /// Pass when |measured − published| ≤ tolerance (compared at the 4 decimals shown, so the
        /// verdict agrees with the printed numbers).
        public var passed: Bool {
            guard let delta else { return false }
            return (abs(delta) * 10_000).rounded() <= (tolerance * 10_000).rounded()
        }
    }

    public var referenceChecks: [ReferenceCheck] {
        struct Stored: Decodable { var model, metric: String; var value, tolerance: Double; var source: String }
        let stored = (try? JSONDecoder().decode([Stored].self, from: Data(experiment.referencesJSON.utf8))) ?? []
        let summaries = models
        return stored.map { reference in
            let parts = reference.metric.split(separator: "@")
            let column = Column(metric: String(parts[0]), cutoff: parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
            let measured = summaries.first { $0.label == reference.model && $0.succeeded }.flatMap { aggregate($0, column)?.mean }
            return ReferenceCheck(model: reference.model, metric: reference.metric, published: reference.value,
                                  tolerance: reference.tolerance, source: reference.source, measured: measured)
        }
    }
}

extension ExperimentReport {
    /// recbench's time for a model beside another tool's.
    public struct TimingCheck: Sendable {
        public var model: String
        public var theirs: Double
        public var ours: Double?
        public var targetSpeedup: Double
        public var source: String
        public var speedup: Double? { ours.map { theirs / max($0, 1e-9) } }
        public var metTarget: Bool { (speedup ?? 0) >= targetSpeedup }
    }

    public var timingChecks: [TimingCheck] {
        struct Stored: Decodable { var model: String; var seconds, targetSpeedup: Double; var source: String }
        let stored = (try? JSONDecoder().decode([Stored].self, from: Data(experiment.timingReferencesJSON.utf8))) ?? []
        let summaries = models
        return stored.map { reference in
            let model = summaries.first { $0.label == reference.model && $0.succeeded }
            return TimingCheck(model: reference.model, theirs: reference.seconds,
                               ours: model.map { $0.fitSeconds + $0.evalSeconds },
                               targetSpeedup: reference.targetSpeedup, source: reference.source)
        }
    }
}

public struct ReportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
