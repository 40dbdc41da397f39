import Foundation
import GRDB

/// Read-only queries for reports, comparisons and `recbench ls`.
///
/// They go through a read-only connection of their own (the writer's pool is private to
/// Ledger.swift), and each reads what it returns in one transaction, so a report never mixes two
/// states of a ledger that another `recbench run` is writing to.
extension Ledger {
    /// An execution with everything recorded about its runs except per-user values (large; see
    /// `perUser(runIDs:metric:cutoff:evaluationProtocol:)`).
    public struct ExecutionContents: Sendable {
        public var experiment: ExperimentRecord
        /// By model position, then search point, seed, fold and id.
        public var runs: [RunRecord]
        /// Every metric of every run (test and validation protocols), by run id.
        public var metrics: [Int64: [MetricRecord]]
        /// Learning curves by run id, in epoch order; runs without epochs are absent.
        public var epochs: [Int64: [EpochRecord]]
    }

    /// One execution of any status, by id.
    public func experiment(id: Int64) throws -> ExperimentRecord? {
        try readOnly { db in try ExperimentRecord.fetchOne(db, key: id) }
    }

    /// The execution `id` with its runs, metrics and learning curves, read in one transaction.
    public func contents(experimentID id: Int64) throws -> ExecutionContents? {
        try readOnly { db in
            guard let experiment = try ExperimentRecord.fetchOne(db, key: id) else { return nil }
            let runs = try RunRecord.fetchAll(db, sql: """
                SELECT * FROM run WHERE experimentId = ? ORDER BY position, point, seed, fold, id
                """, arguments: [id])
            var metrics: [Int64: [MetricRecord]] = [:]
            for record in try MetricRecord.fetchAll(db, sql: """
                SELECT m.* FROM metric m JOIN run r ON r.id = m.runId WHERE r.experimentId = ?
                ORDER BY m.runId, m.evaluationProtocol, m.metric, m.cutoff
                """, arguments: [id]) {
                metrics[record.runId, default: []].append(record)
            }
            var epochs: [Int64: [EpochRecord]] = [:]
            for record in try EpochRecord.fetchAll(db, sql: """
                SELECT e.* FROM epoch e JOIN run r ON r.id = e.runId WHERE r.experimentId = ?
                ORDER BY e.runId, e.epoch
                """, arguments: [id]) {
                epochs[record.runId, default: []].append(record)
            }
            return ExecutionContents(experiment: experiment, runs: runs, metrics: metrics, epochs: epochs)
        }
    }

    /// Per-user values of one metric under one protocol for the given runs, by run id (runs that
    /// did not store them are absent).
    public func perUser(runIDs: [Int64], metric: String, cutoff: Int, evaluationProtocol: String) throws -> [Int64: PerUserRecord] {
        guard !runIDs.isEmpty else { return [:] }
        return try readOnly { db in
            var result: [Int64: PerUserRecord] = [:]
            for record in try PerUserRecord
                .filter(runIDs.contains(Column("runId")) && Column("metric") == metric && Column("cutoff") == cutoff
                        && Column("evaluationProtocol") == evaluationProtocol)
                .fetchAll(db) {
                result[record.runId] = record
            }
            return result
        }
    }

    private func readOnly<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration).read(body)
    }
}
