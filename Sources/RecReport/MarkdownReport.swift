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
        let folds = experiment.foldCount
        out.append("Protocol **\(experiment.evaluationProtocol)**, metric definitions v\(experiment.metricsVersion) "
            + "(see `docs/metrics.md`)"
            + (experiment.evaluationProtocol.hasPrefix("rating") ? "; over all test pairs" : "; means over the users evaluated")
            + (folds > 1 ? "; mean ± standard deviation over \(folds) folds" : "")
            + ". Best value per column in bold (lowest for rmse and mae).")
        out.append("")
        out.append(contentsOf: resultsTable())
        out.append("")
        out.append("![metrics chart](chart.svg)")
        out.append("")
        let beyond = report.beyondAccuracyColumns
        let finished = report.models.filter(\.succeeded)
        if !beyond.isEmpty && !finished.isEmpty {
            out.append("### Beyond accuracy")
            out.append("")
            out.append("Over the whole set of top-K lists (docs/metrics.md): item coverage, Gini index of exposure, "
                + "novelty (mean self-information), average recommendation popularity (ARP)"
                + (beyond.contains { $0.metric == "ild" } ? ", intra-list diversity over genres (ILD)." : "."))
            out.append("")
            out.append("| model | " + beyond.map(\.label).joined(separator: " | ") + " |")
            out.append("|---|" + String(repeating: "---:|", count: beyond.count))
            for model in finished {
                let cells = beyond.map { column in
                    report.aggregate(model, column).map { String(format: column.metric == "arp" ? "%.1f" : "%.4f", $0.mean) } ?? "-"
                }
                out.append("| \(cell(model.label)) | " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        if let headline = report.headline,
           let significance = Significance(report: report, ledger: report.headlinePerUser, metric: headline.label) {
            out.append(contentsOf: significance.markdown())
            out.append("")
        }
        let checks = report.referenceChecks
        if !checks.isEmpty {
            let passed = checks.filter(\.passed).count
            out.append("### Reproduction of published values")
            out.append("")
            out.append("\(passed) of \(checks.count) within tolerance.")
            out.append("")
            out.append("| model | metric | published | measured | delta | tolerance | verdict | source |")
            out.append("|---|---|---:|---:|---:|---:|---|---|")
            for check in checks {
                let measured = check.measured.map { String(format: "%.4f", $0) } ?? "-"
                let delta = check.delta.map { String(format: "%+.4f", $0) } ?? "-"
                out.append("| \(cell(check.model)) | \(check.metric) | \(String(format: "%.4f", check.published)) | \(measured) | \(delta) | "
                    + "±\(String(format: "%.4f", check.tolerance)) | \(check.passed ? "PASS" : "**FAIL**") | \(oneLine(check.source)) |")
            }
            out.append("")
        }
        let timings = report.timingChecks
        if !timings.isEmpty {
            out.append("### Time beside other tools")
            out.append("")
            out.append("Fit plus prediction/scoring, summed over all folds, on this machine.")
            out.append("")
            out.append("| model | recbench (s) | other (s) | speed-up | aim | source |")
            out.append("|---|---:|---:|---:|---|---|")
            for timing in timings {
                let ours = timing.ours.map { String(format: "%.3f", $0) } ?? "-"
                let speedup = timing.speedup.map { String(format: "%.1f×", $0) } ?? "-"
                let aim = String(format: "≥ %.0f× ", timing.targetSpeedup) + (timing.metTarget ? "met" : "**missed**")
                out.append("| \(cell(timing.model)) | \(ours) | \(String(format: "%.2f", timing.theirs)) | \(speedup) | \(aim) | \(oneLine(timing.source)) |")
            }
            out.append("")
        }
        let failed = report.runs.filter { $0.status != "ok" }
        if !failed.isEmpty {
            out.append("### Failed runs")
            out.append("")
            for run in failed {
                let fold = experiment.foldCount > 1 ? ", fold \(run.fold + 1)" : ""
                out.append("- **\(run.label)** (\(run.plugin) \(run.pluginVersion)\(fold)): \(oneLine(run.error ?? "unknown error"))")
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

        out.append("## Models")
        out.append("")
        let unit = experiment.evaluationProtocol.hasPrefix("rating") ? "test pairs" : "users"
        out.append("Times are totals over \(experiment.foldCount > 1 ? "the \(experiment.foldCount) folds" : "the run") (fit; evaluation = scoring or prediction plus metrics).")
        out.append("")
        out.append("| model | plugin | version | parameters | seed | status | fit (s) | evaluation (s) | \(unit) |")
        out.append("|---|---|---|---|---|---|---:|---:|---:|")
        for model in report.models {
            let run = model.first
            let status = model.succeeded ? "ok" : "\(model.runs.filter { $0.status != "ok" }.count) of \(model.runs.count) failed"
            let evaluated = model.runs.compactMap(\.usersEvaluated)
            out.append("| \(cell(model.label)) | \(run.plugin) | \(run.pluginVersion) | `\(cell(run.params))` | \(run.seed) | \(status) | "
                + "\(seconds(model.runs.contains { $0.fitSeconds != nil } ? model.fitSeconds : nil)) | "
                + "\(seconds(model.runs.contains { $0.evalSeconds != nil } ? model.evalSeconds : nil)) | "
                + "\(evaluated.isEmpty ? "-" : grouped(evaluated.reduce(0, +) / evaluated.count)) |")
        }
        out.append("")
        if let unknown = unknownPairsNote() {
            out.append(unknown)
            out.append("")
        }
        out.append("Plugin binaries (SHA-256):")
        out.append("")
        var listed = Set<String>()
        for model in report.models where listed.insert(model.first.pluginSHA256 + model.first.plugin).inserted {
            let run = model.first
            out.append("- \(run.plugin) \(run.pluginVersion): `\(run.pluginSHA256)` (`\((run.pluginPath as NSString).lastPathComponent)`)")
        }
        out.append("")
        if experiment.foldCount > 1 {
            out.append("Folds (train / test interactions, split fingerprint):")
            out.append("")
            let firstModel = report.models[0]
            for run in firstModel.runs {
                out.append("- fold \(run.fold + 1): \(grouped(run.trainCount)) / \(grouped(run.testCount)), `\(run.splitFingerprint)`")
            }
            out.append("")
        }

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
        let models = report.models.filter(\.succeeded)
        guard !columns.isEmpty, !models.isEmpty else { return ["No model finished all its runs successfully."] }
        let showStd = report.experiment.foldCount > 1
        func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
        let best: [Double?] = columns.map { column in
            let means = models.compactMap { report.aggregate($0, column)?.mean }.map(rounded)
            return column.lowerIsBetter ? means.min() : means.max()
        }
        var lines = ["| model | " + columns.map(\.label).joined(separator: " | ") + " |"]
        lines.append("|---|" + String(repeating: "---:|", count: columns.count))
        for model in models {
            let cells = columns.enumerated().map { index, column -> String in
                guard let (mean, std) = report.aggregate(model, column) else { return "-" }
                var text = String(format: "%.4f", mean)
                if models.count > 1, rounded(mean) == best[index] { text = "**\(text)**" }
                return showStd ? text + String(format: " ± %.4f", std) : text
            }
            lines.append("| \(cell(model.label)) | " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// Rating protocol: how many test pairs no model was asked about (unknown user or item).
    private func unknownPairsNote() -> String? {
        guard let model = report.models.first(where: \.succeeded) else { return nil }
        let counts = model.runs.compactMap { report.metrics[$0.id!]?.first { $0.metric == "unknown_pairs" }?.value }
        guard !counts.isEmpty else { return nil }
        let who = report.experiment.evaluationProtocol == "rating:model-fallback"
            ? "were predicted by each model's own fallback, as in Surprise (e.g. μ + b_u for an unknown item)"
            : "were predicted with the training mean, without asking the model"
        return "Test pairs whose user or item had no training rating \(who): \(grouped(Int(counts.reduce(0, +)))) over all folds."
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
        case "rating":
            return "rating — RMSE and MAE over all test pairs; predictions clipped to the rating scale; pairs with an unknown user or item predicted with the training mean"
        case "rating:model-fallback":
            return "rating:model-fallback — RMSE and MAE over all test pairs; predictions clipped to the rating scale; every pair predicted by the model, which applies its own fallback for an unknown user or item (Surprise's convention)"
        default:
            return name
        }
    }

    private func json(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    private func seconds(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }

    /// Text safe inside a Markdown table cell.
    private func cell(_ text: String) -> String { oneLine(text) }

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
