import Foundation
import RecLedger

/// The report's CSV files.
enum ResultsCSV {
    static let resultsHeader = "label,plugin,plugin_version,point,selected,seed,fold,status,metric,cutoff,protocol,value,fit_seconds,eval_seconds"

    /// results.csv: one row per run and metric — every run of the execution (every search point,
    /// seed and fold; `selected` says which ones the tables summarise), test metrics before the
    /// validation ones. A run without metrics (a failed one) has one row with empty metric fields.
    static func results(_ report: ExperimentReport) -> String {
        var lines = [resultsHeader]
        for run in report.runs {
            let head = [run.label, run.plugin, run.pluginVersion, String(run.point), run.selected ? "true" : "false",
                        String(run.seed), String(run.fold + 1), run.status]
            let tail = [run.fitSeconds.map(seconds) ?? "", run.evalSeconds.map(seconds) ?? ""]
            let records = (report.metrics[run.id!] ?? []).sorted { a, b in
                let x = ExperimentReport.isValidation(a.evaluationProtocol), y = ExperimentReport.isValidation(b.evaluationProtocol)
                if x != y { return !x }
                let c = ExperimentReport.Column(metric: a.metric, cutoff: a.cutoff), d = ExperimentReport.Column(metric: b.metric, cutoff: b.cutoff)
                return c != d ? c < d : a.evaluationProtocol < b.evaluationProtocol
            }
            if records.isEmpty { lines.append(row(head + ["", "", "", ""] + tail)) }
            for record in records {
                lines.append(row(head + [record.metric, String(record.cutoff), record.evaluationProtocol, value(record.value)] + tail))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// metrics.csv, the first layout (kept for scripts that read it): one row per run and metric,
    /// metrics by name then cutoff, fold 1-based.
    static func metrics(_ report: ExperimentReport) -> String {
        var lines = ["model,plugin,plugin_version,fold,status,metric,cutoff,protocol,definition_version,value"]
        for run in report.runs {
            let head = [run.label, run.plugin, run.pluginVersion, String(run.fold + 1), run.status]
            let records = report.metrics[run.id!] ?? []
            if records.isEmpty { lines.append(row(head + ["", "", "", "", ""])) }
            for record in records.sorted(by: { ($0.metric, $0.cutoff, $0.evaluationProtocol) < ($1.metric, $1.cutoff, $1.evaluationProtocol) }) {
                lines.append(row(head + [record.metric, String(record.cutoff), record.evaluationProtocol,
                                         String(record.definitionVersion), value(record.value)]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func value(_ value: Double) -> String { String(format: "%.6f", value) }
    private static func seconds(_ value: Double) -> String { String(format: "%.6f", value) }

    private static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }

    static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
