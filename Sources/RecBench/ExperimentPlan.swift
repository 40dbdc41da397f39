import Foundation
import RecData
import RecKit
import RecLedger

/// A dry run of an experiment file: the fully resolved configuration, the data after
/// preprocessing, the run matrix, and which of those runs the ledger already holds.
public struct ExperimentPlan {
    public var lines: [String] = []

    public init(file: ExperimentFile, runner: ExperimentRunner) throws {
        let models = try runner.resolve(file, hashBinaries: false)
        func add(_ line: String = "") { lines.append(line) }

        add("experiment  \(file.name)  (seed \(file.seed); each run: time limit \(Int(file.runTimeLimit)) s, memory limit \(file.runMemoryLimitMB) MiB)")
        add("dataset     \(file.dataset.name)" + (file.dataset.preprocessing.isEmpty ? "" : "  preprocessing: \(file.dataset.preprocessing)"))
        add("split       \(file.split.method)  seed \(file.split.seed)")
        let evaluation = file.evaluation
        if evaluation.isRating {
            add("evaluation  rating: \(evaluation.ratingMetrics.map(\.rawValue).joined(separator: ", ")); scale \(evaluation.ratingScale); unknown pairs: \(evaluation.unknownPairs.rawValue)")
        } else {
            add("evaluation  \(evaluation.evaluationProtocol): \(evaluation.metrics.map(\.rawValue).joined(separator: ", ")) at \(evaluation.cutoffs.map(String.init).joined(separator: ", "))")
        }
        add()
        add("models (parameters marked * take the plugin's default):")
        for model in models {
            add("  \(model.spec.label)  [\(model.plugin.name) \(model.plugin.manifest.version), seed \(model.spec.seed)]  \(model.plugin.path)")
            let parameters = model.parameters.values.keys.sorted().map { name in
                "\(name) = \(model.parameters.values[name]!)\(model.defaulted.contains(name) ? "*" : "")"
            }
            if !parameters.isEmpty { add("    " + parameters.joined(separator: ", ")) }
        }
        add()

        // The data, if present: what the runs would see.
        var foldFingerprints: [String] = []
        var foldCount = 1
        do {
            let data = try runner.loadDataset(file)
            let dataset = data.dataset
            add("data        \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions "
                + "(density \(String(format: "%.4f%%", dataset.density * 100)))")
            let folds = try runner.splits(file, data: data)
            foldCount = folds.count
            add("            \(folds[0].description): \(folds[0].train.count) train / \(folds[0].test.count) test"
                + (folds.count > 1 ? " (fold 1 of \(folds.count))" : ""))
            let lint = SplitLint.check(folds[0], of: dataset, temporalScope: runner.splitter(file.split)?.temporalScope ?? .none)
            for warning in lint.warnings { add("            \(warning)") }
            foldFingerprints = folds.map { $0.fingerprint(of: dataset) }
        } catch {
            add("data        not read: \(error)")
        }
        add()

        // The run matrix and what the ledger already has of it.
        let total = models.count * foldCount
        add("runs        \(models.count) model\(models.count == 1 ? "" : "s") × \(foldCount) fold\(foldCount == 1 ? "" : "s") = \(total)")
        guard let ledger = runner.ledger, !foldFingerprints.isEmpty,
              let previous = try ledger.latestExperiment(named: file.name) else {
            add("ledger      no finished execution of \(file.name) yet")
            return
        }
        let done = try ledger.runs(experimentID: previous.id!).filter { $0.status == "ok" }
        var held = 0
        for model in models {
            for (fold, fingerprint) in foldFingerprints.enumerated()
            where done.contains(where: {
                $0.label == model.spec.label && $0.paramsHash == SHA256.hex(model.parameters.json) && $0.fold == fold
                    && $0.splitFingerprint == fingerprint && $0.seed == Int64(model.spec.seed)
            }) {
                held += 1
            }
        }
        add("ledger      execution #\(previous.id!) (\(previous.startedAt)) holds \(held) of these \(total) runs with the same "
            + "parameters, seed and split")
    }
}
