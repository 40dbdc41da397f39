import Foundation
import RecLedger

/// What `recbench report NAME --json` prints: where the report went and its main numbers, for
/// scripts (the same values as README.md's results table).
public struct ReportSummary: Sendable, Encodable {
    public struct Model: Sendable, Encodable {
        public var label: String
        public var plugin: String
        public var status: String
        /// Selected runs (seeds × folds) and all runs (every search point).
        public var runs: Int
        public var allRuns: Int
        public var params: String
        public var values: [String: ExperimentReport.Aggregate]
    }

    public struct Reference: Sendable, Encodable {
        public var model: String
        public var metric: String
        public var published: Double
        public var tolerance: Double
        public var measured: Double?
        public var passed: Bool
    }

    public var experiment: String
    public var execution: Int64
    public var status: String
    public var folder: String
    public var files: [String]
    public var dataset: String
    public var datasetFingerprint: String
    public var splitFingerprint: String
    public var evaluationProtocol: String
    public var metrics: [String]
    public var headline: String?
    public var models: [Model]
    public var failedRuns: Int
    public var reusedRuns: Int
    public var references: [Reference]

    public init(report: ExperimentReport, folder: String, files: [String]) {
        let experiment = report.experiment
        self.experiment = experiment.name
        execution = experiment.id ?? 0
        status = experiment.status
        self.folder = folder
        self.files = files
        dataset = experiment.dataset
        datasetFingerprint = experiment.datasetFingerprint
        splitFingerprint = experiment.splitFingerprint
        evaluationProtocol = experiment.evaluationProtocol
        let columns = report.columns
        metrics = columns.map(\.label)
        headline = report.headline?.label
        models = report.models.map { model in
            var values: [String: ExperimentReport.Aggregate] = [:]
            if model.succeeded {
                for column in columns { values[column.label] = report.aggregate(model, column) }
            }
            return Model(label: model.label, plugin: model.plugin, status: model.succeeded ? "ok" : "failed",
                         runs: model.runs.count, allRuns: model.allRuns.count, params: model.first.params, values: values)
        }
        failedRuns = report.runs.filter { $0.status != "ok" }.count
        reusedRuns = report.reusedCount
        references = report.referenceChecks.map {
            Reference(model: $0.model, metric: $0.metric, published: $0.published, tolerance: $0.tolerance,
                      measured: $0.measured, passed: $0.passed)
        }
    }
}

/// JSON for scripts: keys sorted, indented, stable from run to run.
public func stableJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
