import Foundation
import Testing
import RecLedger
import RecReport

// The report folder's files (results.csv, table.tex, index.html, the five charts) from ledgers
// built by hand. Every expected number below is worked out from the values inserted, by hand and
// cross-checked with numpy (percentiles: numpy's default linear method; std: ddof=1) and scipy
// 1.17 (ttest_rel, wilcoxon) where a test statistic decides a mark.

private let studyFile = """
    [experiment]
    name = "study"
    seeds = [1, 2]

    [evaluation]
    cutoffs = [10]
    metrics = ["recall", "ndcg"]
    select_by = "ndcg@10"
    """

/// "study": two seeds, one fold, two models.
/// - pop (Popularity), point 0: seed 1 recall@10 0.20, ndcg@10 0.30; seed 2 recall 0.20, ndcg 0.32;
///   per-user ndcg@10 [0.0, 0.2, 0.4, 0.6, 1.0] and [0.2, 0.2, 0.4, 0.8, 1.0] (users 0–4).
/// - mf (MF), searched: point 0 {"factors":8} not selected — seed 1 has a test ndcg@10 of 0.99
///   (which no table may show) and validation ndcg@10 0.15, seed 2 failed; point 1
///   {"factors":32} selected — seed 1 recall 0.25, ndcg 0.28, validation 0.20, per-user
///   [0.1, 0.1, 0.3, 0.5, 0.9], epochs loss 0.9/0.7/0.6 with validation 0.20 at epoch 2 (kept);
///   seed 2 recall 0.21, ndcg 0.26, validation 0.22, per-user [0.1, 0.3, 0.3, 0.5, 0.7], epochs
///   loss 0.8/0.6/0.5 with 0.22 at epoch 2 (kept), reused from an earlier run.
private func makeStudyLedger(at path: String) throws -> Ledger {
    let ledger = try Ledger(path: path)
    let id = try #require(try ledger.insert(makeExperiment(name: "study", description: "Two models, two seeds, a search.",
                                                           fileText: studyFile)).id)
    func run(_ position: Int, _ label: String, _ plugin: String, point: Int, selected: Bool, seed: Int64, params: String = "{}",
             status: String = "ok", error: String? = nil, fit: Double?, eval: Double?) -> RunRecord {
        var record = makeRun(experimentId: id, position: position, label: label, plugin: plugin,
                             sha: String(repeating: position == 0 ? "aa" : "bb", count: 32), params: params, seed: seed,
                             status: status, error: error, fit: fit, eval: eval, users: status == "ok" ? 5 : nil)
        record.point = point
        record.selected = selected
        return record
    }
    func users(_ values: [Double]) -> PerUserRecord {
        PerUserRecord(runId: 0, metric: "ndcg", cutoff: 10, evaluationProtocol: "full-ranking", users: [0, 1, 2, 3, 4], values: values)
    }
    func validation(_ value: Double) -> MetricRecord { metric("ndcg", 10, value, protocol: "validation:full-ranking") }

    try ledger.insert(run(0, "pop", "Popularity", point: 0, selected: true, seed: 1, fit: 0.5, eval: 1.0),
                      metrics: [metric("recall", 10, 0.20), metric("ndcg", 10, 0.30)], perUser: [users([0.0, 0.2, 0.4, 0.6, 1.0])])
    try ledger.insert(run(0, "pop", "Popularity", point: 0, selected: true, seed: 2, fit: 0.5, eval: 1.0),
                      metrics: [metric("recall", 10, 0.20), metric("ndcg", 10, 0.32)], perUser: [users([0.2, 0.2, 0.4, 0.8, 1.0])])
    try ledger.insert(run(1, "mf", "MF", point: 0, selected: false, seed: 1, params: #"{"factors":8}"#, fit: 2.0, eval: 1.0),
                      metrics: [metric("ndcg", 10, 0.99), validation(0.15)])
    try ledger.insert(run(1, "mf", "MF", point: 0, selected: false, seed: 2, params: #"{"factors":8}"#, status: "failed",
                          error: "diverged: loss is NaN", fit: nil, eval: nil), metrics: [])
    var first = run(1, "mf", "MF", point: 1, selected: true, seed: 1, params: #"{"factors":32}"#, fit: 4.0, eval: 1.0)
    first.epochsRun = 3
    first.bestEpoch = 2
    try ledger.insert(first, metrics: [metric("recall", 10, 0.25), metric("ndcg", 10, 0.28), validation(0.20)],
                      perUser: [users([0.1, 0.1, 0.3, 0.5, 0.9])],
                      epochs: [EpochRecord(epoch: 1, loss: 0.9, seconds: 1), EpochRecord(epoch: 2, loss: 0.7, metric: "ndcg@10", value: 0.20, seconds: 2),
                               EpochRecord(epoch: 3, loss: 0.6, seconds: 3)])
    var second = run(1, "mf", "MF", point: 1, selected: true, seed: 2, params: #"{"factors":32}"#, fit: 6.0, eval: 1.0)
    second.epochsRun = 3
    second.bestEpoch = 2
    second.reusedFromRunId = 99
    try ledger.insert(second, metrics: [metric("recall", 10, 0.21), metric("ndcg", 10, 0.26), validation(0.22)],
                      perUser: [users([0.1, 0.3, 0.3, 0.5, 0.7])],
                      epochs: [EpochRecord(epoch: 1, loss: 0.8, seconds: 1), EpochRecord(epoch: 2, loss: 0.6, metric: "ndcg@10", value: 0.22, seconds: 2),
                               EpochRecord(epoch: 3, loss: 0.5, seconds: 3)])
    try ledger.finish(experimentID: id, status: "completed-with-failures", at: "2025-01-02T03:09:00Z")
    return ledger
}

/// "trio" and "trio-close": three single-run models with per-user ndcg@10 over 20 users,
/// b_u = 0.2 + 0.01u, c_u = 0.05 + 0.001u for u < 19 and c_19 = 0.9 (an outlier).
/// - trio: a_u = b_u + 0.1 + 0.001u (a above b for every user: scipy ttest_rel p = 9.0e-26,
///   wilcoxon p = 1.9e-6, so significant after Holm over 3 pairs); stored means a 0.40, b 0.30, c 0.10.
/// - trio-close: a_u = b_u ± 0.02/0.018 alternating (ttest_rel p = 0.82: not significant);
///   stored means a 0.2960, b 0.2950, c 0.1000.
private func makeTrioLedger(at path: String) throws -> Ledger {
    let ledger = try Ledger(path: path)
    let b: [Double] = (0..<20).map { 0.2 + 0.01 * Double($0) }
    let c: [Double] = (0..<20).map { $0 < 19 ? 0.05 + 0.001 * Double($0) : 0.9 }
    let above: [Double] = (0..<20).map { b[$0] + 0.1 + 0.001 * Double($0) }
    let close: [Double] = (0..<20).map { b[$0] + ($0 % 2 == 0 ? 0.02 : -0.018) }
    let cases: [(String, [Double], [Double])] = [("trio", above, [0.40, 0.30, 0.10]), ("trio-close", close, [0.2960, 0.2950, 0.1000])]
    for (name, a, means) in cases {
        let id = try #require(try ledger.insert(makeExperiment(name: name)).id)
        let models: [(String, [Double])] = [("a", a), ("b", b), ("knn_50 & co", c)]
        for (position, (label, values)) in models.enumerated() {
            try ledger.insert(makeRun(experimentId: id, position: position, label: label, plugin: "P\(position)", fit: 0.25, eval: 0.5, users: 20),
                              metrics: [metric("ndcg", 10, means[position])],
                              perUser: [PerUserRecord(runId: 0, metric: "ndcg", cutoff: 10, evaluationProtocol: "full-ranking",
                                                      users: (0..<20).map(Int32.init), values: values)])
        }
        try ledger.finish(experimentID: id, status: "completed", at: "2025-01-02T03:09:00Z")
    }
    return ledger
}

private func text(_ folder: URL, _ name: String) throws -> String {
    String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
}

private func lines(_ folder: URL, _ name: String) throws -> [String] {
    try text(folder, name).components(separatedBy: "\n")
}

/// The lines of a gnuplot datablock `$name << EOD … EOD`.
private func datablock(_ script: String, _ name: String) -> [String]? {
    let lines = script.components(separatedBy: "\n")
    guard let start = lines.firstIndex(of: "$\(name) << EOD"), let end = lines[start...].firstIndex(of: "EOD") else { return nil }
    return Array(lines[(start + 1)..<end])
}

private let studyFiles = ReportWriter.fileNames(charts: ["chart", "chart-cutoffs", "chart-time", "chart-users", "chart-learning"])
    .filter { !$0.hasPrefix("chart-cutoffs") } // one cutoff: no metric@K chart

@Suite("Report files")
struct ReportFilesTests {
    private func writeStudy(_ root: URL) throws -> (ExperimentReport, URL) {
        let ledger = try makeStudyLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "study", from: ledger)
        let folder = root.appendingPathComponent("reports/study")
        let written = try ReportWriter().write(report, to: folder, command: "recbench report study")
        #expect(written.map(\.lastPathComponent) == studyFiles)
        return (report, folder)
    }

    @Test("selected runs only, mean ± std over seeds, the search's points")
    func selection() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeStudyLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "study", from: ledger)
        // Runs by position, point, seed.
        #expect(report.runs.map { "\($0.label)/\($0.point)/\($0.seed)" } == ["pop/0/1", "pop/0/2", "mf/0/1", "mf/0/2", "mf/1/1", "mf/1/2"])
        let models = report.models
        #expect(models.map(\.label) == ["pop", "mf"])
        #expect(models.map(\.runs.count) == [2, 2])
        #expect(models[1].runs.map(\.point) == [1, 1])
        #expect(models[1].allRuns.count == 4)
        #expect(models.map(\.succeeded) == [true, true], "a failed non-selected point does not fail the model")
        // Validation metrics are not columns.
        #expect(report.columns.map(\.label) == ["recall@10", "ndcg@10"])
        // pop ndcg 0.30, 0.32 → 0.31 ± 0.0141421 (|0.02| / √2); mf recall 0.25, 0.21 → 0.23 ± 0.0282843.
        let pop = try #require(report.aggregate(models[0], .init(metric: "ndcg", cutoff: 10)))
        #expect(abs(pop.mean - 0.31) < 1e-12 && abs(pop.std - 0.0141421356) < 1e-9 && pop.n == 2)
        let mf = try #require(report.aggregate(models[1], .init(metric: "recall", cutoff: 10)))
        #expect(abs(mf.mean - 0.23) < 1e-12 && abs(mf.std - 0.0282842712) < 1e-9 && mf.n == 2)
        #expect(report.selectionColumn == .init(metric: "ndcg", cutoff: 10))
        #expect(report.reusedCount == 1)
        // Per-user values averaged over seeds: pop [0.1, 0.2, 0.4, 0.7, 1.0].
        let perUser = try #require(report.perUserValues(models[0]))
        #expect(perUser.keys == [0, 1, 2, 3, 4])
        #expect(zip(perUser.values, [0.1, 0.2, 0.4, 0.7, 1.0]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("README.md: results of the selected point over seeds, search table, failures with point and seed, reuse note")
    func readme() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let (_, folder) = try writeStudy(root)
        let readme = try text(folder, "README.md")
        let lines = readme.components(separatedBy: "\n")
        #expect(readme.contains("; mean ± standard deviation over 2 seeds; searched models at their selected point. Best value per column in bold (lowest for rmse and mae)."))
        // Two models: best bold, no second place.
        let table = [
            "| model | recall@10 | ndcg@10 |",
            "|---|---:|---:|",
            "| pop | 0.2000 ± 0.0000 | **0.3100** ± 0.0141 |",
            "| mf | **0.2300** ± 0.0283 | 0.2700 ± 0.0141 |",
            "",
        ]
        let start = try #require(lines.firstIndex(of: table[0]), "results table missing:\n\(readme)")
        #expect(Array(lines[start..<min(start + table.count, lines.count)]) == table)
        #expect(!readme.contains("0.9900"), "a point that was not selected must not reach the results")

        // Significance over the 5 users: pop − mf per user [0, 0, 0.1, 0.2, 0.2] → mean +0.1000.
        #expect(lines.contains("### Significance (ndcg@10, paired over 5 users)"))
        #expect(lines.contains { $0.hasPrefix("| pop | mf | +0.1000 | [") })

        #expect(lines.contains("- **mf** (MF 1.0.0, point 0, seed 2): diverged: loss is NaN"))

        // Search: point 0 has one validation value (0.15; its other run failed), point 1 0.20, 0.22 → 0.21 ± 0.0141.
        let search = [
            "### mf (MF)",
            "",
            "| point | parameters | validation ndcg@10 | runs | status |",
            "|---:|---|---:|---:|---|",
            "| 0 | `{\"factors\":8}` | 0.1500 | 2 | 1 of 2 failed |",
            "| **1** | `{\"factors\":32}` | **0.2100** ± 0.0141 | 2 | ok |",
            "",
        ]
        let searchStart = try #require(lines.firstIndex(of: search[0]), "search table missing:\n\(readme)")
        #expect(Array(lines[searchStart..<min(searchStart + search.count, lines.count)]) == search)
        #expect(lines.contains("| selection | ndcg@10 on the validation part |"))
        #expect(lines.contains("| seeds | 1, 2 |"))

        // Models: the selected point's parameters, both seeds, fit totals over the selected runs
        // (pop 0.5 + 0.5, mf 4 + 6), epochs 3 in both mf runs, no memory column.
        #expect(lines.contains("| model | plugin | version | parameters | seed | status | fit (s) | evaluation (s) | users | epochs (best) |"))
        #expect(lines.contains("| pop | Popularity | 1.0.0 | `{}` | 1, 2 | ok | 1.000 | 2.000 | 5 | - |"))
        #expect(lines.contains("| mf | MF | 1.0.0 | `{\"factors\":32}` | 1, 2 | ok | 10.000 | 2.000 | 5 | 3 |"))
        #expect(readme.contains("1 of 6 runs were reused from earlier executions"))

        // Every chart drawn is shown.
        for stem in ["chart", "chart-time", "chart-users", "chart-learning"] {
            #expect(readme.contains("](\(stem).svg)"), "\(stem) not linked")
        }
        #expect(!readme.contains("chart-cutoffs"))
    }

    @Test("results.csv: every run and metric, selected flag, point, seed, test before validation, seconds")
    func resultsCSV() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let (_, folder) = try writeStudy(root)
        let csv = try text(folder, "results.csv")
        #expect(csv.hasSuffix("\n"))
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows == [
            "label,plugin,plugin_version,point,selected,seed,fold,status,metric,cutoff,protocol,value,fit_seconds,eval_seconds",
            "pop,Popularity,1.0.0,0,true,1,1,ok,recall,10,full-ranking,0.200000,0.500000,1.000000",
            "pop,Popularity,1.0.0,0,true,1,1,ok,ndcg,10,full-ranking,0.300000,0.500000,1.000000",
            "pop,Popularity,1.0.0,0,true,2,1,ok,recall,10,full-ranking,0.200000,0.500000,1.000000",
            "pop,Popularity,1.0.0,0,true,2,1,ok,ndcg,10,full-ranking,0.320000,0.500000,1.000000",
            "mf,MF,1.0.0,0,false,1,1,ok,ndcg,10,full-ranking,0.990000,2.000000,1.000000",
            "mf,MF,1.0.0,0,false,1,1,ok,ndcg,10,validation:full-ranking,0.150000,2.000000,1.000000",
            "mf,MF,1.0.0,0,false,2,1,failed,,,,,,",
            "mf,MF,1.0.0,1,true,1,1,ok,recall,10,full-ranking,0.250000,4.000000,1.000000",
            "mf,MF,1.0.0,1,true,1,1,ok,ndcg,10,full-ranking,0.280000,4.000000,1.000000",
            "mf,MF,1.0.0,1,true,1,1,ok,ndcg,10,validation:full-ranking,0.200000,4.000000,1.000000",
            "mf,MF,1.0.0,1,true,2,1,ok,recall,10,full-ranking,0.210000,6.000000,1.000000",
            "mf,MF,1.0.0,1,true,2,1,ok,ndcg,10,full-ranking,0.260000,6.000000,1.000000",
            "mf,MF,1.0.0,1,true,2,1,ok,ndcg,10,validation:full-ranking,0.220000,6.000000,1.000000",
        ])
    }

    @Test("table.tex: booktabs, two models by hand, mean ± std, best bold")
    func latexTwoModels() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let (_, folder) = try writeStudy(root)
        let tex = try text(folder, "table.tex")
        #expect(tex.contains("""
            \\caption{study: ml-100k, protocol full-ranking; mean $\\pm$ sample standard deviation over each model's runs. Best value per column in bold.}
            \\label{tab:study}
            \\begin{tabular}{lrr}
            \\toprule
            Model & recall@10 & ndcg@10 \\\\
            \\midrule
            pop & 0.2000 $\\pm$ 0.0000 & \\textbf{0.3100} $\\pm$ 0.0141 \\\\
            mf & \\textbf{0.2300} $\\pm$ 0.0283 & 0.2700 $\\pm$ 0.0141 \\\\
            \\bottomrule
            \\end{tabular}
            \\end{table}

            """), "table.tex:\n\(tex)")
        #expect(tex.hasPrefix("% Generated by recbench from the ledger by `recbench report study` (experiment execution #1)."))
        #expect(tex.contains("\\begin{table}[t]\n\\centering\n"))
    }

    @Test("three models: second underlined, † when the best beats the second significantly, LaTeX escaping")
    func significanceMarks() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeTrioLedger(at: root.appendingPathComponent("ledger.sqlite").path)

        let trio = root.appendingPathComponent("reports/trio")
        try ReportWriter().write(try ExperimentReport.load(experiment: "trio", from: ledger), to: trio, command: "recbench report trio")
        let readme = try lines(trio, "README.md")
        #expect(readme.contains("| a | **0.4000**† |"))
        #expect(readme.contains("| b | <ins>0.3000</ins> |"))
        #expect(readme.contains("| knn_50 & co | 0.1000 |"))
        #expect(readme.contains { $0.hasPrefix("† The best ndcg@10 is significantly better than the second best") })
        let tex = try text(trio, "table.tex")
        #expect(tex.contains("a & \\textbf{0.4000}$^\\dagger$ \\\\"))
        #expect(tex.contains("b & \\underline{0.3000} \\\\"))
        #expect(tex.contains("knn\\_50 \\& co & 0.1000 \\\\"))
        #expect(tex.contains(", second underlined. $^\\dagger$ The best ndcg@10 is significantly better"))
        #expect(tex.contains("both p $<$ 0.05"))
        let html = try text(trio, "index.html")
        #expect(html.contains("<td class=\"num\"><strong>0.4000</strong>†</td>"))
        #expect(html.contains("<td class=\"num\"><u>0.3000</u></td>"))
        #expect(html.contains("<td>knn_50 &amp; co</td>"))

        let close = root.appendingPathComponent("reports/trio-close")
        try ReportWriter().write(try ExperimentReport.load(experiment: "trio-close", from: ledger), to: close, command: "recbench report trio-close")
        let closeReadme = try lines(close, "README.md")
        #expect(closeReadme.contains("| a | **0.2960** |"))
        #expect(closeReadme.contains { $0.hasPrefix("The best ndcg@10 is not significantly better than the second best") })
        #expect(!(try text(close, "table.tex")).contains("dagger"))
    }

    @Test("charts: data of the bar, time, box-plot and learning-curve scripts; PNG and SVG produced")
    func charts() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let (_, folder) = try writeStudy(root)

        // Bars: one panel per metric, means then standard deviations.
        let bars = try text(folder, "chart.gp")
        #expect(datablock(bars, "p1") == [#"metric "pop" "mf" "± pop" "± mf""#, #""recall@10" 0.200000 0.230000 0.000000 0.028284"#])
        #expect(datablock(bars, "p2") == [#"metric "pop" "mf" "± pop" "± mf""#, #""ndcg@10" 0.310000 0.270000 0.014142 0.014142"#])
        #expect(bars.contains("set style histogram errorbars gap 1 lw 1"))

        // Time: mean fit of one selected run (pop 0.5, mf 5.0) against ndcg@10.
        let time = try text(folder, "chart-time.gp")
        #expect(datablock(time, "points") == [#"0.500000 0.310000 0.014142 "pop""#, #"5.000000 0.270000 0.014142 "mf""#])
        #expect(time.contains("set logscale x 10"))

        // Boxes over the seed-averaged per-user values: pop [0.1, 0.2, 0.4, 0.7, 1.0] → whiskers 0.1 and
        // 1.0, quartiles 0.2 / 0.4 / 0.7, mean 0.48; mf [0.1, 0.2, 0.3, 0.5, 0.8] → 0.1, 0.2, 0.3, 0.5, 0.8, mean 0.38.
        let boxes = try text(folder, "chart-users.gp")
        #expect(datablock(boxes, "boxes") == [
            #"1 0.100000 0.200000 0.400000 0.700000 1.000000 0.480000 "pop" 5"#,
            #"2 0.100000 0.200000 0.300000 0.500000 0.800000 0.380000 "mf" 5"#,
        ])

        // Learning curves: mf's two selected runs (model 2 → linetype 2), validation at epoch 2, kept epoch 2.
        let learning = try text(folder, "chart-learning.gp")
        #expect(datablock(learning, "loss1") == ["1 0.900000", "2 0.700000", "3 0.600000"])
        #expect(datablock(learning, "loss2") == ["1 0.800000", "2 0.600000", "3 0.500000"])
        #expect(datablock(learning, "val1") == ["2 0.200000"])
        #expect(datablock(learning, "val2") == ["2 0.220000"])
        #expect(datablock(learning, "best") == ["2 2 0.700000 0.200000", "2 2 0.600000 0.220000"])
        #expect(learning.contains("$loss1 using 1:2 with lines lt 2 notitle"))
        #expect(learning.contains("set title \"validation ndcg@10\""))

        for stem in ["chart", "chart-time", "chart-users", "chart-learning"] {
            let png = try Data(contentsOf: folder.appendingPathComponent("\(stem).png"))
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(stem).png is not a PNG")
            #expect(try text(folder, "\(stem).svg").contains("<svg"))
        }
    }

    @Test("box plot whiskers stop at 1.5 × IQR; the outlier stays out")
    func boxWhiskers() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeTrioLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let folder = root.appendingPathComponent("trio")
        try ReportWriter().write(try ExperimentReport.load(experiment: "trio", from: ledger), to: folder, command: "recbench report trio")
        // c: 0.050 … 0.068 and 0.9 → quartiles 0.05475 / 0.0595 / 0.06425 (numpy), IQR 0.0095, upper
        // fence 0.07850 → whisker 0.068, not 0.9; mean 2.021 / 20 = 0.10105.
        let rows = try #require(datablock(try text(folder, "chart-users.gp"), "boxes"))
        #expect(rows.count == 3)
        #expect(rows[2] == #"3 0.050000 0.054750 0.059500 0.064250 0.068000 0.101050 "knn_50 & co" 20"#)
    }

    @Test("index.html: self-contained — every chart inline, no scripts or external resources, unique ids, the tables")
    func html() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let (_, folder) = try writeStudy(root)
        let html = try text(folder, "index.html")
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</body>\n</html>\n"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(html.components(separatedBy: "<figure>").count - 1 == 4)
        #expect(!html.contains("<?xml"))
        for forbidden in ["<script", "<link", "<iframe", "<img", " src=", "href=\"http", "href='http", "url(http", "@import"] {
            #expect(!html.contains(forbidden), "index.html contains \(forbidden)")
        }
        // http(s) only as XML namespace names, which browsers do not fetch.
        let urls = html.components(separatedBy: "http").dropFirst().map { String($0.prefix(25)) }
        #expect(urls.allSatisfy { $0.hasPrefix("://www.w3.org/2000/svg") || $0.hasPrefix("://www.w3.org/1999/xlink") }, "\(Set(urls))")
        // Several inline SVGs share no element id.
        var ids: [String] = []
        for quote in ["'", "\""] {
            for part in html.components(separatedBy: " id=\(quote)").dropFirst() {
                ids.append(String(part.prefix { String($0) != quote }))
            }
        }
        #expect(!ids.isEmpty)
        #expect(Set(ids).count == ids.count, "duplicate ids: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        // The same tables as README.md.
        #expect(html.contains("<tr><td>pop</td><td class=\"num\">0.2000 ± 0.0000</td><td class=\"num\"><strong>0.3100</strong> ± 0.0141</td></tr>"))
        #expect(html.contains("<h2>Search</h2>"))
        #expect(html.contains("<td><code>{&quot;factors&quot;:32}</code></td>"))
        #expect(html.contains("<li><strong>mf</strong> (MF 1.0.0, point 0, seed 2): diverged: loss is NaN</li>"))
        #expect(!html.contains("0.9900"))
    }

    @Test("regenerating gives byte-identical folders, gnuplot's SVG and PNG included; stale charts go, other files stay")
    func deterministic() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeStudyLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let folder = root.appendingPathComponent("reports/study")
        try ReportWriter().write(try ExperimentReport.load(experiment: "study", from: ledger), to: folder, command: "recbench report study")
        func snapshot(_ folder: URL) throws -> [String: Data] {
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
            }
            return files
        }
        let first = try snapshot(folder)
        #expect(first.keys.sorted() == studyFiles.sorted())

        try ReportWriter().write(try ExperimentReport.load(experiment: "study", from: ledger), to: folder, command: "recbench report study")
        let again = try snapshot(folder)
        let elsewhere = root.appendingPathComponent("elsewhere/study")
        try ReportWriter().write(try ExperimentReport.load(experiment: "study", from: ledger), to: elsewhere, command: "recbench report study")
        let copy = try snapshot(elsewhere)
        for name in studyFiles {
            #expect(first[name] == again[name], "\(name) differs when regenerated")
            #expect(first[name] == copy[name], "\(name) differs in another folder")
        }

        // A report that draws fewer charts removes the old ones, and only those.
        try Data("kept".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let trio = try makeTrioLedger(at: root.appendingPathComponent("trio.sqlite").path)
        let written = try ReportWriter().write(try ExperimentReport.load(experiment: "trio", from: trio), to: folder, command: "recbench report trio")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == (written.map(\.lastPathComponent) + ["notes.txt"]).sorted())
        #expect(!names.contains("chart-learning.png"))
    }

    @Test("the JSON summary of a report: files, values of each model, sorted keys")
    func summary() throws {
        let root = try makeTemporaryFolder("files")
        defer { removeTemporaryFolder(root) }
        let (report, _) = try writeStudy(root)
        let text = try stableJSON(ReportSummary(report: report, folder: "reports/study", files: studyFiles))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["experiment"] as? String == "study")
        #expect(object["headline"] as? String == "ndcg@10")
        #expect(object["metrics"] as? [String] == ["recall@10", "ndcg@10"])
        #expect(object["failedRuns"] as? Int == 1)
        #expect(object["reusedRuns"] as? Int == 1)
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["label"] as? String } == ["pop", "mf"])
        #expect(models[1]["params"] as? String == #"{"factors":32}"#)
        #expect(models[1]["runs"] as? Int == 2 && models[1]["allRuns"] as? Int == 4)
        let recall = try #require((models[1]["values"] as? [String: Any])?["recall@10"] as? [String: Any])
        #expect(abs((recall["mean"] as? Double ?? 0) - 0.23) < 1e-12)
        #expect(recall["n"] as? Int == 2)
        // Stable: the same text twice, keys in order.
        #expect(try stableJSON(ReportSummary(report: report, folder: "reports/study", files: studyFiles)) == text)
        #expect(text.range(of: "\"dataset\"")!.lowerBound < text.range(of: "\"experiment\"")!.lowerBound)
    }
}
