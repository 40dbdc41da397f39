import Foundation
import RecData
import RecEval
import RecKit
import RecLedger
import RecMath

/// `recbench import-run`: a TREC run file produced elsewhere (RecBole, Cornac, …) evaluated on an
/// experiment's own split and recorded as one more model row of its latest execution.
///
/// The split is rebuilt from the experiment file and must have the fingerprint the execution's runs
/// recorded for that fold, so the imported lists are scored against exactly the same test items.
/// The file is validated line by line (unknown user or item ids, malformed fields, repeated pairs
/// are errors naming the line); seen (train and validation) items are dropped from its lists as the
/// full-ranking protocol masks them; metrics that need whole score rows (auc) are not computed.
public struct RunImporter {
    public var runner: ExperimentRunner

    public init(runner: ExperimentRunner) { self.runner = runner }

    public struct Imported {
        public var run: RunRecord
        public var imported: ImportedRun
        /// Test users with no line in the file (they score 0).
        public var missingUsers: Int
        public var headline: String
    }

    public func importRun(file: ExperimentFile, runFile: String, label: String, fold foldIndex: Int,
                          tieBreak: TrecInterchange.TieBreak) throws -> Imported {
        guard let ledger = runner.ledger else { throw PluginError("importing a run needs a ledger") }
        guard !file.evaluation.isRating else {
            throw PluginError("a TREC run holds ranked lists; experiment \(file.name) uses the \(file.evaluation.evaluationProtocol) protocol")
        }
        guard let execution = try ledger.latestExperiment(named: file.name) else {
            throw PluginError("the ledger \(ledger.path) holds no finished execution of \(file.name); run it first: recbench run \(file.path)")
        }
        let existing = try ledger.runs(experimentID: execution.id!)
        guard !existing.contains(where: { $0.label == label }) else {
            throw PluginError("execution #\(execution.id!) of \(file.name) already has a model labelled \"\(label)\"; choose another --label")
        }
        let data = try runner.loadDataset(file)
        let splits = try runner.splits(file, data: data, only: foldIndex)
        guard splits.indices.contains(foldIndex) else {
            throw PluginError("experiment \(file.name) has \(splits.count) fold(s); --fold \(foldIndex + 1) does not exist")
        }
        let fold = try runner.prepare(splits[foldIndex], index: foldIndex, file: file, dataset: data.dataset)
        if let recorded = existing.first(where: { $0.fold == foldIndex && !$0.splitFingerprint.isEmpty })?.splitFingerprint,
           recorded != fold.fingerprint {
            throw PluginError("the split rebuilt from \(file.path) (fold \(foldIndex + 1), fingerprint \(fold.fingerprint.prefix(12))) differs from the one execution #\(execution.id!) recorded (\(recorded.prefix(12))): the data or the file changed")
        }
        guard let mask = fold.mask, let test = fold.test else { throw PluginError("experiment \(file.name) has no ranking evaluation") }

        let start = Date()
        let imported = try TrecInterchange.readRun(from: URL(fileURLWithPath: runFile), userIDs: fold.userIDs, itemIDs: fold.itemIDs,
                                                   tieBreak: tieBreak, seen: mask)
        let metrics = file.evaluation.metrics.filter { !$0.needsScores }
        guard !metrics.isEmpty else { throw PluginError("every metric of \(file.name) needs model scores (auc); a TREC run has only ranked lists") }
        var result = imported.evaluate(test: test, metrics: metrics, cutoffs: file.evaluation.cutoffs)
        let depth = file.evaluation.cutoffs.max() ?? 0
        result.lists = result.users.map { Array(imported.rankings[Int($0)].prefix(depth)) }
        let aggregates = BeyondAccuracy.measure(result: result, train: fold.train, cutoffs: file.evaluation.cutoffs, itemGenres: fold.itemGenres)
        let seconds = Date().timeIntervalSince(start)

        let fileHash = try SHA256.hex(fileAt: runFile)
        let parameters = ExperimentRunner.json(["file": (runFile as NSString).lastPathComponent, "tieBreak": tieBreak.rawValue,
                                                "runName": imported.runName])
        let now = ExperimentRunner.now()
        var run = RunRecord(
            experimentId: execution.id!, position: (existing.map(\.position).max() ?? -1) + 1, label: label,
            plugin: "trec-run", pluginVersion: "imported", pluginPath: URL(fileURLWithPath: runFile).standardizedFileURL.path,
            pluginSHA256: fileHash, params: parameters, paramsHash: SHA256.hex(parameters), seed: 0, status: "ok", error: nil,
            fitSeconds: nil, evalSeconds: seconds, usersEvaluated: result.users.count, startedAt: now, finishedAt: now)
        run.fold = foldIndex
        run.splitFingerprint = fold.fingerprint
        run.trainCount = fold.split.train.count
        run.testCount = fold.split.test.count
        run.identity = SHA256.hex(ExperimentRunner.json([
            "identity": "recbench-imported-run-v1", "runFile": fileHash, "split": fold.fingerprint, "tieBreak": tieBreak.rawValue,
            "metrics": metrics.map(\.rawValue), "cutoffs": file.evaluation.cutoffs,
            "definitions": [RankingMetric.definitionVersion, BeyondAccuracy.definitionVersion],
        ]))
        let name = RankingEvaluator.protocolName
        var records = zip(result.keys, result.means).map { key, mean in
            MetricRecord(runId: 0, metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: name, value: mean,
                         definitionVersion: RankingMetric.definitionVersion)
        }
        records += aggregates.map {
            MetricRecord(runId: 0, metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: name, value: $0.value,
                         definitionVersion: BeyondAccuracy.definitionVersion)
        }
        let perUser = zip(result.keys, result.perUser).map { key, values in
            PerUserRecord(runId: 0, metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: name, users: result.users, values: values)
        }
        let slices = (EvaluationSlices.byUserActivity(result: result, train: fold.train, buckets: file.evaluation.userActivityBuckets)
            + EvaluationSlices.byItemPopularity(result: result, train: fold.train, test: test, buckets: file.evaluation.itemPopularityBuckets,
                                                cutoffs: file.evaluation.cutoffs)).map {
            SliceMetricRecord(evaluationProtocol: name, dimension: $0.dimension, bucket: $0.bucket, bucketIndex: $0.index, metric: $0.metric,
                              cutoff: $0.cutoff, value: $0.value, users: $0.users, definitionVersion: RankingMetric.definitionVersion)
        }
        let stored = try ledger.insert(run, metrics: records, perUser: perUser, slices: slices)
        let missing = result.users.filter { imported.rankings[Int($0)].isEmpty }.count
        let key = result.keys.first { $0 == MetricKey(.ndcg, 10) } ?? result.keys.first { $0.metric == .ndcg } ?? result.keys[0]
        return Imported(run: stored, imported: imported, missingUsers: missing,
                        headline: String(format: "%@ = %.4f", key.description, result.mean(key)!))
    }
}
