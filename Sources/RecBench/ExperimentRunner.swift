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

    public var searchPath: PluginSearchPath
    public var registry: PluginRegistry
    public var dataDirectory: DataDirectory
    /// Where runs are recorded; nil inside a worker process, which only computes.
    public var ledger: Ledger?
    public var console: Console
    /// Run each model in a worker process (the default from the command line); nil runs in-process.
    public var isolation: WorkerIsolation?

    public init(searchPath: PluginSearchPath, registry: PluginRegistry, dataDirectory: DataDirectory, ledger: Ledger?,
                console: Console, isolation: WorkerIsolation?) {
        self.searchPath = searchPath
        self.registry = registry
        self.dataDirectory = dataDirectory
        self.ledger = ledger
        self.console = console
        self.isolation = isolation
    }

    /// A model bound to its plugin with parameters checked against the plugin's schema.
    public struct ResolvedModel {
        public var spec: ExperimentFile.ModelSpec
        public var plugin: LoadedPlugin
        public var parameters: PluginParameters
        public var defaulted: [String]
        /// SHA-256 of the plugin's library file, recorded with every run.
        public var binarySHA256: String
    }

    /// Everything that can be checked before any data is read: plugins exist, can rank, and accept
    /// the given parameters.
    /// `only`: resolve just that model (a worker needs one).
    public func resolve(_ file: ExperimentFile, hashBinaries: Bool = true, only: Int? = nil) throws -> [ResolvedModel] {
        try (only.map { [file.models[$0]] } ?? file.models).map { spec in
            guard let plugin = registry.plugin(named: spec.plugin) else {
                throw ExperimentError(file: file.path, position: spec.position, message: registry.missingPluginMessage(spec.plugin))
            }
            let needed: Capability = file.evaluation.isRating ? .ratingPrediction : .implicitRanking
            guard plugin.manifest.capabilities.contains(needed) else {
                throw ExperimentError(file: file.path, position: spec.position,
                                      message: "plugin \(plugin.name) lacks the \(needed) capability (it has: \(plugin.manifest.capabilities.map(\.rawValue).joined(separator: ", "))), which the \(file.evaluation.evaluationProtocol) protocol needs")
            }
            do {
                let (parameters, defaulted) = try PluginParameters.resolve(spec.params, against: plugin.manifest)
                return ResolvedModel(spec: spec, plugin: plugin, parameters: parameters, defaulted: defaulted,
                                     binarySHA256: hashBinaries ? (try? SHA256.hex(fileAt: plugin.path)) ?? "unreadable" : "")
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

    /// One fold's data, prepared once and shared by every model.
    struct PreparedFold {
        var index: Int
        var split: Split
        var fingerprint: String
        var train: CSRMatrix
        var ranking: RankingEvaluator?
        var rating: RatingEvaluator?
        var ratingMetrics: [RatingMetric] = []
        /// Item genres, for intra-list diversity (nil when the dataset has none).
        var itemGenres: [[String]]?
    }

    /// A loaded dataset and the split it ships with, if any.
    struct LoadedData {
        var dataset: Dataset
        var fixedSplit: Split?
    }

    func loadDataset(_ file: ExperimentFile) throws -> LoadedData {
        guard let known = DatasetRegistry.named(file.dataset.name) else {
            throw PluginError("unknown dataset \(file.dataset.name)")
        }
        let (dataset, fixedSplit) = try known.load(from: dataDirectory)
        guard file.dataset.preprocessing.isEmpty else {
            guard !isPredefined(file) else {
                throw PluginError("a predefined split cannot be combined with preprocessing (\(file.dataset.preprocessing)): its files name rows the filters may remove; choose another split method")
            }
            var processed = file.dataset.apply(to: dataset)
            processed.name = "\(dataset.name) [\(file.dataset.preprocessing)]"
            return LoadedData(dataset: processed, fixedSplit: nil)
        }
        return LoadedData(dataset: dataset, fixedSplit: fixedSplit)
    }

    private func isPredefined(_ file: ExperimentFile) -> Bool {
        if case .predefined = file.split.method { return true }
        return false
    }

    /// `only`: the one fold a worker needs (predefined folds then read just their own files).
    func splits(_ file: ExperimentFile, data: LoadedData, only: Int? = nil) throws -> [Split] {
        let dataset = data.dataset
        switch file.split.method {
        case .userHoldout(let testFraction):
            return [UserHoldoutSplitter(testFraction: testFraction, seed: file.split.seed).split(dataset)]
        case .kFold(let folds):
            return KFoldSplitter(folds: folds, seed: file.split.seed).split(dataset)
        case .predefined(let set?):
            return try MovieLens100KFolds.load(set: set, from: dataDirectory, dataset: dataset, only: only)
        case .predefined(nil):
            guard let split = data.fixedSplit else {
                throw PluginError("dataset \(dataset.name) ships no train/test split; choose another split method")
            }
            return [split]
        case .userKFold(let folds):
            return UserKFoldSplitter(folds: folds, seed: file.split.seed).split(dataset)
        default:
            return [splitter(file.split)!.split(dataset)]
        }
    }

    /// The single-split splitters, also asked for their temporal promise by the lint.
    func splitter(_ spec: ExperimentFile.SplitSpec) -> (any Splitter)? {
        switch spec.method {
        case .randomHoldout(let fraction): RandomHoldoutSplitter(testFraction: fraction, seed: spec.seed)
        case .stratified(let byItem, let ratio): StratifiedSplitter(by: byItem ? .item : .user, trainRatio: ratio, seed: spec.seed)
        case .temporal(let fraction?, _): TemporalSplitter(.fraction(fraction))
        case .temporal(nil, let cutoff): TemporalSplitter(.cutoff(cutoff ?? 0))
        case .userTemporal(let fraction?, _): UserTemporalSplitter(.fraction(fraction))
        case .userTemporal(nil, let count): UserTemporalSplitter(.count(count ?? 1))
        case .leaveOneOut(let random): LeaveOneOutSplitter(random ? .random(seed: spec.seed) : .last)
        default: nil
        }
    }

    /// `fingerprint: false` in a worker, which records nothing.
    func prepare(_ split: Split, index: Int, file: ExperimentFile, dataset: Dataset, fingerprint: Bool = true) throws -> PreparedFold {
        let train = try split.matrix(split.train, of: dataset)
        var fold = PreparedFold(index: index, split: split, fingerprint: fingerprint ? split.fingerprint(of: dataset) : "", train: train)
        if file.evaluation.isRating {
            fold.rating = RatingEvaluator(
                train: train, testUsers: split.test.map { dataset.users[$0] }, testItems: split.test.map { dataset.items[$0] },
                testRatings: split.test.map { dataset.ratings[$0] }, scale: file.evaluation.ratingScale,
                unknownPairs: file.evaluation.unknownPairs)
            fold.ratingMetrics = file.evaluation.ratingMetrics
        } else {
            var evaluator = RankingEvaluator(train: train, test: try split.matrix(split.test, of: dataset),
                                             metrics: file.evaluation.metrics, cutoffs: file.evaluation.cutoffs)
            // Both cores for mask/top-K/metrics (results are bit-identical to one thread), and the
            // top-K lists kept for the beyond-accuracy measures.
            evaluator.threadCount = ProcessInfo.processInfo.activeProcessorCount
            evaluator.keepLists = true
            fold.ranking = evaluator
            fold.itemGenres = dataset.itemGenres.contains { !$0.isEmpty } ? dataset.itemGenres : nil
        }
        return fold
    }

    public func run(_ file: ExperimentFile) throws -> Outcome {
        let models = try resolve(file)

        guard let ledger else { throw PluginError("an experiment needs a ledger to record its runs") }
        console.info("Loading \(file.dataset.name) from \(dataDirectory.path)")
        let data = try loadDataset(file)
        let dataset = data.dataset
        let folds = try splits(file, data: data).enumerated().map { try prepare($1, index: $0, file: file, dataset: dataset) }
        let first = folds[0]
        // Leakage and sanity lint of the first fold: said before anything trains.
        let lint = SplitLint.check(first.split, of: dataset, temporalScope: splitter(file.split)?.temporalScope ?? .none)
        for warning in lint.warnings { console.warning(String(warning.dropFirst("warning: ".count))) }
        let evaluated = first.ranking.map { "\($0.users.count) users evaluated" }
            ?? first.rating.map { "\($0.unknownCount) of \($0.testRatings.count) test pairs have an unknown user or item" } ?? ""
        console.info("\(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions; "
            + "\(first.split.description): \(first.split.train.count) train / \(first.split.test.count) test; \(evaluated)"
            + (folds.count > 1 ? " (fold 1 of \(folds.count))" : ""))

        var experiment = ExperimentRecord(
            name: file.name, description: file.description, filePath: file.path,
            fileSHA256: SHA256.hex(file.text), fileText: file.text,
            dataset: dataset.name, datasetFingerprint: dataset.fingerprint(),
            datasetStats: Self.json([
                "users": dataset.userCount, "items": dataset.itemCount,
                "interactions": dataset.interactionCount, "density": dataset.density,
            ]),
            splitMethod: first.split.method,
            splitFingerprint: folds.count == 1 ? first.fingerprint : SHA256.hex(folds.map(\.fingerprint).joined(separator: "\n")),
            trainCount: first.split.train.count, testCount: first.split.test.count,
            evaluationProtocol: first.rating?.recordedProtocol ?? file.evaluation.evaluationProtocol,
            metricsVersion: file.evaluation.isRating ? RatingMetric.definitionVersion : RankingMetric.definitionVersion,
            hostVersion: Self.hostVersion, environment: Self.json(Self.environment()), startedAt: Self.now())
        experiment.foldCount = folds.count
        experiment.referencesJSON = Self.encode(file.references)
        experiment.timingReferencesJSON = Self.encode(file.timingReferences)
        experiment = try ledger.insert(experiment)

        var runs: [RunRecord] = []
        for (position, model) in models.enumerated() {
            for fold in folds {
                let foldNote = folds.count > 1 ? " fold \(fold.index + 1)/\(folds.count)" : ""
                console.info("[\(position + 1)/\(models.count)] \(model.spec.label)\(foldNote)")
                runs.append(runOne(model, modelIndex: position, experimentID: experiment.id!, fold: fold, file: file))
            }
        }
        let failures = runs.filter { $0.status != "ok" }.count
        try ledger.finish(experimentID: experiment.id!, status: failures == 0 ? "completed" : "completed-with-failures", at: Self.now())
        return Outcome(experiment: try ledger.latestExperiment(named: file.name)!, runs: runs)
    }

    /// What one model on one fold produced: computed in a worker process (or in-process) and
    /// recorded by the parent, the ledger's only writer.
    public struct RunOutcome: Codable, Sendable {
        public struct Metric: Codable, Sendable {
            var metric: String
            var cutoff: Int
            var evaluationProtocol: String
            var value: Double
            var definitionVersion: Int
        }
        public struct PerUser: Codable, Sendable {
            var metric: String
            var cutoff: Int
            var evaluationProtocol: String
            var users: [Int32]
            var values: [Double]
        }
        public var error: String?
        public var fitSeconds: Double?
        public var evalSeconds: Double?
        public var evaluatedCount: Int?
        public var metrics: [Metric] = []
        public var perUser: [PerUser] = []
        public var headline = ""

        public static func failed(_ error: String, fitSeconds: Double? = nil) -> RunOutcome {
            var outcome = RunOutcome()
            outcome.error = error
            outcome.fitSeconds = fitSeconds
            return outcome
        }
    }

    /// Creates, fits and evaluates one model on one fold. Errors become a failed outcome.
    func execute(_ model: ResolvedModel, fold: PreparedFold) -> RunOutcome {
        var outcome = RunOutcome()
        let train = fold.train
        do {
            let instance = try model.plugin.makeModel(model.parameters)
            let fitStart = Date()
            try train.withView { view in
                try instance.fit(view, seed: model.spec.seed, threadCount: ProcessInfo.processInfo.activeProcessorCount,
                                 callbacks: .init(log: { level, message in console.pluginLog(level: level, "  \(model.spec.label): \(message)") }))
            }
            outcome.fitSeconds = Date().timeIntervalSince(fitStart)
            let evalStart = Date()
            if let evaluator = fold.ranking {
                let progress = console.progressBar(title: "  scoring \(model.spec.label)")
                let result = try evaluator.evaluate(
                    score: { users, scores in try instance.score(users: users, itemCount: train.columnCount, into: scores) },
                    progress: progress)
                console.endProgress()
                outcome.metrics = zip(result.keys, result.means).map { key, mean in
                    .init(metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: RankingEvaluator.protocolName,
                          value: mean, definitionVersion: RankingMetric.definitionVersion)
                }
                outcome.perUser = zip(result.keys, result.perUser).map { key, values in
                    .init(metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: RankingEvaluator.protocolName,
                          users: result.users, values: values)
                }
                // Aggregates over the whole set of lists: GAUC (with auc), coverage, Gini, novelty, ARP, ILD.
                let aggregates = result.aggregates
                    + BeyondAccuracy.measure(result: result, train: train, cutoffs: evaluator.keys.map(\.cutoff).filter { $0 > 0 }
                        .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }, itemGenres: fold.itemGenres)
                outcome.metrics += aggregates.map {
                    .init(metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: RankingEvaluator.protocolName,
                          value: $0.value, definitionVersion: BeyondAccuracy.definitionVersion)
                }
                outcome.evaluatedCount = evaluator.users.count
                let key = result.keys.first { $0 == MetricKey(.ndcg, 10) } ?? result.keys.first { $0.metric == .ndcg } ?? result.keys[0]
                outcome.headline = String(format: "%@ = %.4f", key.description, result.mean(key)!)
            } else if let evaluator = fold.rating {
                let result = try evaluator.evaluate { users, items, out in try instance.predict(users: users, items: items, into: out) }
                outcome.metrics = fold.ratingMetrics.map { metric in
                    .init(metric: metric.rawValue, cutoff: 0, evaluationProtocol: evaluator.recordedProtocol,
                          value: result.value(metric), definitionVersion: RatingMetric.definitionVersion)
                }
                outcome.metrics.append(.init(metric: "unknown_pairs", cutoff: 0, evaluationProtocol: evaluator.recordedProtocol,
                                             value: Double(result.unknownPairs), definitionVersion: RatingMetric.definitionVersion))
                outcome.evaluatedCount = result.pairs
                outcome.headline = String(format: "rmse = %.4f, mae = %.4f", result.rmse, result.mae)
            }
            outcome.evalSeconds = Date().timeIntervalSince(evalStart)
        } catch {
            console.endProgress()
            outcome.error = String(describing: error)
        }
        return outcome
    }

    /// Runs one model on one fold (in a worker process when isolation is on) and records it.
    private func runOne(_ model: ResolvedModel, modelIndex: Int, experimentID: Int64, fold: PreparedFold, file: ExperimentFile) -> RunRecord {
        let startedAt = Self.now()
        let outcome: RunOutcome
        if let isolation {
            outcome = isolation.run(file: file, modelIndex: modelIndex, foldIndex: fold.index, dataDirectory: dataDirectory,
                                    searchPath: searchPath, pluginPath: model.plugin.path, console: console)
        } else {
            outcome = execute(model, fold: fold)
        }
        if let error = outcome.error {
            console.warning("  \(model.spec.label) failed: \(error)")
        } else {
            console.info(String(format: "  %@: fit %.3fs, evaluation %.3fs, %@", model.spec.label,
                                outcome.fitSeconds ?? 0, outcome.evalSeconds ?? 0, outcome.headline))
        }
        let ok = outcome.error == nil
        var run = RunRecord(
            experimentId: experimentID, position: modelIndex, label: model.spec.label,
            plugin: model.plugin.name, pluginVersion: model.plugin.manifest.version,
            pluginPath: model.plugin.path, pluginSHA256: model.binarySHA256,
            params: model.parameters.json, paramsHash: SHA256.hex(model.parameters.json), seed: Int64(model.spec.seed),
            status: ok ? "ok" : "failed", error: outcome.error,
            fitSeconds: outcome.fitSeconds, evalSeconds: ok ? outcome.evalSeconds : nil,
            usersEvaluated: ok ? outcome.evaluatedCount : nil,
            startedAt: startedAt, finishedAt: Self.now())
        run.fold = fold.index
        run.splitFingerprint = fold.fingerprint
        run.trainCount = fold.split.train.count
        run.testCount = fold.split.test.count
        let metrics = ok ? outcome.metrics.map {
            MetricRecord(runId: 0, metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: $0.evaluationProtocol,
                         value: $0.value, definitionVersion: $0.definitionVersion)
        } : []
        let perUser = ok ? outcome.perUser.map {
            PerUserRecord(runId: 0, metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: $0.evaluationProtocol,
                          users: $0.users, values: $0.values)
        } : []
        do {
            return try ledger?.insert(run, metrics: metrics, perUser: perUser) ?? run
        } catch {
            console.warning("  could not record \(model.spec.label) in the ledger: \(error)")
            return run
        }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data("[]".utf8), as: UTF8.self)
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
