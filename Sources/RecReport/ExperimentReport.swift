import Foundation
import RecLedger

/// Everything a report shows, read from the ledger and nothing else, so that the same ledger
/// always gives byte-identical files.
public struct ExperimentReport: Sendable {
    public var experiment: ExperimentRecord
    public var runs: [RunRecord]
    /// Metrics of each run, keyed by run id.
    public var metrics: [Int64: [MetricRecord]]

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
        return ExperimentReport(experiment: experiment, runs: runs, metrics: metrics)
    }

    /// Metric columns ("ndcg@10"), in the order metrics then cutoffs, over all successful runs.
    public var columns: [(metric: String, cutoff: Int)] {
        let order = ["precision", "recall", "ndcg", "map", "mrr", "hr"]
        var seen = Set<String>()
        var columns: [(metric: String, cutoff: Int)] = []
        for records in metrics.values {
            for record in records where seen.insert("\(record.metric)@\(record.cutoff)").inserted {
                columns.append((record.metric, record.cutoff))
            }
        }
        return columns.sorted {
            let a = order.firstIndex(of: $0.metric) ?? order.count, b = order.firstIndex(of: $1.metric) ?? order.count
            return (a, $0.metric, $0.cutoff) < (b, $1.metric, $1.cutoff)
        }
    }

    public func value(run: RunRecord, metric: String, cutoff: Int) -> Double? {
        metrics[run.id!]?.first { $0.metric == metric && $0.cutoff == cutoff }?.value
    }

    public var succeeded: [RunRecord] { runs.filter { $0.status == "ok" } }
}

public struct ReportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
