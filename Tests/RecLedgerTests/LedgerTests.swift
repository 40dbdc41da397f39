import Foundation
import Testing
import RecLedger

// The ledger through its public API only: RecLedgerTests depends on RecLedger and RecReport, not on
// GRDB, so the schema is checked by storing and reading back a row of every table, and WAL mode by
// the `-wal` file and the SQLite file header (bytes 18–19 are 2 in WAL mode, 1 in rollback mode;
// https://www.sqlite.org/fileformat.html#file_format_version_numbers).

// MARK: - Helpers shared with ReportTests.swift

/// A uniquely named temporary folder; remove it with `removeTemporaryFolder`.
func makeTemporaryFolder(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("recbench-\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func removeTemporaryFolder(_ url: URL) { try? FileManager.default.removeItem(at: url) }

func makeExperiment(
    name: String, description: String = "", fileText: String = "name = \"x\"\n",
    startedAt: String = "2025-01-02T03:04:05Z"
) -> ExperimentRecord {
    ExperimentRecord(
        name: name, description: description, filePath: "experiments/\(name).toml",
        fileSHA256: "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f", fileText: fileText,
        dataset: "ml-100k", datasetFingerprint: String(repeating: "d1", count: 32),
        datasetStats: #"{"users":943,"items":1682,"interactions":100000,"density":0.06304669}"#,
        splitMethod: "user-holdout(test_fraction=0.2, seed=42)", splitFingerprint: String(repeating: "5e", count: 32),
        trainCount: 79_619, testCount: 20_381, evaluationProtocol: "full-ranking", metricsVersion: 1,
        hostVersion: "0.1.0", environment: #"{"cpu":"Test CPU","cores":2,"os":"Linux"}"#, startedAt: startedAt)
}

func makeRun(
    experimentId: Int64, position: Int, label: String, plugin: String = "Popularity", version: String = "1.0.0",
    sha: String = String(repeating: "aa", count: 32), params: String = "{}", seed: Int64 = 42,
    status: String = "ok", error: String? = nil, fit: Double? = 0.5, eval: Double? = 2.25, users: Int? = 943
) -> RunRecord {
    RunRecord(
        experimentId: experimentId, position: position, label: label, plugin: plugin, pluginVersion: version,
        pluginPath: "/opt/recbench/plugins/lib\(plugin).so", pluginSHA256: sha, params: params,
        paramsHash: String(repeating: "0f", count: 32), seed: seed, status: status, error: error,
        fitSeconds: fit, evalSeconds: eval, usersEvaluated: users,
        startedAt: "2025-01-02T03:05:00Z", finishedAt: "2025-01-02T03:06:00Z")
}

func metric(_ name: String, _ cutoff: Int, _ value: Double, protocol evaluationProtocol: String = "full-ranking") -> MetricRecord {
    MetricRecord(runId: 0, metric: name, cutoff: cutoff, evaluationProtocol: evaluationProtocol, value: value, definitionVersion: 1)
}

private func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

// MARK: - Tests

@Suite("Ledger")
struct LedgerTests {
    @Test("a fresh ledger creates its folders and file, and runs in WAL mode")
    func freshLedgerIsWAL() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let path = root.appendingPathComponent("nested/deeper/ledger.sqlite").path
        #expect(!fileExists(root.appendingPathComponent("nested").path))

        do {
            let ledger = try Ledger(path: path)
            #expect(ledger.path == path)
            #expect(fileExists(path))
            let id = try #require(try ledger.insert(makeExperiment(name: "wal")).id)
            // In WAL mode a write goes to "<path>-wal" while the database is open.
            #expect(fileExists(path + "-wal"))
            #expect(try ledger.experimentNames() == [], "an unfinished execution is not listed")
            try ledger.finish(experimentID: id, status: "completed", at: "2025-01-01T00:10:00Z")
            #expect(try ledger.experimentNames() == ["wal"])
        }

        // Closed: the header is on disk. "SQLite format 3\0", then bytes 18 and 19 = 2 (WAL).
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(100)
        #expect(header.count == 100)
        #expect(Array(header.prefix(16)) == Array("SQLite format 3\u{0}".utf8))
        #expect(header[18] == 2)
        #expect(header[19] == 2)
    }

    @Test("experiment, run and metrics read back equal to what was stored")
    func roundTrip() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let ledger = try Ledger(path: root.appendingPathComponent("ledger.sqlite").path)

        let draft = makeExperiment(name: "round-trip", description: "Ünïcödé — “quotes”, 'apostrophes', | pipes", fileText: "a = 1\nb = \"two\"\n")
        #expect(draft.id == nil)
        #expect(draft.status == "running")
        #expect(draft.finishedAt == nil)
        let experiment = try ledger.insert(draft)
        let experimentID = try #require(experiment.id)
        #expect(experiment.name == "round-trip")

        let run = makeRun(experimentId: experimentID, position: 0, label: "pop", fit: 0.1 + 0.2, eval: nil, users: nil)
        let metrics = [
            metric("precision", 10, 0.1 + 0.2),    // 0.30000000000000004: must survive exactly
            metric("ndcg", 10, 1.0 / 3.0),
            metric("ndcg", 5, 0.0),
            metric("ndcg", 5, 0.25, protocol: "sampled-100"), // same (metric, cutoff), other protocol: allowed
        ]
        let stored = try ledger.insert(run, metrics: metrics)
        let runID = try #require(stored.id)

        var expectedRun = run
        expectedRun.id = runID
        #expect(stored == expectedRun)
        #expect(try ledger.runs(experimentID: experimentID) == [expectedRun])

        let readMetrics = try ledger.metrics(runID: runID)
        #expect(readMetrics.count == 4)
        #expect(readMetrics.allSatisfy { $0.runId == runID })
        // Every stored metric comes back with identical values (the run id filled in).
        let expectedMetrics = metrics.map { record -> MetricRecord in
            var record = record
            record.runId = runID
            return record
        }
        #expect(Set(readMetrics.map(MetricKey.init)) == Set(expectedMetrics.map(MetricKey.init)))
        // Ordered by metric, then cutoff.
        #expect(readMetrics.map { "\($0.metric)@\($0.cutoff)" }.prefix(3).elementsEqual(["ndcg@5", "ndcg@5", "ndcg@10"]))
        #expect(readMetrics.last?.metric == "precision")
        #expect(readMetrics.last?.value == 0.30000000000000004)

        // Unfinished: not the latest finished execution yet.
        #expect(try ledger.latestExperiment(named: "round-trip") == nil)
        try ledger.finish(experimentID: experimentID, status: "completed", at: "2025-01-02T03:09:00Z")
        var expectedExperiment = experiment
        expectedExperiment.status = "completed"
        expectedExperiment.finishedAt = "2025-01-02T03:09:00Z"
        #expect(try ledger.latestExperiment(named: "round-trip") == expectedExperiment)
    }

    @Test("per-user values are stored with their run and read back exactly")
    func perUserRoundTrip() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let ledger = try Ledger(path: root.appendingPathComponent("ledger.sqlite").path)
        let experimentID = try #require(try ledger.insert(makeExperiment(name: "per-user")).id)
        let users: [Int32] = [0, 3, 7, 942]
        let values = [0.0, 1.0 / 3.0, 0.1 + 0.2, 1.0]
        let stored = try ledger.insert(
            makeRun(experimentId: experimentID, position: 0, label: "pop", fit: 0.1, eval: 0.2, users: 4),
            metrics: [metric("ndcg", 10, values.reduce(0, +) / 4)],
            perUser: [PerUserRecord(runId: 0, metric: "ndcg", cutoff: 10, evaluationProtocol: "full-ranking", users: users, values: values)])
        let runID = try #require(stored.id)
        let back = try #require(try ledger.perUser(runID: runID, metric: "ndcg", cutoff: 10))
        #expect(back.runId == runID)
        #expect(back.userIDs == users)
        #expect(back.userValues == values)
        #expect(try ledger.perUser(runID: runID, metric: "ndcg", cutoff: 5) == nil)
    }

    @Test("runs come back in position order, whatever the insertion order")
    func runOrder() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let ledger = try Ledger(path: root.appendingPathComponent("ledger.sqlite").path)
        let id = try #require(try ledger.insert(makeExperiment(name: "order")).id)
        try ledger.insert(makeRun(experimentId: id, position: 2, label: "c"), metrics: [])
        try ledger.insert(makeRun(experimentId: id, position: 0, label: "a"), metrics: [])
        try ledger.insert(makeRun(experimentId: id, position: 1, label: "b"), metrics: [])
        #expect(try ledger.runs(experimentID: id).map(\.label) == ["a", "b", "c"])
        // Another experiment's runs are not mixed in.
        let other = try #require(try ledger.insert(makeExperiment(name: "order")).id)
        try ledger.insert(makeRun(experimentId: other, position: 0, label: "z"), metrics: [])
        #expect(try ledger.runs(experimentID: id).map(\.label) == ["a", "b", "c"])
        #expect(try ledger.runs(experimentID: other).map(\.label) == ["z"])
    }

    @Test("a duplicate (metric, cutoff, protocol) rolls back the run and all its metrics")
    func duplicateMetricRollsBack() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let ledger = try Ledger(path: root.appendingPathComponent("ledger.sqlite").path)
        let id = try #require(try ledger.insert(makeExperiment(name: "dup")).id)
        let kept = try ledger.insert(makeRun(experimentId: id, position: 0, label: "kept"), metrics: [metric("ndcg", 10, 0.5)])

        #expect(throws: (any Error).self) {
            try ledger.insert(
                makeRun(experimentId: id, position: 1, label: "doomed"),
                metrics: [metric("recall", 10, 0.1), metric("ndcg", 10, 0.2), metric("ndcg", 10, 0.3)])
        }
        // Neither the run nor its first two (valid) metrics are left behind.
        #expect(try ledger.runs(experimentID: id).map(\.label) == ["kept"])
        #expect(try ledger.metrics(runID: kept.id!).map(\.value) == [0.5])

        // The next run gets the row id the doomed run would have had; it must not inherit metrics.
        let next = try ledger.insert(makeRun(experimentId: id, position: 2, label: "next"), metrics: [metric("map", 10, 0.7)])
        #expect(try ledger.runs(experimentID: id).map(\.label) == ["kept", "next"])
        let nextMetrics = try ledger.metrics(runID: next.id!)
        #expect(nextMetrics.map(\.metric) == ["map"])
        #expect(nextMetrics.map(\.value) == [0.7])
        for probe in Int64(1)...Int64(5) where probe != kept.id && probe != next.id {
            #expect(try ledger.metrics(runID: probe).isEmpty, "stray metrics under run id \(probe)")
        }
    }

    @Test("a run for an experiment that does not exist is refused")
    func orphanRun() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let ledger = try Ledger(path: root.appendingPathComponent("ledger.sqlite").path)
        #expect(throws: (any Error).self) {
            try ledger.insert(makeRun(experimentId: 999, position: 0, label: "orphan"), metrics: [metric("ndcg", 10, 0.5)])
        }
        #expect(try ledger.runs(experimentID: 999).isEmpty)
        #expect(try ledger.metrics(runID: 1).isEmpty)
    }

    @Test("latestExperiment(named:) ignores unfinished executions and returns the newest finished one")
    func latestFinished() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let ledger = try Ledger(path: root.appendingPathComponent("ledger.sqlite").path)

        let first = try #require(try ledger.insert(makeExperiment(name: "exp", startedAt: "2025-01-01T00:00:00Z")).id)
        try ledger.finish(experimentID: first, status: "completed", at: "2025-01-01T00:10:00Z")
        let second = try #require(try ledger.insert(makeExperiment(name: "exp", startedAt: "2025-01-02T00:00:00Z")).id)
        try ledger.finish(experimentID: second, status: "completed-with-failures", at: "2025-01-02T00:10:00Z")
        // Started later but never finished (crashed or still running).
        _ = try ledger.insert(makeExperiment(name: "exp", startedAt: "2025-01-03T00:00:00Z"))
        // Another name, finished last.
        let other = try #require(try ledger.insert(makeExperiment(name: "other", startedAt: "2025-01-04T00:00:00Z")).id)
        try ledger.finish(experimentID: other, status: "completed", at: "2025-01-04T00:10:00Z")
        // A name that never finished.
        _ = try ledger.insert(makeExperiment(name: "draft"))

        let latest = try #require(try ledger.latestExperiment(named: "exp"))
        #expect(latest.id == second)
        #expect(latest.startedAt == "2025-01-02T00:00:00Z")
        #expect(latest.finishedAt == "2025-01-02T00:10:00Z")
        #expect(latest.status == "completed-with-failures")
        #expect(try ledger.latestExperiment(named: "other")?.id == other)
        #expect(try ledger.latestExperiment(named: "draft") == nil)
        #expect(try ledger.latestExperiment(named: "nope") == nil)
        // Only names with a finished execution: "draft" never finished, so a report of it is impossible.
        #expect(try ledger.experimentNames() == ["exp", "other"])
    }

    @Test("reopening an existing ledger keeps its data and goes on numbering")
    func reopen() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let path = root.appendingPathComponent("ledger.sqlite").path

        var firstID: Int64 = 0
        var firstRun: RunRecord?
        do {
            let ledger = try Ledger(path: path)
            firstID = try #require(try ledger.insert(makeExperiment(name: "persisted")).id)
            firstRun = try ledger.insert(makeRun(experimentId: firstID, position: 0, label: "pop"), metrics: [metric("ndcg", 10, 0.125)])
            try ledger.finish(experimentID: firstID, status: "completed", at: "2025-01-02T03:09:00Z")
        }
        do {
            // Migrations must be idempotent: a second open of the same file must not fail.
            let ledger = try Ledger(path: path)
            let experiment = try #require(try ledger.latestExperiment(named: "persisted"))
            #expect(experiment.id == firstID)
            #expect(experiment.status == "completed")
            let run = try #require(firstRun)
            #expect(try ledger.runs(experimentID: firstID) == [run])
            #expect(try ledger.metrics(runID: run.id!).map(\.value) == [0.125])
            let secondID = try #require(try ledger.insert(makeExperiment(name: "persisted")).id)
            #expect(secondID > firstID)
        }
        do {
            let ledger = try Ledger(path: path)
            #expect(try ledger.experimentNames() == ["persisted"])
        }
    }

    @Test("two ledgers open on the same file see each other's writes")
    func twoConnections() throws {
        let root = try makeTemporaryFolder("ledger")
        defer { removeTemporaryFolder(root) }
        let path = root.appendingPathComponent("ledger.sqlite").path
        let writer = try Ledger(path: path)
        let reader = try Ledger(path: path)
        let id = try #require(try writer.insert(makeExperiment(name: "shared")).id)
        try writer.finish(experimentID: id, status: "completed", at: "2025-01-02T03:09:00Z")
        #expect(try reader.latestExperiment(named: "shared")?.id == id)
    }
}

/// MetricRecord is Equatable but not Hashable; this is its full content for set comparison.
private struct MetricKey: Hashable {
    var runId: Int64, metric: String, cutoff: Int, evaluationProtocol: String, value: Double, definitionVersion: Int
    init(_ record: MetricRecord) {
        runId = record.runId
        metric = record.metric
        cutoff = record.cutoff
        evaluationProtocol = record.evaluationProtocol
        value = record.value
        definitionVersion = record.definitionVersion
    }
}
