import Foundation
import Testing
import RecLedger
import RecReport

// `recbench compare` on executions built by hand; every delta below is worked out by hand from
// the inserted values.

/// - #1 "base":  pop ndcg@10 0.2500 recall@10 0.1000; mf 0.3000 / 0.1500; slope failed.
/// - #2 "tuned": pop 0.2500 / 0.1000; mf two seeds ndcg 0.3300, 0.3100 (→ 0.3200 ± 0.0141),
///               recall 0.1600, 0.1600; knn 0.2800 / 0.1200 (new); mf's plugin binary changed.
/// - #3 "resplit": like base but another split fingerprint, and mf labelled "mf" on plugin "MF2".
/// - #4 "rating": rmse only, another dataset fingerprint and protocol.
private func makeCompareLedger(at path: String) throws -> Ledger {
    let ledger = try Ledger(path: path)
    func execution(_ name: String, split: String = String(repeating: "5e", count: 32), dataset: String = String(repeating: "d1", count: 32),
                   evaluationProtocol: String = "full-ranking",
                   runs: [(label: String, plugin: String, sha: String, seed: Int64, status: String, metrics: [MetricRecord])]) throws {
        var record = makeExperiment(name: name)
        record.splitFingerprint = split
        record.datasetFingerprint = dataset
        record.evaluationProtocol = evaluationProtocol
        let id = try #require(try ledger.insert(record).id)
        var positions: [String: Int] = [:]
        for run in runs {
            let position = positions[run.label] ?? positions.count
            positions[run.label] = position
            try ledger.insert(makeRun(experimentId: id, position: position, label: run.label, plugin: run.plugin,
                                      sha: String(repeating: run.sha, count: 32), seed: run.seed, status: run.status,
                                      error: run.status == "ok" ? nil : "boom"),
                              metrics: run.metrics)
        }
        try ledger.finish(experimentID: id, status: "completed", at: "2025-01-02T03:09:00Z")
    }
    func ranking(_ ndcg: Double, _ recall: Double) -> [MetricRecord] { [metric("ndcg", 10, ndcg), metric("recall", 10, recall)] }
    try execution("base", runs: [
        ("pop", "Popularity", "aa", 42, "ok", ranking(0.25, 0.10)),
        ("mf", "MF", "bb", 42, "ok", ranking(0.30, 0.15)),
        ("slope", "SlopeOne", "cc", 42, "failed", []),
    ])
    try execution("tuned", runs: [
        ("pop", "Popularity", "aa", 42, "ok", ranking(0.25, 0.10)),
        ("mf", "MF", "b2", 1, "ok", ranking(0.33, 0.16)),
        ("mf", "MF", "b2", 2, "ok", ranking(0.31, 0.16)),
        ("knn", "KNN", "dd", 42, "ok", ranking(0.28, 0.12)),
    ])
    try execution("resplit", split: String(repeating: "77", count: 32), runs: [
        ("pop", "Popularity", "aa", 42, "ok", ranking(0.26, 0.11)),
        ("mf", "MF2", "ee", 42, "ok", ranking(0.35, 0.18)),
    ])
    try execution("rating", dataset: String(repeating: "0f", count: 32), evaluationProtocol: "rating", runs: [
        ("svd", "SVD", "ff", 42, "ok", [metric("rmse", 0, 0.93, protocol: "rating")]),
    ])
    return ledger
}

@Suite("Compare")
struct CompareTests {
    private func load(_ ledger: Ledger, _ a: String, _ b: String, _ metrics: [String] = []) throws -> Comparison {
        try Comparison(a: ExperimentReport.load(a, from: ledger), b: ExperimentReport.load(b, from: ledger), metrics: metrics)
    }

    @Test("values, deltas B − A, models of either side matched by label and plugin, same rows")
    func deltas() throws {
        let root = try makeTemporaryFolder("compare")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeCompareLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let comparison = try load(ledger, "base", "tuned")
        #expect(comparison.a.execution == 1 && comparison.b.execution == 2)
        #expect(comparison.metrics == ["recall@10", "ndcg@10"])
        #expect(comparison.sameRows)
        #expect(comparison.rows.map(\.label) == ["pop", "mf", "slope", "knn"])
        #expect(comparison.rows.map(\.statusA) == ["ok", "ok", "failed", "absent"])
        #expect(comparison.rows.map(\.statusB) == ["ok", "ok", "absent", "ok"])

        let ndcg = comparison.rows.map { $0.values[1] }
        // pop 0.25 → 0.25: Δ 0; mf 0.30 → mean(0.33, 0.31) = 0.32: Δ +0.02; knn only in B; slope nowhere.
        #expect(abs(try #require(ndcg[0].delta)) < 1e-12)
        #expect(abs(try #require(ndcg[1].delta) - 0.02) < 1e-12)
        #expect(abs(try #require(ndcg[1].b?.std) - 0.0141421356) < 1e-9 && ndcg[1].b?.n == 2)
        #expect(ndcg[2].a == nil && ndcg[2].b == nil && ndcg[2].delta == nil)
        #expect(ndcg[3].a == nil && abs((ndcg[3].b?.mean ?? 0) - 0.28) < 1e-12 && ndcg[3].delta == nil)
        // recall: mf 0.15 → 0.16: Δ +0.01.
        #expect(abs(try #require(comparison.rows[1].values[0].delta) - 0.01) < 1e-12)
        // Same data, but mf's binary changed: a note, not a data warning.
        #expect(comparison.warnings == ["mf: the plugin binary differs (SHA-256) between A and B"])

        let text = comparison.text().components(separatedBy: "\n")
        #expect(text.contains { $0.hasPrefix("Same data: dataset d1d1d1d1d1d1… and split 5e5e5e5e5e5e… in both") })
        #expect(!text.contains { $0.contains("WARNING") })
        #expect(text.contains("ndcg@10 (Δ = B − A)"))
        // mf: 0.3000 → 0.3200 ± 0.0141, +0.0200 = +6.7% of 0.30.
        #expect(text.contains { $0.hasPrefix("  mf ") && $0.hasSuffix("0.3000  0.3200 ± 0.0141  +0.0200 (+6.7%)") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("  slope ") && $0.hasSuffix("failed           absent                -") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("  knn ") && $0.hasSuffix("absent           0.2800                -") }, "\(text)")
    }

    @Test("different split: the comparison says so before any number; different plugins are different models")
    func differentRows() throws {
        let root = try makeTemporaryFolder("compare")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeCompareLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let comparison = try load(ledger, "base", "resplit", ["ndcg@10"])
        #expect(!comparison.sameRows)
        #expect(comparison.warnings.contains { $0.hasPrefix("different splits:") && $0.contains("5e5e5e5e5e5e… (A) vs") && $0.contains("777777777777… (B)") })
        // "mf" on MF and "mf" on MF2 are not the same model.
        #expect(comparison.rows.map { "\($0.label)/\($0.plugin)" } == ["pop/Popularity", "mf/MF", "slope/SlopeOne", "mf/MF2"])
        let text = comparison.text()
        let warning = try #require(text.range(of: "WARNING: A and B did NOT evaluate on the same rows"))
        let firstNumber = try #require(text.range(of: "0.2500"))
        #expect(warning.lowerBound < firstNumber.lowerBound)

        // Another dataset and protocol, and no metric in common.
        let error = try #require(throws: ReportError.self) { try load(ledger, "base", "rating") }
        #expect(error.description.contains("no metric in common"))
        let rating = try load(ledger, "base", "rating", ["ndcg@10", "rmse"])
        #expect(!rating.sameRows)
        #expect(rating.warnings.contains { $0.hasPrefix("different dataset rows:") })
        #expect(rating.warnings.contains("different protocols: full-ranking (A) vs rating (B)"))
    }

    @Test("execution ids and names; an unknown metric names the closest; JSON for scripts")
    func idsMetricsJSON() throws {
        let root = try makeTemporaryFolder("compare")
        defer { removeTemporaryFolder(root) }
        let ledger = try makeCompareLedger(at: root.appendingPathComponent("ledger.sqlite").path)
        let byID = try load(ledger, "1", "2")
        #expect(byID.a.name == "base" && byID.b.name == "tuned")
        #expect(throws: ReportError.self) { try load(ledger, "99", "base") }

        let error = try #require(throws: ReportError.self) { try load(ledger, "base", "tuned", ["ndcg@100", "ndgc@10"]) }
        #expect(error.description.contains("\"ndcg@100\""))
        let typo = try #require(throws: ReportError.self) { try load(ledger, "base", "tuned", ["ndgc@10"]) }
        #expect(typo.description.contains("did you mean \"ndcg@10\"?"))

        let comparison = try load(ledger, "base", "tuned", ["NDCG@10"])
        #expect(comparison.metrics == ["ndcg@10"])
        let json = try stableJSON(comparison)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["sameRows"] as? Bool == true)
        let rows = try #require(object["rows"] as? [[String: Any]])
        let mf = try #require(rows.first { $0["label"] as? String == "mf" })
        let value = try #require((mf["values"] as? [[String: Any]])?.first)
        #expect(value["metric"] as? String == "ndcg@10")
        #expect(abs((value["delta"] as? Double ?? 0) - 0.02) < 1e-12)
        #expect(((value["a"] as? [String: Any])?["mean"] as? Double) == 0.30)
        #expect(try stableJSON(comparison) == json)
    }
}
