import Foundation
import RecLedger

/// What a report says, section by section, as format-independent blocks (README.md and
/// index.html render them).
struct ReportDocument {
    let report: ExperimentReport
    let command: String
    /// The charts drawn for this report, in the order they are shown.
    let charts: [ChartFile]
    /// Pairwise tests on the headline metric (nil when fewer than two models have per-user values).
    let significance: Significance?

    func blocks() -> [ReportBlock] {
        let experiment = report.experiment
        var out: [ReportBlock] = [.heading(level: 1, text: experiment.name)]
        if !experiment.description.isEmpty { out.append(.paragraph(experiment.description)) }
        out.append(.paragraph("Generated from the recbench ledger by `\(command)` (experiment execution #\(experiment.id!), "
            + "started \(experiment.startedAt), finished \(experiment.finishedAt ?? "-"), status \(experiment.status)). "
            + "Do not edit: regenerate."))
        out.append(.paragraph("Beside this file: `results.csv` (every run and metric), `metrics.csv` (the same, in the first layout), "
            + "`table.tex` (the results table for LaTeX, booktabs), `index.html` (this report with its charts, self-contained); "
            + "every chart as SVG and PNG with the gnuplot script that draws it."))

        out.append(.heading(level: 2, text: "Results"))
        out.append(contentsOf: results())
        out.append(contentsOf: beyondAccuracy())
        out.append(contentsOf: sampledProtocols())
        out.append(contentsOf: slices())
        if let significance { out.append(contentsOf: significance.blocks()) }
        out.append(contentsOf: references())
        out.append(contentsOf: timings())
        out.append(contentsOf: failures())
        let more = charts.filter { $0.stem != BarChart.stem }
        if !more.isEmpty {
            out.append(.heading(level: 2, text: "Charts"))
            for chart in more {
                out.append(.heading(level: 3, text: chart.title))
                out.append(.paragraph(chart.caption))
                out.append(.chart(alt: chart.title, svg: chart.stem + ".svg"))
            }
        }
        out.append(contentsOf: search())
        out.append(contentsOf: setup())
        out.append(contentsOf: modelsSection())
        out.append(.heading(level: 2, text: "Experiment file"))
        out.append(.code(language: "toml", text: experiment.fileText.trimmingCharacters(in: .newlines)))
        return out
    }

    // MARK: - Results

    /// "3 seeds × 5 folds", "5 folds", "3 seeds"; nil for one run per model.
    var spread: String? {
        let seeds = report.seedCount, folds = report.foldCount
        var parts: [String] = []
        if seeds > 1 { parts.append("\(seeds) seeds") }
        if folds > 1 { parts.append("\(folds) folds") }
        if parts.isEmpty { return report.runsPerModel.contains { $0 > 1 } ? "each model's runs" : nil }
        return parts.joined(separator: " × ")
    }

    private func results() -> [ReportBlock] {
        let experiment = report.experiment
        let columns = report.columns
        let models = report.models.filter(\.succeeded)
        let table = ResultsTable(report: report, significance: significance)
        var sentence = "Protocol **\(experiment.evaluationProtocol)**, metric definitions v\(experiment.metricsVersion) (see `docs/metrics.md`)"
            + (experiment.evaluationProtocol.hasPrefix("rating") ? "; over all test pairs" : "; means over the users evaluated")
            + (spread.map { "; mean ± standard deviation over \($0)" } ?? "")
        if report.models.contains(where: \.hasSearch) { sentence += "; searched models at their selected point" }
        sentence += ". Best value per column in bold" + (models.count > 2 ? ", second underlined" : "") + " (lowest for rmse and mae)."
        var out: [ReportBlock] = [.paragraph(sentence)]
        guard !columns.isEmpty, !models.isEmpty else {
            out.append(.paragraph("No model finished all its runs successfully."))
            return out
        }
        out.append(.table(table.table()))
        if let note = table.significanceNote { out.append(.paragraph(note)) }
        if charts.contains(where: { $0.stem == BarChart.stem }) {
            out.append(.chart(alt: "metrics chart", svg: BarChart.stem + ".svg"))
        }
        return out
    }

    private func beyondAccuracy() -> [ReportBlock] {
        let beyond = report.beyondAccuracyColumns
        let finished = report.models.filter(\.succeeded)
        guard !beyond.isEmpty, !finished.isEmpty else { return [] }
        let rows = finished.map { model in
            [ReportTable.Cell(model.label)] + beyond.map { column in
                ReportTable.Cell(report.aggregate(model, column).map { String(format: column.metric == "arp" ? "%.1f" : "%.4f", $0.mean) } ?? "-")
            }
        }
        return [
            .heading(level: 3, text: "Beyond accuracy"),
            .paragraph("Over the whole set of top-K lists (docs/metrics.md): item coverage, Gini index of exposure, "
                + "novelty (mean self-information), average recommendation popularity (ARP)"
                + (beyond.contains { $0.metric == "ild" } ? ", intra-list diversity over genres (ILD)." : ".")
                + (spread.map { " Means over \($0)." } ?? "")),
            .table(ReportTable(header: ["model"] + beyond.map(\.label), rows: rows)),
        ]
    }

    /// One table per sampled protocol: the same models and metrics over each user's relevant items
    /// and sampled negatives only.
    private func sampledProtocols() -> [ReportBlock] {
        let finished = report.models.filter(\.succeeded)
        guard !finished.isEmpty else { return [] }
        var out: [ReportBlock] = []
        for name in report.sampledProtocols {
            let columns = report.sampledColumns(name)
            let rows = finished.map { model in
                let aggregates = columns.map { report.sampledAggregate(model, name, $0) }
                return [ReportTable.Cell(model.label)] + aggregates.map { aggregate in
                    ReportTable.Cell(aggregate.map { String(format: "%.4f", $0.mean) } ?? "-",
                                     suffix: aggregate.map { $0.n > 1 ? String(format: " ± %.4f", $0.std) : "" } ?? "")
                }
            }
            let fingerprints = Set(finished.flatMap(\.runs).compactMap(\.candidatesFingerprint)).sorted()
            out.append(.heading(level: 3, text: "Protocol \(name)"))
            out.append(.paragraph("Each test user ranked over its relevant test items and its sampled negatives only "
                + "(docs/metrics.md, protocol `sampled`); the negatives are stored in the ledger under "
                + fingerprints.map { "`\($0.prefix(16))…`" }.joined(separator: ", ") + "."
                + (spread.map { " Mean ± standard deviation over \($0)." } ?? "")))
            out.append(.table(ReportTable(header: ["model"] + columns.map(\.label), rows: rows)))
        }
        return out
    }

    /// The headline metric by user-activity bucket and recall@K of the headline's K by item-popularity bucket.
    private func slices() -> [ReportBlock] {
        guard let headline = report.headline else { return [] }
        var tables: [(String, String, ExperimentReport.SliceTable)] = []
        if let users = report.sliceTable("user-activity", headline) {
            tables.append(("\(headline.label) by user activity",
                           "Users bucketed by their number of training interactions (0 = cold start); the mean of the per-user values "
                           + "of each bucket's users. Column heads give the bucket and its users"
                           + (report.foldCount > 1 ? " (summed over folds)" : "") + ".", users))
        }
        let recall = ExperimentReport.Column(metric: "recall", cutoff: headline.cutoff)
        if let items = report.sliceTable("item-popularity", recall) {
            tables.append(("\(recall.label) by item popularity",
                           "Test items bucketed by their number of training interactions (0 = unseen in training); per user, recall "
                           + "restricted to its test items in the bucket, averaged over the users that have any. Column heads give the "
                           + "bucket and those users.", items))
        }
        guard !tables.isEmpty else { return [] }
        var out: [ReportBlock] = [.heading(level: 3, text: "Slices")]
        for (title, note, table) in tables {
            out.append(.paragraph("**\(title)** — \(note)" + (spread.map { " Pooled over \($0): the mean over every (run, user) in the bucket." } ?? "")))
            let header = ["model"] + table.buckets.map { "\($0.label) (\(grouped($0.users)))" }
            let rows = table.rows.map { row in
                [ReportTable.Cell(row.model)] + row.values.map { ReportTable.Cell($0.map { String(format: "%.4f", $0) } ?? "-") }
            }
            out.append(.table(ReportTable(header: header, rows: rows)))
        }
        return out
    }

    private func references() -> [ReportBlock] {
        let checks = report.referenceChecks
        guard !checks.isEmpty else { return [] }
        let rows = checks.map { check -> [ReportTable.Cell] in
            [.init(check.model), .init(check.metric), .init(String(format: "%.4f", check.published)),
             .init(check.measured.map { String(format: "%.4f", $0) } ?? "-"),
             .init(check.delta.map { String(format: "%+.4f", $0) } ?? "-"),
             .init("±" + String(format: "%.4f", check.tolerance)),
             check.passed ? .init("PASS") : .init("FAIL", emphasis: .best), .init(check.source)]
        }
        return [
            .heading(level: 3, text: "Reproduction of published values"),
            .paragraph("\(checks.filter(\.passed).count) of \(checks.count) within tolerance."),
            .table(ReportTable(header: ["model", "metric", "published", "measured", "delta", "tolerance", "verdict", "source"],
                               alignments: [.left, .left, .right, .right, .right, .right, .left, .left], rows: rows)),
        ]
    }

    private func timings() -> [ReportBlock] {
        let timings = report.timingChecks
        guard !timings.isEmpty else { return [] }
        let rows = timings.map { timing -> [ReportTable.Cell] in
            [.init(timing.model), .init(timing.ours.map { String(format: "%.3f", $0) } ?? "-"),
             .init(String(format: "%.2f", timing.theirs)), .init(timing.speedup.map { String(format: "%.1f×", $0) } ?? "-"),
             .init(String(format: "≥ %.0f× ", timing.targetSpeedup) + (timing.metTarget ? "met" : "**missed**")), .init(timing.source)]
        }
        return [
            .heading(level: 3, text: "Time beside other tools"),
            .paragraph("Fit plus prediction/scoring, summed over all " + (report.runsPerModel == [1] ? "runs" : "folds") + ", on this machine."),
            .table(ReportTable(header: ["model", "recbench (s)", "other (s)", "speed-up", "aim", "source"],
                               alignments: [.left, .right, .right, .right, .left, .left], rows: rows)),
        ]
    }

    private func failures() -> [ReportBlock] {
        let failed = report.runs.filter { $0.status != "ok" }
        guard !failed.isEmpty else { return [] }
        let searched = Set(report.models.filter(\.hasSearch).map(\.position))
        let items = failed.map { run in
            var place = ""
            if searched.contains(run.position) { place += ", point \(run.point)" }
            if report.seedCount > 1 { place += ", seed \(run.seed)" }
            if report.foldCount > 1 { place += ", fold \(run.fold + 1)" }
            return "**\(run.label)** (\(run.plugin) \(run.pluginVersion)\(place)): \(oneLine(run.error ?? "unknown error"))"
        }
        return [.heading(level: 3, text: "Failed runs"), .list(items)]
    }

    // MARK: - Search

    private func search() -> [ReportBlock] {
        let searched = report.models.filter(\.hasSearch)
        guard !searched.isEmpty else { return [] }
        var out: [ReportBlock] = [.heading(level: 2, text: "Search")]
        guard let metric = report.selectionColumn else {
            out.append(.paragraph("The ledger holds no metric measured on a validation part, so the points cannot be compared here."))
            return out
        }
        out.append(.paragraph("Every parameter point of every searched model with its \(metric.label) on the validation part "
            + "(mean over its runs); the selected point, in bold, is the one the results above show, evaluated on the test part."))
        for model in searched {
            let summary = SearchSummary(report: report, model: model, metric: metric)
            let rows = summary.points.map { point -> [ReportTable.Cell] in
                let emphasis: ReportTable.Cell.Emphasis = point.selected ? .best : .none
                let value = point.validation.map { aggregate in
                    ReportTable.Cell(String(format: "%.4f", aggregate.mean), emphasis: emphasis,
                                     suffix: aggregate.n > 1 ? String(format: " ± %.4f", aggregate.std) : "")
                } ?? ReportTable.Cell("-")
                let status = point.failed == 0 ? "ok" : "\(point.failed) of \(point.runs.count) failed"
                return [.init(String(point.point), emphasis: emphasis), .init(point.params, code: true),
                        value, .init(String(point.runs.count)), .init(status)]
            }
            out.append(.heading(level: 3, text: "\(model.label) (\(model.plugin))"))
            out.append(.table(ReportTable(header: ["point", "parameters", "validation \(metric.label)", "runs", "status"],
                                          alignments: [.right, .left, .right, .right, .left], rows: rows)))
        }
        return out
    }

    // MARK: - Setup and models

    private func setup() -> [ReportBlock] {
        let experiment = report.experiment
        var rows: [[ReportTable.Cell]] = [
            [.init("dataset"), .init("\(experiment.dataset) — \(datasetSummary())")],
            [.init("dataset fingerprint"), .init(experiment.datasetFingerprint, code: true)],
            [.init("split"), .init("\(experiment.splitMethod): \(grouped(experiment.trainCount)) train / \(grouped(experiment.testCount)) test interactions")],
            [.init("split fingerprint"), .init(experiment.splitFingerprint, code: true)],
            [.init("protocol"), .init(protocolDescription(experiment.evaluationProtocol))],
        ]
        if report.models.contains(where: \.hasSearch), let metric = report.selectionColumn {
            rows.append([.init("selection"), .init("\(metric.label) on the validation part")])
        }
        if report.seedCount > 1 {
            let seeds = Set(report.runs.map(\.seed)).sorted().map(String.init)
            rows.append([.init("seeds"), .init(seeds.joined(separator: ", "))])
        }
        rows += [
            [.init("experiment file"), .init("`\(experiment.filePath)` (sha256 `\(experiment.fileSHA256.prefix(16))…`)")],
            [.init("recbench"), .init(experiment.hostVersion)],
            [.init("machine"), .init(environmentSummary())],
        ]
        return [.heading(level: 2, text: "Setup"),
                .table(ReportTable(header: ["", ""], alignments: [.left, .left], rows: rows))]
    }

    private func modelsSection() -> [ReportBlock] {
        let experiment = report.experiment
        let models = report.models
        var out: [ReportBlock] = [.heading(level: 2, text: "Models")]
        let unit = experiment.evaluationProtocol.hasPrefix("rating") ? "test pairs" : "users"
        let over: String
        if report.runsPerModel.allSatisfy({ $0 <= 1 }) && !models.contains(where: { $0.runs.count > 1 }) {
            over = "the run"
        } else if report.seedCount == 1 && report.foldCount > 1 {
            over = "the \(report.foldCount) folds"
        } else {
            over = "each model's selected runs" + (spread.flatMap { $0.hasPrefix("each") ? nil : " over \($0)" } ?? "")
        }
        out.append(.paragraph("Times are totals over \(over) (fit; evaluation = scoring or prediction plus metrics)."
            + (models.contains(where: \.hasSearch) ? " Parameters are those of the selected point." : "")))
        let selectedRuns = models.flatMap(\.runs)
        let showEpochs = selectedRuns.contains { $0.epochsRun != nil }
        let showMemory = selectedRuns.contains { $0.peakMemoryBytes != nil }
        var header = ["model", "plugin", "version", "parameters", "seed", "status", "fit (s)", "evaluation (s)", unit]
        var alignments: [ReportTable.Alignment] = [.left, .left, .left, .left, .left, .left, .right, .right, .right]
        if showEpochs { header.append("epochs (best)"); alignments.append(.right) }
        if showMemory { header.append("peak memory (MiB)"); alignments.append(.right) }
        let rows = models.map { model -> [ReportTable.Cell] in
            let run = model.first
            let runs = model.runs.isEmpty ? model.allRuns : model.runs
            let failed = runs.filter { $0.status != "ok" }.count
            let status = model.succeeded ? "ok" : (model.runs.isEmpty ? "no point selected" : "\(failed) of \(runs.count) failed")
            let evaluated = runs.compactMap(\.usersEvaluated)
            var cells: [ReportTable.Cell] = [
                .init(model.label), .init(run.plugin), .init(run.pluginVersion), .init(run.params, code: true),
                .init(model.seeds.isEmpty ? String(run.seed) : model.seeds.map(String.init).joined(separator: ", ")),
                .init(status),
                .init(seconds(runs.contains { $0.fitSeconds != nil } ? model.fitSeconds : nil)),
                .init(seconds(runs.contains { $0.evalSeconds != nil } ? model.evalSeconds : nil)),
                .init(evaluated.isEmpty ? "-" : grouped(evaluated.reduce(0, +) / evaluated.count)),
            ]
            if showEpochs { cells.append(.init(epochs(runs))) }
            if showMemory {
                let peak = runs.compactMap(\.peakMemoryBytes).max()
                cells.append(.init(peak.map { String(format: "%.0f", Double($0) / 1_048_576) } ?? "-"))
            }
            return cells
        }
        out.append(.table(ReportTable(header: header, alignments: alignments, rows: rows)))
        if let unknown = unknownPairsNote() { out.append(.paragraph(unknown)) }
        if report.reusedCount > 0 {
            out.append(.paragraph("\(report.reusedCount) of \(report.runs.count) runs were reused from earlier executions: "
                + "a finished run with the same identity (data, split, plugin binary, parameters, seed and evaluation) was copied, not recomputed."))
        }
        out.append(.paragraph("Plugin binaries (SHA-256):"))
        var listed = Set<String>()
        var binaries: [String] = []
        for model in models where listed.insert(model.first.pluginSHA256 + model.first.plugin).inserted {
            let run = model.first
            binaries.append("\(run.plugin) \(run.pluginVersion): `\(run.pluginSHA256)` (`\((run.pluginPath as NSString).lastPathComponent)`)")
        }
        out.append(.list(binaries))
        if report.foldCount > 1, let firstModel = models.first {
            var seen = Set<Int>()
            let folds = firstModel.allRuns.filter { seen.insert($0.fold).inserted }.map { run in
                "fold \(run.fold + 1): \(grouped(run.trainCount)) / \(grouped(run.testCount)), `\(run.splitFingerprint)`"
            }
            out.append(.paragraph("Folds (train / test interactions, split fingerprint):"))
            out.append(.list(folds))
        }
        return out
    }

    /// "20 (best 14)" for one run; "12–20" epochs run over several.
    private func epochs(_ runs: [RunRecord]) -> String {
        let counts = runs.compactMap(\.epochsRun)
        guard let low = counts.min(), let high = counts.max() else { return "-" }
        if runs.count == 1, let best = runs[0].bestEpoch { return "\(low) (best \(best))" }
        return low == high ? String(low) : "\(low)–\(high)"
    }

    /// Rating protocol: how many test pairs no model was asked about (unknown user or item).
    private func unknownPairsNote() -> String? {
        guard let model = report.models.first(where: \.succeeded) else { return nil }
        let counts = model.runs.compactMap { report.testRecord(run: $0, metric: "unknown_pairs", cutoff: 0)?.value }
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
}
