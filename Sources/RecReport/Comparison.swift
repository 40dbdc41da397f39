import Foundation
import RecLedger

/// Two executions side by side (`recbench compare A B`): every model of either, matched by label
/// and plugin, with each one's value (selected runs, mean ± std over seeds and folds) and the
/// difference B − A. When the two did not see the same rows (dataset or split fingerprints, or
/// the protocol, differ) the comparison says so first and loudly.
public struct Comparison: Sendable, Encodable {
    public struct Side: Sendable, Encodable {
        public var execution: Int64
        public var name: String
        public var status: String
        public var finishedAt: String?
        public var dataset: String
        public var datasetFingerprint: String
        public var split: String
        public var splitFingerprints: [String]
        public var evaluationProtocol: String
        public var metricsVersion: Int

        init(_ report: ExperimentReport) {
            let experiment = report.experiment
            execution = experiment.id ?? 0
            name = experiment.name
            status = experiment.status
            finishedAt = experiment.finishedAt
            dataset = experiment.dataset
            datasetFingerprint = experiment.datasetFingerprint
            split = experiment.splitMethod
            // The execution's split and, with folds, every fold's.
            var prints = [experiment.splitFingerprint]
            for run in report.runs.sorted(by: { $0.fold < $1.fold }) where !run.splitFingerprint.isEmpty && !prints.contains(run.splitFingerprint) {
                prints.append(run.splitFingerprint)
            }
            splitFingerprints = prints
            evaluationProtocol = experiment.evaluationProtocol
            metricsVersion = experiment.metricsVersion
        }
    }

    /// One metric of one model on both sides.
    public struct Value: Sendable, Encodable {
        public var metric: String
        public var a: ExperimentReport.Aggregate?
        public var b: ExperimentReport.Aggregate?
        /// B − A of the means, when both exist.
        public var delta: Double?
    }

    public struct Row: Sendable, Encodable {
        public var label: String
        public var plugin: String
        /// "ok", "failed" (no successful selected runs) or "absent", per side.
        public var statusA: String
        public var statusB: String
        public var values: [Value]
    }

    public var a: Side
    public var b: Side
    public var metrics: [String]
    public var rows: [Row]
    /// Whether both saw the same dataset rows and the same split(s), under the same protocol.
    public var sameRows: Bool
    /// Differences that make the numbers not directly comparable, worst first.
    public var warnings: [String]

    /// `metrics` are labels such as "ndcg@10" or "rmse"; empty means every metric both measured.
    public init(a reportA: ExperimentReport, b reportB: ExperimentReport, metrics requested: [String] = []) throws {
        a = Side(reportA)
        b = Side(reportB)
        let columnsA = reportA.columns, columnsB = reportB.columns
        var columns: [ExperimentReport.Column] = []
        if requested.isEmpty {
            columns = columnsA.filter(columnsB.contains)
            guard !columns.isEmpty else {
                throw ReportError("the two executions have no metric in common (A: \(Self.list(columnsA)); B: \(Self.list(columnsB)))")
            }
        } else {
            let known = Array(Set(columnsA + columnsB)).sorted()
            for name in requested {
                guard let column = ExperimentReport.Column(label: name), known.contains(column) else {
                    var message = "neither execution measured \"\(name)\""
                    if let guess = closest(name, among: known.map(\.label)) { message += " (did you mean \"\(guess)\"?)" }
                    throw ReportError(message + "; they measured: \(Self.list(known))")
                }
                if !columns.contains(column) { columns.append(column) }
            }
        }
        metrics = columns.map(\.label)

        let modelsA = reportA.models, modelsB = reportB.models
        func key(_ model: ExperimentReport.ModelSummary) -> String { model.label + "\u{0}" + model.plugin }
        var order: [String] = []
        var pairs: [String: (ExperimentReport.ModelSummary?, ExperimentReport.ModelSummary?)] = [:]
        for model in modelsA where pairs[key(model)] == nil {
            order.append(key(model))
            pairs[key(model)] = (model, nil)
        }
        for model in modelsB {
            if let existing = pairs[key(model)] {
                if existing.1 == nil { pairs[key(model)] = (existing.0, model) }
            } else {
                order.append(key(model))
                pairs[key(model)] = (nil, model)
            }
        }
        func status(_ model: ExperimentReport.ModelSummary?) -> String {
            guard let model else { return "absent" }
            return model.succeeded ? "ok" : "failed"
        }
        rows = order.map { name in
            let (modelA, modelB) = pairs[name]!
            let any = (modelA ?? modelB)!
            let values = columns.map { column -> Value in
                let valueA = modelA.flatMap { $0.succeeded ? reportA.aggregate($0, column) : nil }
                let valueB = modelB.flatMap { $0.succeeded ? reportB.aggregate($0, column) : nil }
                let delta: Double? = if let valueA, let valueB { valueB.mean - valueA.mean } else { nil }
                return Value(metric: column.label, a: valueA, b: valueB, delta: delta)
            }
            return Row(label: any.label, plugin: any.plugin, statusA: status(modelA), statusB: status(modelB), values: values)
        }

        var warnings: [String] = []
        if a.dataset != b.dataset { warnings.append("different datasets: \(a.dataset) (A) and \(b.dataset) (B)") }
        if a.datasetFingerprint != b.datasetFingerprint {
            warnings.append("different dataset rows: fingerprint \(a.datasetFingerprint.prefix(12))… (A) vs \(b.datasetFingerprint.prefix(12))… (B)")
        }
        if a.splitFingerprints != b.splitFingerprints {
            warnings.append("different splits: \(a.split) \(a.splitFingerprints[0].prefix(12))… (A) vs \(b.split) \(b.splitFingerprints[0].prefix(12))… (B)"
                + (a.splitFingerprints.count != b.splitFingerprints.count ? "; \(a.splitFingerprints.count) vs \(b.splitFingerprints.count) split fingerprints" : ""))
        }
        if a.evaluationProtocol != b.evaluationProtocol {
            warnings.append("different protocols: \(a.evaluationProtocol) (A) vs \(b.evaluationProtocol) (B)")
        }
        if a.metricsVersion != b.metricsVersion {
            warnings.append("different metric definitions: v\(a.metricsVersion) (A) vs v\(b.metricsVersion) (B)")
        }
        for row in rows where row.statusA == "ok" && row.statusB == "ok" {
            let pluginsA = Set(reportA.models.first { $0.label == row.label && $0.plugin == row.plugin }?.runs.map(\.pluginSHA256) ?? [])
            let pluginsB = Set(reportB.models.first { $0.label == row.label && $0.plugin == row.plugin }?.runs.map(\.pluginSHA256) ?? [])
            if pluginsA != pluginsB { warnings.append("\(row.label): the plugin binary differs (SHA-256) between A and B") }
        }
        sameRows = a.datasetFingerprint == b.datasetFingerprint && a.splitFingerprints == b.splitFingerprints
            && a.evaluationProtocol == b.evaluationProtocol
        self.warnings = warnings
    }

    private static func list(_ columns: [ExperimentReport.Column]) -> String {
        columns.isEmpty ? "none" : columns.map(\.label).joined(separator: ", ")
    }

    /// The comparison for a terminal: the two executions, the data verdict, one table per metric.
    public func text() -> String {
        var lines: [String] = []
        for (name, side) in [("A", a), ("B", b)] {
            lines.append("\(name): #\(side.execution) \(side.name) (\(side.status)\(side.finishedAt.map { ", finished \($0)" } ?? "")) — "
                + "\(side.dataset), \(side.split), \(side.evaluationProtocol)")
        }
        lines.append("")
        if sameRows {
            lines.append("Same data: dataset \(a.datasetFingerprint.prefix(12))… and split \(a.splitFingerprints[0].prefix(12))… in both; "
                + "the models saw the same rows.")
        } else {
            lines.append("WARNING: A and B did NOT evaluate on the same rows: the values below compare across different data.")
        }
        for warning in warnings { lines.append((sameRows ? "note: " : "  - ") + warning) }
        for (index, metric) in metrics.enumerated() {
            lines.append("")
            lines.append("\(metric) (Δ = B − A)")
            var table = [["model", "plugin", "A", "B", "Δ"]]
            for row in rows {
                let value = row.values[index]
                table.append([row.label, row.plugin, cell(value.a, row.statusA), cell(value.b, row.statusB),
                              value.delta.map { delta in
                                  let relative = value.a.map { abs($0.mean) > 1e-12 ? String(format: " (%+.1f%%)", 100 * delta / abs($0.mean)) : "" } ?? ""
                                  return String(format: "%+.4f", delta) + relative
                              } ?? "-"])
            }
            let widths = (0..<5).map { column in table.map { $0[column].count }.max()! }
            for cells in table {
                let padded = cells.enumerated().map { column, text in
                    column < 2 ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - text.count) + text
                }
                lines.append("  " + padded.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func cell(_ value: ExperimentReport.Aggregate?, _ status: String) -> String {
        guard let value else { return status == "ok" ? "-" : status }
        return String(format: "%.4f", value.mean) + (value.n > 1 ? String(format: " ± %.4f", value.std) : "")
    }
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
func closest(_ name: String, among candidates: [String]) -> String? {
    func distance(_ x: String, _ y: String) -> Int {
        let a = Array(x.lowercased()), b = Array(y.lowercased())
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
    let scored = candidates.map { ($0, distance(name, $0)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    guard let best = scored.first, best.1 <= max(2, name.count / 3) else { return nil }
    return best.0
}
