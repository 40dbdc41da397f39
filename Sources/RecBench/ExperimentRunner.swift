import Foundation
import RecData
import RecEval
import RecKit
import RecLedger
import RecMath

/// Runs an experiment file: data → split → for each model (create, fit, score) → host-side
/// masking, top-K and metrics → ledger. A failing model fails its own run only.
public struct ExperimentRunner {
    public static let hostVersion = "recbench 0.1.0"

    public var registry: PluginRegistry
    public var dataDirectory: DataDirectory
    public var ledger: Ledger
    public var console: Console

    public init(registry: PluginRegistry, dataDirectory: DataDirectory, ledger: Ledger, console: Console) {
        self.registry = registry
        self.dataDirectory = dataDirectory
        self.ledger = ledger
        self.console = console
    }

    /// A model bound to its plugin with parameters checked against the plugin's schema.
    public struct ResolvedModel {
        public var spec: ExperimentFile.ModelSpec
        public var plugin: LoadedPlugin
        public var parameters: PluginParameters
        public var defaulted: [String]
    }

    /// Everything that can be checked before any data is read: plugins exist, can rank, and accept
    /// the given parameters.
    public func resolve(_ file: ExperimentFile) throws -> [ResolvedModel] {
        try file.models.map { spec in
            guard let plugin = registry.plugin(named: spec.plugin) else {
                throw ExperimentError(file: file.path, position: spec.position, message: registry.missingPluginMessage(spec.plugin))
            }
            guard plugin.manifest.capabilities.contains(.implicitRanking) else {
                throw ExperimentError(file: file.path, position: spec.position,
                                      message: "plugin \(plugin.name) cannot rank items (capabilities: \(plugin.manifest.capabilities.map(\.rawValue).joined(separator: ", "))); this experiment's protocol needs implicit-ranking")
            }
            do {
                let (parameters, defaulted) = try PluginParameters.resolve(spec.params, against: plugin.manifest)
                return ResolvedModel(spec: spec, plugin: plugin, parameters: parameters, defaulted: defaulted)
            } catch let error as ParameterError {
                let name = spec.paramPositions.keys.sorted().first { error.message.contains("\"\($0)\"") }
                let position = name.flatMap { spec.paramPositions[$0] } ?? spec.position
                throw ExperimentError(file: file.path, position: position, message: "model \"\(spec.label)\": \(error.message)")
            }
        }
    }

    public struct Outcome {
        public var experiment: ExperimentRecord
        public var runs: [RunRecord]
    }

    public func run(_ file: ExperimentFile) throws -> Outcome {
        let models = try resolve(file)

        console.status("Loading \(file.dataset.name) from \(dataDirectory.path)")
        let dataset = try MovieLens100K.load(from: dataDirectory)
        let split = UserHoldoutSplitter(testFraction: file.split.testFraction, seed: file.split.seed).split(dataset)
        let train = try split.matrix(split.train, of: dataset)
        let test = try split.matrix(split.test, of: dataset)
        let evaluator = RankingEvaluator(train: train, test: test, metrics: file.evaluation.metrics, cutoffs: file.evaluation.cutoffs)
        console.info("\(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions; "
            + "\(split.method): \(split.train.count) train / \(split.test.count) test; \(evaluator.users.count) users evaluated")

        let experiment = try ledger.insert(ExperimentRecord(
            name: file.name, description: file.description, filePath: file.path,
            fileSHA256: SHA256.hex(file.text), fileText: file.text,
            dataset: dataset.name, datasetFingerprint: dataset.fingerprint(),
            datasetStats: Self.json([
                "users": dataset.userCount, "items": dataset.itemCount,
                "interactions": dataset.interactionCount, "density": dataset.density,
            ]),
            splitMethod: split.method, splitFingerprint: split.fingerprint(of: dataset),
            trainCount: split.train.count, testCount: split.test.count,
            evaluationProtocol: file.evaluation.evaluationProtocol, metricsVersion: RankingMetric.definitionVersion,
            hostVersion: Self.hostVersion, environment: Self.json(Self.environment()), startedAt: Self.now()))

        var runs: [RunRecord] = []
        for (position, model) in models.enumerated() {
            console.status("[\(position + 1)/\(models.count)] \(model.spec.label)")
            let run = runOne(model, position: position, experimentID: experiment.id!, train: train, evaluator: evaluator)
            runs.append(run)
        }
        let failures = runs.filter { $0.status != "ok" }.count
        try ledger.finish(experimentID: experiment.id!, status: failures == 0 ? "completed" : "completed-with-failures", at: Self.now())
        return Outcome(experiment: try ledger.latestExperiment(named: file.name)!, runs: runs)
    }

    /// One model, start to finish. Errors become a failed run in the ledger, never a thrown error.
    private func runOne(_ model: ResolvedModel, position: Int, experimentID: Int64, train: CSRMatrix,
                        evaluator: RankingEvaluator) -> RunRecord {
        let startedAt = Self.now()
        var fitSeconds: Double?
        var evalSeconds: Double?
        var metrics: [MetricRecord] = []
        var failure: String?
        do {
            let instance = try model.plugin.makeModel(model.parameters)
            let fitStart = Date()
            try train.withView { view in
                try instance.fit(view, seed: model.spec.seed, threadCount: ProcessInfo.processInfo.activeProcessorCount,
                                 callbacks: .init(log: { _, message in console.info("  \(model.spec.label): \(message)") }))
            }
            fitSeconds = Date().timeIntervalSince(fitStart)
            let evalStart = Date()
            let progress = console.progressBar(title: "  scoring \(model.spec.label)")
            let result = try evaluator.evaluate(
                score: { users, scores in try instance.score(users: users, itemCount: train.columnCount, into: scores) },
                progress: progress)
            console.endProgress()
            evalSeconds = Date().timeIntervalSince(evalStart)
            metrics = zip(result.keys, result.means).map { key, mean in
                MetricRecord(runId: 0, metric: key.metric.rawValue, cutoff: key.cutoff,
                             evaluationProtocol: RankingEvaluator.protocolName, value: mean,
                             definitionVersion: RankingMetric.definitionVersion)
            }
            let headline = result.keys.first { $0 == MetricKey(.ndcg, 10) } ?? result.keys.first { $0.metric == .ndcg } ?? result.keys[0]
            console.info(String(format: "  %@: fit %.3fs, evaluation %.3fs, %@ = %.4f",
                                model.spec.label, fitSeconds!, evalSeconds!, headline.description, result.mean(headline)!))
        } catch {
            console.endProgress()
            failure = String(describing: error)
            console.warning("  \(model.spec.label) failed: \(failure!)")
        }
        let run = RunRecord(
            experimentId: experimentID, position: position, label: model.spec.label,
            plugin: model.plugin.name, pluginVersion: model.plugin.manifest.version,
            pluginPath: model.plugin.path, pluginSHA256: (try? SHA256.hex(fileAt: model.plugin.path)) ?? "unreadable",
            params: model.parameters.json, paramsHash: SHA256.hex(model.parameters.json), seed: Int64(model.spec.seed),
            status: failure == nil ? "ok" : "failed", error: failure,
            fitSeconds: fitSeconds, evalSeconds: failure == nil ? evalSeconds : nil,
            usersEvaluated: failure == nil ? evaluator.users.count : nil,
            startedAt: startedAt, finishedAt: Self.now())
        do {
            return try ledger.insert(run, metrics: metrics)
        } catch {
            console.warning("  could not record \(model.spec.label) in the ledger: \(error)")
            return run
        }
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    static func json(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// CPU model, core count and OS, recorded with every experiment.
    static func environment() -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = release.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            ?? ProcessInfo.processInfo.operatingSystemVersionString
        return ["cpu": cpu, "cores": ProcessInfo.processInfo.activeProcessorCount, "os": os]
    }
}
