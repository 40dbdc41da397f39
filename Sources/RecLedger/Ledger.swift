import Foundation
import GRDB

/// The results store: SQLite in WAL mode, schema evolved by named migrations, every write in a
/// transaction so a crash never leaves a half-written run.
public final class Ledger: Sendable {
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating folders and schema as needed) the ledger at `path`.
    public init(path: String) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // Two processes opening a new ledger at once race twice: switching the file to WAL needs
        // an exclusive lock that SQLite's busy timeout does not wait for ("database is locked" while
        // executing PRAGMA journal_mode = WAL), and GRDB reads which migrations are applied before
        // it takes SQLite's write lock, so both could create the tables. A file lock beside the
        // ledger makes opening and migrating one process at a time.
        pool = try Self.withFileLock(path + ".migrate-lock") {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            return pool
        }
    }

    private static func withFileLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { return try body() }   // read-only folder: nothing to race with
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: experiments, runs, metrics") { db in
            try db.create(table: "experiment") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().indexed()
                t.column("description", .text).notNull()
                t.column("filePath", .text).notNull()
                t.column("fileSHA256", .text).notNull()
                t.column("fileText", .text).notNull()
                t.column("dataset", .text).notNull()
                t.column("datasetFingerprint", .text).notNull()
                t.column("datasetStats", .text).notNull()
                t.column("splitMethod", .text).notNull()
                t.column("splitFingerprint", .text).notNull()
                t.column("trainCount", .integer).notNull()
                t.column("testCount", .integer).notNull()
                t.column("evaluationProtocol", .text).notNull()
                t.column("metricsVersion", .integer).notNull()
                t.column("hostVersion", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("startedAt", .text).notNull()
                t.column("finishedAt", .text)
                t.column("status", .text).notNull()
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("experiment", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("label", .text).notNull()
                t.column("plugin", .text).notNull()
                t.column("pluginVersion", .text).notNull()
                t.column("pluginPath", .text).notNull()
                t.column("pluginSHA256", .text).notNull()
                t.column("params", .text).notNull()
                t.column("paramsHash", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("error", .text)
                t.column("fitSeconds", .double)
                t.column("evalSeconds", .double)
                t.column("usersEvaluated", .integer)
                t.column("startedAt", .text).notNull()
                t.column("finishedAt", .text).notNull()
            }
            try db.create(table: "metric") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("metric", .text).notNull()
                t.column("cutoff", .integer).notNull()
                t.column("evaluationProtocol", .text).notNull()
                t.column("value", .double).notNull()
                t.column("definitionVersion", .integer).notNull()
                t.primaryKey(["runId", "metric", "cutoff", "evaluationProtocol"])
            }
        }
        migrator.registerMigration("v2: folds and references") { db in
            try db.alter(table: "experiment") { t in
                t.add(column: "foldCount", .integer).notNull().defaults(to: 1)
                t.add(column: "referencesJSON", .text).notNull().defaults(to: "[]")
                t.add(column: "timingReferencesJSON", .text).notNull().defaults(to: "[]")
            }
            try db.alter(table: "run") { t in
                t.add(column: "fold", .integer).notNull().defaults(to: 0)
                t.add(column: "splitFingerprint", .text).notNull().defaults(to: "")
                t.add(column: "trainCount", .integer).notNull().defaults(to: 0)
                t.add(column: "testCount", .integer).notNull().defaults(to: 0)
            }
        }
        migrator.registerMigration("v3: per-user metric values") { db in
            try db.create(table: "perUserMetric") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("metric", .text).notNull()
                t.column("cutoff", .integer).notNull()
                t.column("evaluationProtocol", .text).notNull()
                t.column("users", .blob).notNull()
                t.column("values", .blob).notNull()
                t.primaryKey(["runId", "metric", "cutoff", "evaluationProtocol"])
            }
        }
        migrator.registerMigration("v4: run identity, search, phases and learning curves") { db in
            try db.alter(table: "run") { t in
                // SHA-256 of everything that determines the run's result (see RunRecord.identity).
                t.add(column: "identity", .text).notNull().defaults(to: "")
                // The run whose results this execution reused instead of recomputing them.
                t.add(column: "reusedFromRunId", .integer)
                // Which parameter point of the model's search (0 without a search) and whether the
                // validation metric selected it; reports show selected runs.
                t.add(column: "point", .integer).notNull().defaults(to: 0)
                t.add(column: "selected", .boolean).notNull().defaults(to: true)
                t.add(column: "loadSeconds", .double)
                t.add(column: "peakMemoryBytes", .integer)
                t.add(column: "epochsRun", .integer)
                t.add(column: "bestEpoch", .integer)
            }
            try db.create(index: "run_identity", on: "run", columns: ["identity", "status"])
            try db.create(table: "epoch") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("epoch", .integer).notNull()
                t.column("loss", .double).notNull()
                // The validation metric at this epoch, when the host evaluated it.
                t.column("metric", .text)
                t.column("value", .double)
                t.column("seconds", .double).notNull()
                t.primaryKey(["runId", "epoch"])
            }
        }
        migrator.registerMigration("v5: sampled ranking candidates and slices") { db in
            // Negatives of a sampled protocol, stored once per fingerprint (see SampledCandidatesRecord).
            try db.create(table: "sampledCandidates") { t in
                t.primaryKey("fingerprint", .text)
                t.column("evaluationProtocol", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("splitFingerprint", .text).notNull()
                t.column("userCount", .integer).notNull()
                t.column("negativeCount", .integer).notNull()
                t.column("users", .blob).notNull()
                t.column("offsets", .blob).notNull()
                t.column("negatives", .blob).notNull()
            }
            try db.alter(table: "run") { t in
                // The sampled candidates the run was evaluated with, when its experiment has a sampled protocol.
                t.add(column: "candidatesFingerprint", .text)
            }
            try db.create(table: "sliceMetric") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("evaluationProtocol", .text).notNull()
                t.column("dimension", .text).notNull()
                t.column("bucket", .text).notNull()
                t.column("bucketIndex", .integer).notNull()
                t.column("metric", .text).notNull()
                t.column("cutoff", .integer).notNull()
                t.column("value", .double).notNull()
                t.column("users", .integer).notNull()
                t.column("definitionVersion", .integer).notNull()
                t.primaryKey(["runId", "evaluationProtocol", "dimension", "bucketIndex", "metric", "cutoff"])
            }
        }
        return migrator
    }

    /// Stores drawn negatives unless the same fingerprint is already stored (same bytes, same rows).
    public func store(_ candidates: SampledCandidatesRecord) throws {
        try pool.write { db in try candidates.insert(db, onConflict: .ignore) }
    }

    /// Slice values of the given runs, by run id, ordered by dimension, bucket, metric and cutoff.
    public func slices(runIDs: [Int64]) throws -> [Int64: [SliceMetricRecord]] {
        guard !runIDs.isEmpty else { return [:] }
        return try pool.read { db in
            var result: [Int64: [SliceMetricRecord]] = [:]
            for record in try SliceMetricRecord.filter(runIDs.contains(Column("runId")))
                .order(Column("dimension"), Column("bucketIndex"), Column("metric"), Column("cutoff")).fetchAll(db) {
                result[record.runId, default: []].append(record)
            }
            return result
        }
    }

    /// The negatives stored under a fingerprint, if any.
    public func sampledCandidates(fingerprint: String) throws -> SampledCandidatesRecord? {
        try pool.read { db in try SampledCandidatesRecord.fetchOne(db, key: fingerprint) }
    }

    public func insert(_ experiment: ExperimentRecord) throws -> ExperimentRecord {
        try pool.write { db in
            var record = experiment
            try record.insert(db)
            return record
        }
    }

    /// Stores a run with its metrics, per-user values and learning curve together, or none of them.
    @discardableResult
    public func insert(_ run: RunRecord, metrics: [MetricRecord], perUser: [PerUserRecord] = [],
                       epochs: [EpochRecord] = [], slices: [SliceMetricRecord] = []) throws -> RunRecord {
        try pool.write { db in
            var record = run
            try record.insert(db)
            for var metric in metrics {
                metric.runId = record.id!
                try metric.insert(db)
            }
            for var values in perUser {
                values.runId = record.id!
                try values.insert(db)
            }
            for var epoch in epochs {
                epoch.runId = record.id!
                try epoch.insert(db)
            }
            for var slice in slices {
                slice.runId = record.id!
                try slice.insert(db)
            }
            return record
        }
    }

    /// The newest successful run with this identity, from any execution: what `recbench run`
    /// reuses instead of computing the same result again.
    public func finishedRun(identity: String) throws -> RunRecord? {
        guard !identity.isEmpty else { return nil }
        return try pool.read { db in
            try RunRecord.filter(Column("identity") == identity && Column("status") == "ok").order(Column("id").desc).fetchOne(db)
        }
    }

    /// Copies a finished run, with its metrics, per-user values and curve, into another execution,
    /// in one transaction; the copy records where it came from.
    @discardableResult
    public func reuse(_ source: RunRecord, in experimentID: Int64, position: Int, label: String,
                      point: Int, selected: Bool) throws -> RunRecord {
        try pool.write { db in
            var copy = source
            copy.id = nil
            copy.experimentId = experimentID
            copy.position = position
            copy.label = label
            copy.point = point
            copy.selected = selected
            copy.reusedFromRunId = source.reusedFromRunId ?? source.id
            try copy.insert(db)
            let id = copy.id!
            for table in ["metric", "perUserMetric", "epoch", "sliceMetric"] {
                let columns = try db.columns(in: table).map(\.name).filter { $0 != "runId" }
                let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                try db.execute(sql: "INSERT INTO \(table) (runId, \(list)) SELECT ?, \(list) FROM \(table) WHERE runId = ?",
                               arguments: [id, source.id])
            }
            return copy
        }
    }

    /// Marks which runs of an execution the search selected.
    public func setSelected(runIDs: [Int64], selected: Bool) throws {
        try pool.write { db in
            for id in runIDs {
                try db.execute(sql: "UPDATE run SET selected = ? WHERE id = ?", arguments: [selected, id])
            }
        }
    }

    /// A run's learning curve, by epoch.
    public func epochs(runID: Int64) throws -> [EpochRecord] {
        try pool.read { db in
            try EpochRecord.filter(Column("runId") == runID).order(Column("epoch")).fetchAll(db)
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database file.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }

    /// Per-user values of one metric in one run, if stored.
    public func perUser(runID: Int64, metric: String, cutoff: Int) throws -> PerUserRecord? {
        try pool.read { db in
            try PerUserRecord.filter(Column("runId") == runID && Column("metric") == metric && Column("cutoff") == cutoff).fetchOne(db)
        }
    }

    public func finish(experimentID: Int64, status: String, at time: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE experiment SET status = ?, finishedAt = ? WHERE id = ?",
                arguments: [status, time, experimentID])
        }
    }

    /// The most recent finished execution of the named experiment.
    public func latestExperiment(named name: String) throws -> ExperimentRecord? {
        try pool.read { db in
            try ExperimentRecord
                .filter(Column("name") == name && Column("finishedAt") != nil)
                .order(Column("id").desc)
                .fetchOne(db)
        }
    }

    /// One line of `recbench ls`: an execution and how its runs went.
    public struct ExecutionSummary: Sendable, FetchableRecord, Decodable {
        public var id: Int64
        public var name: String
        public var status: String
        public var startedAt: String
        public var finishedAt: String?
        public var dataset: String
        public var runs: Int
        public var failed: Int
    }

    /// Every execution, newest first.
    public func executions() throws -> [ExecutionSummary] {
        try pool.read { db in
            try ExecutionSummary.fetchAll(db, sql: """
                SELECT e.id, e.name, e.status, e.startedAt, e.finishedAt, e.dataset,
                       COUNT(r.id) AS runs, COALESCE(SUM(r.status != 'ok'), 0) AS failed
                FROM experiment e LEFT JOIN run r ON r.experimentId = e.id
                GROUP BY e.id ORDER BY e.id DESC
                """)
        }
    }

    public func experimentNames() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT name FROM experiment WHERE finishedAt IS NOT NULL ORDER BY name")
        }
    }

    public func runs(experimentID: Int64) throws -> [RunRecord] {
        try pool.read { db in
            try RunRecord.filter(Column("experimentId") == experimentID).order(Column("position"), Column("fold"), Column("id")).fetchAll(db)
        }
    }

    public func metrics(runID: Int64) throws -> [MetricRecord] {
        try pool.read { db in
            try MetricRecord.filter(Column("runId") == runID).order(Column("metric"), Column("cutoff")).fetchAll(db)
        }
    }
}
