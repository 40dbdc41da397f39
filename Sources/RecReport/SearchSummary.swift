import Foundation
import RecLedger

/// The parameter points a searched model tried, with the validation metric each scored.
struct SearchSummary {
    struct Point {
        var point: Int
        /// Canonical JSON of the point's parameters (from its first run).
        var params: String
        var runs: [RunRecord]
        /// The selection metric on the validation part, over the point's runs that measured it.
        var validation: ExperimentReport.Aggregate?
        var selected: Bool
        var failed: Int { runs.filter { $0.status != "ok" }.count }
    }

    let model: ExperimentReport.ModelSummary
    let metric: ExperimentReport.Column
    let points: [Point]

    init(report: ExperimentReport, model: ExperimentReport.ModelSummary, metric: ExperimentReport.Column) {
        self.model = model
        self.metric = metric
        points = model.points.map { point in
            let runs = model.allRuns.filter { $0.point == point }
            return Point(point: point, params: runs[0].params, runs: runs,
                         validation: ExperimentReport.Aggregate(runs.compactMap { report.validationValue(run: $0, metric) }),
                         selected: runs.contains(where: \.selected))
        }
    }
}

extension ExperimentReport {
    /// The validation metric that selects a searched model's point: the file's `select_by`
    /// (in [evaluation]), else the runner's default (the first ndcg, by cutoff, else the first
    /// ranking metric) among the metrics measured on the validation part.
    public var selectionColumn: Column? {
        var validation = Set<Column>()
        for records in metrics.values {
            for record in records where Self.isValidation(record.evaluationProtocol) {
                validation.insert(Column(metric: record.metric, cutoff: record.cutoff))
            }
        }
        let measured = validation.sorted()
        if let named = Self.selectBy(in: experiment.fileText), measured.contains(named) { return named }
        return measured.first { $0.metric == "ndcg" } ?? measured.first { $0.cutoff > 0 } ?? measured.first
    }

    /// `select_by = "…"` in the experiment file's text (the ledger keeps the file, not its parse).
    static func selectBy(in fileText: String) -> Column? {
        for line in fileText.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("select_by") else { continue }
            let rest = text.dropFirst("select_by".count).trimmingCharacters(in: .whitespaces)
            guard rest.hasPrefix("=") else { continue }
            let value = rest.dropFirst().trimmingCharacters(in: .whitespaces)
            guard let quote = value.first, quote == "\"" || quote == "'" else { continue }
            let inner = value.dropFirst()
            guard let end = inner.firstIndex(of: quote) else { continue }
            return Column(label: String(inner[..<end]))
        }
        return nil
    }
}
