import Foundation
import RecLedger

/// The report's README.md.
struct MarkdownReport {
    let report: ExperimentReport
    let command: String

    func render() -> String {
        let experiment = report.experiment
        var out: [String] = []
        out.append("# \(experiment.name)")
        out.append("")
        if !experiment.description.isEmpty {
            out.append(experiment.description)
            out.append("")
        }
        out.append("Generated from the recbench ledger by `\(command)` (experiment execution #\(experiment.id!), "
            + "started \(experiment.startedAt), finished \(experiment.finishedAt ?? "-"), status \(experiment.status)). "
            + "Do not edit: regenerate.")
        out.append("")

        out.append("## Results")
        out.append("")
        out.append("Protocol **\(experiment.evaluationProtocol)**, metric definitions v\(experiment.metricsVersion) "
            + "(see `docs/metrics.md`); means over the users evaluated. Best value per column in bold.")
        out.append("")
        out.append(contentsOf: resultsTable())
        out.append("")
        out.append("![metrics chart](chart.svg)")
        out.append("")
        let failed = report.runs.filter { $0.status != "ok" }
        if !failed.isEmpty {
            out.append("### Failed runs")
            out.append("")
            for run in failed {
                out.append("- **\(run.label)** (\(run.plugin) \(run.pluginVersion)): \(oneLine(run.error ?? "unknown error"))")
            }
            out.append("")
        }

        out.append("## Setup")
        out.append("")
        out.append("| | |")
        out.append("|---|---|")
        out.append("| dataset | \(experiment.dataset) — \(datasetSummary()) |")
        out.append("| dataset fingerprint | `\(experiment.datasetFingerprint)` |")
        out.append("| split | \(experiment.splitMethod): \(grouped(experiment.trainCount)) train / \(grouped(experiment.testCount)) test interactions |")
        out.append("| split fingerprint | `\(experiment.splitFingerprint)` |")
        out.append("| protocol | \(protocolDescription(experiment.evaluationProtocol)) |")
        out.append("| experiment file | `\(experiment.filePath)` (sha256 `\(experiment.fileSHA256.prefix(16))…`) |")
        out.append("| recbench | \(experiment.hostVersion) |")
        out.append("| machine | \(environmentSummary()) |")
        out.append("")

        out.append("## Runs")
        out.append("")
        out.append("| model | plugin | version | parameters | seed | status | fit (s) | evaluation (s) | users |")
        out.append("|---|---|---|---|---|---|---:|---:|---:|")
        for run in report.runs {
            out.append("| \(run.label) | \(run.plugin) | \(run.pluginVersion) | `\(run.params)` | \(run.seed) | \(run.status) | "
                + "\(seconds(run.fitSeconds)) | \(seconds(run.evalSeconds)) | \(run.usersEvaluated.map(String.init) ?? "-") |")
        }
        out.append("")
        out.append("Plugin binaries (SHA-256):")
        out.append("")
        for run in report.runs {
            out.append("- \(run.plugin) \(run.pluginVersion): `\(run.pluginSHA256)` (`\((run.pluginPath as NSString).lastPathComponent)`)")
        }
        out.append("")

        out.append("## Experiment file")
        out.append("")
        out.append("```toml")
        out.append(experiment.fileText.trimmingCharacters(in: .newlines))
        out.append("```")
        out.append("")
        return out.joined(separator: "\n")
    }

    private func resultsTable() -> [String] {
        let columns = report.columns
        let runs = report.succeeded
        guard !columns.isEmpty, !runs.isEmpty else { return ["No run finished successfully."] }
        var best: [Double] = columns.map { column in
            runs.compactMap { report.value(run: $0, metric: column.metric, cutoff: column.cutoff) }.max() ?? .nan
        }
        best = best.map { ($0 * 10_000).rounded() / 10_000 }
        var lines = ["| model | " + columns.map { "\($0.metric)@\($0.cutoff)" }.joined(separator: " | ") + " |"]
        lines.append("|---|" + String(repeating: "---:|", count: columns.count))
        for run in runs {
            let cells = columns.enumerated().map { index, column -> String in
                guard let value = report.value(run: run, metric: column.metric, cutoff: column.cutoff) else { return "-" }
                let text = String(format: "%.4f", value)
                return (value * 10_000).rounded() / 10_000 == best[index] && runs.count > 1 ? "**\(text)**" : text
            }
            lines.append("| \(run.label) | " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    private func datasetSummary() -> String {
        guard let stats = json(report.experiment.datasetStats) else { return report.experiment.datasetStats }
        let users = (stats["users"] as? Int).map(grouped) ?? "?"
        let items = (stats["items"] as? Int).map(grouped) ?? "?"
        let interactions = (stats["interactions"] as? Int).map(grouped) ?? "?"
        let density = (stats["density"] as? Double).map { String(format: "%.2f%%", $0 * 100) } ?? "?"
        return "\(users) users, \(items) items, \(interactions) interactions (density \(density))"
    }

    private func environmentSummary() -> String {
        guard let environment = json(report.experiment.environment) else { return report.experiment.environment }
        let cpu = environment["cpu"] as? String ?? "unknown CPU"
        let cores = environment["cores"] as? Int ?? 0
        let os = environment["os"] as? String ?? ""
        return "\(cpu), \(cores) cores, \(os)"
    }

    private func protocolDescription(_ name: String) -> String {
        switch name {
        case "full-ranking":
            return "full-ranking — every item scored for every test user; the user's training items masked; top-K by the host, ties broken by ascending item index"
        default:
            return name
        }
    }

    private func json(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    private func seconds(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }

    private func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
    }
}

/// 100000 → "100,000".
func grouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return (value < 0 ? "-" : "") + out
}
