import Foundation
import Testing
import RecLedger
import RecReport

// Reports written from a ledger built by hand. All expected text is worked out from the values
// chosen below; numbers were picked away from rounding ties so "%.4f" / "%.6f" are unambiguous.

private let fileText = """
    name = "demo"
    description = "Popularity against random and MF on MovieLens 100K."

    [dataset]
    name = "ml-100k"

    [[model]]
    plugin = "Popularity"


    """

/// The ledger for the report tests:
/// - execution #1 of "demo": finished, older, with values that must NOT appear in the report;
/// - execution #2 of "demo": finished, the one reported (4 runs, one failed);
/// - execution #3 of "demo": started later but unfinished, must be ignored;
/// - "other": finished, so that an unknown name lists two names;
/// - "draft": never finished.
private func makeDemoLedger(at path: String) throws -> Ledger {
    let ledger = try Ledger(path: path)

    let old = try #require(try ledger.insert(makeExperiment(name: "demo", fileText: "old = true\n", startedAt: "2024-12-31T00:00:00Z")).id)
    try ledger.insert(makeRun(experimentId: old, position: 0, label: "pop"), metrics: [metric("precision", 10, 0.55551)])
    try ledger.finish(experimentID: old, status: "completed", at: "2024-12-31T00:10:00Z")

    let id = try #require(try ledger.insert(makeExperiment(
        name: "demo", description: "Popularity against random and MF on MovieLens 100K.", fileText: fileText)).id)
    // Inserted out of position order on purpose.
    try ledger.insert(
        makeRun(experimentId: id, position: 3, label: "mf, k=64", plugin: "MF", version: "2.1.0",
                sha: String(repeating: "dd", count: 32), params: #"{"factors":64}"#, fit: 12.25, eval: 3.125, users: 940),
        metrics: [metric("precision", 10, 0.19877), metric("recall", 10, 0.13302), metric("ndcg", 10, 0.26119), metric("ndcg", 5, 0.28847)])
    try ledger.insert(
        makeRun(experimentId: id, position: 0, label: "pop", plugin: "Popularity", version: "1.0.0",
                sha: String(repeating: "aa", count: 32), fit: 0.5, eval: 2.25, users: 943),
        metrics: [metric("precision", 10, 0.21034), metric("recall", 10, 0.10871), metric("ndcg", 10, 0.24568), metric("ndcg", 5, 0.30311)])
    try ledger.insert(
        makeRun(experimentId: id, position: 2, label: "broken", plugin: "Broken", version: "0.1.0",
                sha: String(repeating: "cc", count: 32), status: "failed",
                error: "fit failed: matrix is empty\nsee log | details", fit: nil, eval: nil, users: nil),
        metrics: [])
    try ledger.insert(
        makeRun(experimentId: id, position: 1, label: "random", plugin: "Random", version: "1.0.0",
                sha: String(repeating: "bb", count: 32), params: #"{"seed":7}"#, seed: 7, fit: 0.0, eval: 1.5, users: 943),
        metrics: [metric("precision", 10, 0.01581), metric("recall", 10, 0.00742), metric("ndcg", 10, 0.01903)])
    try ledger.finish(experimentID: id, status: "completed-with-failures", at: "2025-01-02T03:09:00Z")

    let unfinished = try #require(try ledger.insert(makeExperiment(name: "demo", fileText: "unfinished = true\n", startedAt: "2025-01-03T00:00:00Z")).id)
    try ledger.insert(makeRun(experimentId: unfinished, position: 0, label: "pop"), metrics: [metric("precision", 10, 0.99991)])

    let other = try #require(try ledger.insert(makeExperiment(name: "other")).id)
    try ledger.finish(experimentID: other, status: "completed", at: "2025-01-04T00:00:00Z")
    _ = try ledger.insert(makeExperiment(name: "draft"))
    return ledger
}

/// A two-fold rating-protocol experiment ("folds-demo") with published reference values:
/// - svd      (position 0): rmse 0.93 / 0.95, mae 0.73 / 0.75, unknown_pairs 3 / 2
/// - baseline (position 1): rmse 0.9442 / 0.9458, mae 0.7301 / 0.7319, unknown_pairs 3 / 2
/// - flaky    (position 2): fold 1 ok (rmse 0.5), fold 2 failed ("boom")
private func makeFoldLedger(at path: String) throws -> Ledger {
    let ledger = try Ledger(path: path)
    var experiment = makeExperiment(name: "folds-demo", fileText: "name = \"folds-demo\"\n")
    experiment.evaluationProtocol = "rating"
    experiment.foldCount = 2
    experiment.referencesJSON = #"""
        [{"model":"svd","metric":"rmse","value":0.934,"tolerance":0.01,"source":"Surprise docs"},
         {"model":"svd","metric":"mae","value":0.75,"tolerance":0.01,"source":"boundary"},
         {"model":"baseline","metric":"mae","value":0.7,"tolerance":0.02,"source":"paper | table 2"},
         {"model":"flaky","metric":"rmse","value":0.5,"tolerance":0.1,"source":"x"}]
        """#
    let id = try #require(try ledger.insert(experiment).id)

    func run(_ position: Int, _ label: String, _ plugin: String, fold: Int, status: String = "ok", error: String? = nil,
             fit: Double?, eval: Double?) -> RunRecord {
        var record = makeRun(experimentId: id, position: position, label: label, plugin: plugin, version: position == 2 ? "0.1.0" : "1.0.0",
                             sha: String(repeating: ["aa", "bb", "cc"][position], count: 32), status: status, error: error,
                             fit: fit, eval: eval, users: status == "ok" ? 20_000 : nil)
        record.fold = fold
        record.splitFingerprint = String(repeating: ["f1", "f2"][fold], count: 32)
        record.trainCount = 80_000
        record.testCount = 20_000
        return record
    }
    func rating(_ name: String, _ value: Double) -> MetricRecord { metric(name, 0, value, protocol: "rating") }

    // Inserted out of order; the ledger returns them by position, then fold.
    try ledger.insert(run(1, "baseline", "BaselineOnly", fold: 1, fit: 0.125, eval: 0.25),
                      metrics: [rating("rmse", 0.9458), rating("mae", 0.7319), rating("unknown_pairs", 2)])
    try ledger.insert(run(0, "svd", "SVD", fold: 1, fit: 2.5, eval: 0.5),
                      metrics: [rating("rmse", 0.95), rating("mae", 0.75), rating("unknown_pairs", 2)])
    try ledger.insert(run(2, "flaky", "Flaky", fold: 1, status: "failed", error: "boom", fit: nil, eval: nil), metrics: [])
    try ledger.insert(run(0, "svd", "SVD", fold: 0, fit: 1.5, eval: 0.25),
                      metrics: [rating("rmse", 0.93), rating("mae", 0.73), rating("unknown_pairs", 3)])
    try ledger.insert(run(1, "baseline", "BaselineOnly", fold: 0, fit: 0.125, eval: 0.25),
                      metrics: [rating("rmse", 0.9442), rating("mae", 0.7301), rating("unknown_pairs", 3)])
    try ledger.insert(run(2, "flaky", "Flaky", fold: 0, fit: 1.0, eval: 0.5), metrics: [rating("rmse", 0.5)])
    try ledger.finish(experimentID: id, status: "completed-with-failures", at: "2025-01-02T03:09:00Z")
    return ledger
}

/// The demo has two ndcg cutoffs (a metric@K chart) and fit times (an accuracy-time chart), but
/// no per-user values and no epochs (no box plots, no learning curves).
private let reportFiles = ["README.md", "metrics.csv", "results.csv", "table.tex", "index.html",
                           "chart.gp", "chart.svg", "chart.png", "chart-cutoffs.gp", "chart-cutoffs.svg", "chart-cutoffs.png",
                           "chart-time.gp", "chart-time.svg", "chart-time.png"]

private func contents(of folder: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in reportFiles { result[name] = try Data(contentsOf: folder.appendingPathComponent(name)) }
    return result
}

private func text(_ folder: URL, _ name: String) throws -> String {
    String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
}

@Suite("Report")
struct ReportTests {
    @Test("ExperimentReport.load picks the newest finished execution, runs in position order")
    func load() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeDemoLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "demo", from: ledger)
        #expect(report.experiment.id == 2)
        #expect(report.experiment.status == "completed-with-failures")
        #expect(report.runs.map(\.label) == ["pop", "random", "broken", "mf, k=64"])
        #expect(report.succeeded.map(\.label) == ["pop", "random", "mf, k=64"])
        // Columns: metrics in the order precision, recall, ndcg…; cutoffs ascending numerically.
        #expect(report.columns.map { "\($0.metric)@\($0.cutoff)" } == ["precision@10", "recall@10", "ndcg@5", "ndcg@10"])
        let random = report.runs[1]
        #expect(report.value(run: random, metric: "ndcg", cutoff: 10) == 0.01903)
        #expect(report.value(run: random, metric: "ndcg", cutoff: 5) == nil)
    }

    @Test("an unknown experiment name lists the names the ledger holds")
    func unknownName() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let path = root.appendingPathComponent("ledger.sqlite").path
        let ledger = try makeDemoLedger(at: path)
        let error = try #require(throws: ReportError.self) { try ExperimentReport.load(experiment: "nope", from: ledger) }
        #expect(error.description.contains("\"nope\""))
        #expect(error.description.contains(path))
        #expect(error.description.contains("demo"))
        #expect(error.description.contains("other"))

        // A name with only an unfinished execution is not loadable either.
        #expect(throws: ReportError.self) { try ExperimentReport.load(experiment: "draft", from: ledger) }

        // An empty ledger says so.
        let empty = try Ledger(path: root.appendingPathComponent("empty.sqlite").path)
        let emptyError = try #require(throws: ReportError.self) { try ExperimentReport.load(experiment: "demo", from: empty) }
        #expect(emptyError.description.contains("empty"))
    }

    @Test("README.md: results table, bold best values, failed run, setup, fingerprints, experiment file")
    func readme() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeDemoLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "demo", from: ledger)
        let folder = root.appendingPathComponent("reports/demo")
        let written = try ReportWriter().write(report, to: folder, command: "recbench report demo")
        #expect(written.map(\.lastPathComponent) == reportFiles)
        #expect(written.allSatisfy { $0.deletingLastPathComponent().standardizedFileURL.path == folder.standardizedFileURL.path })

        let readme = try text(folder, "README.md")
        let lines = readme.components(separatedBy: "\n")

        #expect(lines.first == "# demo")
        #expect(lines.contains("Popularity against random and MF on MovieLens 100K."))
        #expect(readme.contains("Generated from the recbench ledger by `recbench report demo` (experiment execution #2, "
            + "started 2025-01-02T03:04:05Z, finished 2025-01-02T03:09:00Z, status completed-with-failures)."))

        // Results table. Values to 4 decimals:
        //   pop     precision 0.21034 → 0.2103, recall 0.10871 → 0.1087, ndcg@5 0.30311 → 0.3031, ndcg@10 0.24568 → 0.2457
        //   random  0.01581 → 0.0158, 0.00742 → 0.0074, no ndcg@5 → "-", 0.01903 → 0.0190
        //   mf      0.19877 → 0.1988, 0.13302 → 0.1330, 0.28847 → 0.2885, 0.26119 → 0.2612
        // Best per column: precision pop, recall mf, ndcg@5 pop, ndcg@10 mf. Second (underlined, only
        // where three values compete): precision mf, recall pop, ndcg@10 pop; ndcg@5 has two values.
        // The failed run has no row.
        let table = [
            "| model | precision@10 | recall@10 | ndcg@5 | ndcg@10 |",
            "|---|---:|---:|---:|---:|",
            "| pop | **0.2103** | <ins>0.1087</ins> | **0.3031** | <ins>0.2457</ins> |",
            "| random | 0.0158 | 0.0074 | - | 0.0190 |",
            "| mf, k=64 | <ins>0.1988</ins> | **0.1330** | 0.2885 | **0.2612** |",
        ]
        let start = try #require(lines.firstIndex(of: table[0]), "results table header missing:\n\(readme)")
        #expect(Array(lines[start..<min(start + 6, lines.count)]) == table + [""])
        // The failed run has no row between "## Results" and "## Setup" (it is listed under Models).
        let results = try #require(lines.firstIndex(of: "## Results"))
        let setup = try #require(lines.firstIndex(of: "## Setup"))
        #expect(results < start && start < setup)
        #expect(!lines[results..<setup].contains { $0.hasPrefix("| broken") })

        // The failed run and its error (made one line, the pipe escaped).
        #expect(lines.contains("### Failed runs"))
        #expect(lines.contains("- **broken** (Broken 0.1.0): fit failed: matrix is empty see log \\| details"))

        // Setup: dataset summary, fingerprints, split, file.
        #expect(lines.contains("| dataset | ml-100k — 943 users, 1,682 items, 100,000 interactions (density 6.30%) |"))
        #expect(lines.contains("| dataset fingerprint | `\(String(repeating: "d1", count: 32))` |"))
        #expect(lines.contains("| split | user-holdout(test_fraction=0.2, seed=42): 79,619 train / 20,381 test interactions |"))
        #expect(lines.contains("| split fingerprint | `\(String(repeating: "5e", count: 32))` |"))
        #expect(lines.contains("| experiment file | `experiments/demo.toml` (sha256 `f0e1d2c3b4a59687…`) |"))
        #expect(lines.contains("| recbench | 0.1.0 |"))
        #expect(lines.contains("| machine | Test CPU, 2 cores, Linux |"))

        // Models, in position order, the failed one included; seconds to 3 decimals; one fold, so
        // the failed model is "1 of 1 failed".
        #expect(lines.contains("## Models"))
        #expect(lines.contains("| model | plugin | version | parameters | seed | status | fit (s) | evaluation (s) | users |"))
        #expect(lines.contains("| pop | Popularity | 1.0.0 | `{}` | 42 | ok | 0.500 | 2.250 | 943 |"))
        #expect(lines.contains(#"| random | Random | 1.0.0 | `{"seed":7}` | 7 | ok | 0.000 | 1.500 | 943 |"#))
        #expect(lines.contains("| broken | Broken | 0.1.0 | `{}` | 42 | 1 of 1 failed | - | - | - |"))
        #expect(lines.contains(#"| mf, k=64 | MF | 2.1.0 | `{"factors":64}` | 42 | ok | 12.250 | 3.125 | 940 |"#))
        // A single split: no fold list, no reference table.
        #expect(!readme.contains("Folds ("))
        #expect(!readme.contains("### Reproduction of published values"))
        let runRows = lines.filter { $0.hasPrefix("| pop | Popularity") || $0.hasPrefix("| random | Random") || $0.hasPrefix("| broken | Broken") || $0.hasPrefix("| mf, k=64 | MF") }
        #expect(runRows.map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) } == ["pop", "random", "broken", "mf, k=64"])

        // Plugin binary fingerprints.
        #expect(lines.contains("- Popularity 1.0.0: `\(String(repeating: "aa", count: 32))` (`libPopularity.so`)"))
        #expect(lines.contains("- Random 1.0.0: `\(String(repeating: "bb", count: 32))` (`libRandom.so`)"))
        #expect(lines.contains("- Broken 0.1.0: `\(String(repeating: "cc", count: 32))` (`libBroken.so`)"))
        #expect(lines.contains("- MF 2.1.0: `\(String(repeating: "dd", count: 32))` (`libMF.so`)"))

        // The experiment file, verbatim apart from the trailing blank lines.
        let fileBlock = "## Experiment file\n\n```toml\n" + """
            name = "demo"
            description = "Popularity against random and MF on MovieLens 100K."

            [dataset]
            name = "ml-100k"

            [[model]]
            plugin = "Popularity"
            """ + "\n```\n"
        #expect(readme.contains(fileBlock))

        // Nothing from the older or the unfinished execution.
        #expect(!readme.contains("0.5555"))
        #expect(!readme.contains("0.9999"))
        #expect(!readme.contains("old = true"))
        #expect(!readme.contains("unfinished = true"))
    }

    @Test("metrics.csv: header and one row per run and metric, the failed run with empty metric fields")
    func metricsCSV() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeDemoLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let folder = root.appendingPathComponent("out")
        _ = try ReportWriter().write(try ExperimentReport.load(experiment: "demo", from: ledger), to: folder, command: "recbench report demo")

        let csv = try text(folder, "metrics.csv")
        #expect(csv.hasSuffix("\n"))
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.first == "model,plugin,plugin_version,fold,status,metric,cutoff,protocol,definition_version,value")
        // Values to 6 decimals; the label with a comma is quoted; fold is 1-based.
        let expectedRows = [
            "pop,Popularity,1.0.0,1,ok,precision,10,full-ranking,1,0.210340",
            "pop,Popularity,1.0.0,1,ok,recall,10,full-ranking,1,0.108710",
            "pop,Popularity,1.0.0,1,ok,ndcg,5,full-ranking,1,0.303110",
            "pop,Popularity,1.0.0,1,ok,ndcg,10,full-ranking,1,0.245680",
            "random,Random,1.0.0,1,ok,precision,10,full-ranking,1,0.015810",
            "random,Random,1.0.0,1,ok,recall,10,full-ranking,1,0.007420",
            "random,Random,1.0.0,1,ok,ndcg,10,full-ranking,1,0.019030",
            "broken,Broken,0.1.0,1,failed,,,,,",
            #""mf, k=64",MF,2.1.0,1,ok,precision,10,full-ranking,1,0.198770"#,
            #""mf, k=64",MF,2.1.0,1,ok,recall,10,full-ranking,1,0.133020"#,
            #""mf, k=64",MF,2.1.0,1,ok,ndcg,5,full-ranking,1,0.288470"#,
            #""mf, k=64",MF,2.1.0,1,ok,ndcg,10,full-ranking,1,0.261190"#,
        ]
        #expect(lines.count == 1 + expectedRows.count)
        #expect(lines.dropFirst().sorted() == expectedRows.sorted())
        // Rows grouped by run, runs in position order.
        var order: [String] = []
        for line in lines.dropFirst() {
            let label = line.hasPrefix("\"") ? "mf, k=64" : String(line.prefix { $0 != "," })
            if order.last != label { order.append(label) }
        }
        #expect(order == ["pop", "random", "broken", "mf, k=64"])
    }

    @Test("the chart: gnuplot script with the successful runs, non-empty SVG and PNG")
    func chart() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeDemoLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let folder = root.appendingPathComponent("out")
        _ = try ReportWriter().write(try ExperimentReport.load(experiment: "demo", from: ledger), to: folder, command: "recbench report demo")

        let script = try text(folder, "chart.gp")
        #expect(script.contains(#"metric "pop" "random" "mf, k=64""#))
        #expect(!script.contains("broken"))
        #expect(script.contains(#""ndcg@5" 0.303110 NaN 0.288470"#))
        #expect(script.contains(#""precision@10" 0.210340 0.015810 0.198770"#))

        let svg = try Data(contentsOf: folder.appendingPathComponent("chart.svg"))
        #expect(svg.count > 0)
        #expect(String(decoding: svg, as: UTF8.self).contains("<svg"))
        let png = try Data(contentsOf: folder.appendingPathComponent("chart.png"))
        #expect(png.count > 8)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test("folds: mean ± sample std, lowest rmse/mae in bold, failed fold excludes the model, reference checks")
    func foldsAndReferences() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeFoldLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "folds-demo", from: ledger)
        #expect(report.runs.map { "\($0.label)#\($0.fold)" } == ["svd#0", "svd#1", "baseline#0", "baseline#1", "flaky#0", "flaky#1"])
        #expect(report.models.map(\.label) == ["svd", "baseline", "flaky"])
        #expect(report.models.map(\.succeeded) == [true, true, false])
        // unknown_pairs is bookkeeping, not a column; rmse before mae; cutoff 0 → bare name.
        #expect(report.columns.map(\.label) == ["rmse", "mae"])

        let folder = root.appendingPathComponent("out")
        _ = try ReportWriter().write(report, to: folder, command: "recbench report folds-demo")
        let readme = try text(folder, "README.md")
        let lines = readme.components(separatedBy: "\n")

        #expect(readme.contains("; over all test pairs; mean ± standard deviation over 2 folds."))
        // svd:      rmse mean 0.94,   sample std |0.95 − 0.93| / √2 = 0.014142 → 0.0141; mae 0.74, 0.0141
        // baseline: rmse mean 0.945,  std 0.0016 / √2 = 0.001131 → 0.0011;  mae 0.731, std 0.0018 / √2 = 0.001273 → 0.0013
        // Lower is better for both: rmse best svd (0.9400), mae best baseline (0.7310).
        // flaky failed one fold: no row, and its 0.5 rmse on the other fold must not count as best.
        let table = [
            "| model | rmse | mae |",
            "|---|---:|---:|",
            "| svd | **0.9400** ± 0.0141 | 0.7400 ± 0.0141 |",
            "| baseline | 0.9450 ± 0.0011 | **0.7310** ± 0.0013 |",
            "",
        ]
        let start = try #require(lines.firstIndex(of: table[0]), "results table missing:\n\(readme)")
        #expect(Array(lines[start..<min(start + table.count, lines.count)]) == table)

        // References: svd rmse 0.9400 − 0.934 = +0.0060 ≤ 0.01 PASS; svd mae 0.7400 − 0.75 = −0.0100,
        // exactly the tolerance at 4 decimals → PASS; baseline mae 0.7310 − 0.7 = +0.0310 > 0.02 FAIL;
        // flaky has a failed fold → not measured → FAIL. 2 of 4.
        #expect(lines.contains("### Reproduction of published values"))
        #expect(lines.contains("2 of 4 within tolerance."))
        #expect(lines.contains("| svd | rmse | 0.9340 | 0.9400 | +0.0060 | ±0.0100 | PASS | Surprise docs |"))
        #expect(lines.contains("| svd | mae | 0.7500 | 0.7400 | -0.0100 | ±0.0100 | PASS | boundary |"))
        #expect(lines.contains("| baseline | mae | 0.7000 | 0.7310 | +0.0310 | ±0.0200 | **FAIL** | paper \\| table 2 |"))
        #expect(lines.contains("| flaky | rmse | 0.5000 | - | - | ±0.1000 | **FAIL** | x |"))

        #expect(lines.contains("- **flaky** (Flaky 0.1.0, fold 2): boom"))

        // Models: times summed over folds, "test pairs" averaged over the folds that report them.
        #expect(lines.contains("| model | plugin | version | parameters | seed | status | fit (s) | evaluation (s) | test pairs |"))
        #expect(lines.contains("| svd | SVD | 1.0.0 | `{}` | 42 | ok | 4.000 | 0.750 | 20,000 |"))
        #expect(lines.contains("| baseline | BaselineOnly | 1.0.0 | `{}` | 42 | ok | 0.250 | 0.500 | 20,000 |"))
        #expect(lines.contains("| flaky | Flaky | 0.1.0 | `{}` | 42 | 1 of 2 failed | 1.000 | 0.500 | 20,000 |"))
        // unknown_pairs of the first successful model (svd): 3 + 2.
        #expect(readme.contains("were predicted with the training mean, without asking the model: 5 over all folds."))
        #expect(lines.contains("- fold 1: 80,000 / 20,000, `\(String(repeating: "f1", count: 32))`"))
        #expect(lines.contains("- fold 2: 80,000 / 20,000, `\(String(repeating: "f2", count: 32))`"))

        let csv = try text(folder, "metrics.csv").split(separator: "\n").map(String.init)
        #expect(csv.contains("svd,SVD,1.0.0,1,ok,rmse,0,rating,1,0.930000"))
        #expect(csv.contains("svd,SVD,1.0.0,2,ok,rmse,0,rating,1,0.950000"))
        #expect(csv.contains("flaky,Flaky,0.1.0,2,failed,,,,,"))

        let script = try text(folder, "chart.gp")
        #expect(script.contains(#"metric "svd" "baseline""#))
        #expect(!script.contains("flaky"))
        #expect(script.contains(#""rmse" 0.940000 0.945000"#))
        #expect(script.contains(#""mae" 0.740000 0.731000"#))
    }

    @Test("writing twice gives byte-identical files, and no scratch folder is left")
    func deterministic() throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeDemoLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "demo", from: ledger)
        let reports = root.appendingPathComponent("reports")
        let folder = reports.appendingPathComponent("demo")

        _ = try ReportWriter().write(report, to: folder, command: "recbench report demo")
        let first = try contents(of: folder)
        #expect(first.values.allSatisfy { !$0.isEmpty })

        // Again into the same folder, from a freshly loaded report.
        let reloaded = try ExperimentReport.load(experiment: "demo", from: ledger)
        _ = try ReportWriter().write(reloaded, to: folder, command: "recbench report demo")
        let second = try contents(of: folder)
        for name in reportFiles {
            #expect(first[name] == second[name], "\(name) differs between two writes")
        }

        // And into another folder.
        let elsewhere = reports.appendingPathComponent("demo-copy")
        _ = try ReportWriter().write(reloaded, to: elsewhere, command: "recbench report demo")
        let third = try contents(of: elsewhere)
        for name in reportFiles {
            #expect(first[name] == third[name], "\(name) differs in another folder")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.path).sorted() == ["demo", "demo-copy"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == reportFiles.sorted())
    }

    @Test("a missing gnuplot fails, names gnuplot, and leaves the previous report untouched", arguments: [
        "recbench-no-such-gnuplot", // not on PATH: /usr/bin/env exits 127
        "false",                    // runs and fails
    ])
    func gnuplotFailure(program: String) throws {
        let root = try makeTemporaryFolder("report")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeDemoLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let report = try ExperimentReport.load(experiment: "demo", from: ledger)
        let reports = root.appendingPathComponent("reports")
        let folder = reports.appendingPathComponent("demo")

        _ = try ReportWriter().write(report, to: folder, command: "recbench report demo")
        let before = try contents(of: folder)

        let error = try #require(throws: (any Error).self) {
            try ReportWriter(gnuplot: program).write(report, to: folder, command: "recbench report demo --again")
        }
        #expect(String(describing: error).contains("gnuplot"))
        #expect(try contents(of: folder) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == reportFiles.sorted())
        // No scratch folder (".demo.partial-…") left beside the report.
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.path) == ["demo"])

        // With no previous report, nothing is created.
        let fresh = reports.appendingPathComponent("fresh")
        #expect(throws: (any Error).self) {
            try ReportWriter(gnuplot: program).write(report, to: fresh, command: "recbench report demo")
        }
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: reports.path) == ["demo"])
    }
}
