import Foundation
import GRDB

/// One execution of an experiment file.
public struct ExperimentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "experiment"
    public var id: Int64?
    public var name: String
    public var description: String
    public var filePath: String
    public var fileSHA256: String
    /// The experiment file's text, so a report can show exactly what was run.
    public var fileText: String
    public var dataset: String
    public var datasetFingerprint: String
    /// JSON object of dataset statistics (users, items, interactions, density).
    public var datasetStats: String
    public var splitMethod: String
    public var splitFingerprint: String
    public var trainCount: Int
    public var testCount: Int
    public var evaluationProtocol: String
    public var metricsVersion: Int
    public var hostVersion: String
    /// JSON object: CPU model, cores, OS.
    public var environment: String
    public var startedAt: String
    public var finishedAt: String?
    /// "running", "completed" (every run succeeded), "completed-with-failures", "aborted".
    public var status: String
    /// Number of train/test folds each model ran on (1 for a holdout split).
    public var foldCount: Int = 1
    /// JSON array of the published values the experiment compares against (see ExperimentFile.Reference).
    public var referencesJSON: String = "[]"
    /// JSON array of other tools' timings for the same models (see ExperimentFile.TimingReference).
    public var timingReferencesJSON: String = "[]"

    public init(
        name: String, description: String, filePath: String, fileSHA256: String, fileText: String,
        dataset: String, datasetFingerprint: String, datasetStats: String, splitMethod: String,
        splitFingerprint: String, trainCount: Int, testCount: Int, evaluationProtocol: String,
        metricsVersion: Int, hostVersion: String, environment: String, startedAt: String
    ) {
        self.name = name
        self.description = description
        self.filePath = filePath
        self.fileSHA256 = fileSHA256
        self.fileText = fileText
        self.dataset = dataset
        self.datasetFingerprint = datasetFingerprint
        self.datasetStats = datasetStats
        self.splitMethod = splitMethod
        self.splitFingerprint = splitFingerprint
        self.trainCount = trainCount
        self.testCount = testCount
        self.evaluationProtocol = evaluationProtocol
        self.metricsVersion = metricsVersion
        self.hostVersion = hostVersion
        self.environment = environment
        self.startedAt = startedAt
        self.status = "running"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One model trained and evaluated within an experiment.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var experimentId: Int64
    /// Position of the model in the experiment file: the report keeps that order.
    public var position: Int
    public var label: String
    public var plugin: String
    public var pluginVersion: String
    public var pluginPath: String
    public var pluginSHA256: String
    /// Canonical JSON of every hyperparameter (defaults filled in) and its SHA-256.
    public var params: String
    public var paramsHash: String
    public var seed: Int64
    /// "ok" or "failed".
    public var status: String
    public var error: String?
    public var fitSeconds: Double?
    public var evalSeconds: Double?
    public var usersEvaluated: Int?
    public var startedAt: String
    public var finishedAt: String
    /// 0-based fold; the split of that fold, its fingerprint and sizes.
    public var fold: Int = 0
    public var splitFingerprint: String = ""
    public var trainCount: Int = 0
    public var testCount: Int = 0

    // Since v4.
    /// SHA-256 over the canonical description of everything that determines the result: dataset
    /// and split fingerprints, fold, plugin name, version and binary hash, canonical parameters,
    /// seed, evaluation settings and metric definition versions. Equal identity, equal numbers.
    public var identity: String = ""
    /// Set when this execution reused a finished run with the same identity.
    public var reusedFromRunId: Int64?
    /// The parameter point of the model's search (0 when it has none).
    public var point: Int = 0
    /// Whether this run's parameters are the ones the search selected (always true without a search).
    public var selected: Bool = true
    public var loadSeconds: Double?
    public var peakMemoryBytes: Int64?
    /// For models that train in epochs: how many ran, and which one was kept.
    public var epochsRun: Int?
    public var bestEpoch: Int?
    // Since v5.
    /// SHA-256 of the sampled protocol's negatives this run was evaluated with (see
    /// `SampledCandidatesRecord`); nil without a sampled protocol.
    public var candidatesFingerprint: String?

    public init(
        experimentId: Int64, position: Int, label: String, plugin: String, pluginVersion: String,
        pluginPath: String, pluginSHA256: String, params: String, paramsHash: String, seed: Int64,
        status: String, error: String?, fitSeconds: Double?, evalSeconds: Double?, usersEvaluated: Int?,
        startedAt: String, finishedAt: String
    ) {
        self.experimentId = experimentId
        self.position = position
        self.label = label
        self.plugin = plugin
        self.pluginVersion = pluginVersion
        self.pluginPath = pluginPath
        self.pluginSHA256 = pluginSHA256
        self.params = params
        self.paramsHash = paramsHash
        self.seed = seed
        self.status = status
        self.error = error
        self.fitSeconds = fitSeconds
        self.evalSeconds = evalSeconds
        self.usersEvaluated = usersEvaluated
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A metric's mean over users for one run.
public struct MetricRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metric"
    public var runId: Int64
    /// "ndcg", "precision", ...
    public var metric: String
    public var cutoff: Int
    /// e.g. "full-ranking"
    public var evaluationProtocol: String
    public var value: Double
    public var definitionVersion: Int

    public init(runId: Int64, metric: String, cutoff: Int, evaluationProtocol: String, value: Double, definitionVersion: Int) {
        self.runId = runId
        self.metric = metric
        self.cutoff = cutoff
        self.evaluationProtocol = evaluationProtocol
        self.value = value
        self.definitionVersion = definitionVersion
    }
}

/// Every evaluated user's value of one metric in one run: the basis of significance tests,
/// distributions and slices. Stored as two little-endian arrays (users as Int32 dense ids, values
/// as Float64) rather than a row per user, so a 30,000-user run stays one small row per metric.
public struct PerUserRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "perUserMetric"
    public var runId: Int64
    public var metric: String
    public var cutoff: Int
    public var evaluationProtocol: String
    public var users: Data
    public var values: Data

    public init(runId: Int64, metric: String, cutoff: Int, evaluationProtocol: String, users: [Int32], values: [Double]) {
        precondition(users.count == values.count, "per-user arrays differ in length")
        self.runId = runId
        self.metric = metric
        self.cutoff = cutoff
        self.evaluationProtocol = evaluationProtocol
        self.users = users.withUnsafeBufferPointer { Data(buffer: $0) }
        self.values = values.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    public var userIDs: [Int32] { users.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } }
    public var userValues: [Double] { values.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) } }
}

/// One epoch of a run's learning curve.
public struct EpochRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "epoch"
    public var runId: Int64
    public var epoch: Int
    /// The plugin's mean training loss over the epoch.
    public var loss: Double
    /// The validation metric ("ndcg@10") and its value, at epochs where the host evaluated; for a
    /// `[models.learning_curve]` the test metric, named "test ndcg@10".
    public var metric: String?
    public var value: Double?
    /// Wall seconds since fit began, at the end of this epoch.
    public var seconds: Double

    public init(runId: Int64 = 0, epoch: Int, loss: Double, metric: String? = nil, value: Double? = nil, seconds: Double) {
        self.runId = runId
        self.epoch = epoch
        self.loss = loss
        self.metric = metric
        self.value = value
        self.seconds = seconds
    }
}
