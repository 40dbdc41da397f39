import Foundation
import RecData
import RecKit
import RecLedger

/// A dry run of an experiment file: the fully resolved configuration, the data after
/// preprocessing, the run matrix, and which of those runs the ledger already holds.
public struct ExperimentPlan {
    public var lines: [String] = []

    public init(file: ExperimentFile, runner: ExperimentRunner) throws {
        // Binaries are hashed: a run's identity includes its plugin's SHA-256.
        let models = try runner.resolve(file)
        func add(_ line: String = "") { lines.append(line) }

        add("experiment  \(file.name)  (seed \(file.seed); each run: time limit \(Int(file.runTimeLimit)) s, memory limit \(file.runMemoryLimitMB) MiB)")
        add("dataset     \(file.dataset.name)" + (file.dataset.preprocessing.isEmpty ? "" : "  preprocessing: \(file.dataset.preprocessing)"))
        add("split       \(file.split.method)  seed \(file.split.seed)"
            + (file.split.repeats > 1 ? "  repeated \(file.split.repeats) times (seeds \(file.split.seed)…\(file.split.seed(ofFold: file.split.repeats - 1)))" : ""))
        let evaluation = file.evaluation
        if evaluation.isRating {
            add("evaluation  rating: \(evaluation.ratingMetrics.map(\.rawValue).joined(separator: ", ")); scale \(evaluation.ratingScale); unknown pairs: \(evaluation.unknownPairs.rawValue)")
        } else {
            add("evaluation  \(evaluation.evaluationProtocol): \(evaluation.metrics.map(\.rawValue).joined(separator: ", ")) at \(evaluation.cutoffs.map(String.init).joined(separator: ", "))")
            if let sampled = evaluation.sampled {
                add("            and \(sampled.name): \(sampled.negatives) \(sampled.sampler.rawValue) negatives per test user, seed \(sampled.seed)")
            }
            add("            slices: user activity \(evaluation.userActivityBuckets.edges), item popularity \(evaluation.itemPopularityBuckets.edges)")
            if !evaluation.genres.isEmpty {
                add("            genres: \(evaluation.genres.joined(separator: ", ")) only (other items never recommended, nor relevant)")
            }
        }
        add()
        add("models (parameters marked * take the plugin's default):")
        for model in models {
            add("  \(model.spec.label)  [\(model.plugin.name) \(model.plugin.manifest.version), seed \(model.spec.seed)]  \(model.plugin.path)")
            let parameters = model.parameters.values.keys.sorted().map { name in
                "\(name) = \(model.parameters.values[name]!)\(model.defaulted.contains(name) ? "*" : "")"
            }
            if !parameters.isEmpty { add("    " + parameters.joined(separator: ", ")) }
            for component in model.components {
                let values = component.parameters.values.keys.sorted().map { "\($0) = \(component.parameters.values[$0]!)" }
                add("    component \(component.spec.label) [\(component.plugin.name) \(component.plugin.manifest.version)]: " + values.joined(separator: ", "))
            }
        }
        add()

        // The data, if present: what the runs would see.
        var foldFingerprints: [String] = []
        var foldCount = 1
        var datasetFingerprint: String?
        do {
            let data = try runner.loadDataset(file)
            let dataset = data.dataset
            add("data        \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions "
                + "(density \(String(format: "%.4f%%", dataset.density * 100)))")
            let folds = try runner.splits(file, data: data)
            foldCount = folds.count
            add("            \(folds[0].description): \(folds[0].train.count) train / \(folds[0].test.count) test"
                + (folds.count > 1 ? " (fold 1 of \(folds.count))" : ""))
            let lint = SplitLint.check(folds[0].evaluation, of: dataset, temporalScope: runner.splitter(file.split)?.temporalScope ?? .none)
            for warning in lint.warnings { add("            \(warning)") }
            foldFingerprints = folds.map { $0.fingerprint(of: dataset) }
            datasetFingerprint = ExperimentRunner.datasetFingerprint(data)
        } catch {
            add("data        not read: \(error)")
        }
        add()

        // The run matrix and what the ledger already has of it (by run identity, from any execution).
        let seedsNote = file.seeds.count > 1 ? " × \(file.seeds.count) seeds" : ""
        let total = models.reduce(0) { $0 + $1.points.count * $1.seeds(in: file).count } * foldCount
        let searched = models.filter { $0.points.count > 1 }
        add("runs        \(models.count) model\(models.count == 1 ? "" : "s")\(seedsNote)"
            + (searched.isEmpty ? "" : " (searching: " + searched.map { "\($0.spec.label) \($0.points.count) points" }.joined(separator: ", ") + ")")
            + " × \(foldCount) fold\(foldCount == 1 ? "" : "s") = \(total) runs")
        if let metric = file.evaluation.selectionMetric { add("selection   best validation \(metric.description) per model, seed and fold") }
        guard let ledger = runner.ledger, !foldFingerprints.isEmpty, let datasetFingerprint else {
            add("ledger      not consulted (no data or no ledger)")
            return
        }
        var held = 0
        for (position, model) in models.enumerated() {
            for seed in model.seeds(in: file) {
                for point in model.points.indices {
                    let job = ExperimentRunner.Job(model: model, position: position, point: point, seed: seed)
                    for (fold, fingerprint) in foldFingerprints.enumerated() {
                        let identity = ExperimentRunner.identity(job, foldIndex: fold, foldFingerprint: fingerprint, file: file,
                                                                 datasetFingerprint: datasetFingerprint)
                        if try ledger.finishedRun(identity: identity) != nil { held += 1 }
                    }
                }
            }
        }
        add("ledger      holds \(held) of these \(total) runs (same data, split, plugin binary, parameters, seed and evaluation); "
            + "`recbench run` computes the other \(total - held)")
    }
}
