import Foundation
import RecLedger
import Testing

/// `--json` on `ls`, `compare`, `report` and `plugins`: standard output is one JSON document and
/// nothing else, with the values put in the ledger.
@Suite struct JSONOutputTests {
    /// Two finished executions on the same data: "alpha" (#1: pop ndcg@10 0.25, mf failed) and
    /// "beta" (#2: pop 0.27 and 0.29 over two seeds).
    static func makeLedger(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let ledger = try Ledger(path: path)
        for (name, runs) in [("alpha", [("pop", Int64(42), "ok", 0.25), ("mf", 42, "failed", 0)]),
                             ("beta", [("pop", 1, "ok", 0.27), ("pop", 2, "ok", 0.29)])] {
            let experiment = try ledger.insert(ExperimentRecord(
                name: name, description: "", filePath: "experiments/\(name).toml", fileSHA256: String(repeating: "0", count: 64),
                fileText: "name = \"\(name)\"\n", dataset: "ml-100k", datasetFingerprint: String(repeating: "d1", count: 32),
                datasetStats: #"{"users":943,"items":1682,"interactions":100000,"density":0.063}"#, splitMethod: "user-holdout",
                splitFingerprint: String(repeating: "5e", count: 32), trainCount: 80_000, testCount: 20_000,
                evaluationProtocol: "full-ranking", metricsVersion: 1, hostVersion: "test", environment: "{}",
                startedAt: "2025-01-01T00:00:00Z"))
            let id = try #require(experiment.id)
            for (position, run) in runs.enumerated() {
                let record = RunRecord(
                    experimentId: id, position: run.0 == "pop" ? 0 : 1, label: run.0, plugin: run.0 == "pop" ? "Popularity" : "MF",
                    pluginVersion: "1.0.0", pluginPath: "/x/lib.so", pluginSHA256: String(repeating: "a", count: 64), params: "{}",
                    paramsHash: "", seed: run.1, status: run.2, error: run.2 == "ok" ? nil : "boom", fitSeconds: 0.5 + Double(position),
                    evalSeconds: 1, usersEvaluated: 943, startedAt: "2025-01-01T00:00:00Z", finishedAt: "2025-01-01T00:01:00Z")
                try ledger.insert(record, metrics: run.2 == "ok" ? [MetricRecord(runId: 0, metric: "ndcg", cutoff: 10, evaluationProtocol: "full-ranking",
                                                                                  value: run.3, definitionVersion: 1)] : [])
            }
            try ledger.finish(experimentID: id, status: "completed", at: "2025-01-01T00:10:00Z")
        }
        return path
    }

    /// The whole of standard output as one JSON value.
    static func json(_ output: TestSupport.Output) throws -> Any {
        #expect(output.status == 0, "stderr: \(output.stderr)")
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
    }

    @Test func listsExecutionsAndRuns() throws {
        let folder = try TestSupport.temporaryDirectory()
        let ledger = try Self.makeLedger(in: folder)
        let executions = try #require(try Self.json(TestSupport.recbench(["ls", "--json", "--ledger", ledger])) as? [[String: Any]])
        #expect(executions.map { $0["name"] as? String } == ["beta", "alpha"])
        #expect(executions.map { $0["runs"] as? Int } == [2, 2])
        #expect(executions.map { $0["failed"] as? Int } == [0, 1])

        let runs = try #require(try Self.json(TestSupport.recbench(["ls", "alpha", "--json", "--ledger", ledger])) as? [[String: Any]])
        #expect(runs.map { $0["label"] as? String } == ["pop", "mf"])
        #expect(runs.map { $0["status"] as? String } == ["ok", "failed"])
        #expect((runs[0]["metrics"] as? [String: Double])?["ndcg@10"] == 0.25)
        #expect(runs[1]["error"] as? String == "boom")

        let text = try TestSupport.recbench(["ls", "2", "--ledger", ledger])
        #expect(text.status == 0)
        #expect(text.stdout.contains("#2 beta (completed)"))
        #expect(text.stdout.contains("0.2900"))
    }

    @Test func comparesTwoExecutions() throws {
        let folder = try TestSupport.temporaryDirectory()
        let ledger = try Self.makeLedger(in: folder)
        let object = try #require(try Self.json(TestSupport.recbench(["compare", "alpha", "beta", "--json", "--ledger", ledger])) as? [String: Any])
        #expect(object["sameRows"] as? Bool == true)
        #expect(object["metrics"] as? [String] == ["ndcg@10"])
        let rows = try #require(object["rows"] as? [[String: Any]])
        let pop = try #require((rows.first { $0["label"] as? String == "pop" }?["values"] as? [[String: Any]])?.first)
        // 0.25 → mean(0.27, 0.29) = 0.28.
        #expect(abs((pop["delta"] as? Double ?? 0) - 0.03) < 1e-12)

        let text = try TestSupport.recbench(["compare", "1", "2", "--ledger", ledger])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Same data"))
        #expect(text.stdout.contains("+0.0300 (+12.0%)"))
        let unknown = try TestSupport.recbench(["compare", "alpha", "gamma", "--ledger", ledger])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no finished experiment named \"gamma\""))
        #expect(unknown.stdout.isEmpty)
    }

    @Test func reportSummary() throws {
        let folder = try TestSupport.temporaryDirectory()
        let ledger = try Self.makeLedger(in: folder)
        let reports = folder.appendingPathComponent("reports").path
        let object = try #require(try Self.json(TestSupport.recbench(["report", "beta", "--json", "--ledger", ledger, "--reports-dir", reports]))
            as? [String: Any])
        #expect(object["experiment"] as? String == "beta")
        #expect(object["execution"] as? Int == 2)
        let files = try #require(object["files"] as? [String])
        #expect(files.prefix(5) == ["README.md", "metrics.csv", "results.csv", "table.tex", "index.html"])
        for file in files {
            #expect(FileManager.default.fileExists(atPath: reports + "/beta/" + file), "\(file) not written")
        }
        let pop = try #require((object["models"] as? [[String: Any]])?.first)
        let ndcg = try #require((pop["values"] as? [String: Any])?["ndcg@10"] as? [String: Any])
        #expect(abs((ndcg["mean"] as? Double ?? 0) - 0.28) < 1e-12)
        #expect(ndcg["n"] as? Int == 2)
    }

    @Test func pluginsAsJSON() throws {
        let folder = try TestSupport.temporaryDirectory()
        _ = try TestSupport.fixture("duplicate_a", into: folder)
        _ = try TestSupport.fixture("no_entry", into: folder)
        let listing = try #require(try Self.json(TestSupport.recbench(["plugins", "--json", "--plugin-dir", folder.path])) as? [String: Any])
        let plugins = try #require(listing["plugins"] as? [[String: Any]])
        let twin = try #require(plugins.first { $0["name"] as? String == "Twin" })
        #expect((twin["path"] as? String)?.hasSuffix("libduplicate_a.so") == true)
        #expect((twin["manifest"] as? [String: Any])?["version"] as? String == "1.0.0")
        let skipped = try #require(listing["skipped"] as? [[String: Any]])
        #expect(skipped.contains { ($0["path"] as? String)?.hasSuffix("libno_entry.so") == true })
        #expect(((listing["searchPath"] as? [[String: Any]])?.first?["directory"] as? String)?.hasSuffix(folder.lastPathComponent) == true)

        let shown = try #require(try Self.json(TestSupport.recbench(["plugins", "show", "Twin", "--json", "--plugin-dir", folder.path]))
            as? [String: Any])
        #expect((shown["manifest"] as? [String: Any])?["name"] as? String == "Twin")
    }
}
