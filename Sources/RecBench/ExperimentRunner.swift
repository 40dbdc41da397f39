import Foundation
import RecData
import RecEval
import RecKit
import RecLedger
import RecMath
import RecTOML

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
    /// Run every job even when the ledger holds a finished run with its identity (for timing
    /// side by side with another tool; the results are the same, the times are new).
    public var recompute = false
    /// Where each fold's split is materialized once and read back by key (nil: made in memory).
    public var splitCache: SplitCache?
    /// Skip malformed rows of the dataset's files (reported, and part of the dataset fingerprint).
    public var skipBadRows = false
    /// `recbench run --export-trec DIR`: each computed run's test lists as a TREC run file and
    /// each fold's test set as qrels, in this folder.
    public var trecExportDirectory: String?

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
        /// The first (without a search, the only) parameter point, fully resolved.
        public var parameters: PluginParameters { points[0] }
        /// Every parameter point the model tries, checked against the schema (see ModelSpec.points).
        public var points: [PluginParameters]
        public var defaulted: [String]
        /// SHA-256 of the plugin's library file, recorded with every run.
        public var binarySHA256: String
        /// A hybrid's components (`components = [...]`), checked like models; empty otherwise.
        public var components: [ResolvedComponent] = []

        /// The seeds the model runs with: its own, else every `[experiment] seeds` entry.
        public func seeds(in file: ExperimentFile) -> [UInt64] { spec.hasOwnSeed ? [spec.seed] : file.seeds }
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
            if spec.earlyStopping != nil, plugin.extensionTable(named: PluginContract.epochsExtension) == nil {
                throw ExperimentError(file: file.path, position: spec.position,
                                      message: "model \"\(spec.label)\": plugin \(plugin.name) does not train in epochs, so it cannot stop early; remove [models.early_stopping]")
            }
            if spec.learningCurve != nil, plugin.extensionTable(named: PluginContract.epochsExtension) == nil {
                throw ExperimentError(file: file.path, position: spec.position,
                                      message: "model \"\(spec.label)\": plugin \(plugin.name) does not train in epochs, so it has no learning curve; remove [models.learning_curve]")
            }
            do {
                var defaulted: [String] = []
                let points = try spec.points.map { point in
                    let (parameters, defaults) = try PluginParameters.resolve(point, against: plugin.manifest)
                    defaulted = defaults
                    return parameters
                }
                var resolved = ResolvedModel(spec: spec, plugin: plugin, points: points, defaulted: defaulted,
                                             binarySHA256: Self.binarySHA256(of: plugin, hashing: hashBinaries))
                resolved.components = try resolveComponents(of: spec, plugin: plugin, file: file, hashBinaries: hashBinaries)
                return resolved
            } catch let error as ParameterError {
                throw ExperimentError(file: file.path, position: Self.position(of: error, among: spec.paramPositions, else: spec.position),
                                      message: "model \"\(spec.label)\": \(error.message)")
            }
        }
    }

    /// The SHA-256 of a plugin's library for run identity ("" when not hashing).
    static func binarySHA256(of plugin: LoadedPlugin, hashing: Bool) -> String {
        hashing ? (try? SHA256.hex(fileAt: plugin.path)) ?? "unreadable" : ""
    }

    /// Where a parameter error points: the key of the parameter it names, else `fallback`.
    static func position(of error: ParameterError, among positions: [String: TOMLPosition], else fallback: TOMLPosition) -> TOMLPosition {
        let name = positions.keys.sorted().first { error.message.contains("\"\($0)\"") }
        return name.flatMap { positions[$0] } ?? fallback
    }

    public struct Outcome {
        public var experiment: ExperimentRecord
        public var runs: [RunRecord]
    }

    /// One fold's data, prepared once and shared by every model.
    struct PreparedFold {
        var index: Int
        var split: ThreeWaySplit
        var fingerprint: String
        /// What models train on: the train part (without validation).
        var train: CSRMatrix
        /// Test evaluation; train and validation items are masked.
        var ranking: RankingEvaluator?
        /// Validation evaluation (train items masked), when the split has a validation part.
        var validation: RankingEvaluator?
        /// The sampled protocol's test evaluation, with the negatives drawn for this fold.
        var sampled: SampledRankingEvaluator?
        /// SHA-256 of those negatives (`SampledCandidates.canonicalBytes`): enters run identity.
        var candidatesFingerprint: String?
        /// Ranking protocols: the masked items (train, and validation) and the test matrix of the test evaluation.
        var mask: CSRMatrix?
        var test: CSRMatrix?
        /// The experiment's evaluation settings (slice buckets and the like).
        var evaluation: ExperimentFile.EvaluationSpec
        /// Original ids by dense id, for TREC files.
        var userIDs: [String] = []
        var itemIDs: [String] = []
        var rating: RatingEvaluator?
        var ratingMetrics: [RatingMetric] = []
        /// Item genres, for intra-list diversity (nil when the dataset has none).
        var itemGenres: [[String]]?
        /// Item side information for plugins that ask for it (nil when the dataset has none).
        var itemFeatures: ItemFeatures?
        /// The split cache entry a worker reads the fold from.
        var cached: CachedSplit?
        /// `[evaluation] genres`: scores outside the genres become −∞ before masking and top-K.
        var genreFilter: GenreFilter?
        /// The dataset (copy-on-write, so free), for the training times a plugin may ask for.
        var dataset: Dataset?
    }

    /// A loaded dataset and the split it ships with, if any.
    struct LoadedData {
        var dataset: Dataset
        var fixedSplit: Split?
        /// The rows skipped as malformed (with `skipBadRows`).
        var badRows: BadRowLog?
    }

    func loadDataset(_ file: ExperimentFile) throws -> LoadedData {
        guard let known = DatasetRegistry.named(file.dataset.name) else {
            throw PluginError("unknown dataset \(file.dataset.name)")
        }
        let badRows = skipBadRows ? BadRowLog() : nil
        let (dataset, fixedSplit) = try known.load(from: dataDirectory, badRows: badRows)
        guard file.dataset.preprocessing.isEmpty else {
            guard !isPredefined(file) else {
                throw PluginError("a predefined split cannot be combined with preprocessing (\(file.dataset.preprocessing)): its files name rows the filters may remove; choose another split method")
            }
            return LoadedData(dataset: file.dataset.preprocessing.apply(to: dataset), fixedSplit: nil, badRows: badRows)
        }
        return LoadedData(dataset: dataset, fixedSplit: fixedSplit, badRows: badRows)
    }

    /// Splits read from files name rows of the unfiltered dataset.
    private func isPredefined(_ file: ExperimentFile) -> Bool {
        switch file.split.method {
        case .predefined, .partsFile: true
        default: false
        }
    }

    /// Every fold, each with its validation part carved out of train when the file asks for one.
    /// `only`: the one fold a worker needs (predefined folds then read just their own files).
    func splits(_ file: ExperimentFile, data: LoadedData, only: Int? = nil) throws -> [ThreeWaySplit] {
        let dataset = data.dataset
        if case .partsFile = file.split.method {
            // The file may carry its own validation part; RecData refuses a second one.
            return try file.split.splitMethod.threeWaySplits(
                of: dataset, seed: file.split.seed, validation: file.split.validation.map(ExperimentFile.SplitSpec.splitMethod)
            ).map(\.split)
        }
        let twoWay: [Split]
        switch file.split.method {
        case _ where file.split.repeats > 1:
            twoWay = (0..<file.split.repeats).map { index in
                var split = splitter(file.split.method, seed: file.split.seed(ofFold: index))!.split(dataset)
                split.part = file.split.cacheSpec(fold: index).part
                return split
            }
        case .kFold(let folds):
            twoWay = KFoldSplitter(folds: folds, seed: file.split.seed).split(dataset)
        case .predefined(let set?):
            twoWay = try MovieLens100KFolds.load(set: set, from: dataDirectory, dataset: dataset, only: only)
        case .predefined(nil):
            guard let split = data.fixedSplit else {
                throw PluginError("dataset \(dataset.name) ships no train/test split; choose another split method")
            }
            twoWay = [split]
        case .userKFold(let folds):
            twoWay = UserKFoldSplitter(folds: folds, seed: file.split.seed).split(dataset)
        default:
            twoWay = [splitter(file.split.method, seed: file.split.seed)!.split(dataset)]
        }
        guard let validation = file.split.validation else { return twoWay.map(ThreeWaySplit.init) }
        guard splitter(validation, seed: file.split.seed) != nil else {
            throw PluginError("[split.validation] needs a single-split method")
        }
        return twoWay.enumerated().map { index, split in
            guard only == nil || only == index || twoWay.count == 1 else { return ThreeWaySplit(split) }
            // A repeated draw carves its validation part with its own seed, as its cache spec says.
            return dataset.validation(from: split, using: splitter(validation, seed: file.split.seed(ofFold: index))!)
        }
    }

    /// The single-split splitters, also asked for their temporal promise by the lint: RecData's,
    /// through the one mapping from the experiment file's methods (`SplitSpec.splitMethod`).
    func splitter(_ method: ExperimentFile.SplitSpec.Method, seed: UInt64) -> (any Splitter)? {
        ExperimentFile.SplitSpec.splitMethod(method).splitter(seed: seed)
    }

    func splitter(_ spec: ExperimentFile.SplitSpec) -> (any Splitter)? { splitter(spec.method, seed: spec.seed) }

    /// `fingerprint: false` in a worker, which records nothing.
    func prepare(_ split: ThreeWaySplit, index: Int, file: ExperimentFile, dataset: Dataset, fingerprint: Bool = true) throws -> PreparedFold {
        let train = try split.evaluation.matrix(split.train, of: dataset)
        var fold = PreparedFold(index: index, split: split, fingerprint: fingerprint ? split.fingerprint(of: dataset) : "", train: train,
                                evaluation: file.evaluation)
        fold.dataset = dataset
        // With a genre filter only items of those genres are relevant (test and validation alike).
        let filter = file.evaluation.genres.isEmpty ? nil : try GenreFilter(genres: file.evaluation.genres, dataset: dataset, file: file)
        fold.genreFilter = filter
        func relevant(_ part: [Int]) -> [Int] { filter?.keep(part, of: dataset) ?? part }
        if file.evaluation.isRating {
            fold.rating = RatingEvaluator(
                train: train, testUsers: split.test.map { dataset.users[$0] }, testItems: split.test.map { dataset.items[$0] },
                testRatings: split.test.map { dataset.ratings[$0] }, scale: file.evaluation.ratingScale,
                unknownPairs: file.evaluation.unknownPairs)
            fold.ratingMetrics = file.evaluation.ratingMetrics
        } else {
            // Seen items are masked: train, and for the test evaluation validation too.
            let mask = split.validation.isEmpty ? train : try split.evaluation.matrix((split.train + split.validation).sorted(), of: dataset)
            let testMatrix = try split.evaluation.matrix(relevant(split.test), of: dataset)
            var evaluator = RankingEvaluator(train: mask, test: testMatrix,
                                             metrics: file.evaluation.metrics, cutoffs: file.evaluation.cutoffs)
            // Both cores for mask/top-K/metrics (results are bit-identical to one thread), and the
            // top-K lists kept for the beyond-accuracy measures.
            evaluator.threadCount = ProcessInfo.processInfo.activeProcessorCount
            evaluator.keepLists = true
            fold.ranking = evaluator
            fold.mask = mask
            fold.test = testMatrix
            fold.userIDs = dataset.userIDs
            fold.itemIDs = dataset.itemIDs
            if let settings = file.evaluation.sampled {
                // Drawn here, in the parent and again in each worker: the draw depends only on the
                // fold, the settings and the seed, and the fingerprint checks that both agree.
                let candidates = NegativeSampler.sample(settings, mask: mask, test: testMatrix, itemWeights: Self.itemCounts(train))
                fold.sampled = SampledRankingEvaluator(mask: mask, test: testMatrix, candidates: candidates,
                                                       metrics: file.evaluation.metrics, cutoffs: file.evaluation.cutoffs)
                var hasher = SHA256()
                hasher.update(candidates.canonicalBytes)
                fold.candidatesFingerprint = hasher.hexDigest()
            }
            if !split.validation.isEmpty {
                var validation = RankingEvaluator(train: train, test: try split.evaluation.matrix(relevant(split.validation), of: dataset),
                                                  metrics: file.evaluation.metrics, cutoffs: file.evaluation.cutoffs)
                validation.threadCount = evaluator.threadCount
                fold.validation = validation
            }
            fold.itemGenres = dataset.itemGenres.contains { !$0.isEmpty } ? dataset.itemGenres : nil
        }
        fold.itemFeatures = ItemFeatures.build(from: dataset)
        return fold
    }

    /// A TREC run name: the label with anything but letters, digits, '.', '-' and '_' replaced by '_'.
    static func trecRunName(_ label: String) -> String {
        String(label.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
    }

    /// `DIR/<label>[-point<p>][-seed<s>][-fold<f>].run`: the parts only where the model has several.
    static func trecRunPath(in directory: String, label: String, job: Job, fold: Int, file: ExperimentFile, model: ResolvedModel,
                            foldCount: Int) -> String {
        var name = trecRunName(label)
        if model.points.count > 1 { name += "-point\(job.point)" }
        if model.seeds(in: file).count > 1 { name += "-seed\(job.seed)" }
        if foldCount > 1 { name += "-fold\(fold + 1)" }
        return (directory as NSString).appendingPathComponent(name + ".run")
    }

    /// Training interactions per item: the popularity sampler's weights.
    static func itemCounts(_ train: CSRMatrix) -> [Int] {
        var counts = [Int](repeating: 0, count: train.columnCount)
        for item in train.indices { counts[Int(item)] += 1 }
        return counts
    }

    /// One run: a model at one parameter point with one seed on one fold.
    struct Job {
        var model: ResolvedModel
        var position: Int
        var point: Int
        var seed: UInt64
        var parameters: PluginParameters { model.points[point] }
    }

    /// The protocol name under which validation metrics are stored.
    static func validationProtocol(_ name: String) -> String { "validation:" + name }

    public func run(_ file: ExperimentFile) throws -> Outcome {
        let models = try resolve(file)

        guard let ledger else { throw PluginError("an experiment needs a ledger to record its runs") }
        console.info("Loading \(file.dataset.name) from \(dataDirectory.path)")
        let data = try loadDataset(file)
        if let badRows = data.badRows, badRows.count > 0 { console.warning(badRows.summary) }
        let dataset = data.dataset
        let folds = try materializedSplits(file, data: data).enumerated().map { index, made in
            var fold = try prepare(made.split, index: index, file: file, dataset: dataset)
            fold.cached = made.cached
            return fold
        }
        let first = folds[0]
        // Leakage and sanity lint of the first fold: said before anything trains.
        let lint = SplitLint.check(first.split.evaluation, of: dataset, temporalScope: splitter(file.split)?.temporalScope ?? .none)
        for warning in lint.warnings { console.warning(String(warning.dropFirst("warning: ".count))) }
        let evaluated = first.ranking.map { "\($0.users.count) users evaluated" }
            ?? first.rating.map { "\($0.unknownCount) of \($0.testRatings.count) test pairs have an unknown user or item" } ?? ""
        let validationNote = first.split.validation.isEmpty ? "" : " / \(first.split.validation.count) validation"
        console.info("\(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions; "
            + "\(first.split.description): \(first.split.train.count) train\(validationNote) / \(first.split.test.count) test; \(evaluated)"
            + (folds.count > 1 ? " (fold 1 of \(folds.count))" : ""))

        var experiment = ExperimentRecord(
            name: file.name, description: file.description, filePath: file.path,
            fileSHA256: SHA256.hex(file.text), fileText: file.text,
            dataset: dataset.name, datasetFingerprint: Self.datasetFingerprint(data),
            datasetStats: Self.json([
                "users": dataset.userCount, "items": dataset.itemCount,
                "interactions": dataset.interactionCount, "density": dataset.density,
            ]),
            splitMethod: first.split.method,
            splitFingerprint: folds.count == 1 ? first.fingerprint : SHA256.hex(folds.map(\.fingerprint).joined(separator: "\n")),
            trainCount: first.split.train.count, testCount: first.split.test.count,
            evaluationProtocol: first.rating?.recordedProtocol ?? file.evaluation.evaluationProtocol,
            metricsVersion: file.evaluation.isRating ? RatingMetric.definitionVersion : RankingMetric.definitionVersion,
            hostVersion: Self.hostVersion, environment: Self.json(Self.environment().merging(Self.badRowsRecord(data.badRows)) { $1 }),
            startedAt: Self.now())
        experiment.foldCount = folds.count
        experiment.referencesJSON = Self.encode(file.references)
        experiment.timingReferencesJSON = Self.encode(file.timingReferences)
        experiment = try ledger.insert(experiment)
        let datasetFingerprint = experiment.datasetFingerprint
        for fold in folds {
            guard let sampled = fold.sampled, let fingerprint = fold.candidatesFingerprint else { continue }
            let candidates = sampled.candidates
            try ledger.store(SampledCandidatesRecord(
                fingerprint: fingerprint, evaluationProtocol: candidates.protocolName, seed: candidates.seed,
                splitFingerprint: fold.fingerprint, users: candidates.users, offsets: candidates.offsets, negatives: candidates.negatives))
            console.info("Sampled protocol \(candidates.protocolName) (seed \(candidates.seed)): \(candidates.negatives.count) negatives "
                + "for \(candidates.users.count) users\(folds.count > 1 ? " in fold \(fold.index + 1)" : ""), stored as \(fingerprint.prefix(12))")
        }

        if let directory = trecExportDirectory {
            guard !file.evaluation.isRating else { throw PluginError("--export-trec needs a ranking protocol; this experiment uses \(file.evaluation.evaluationProtocol)") }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for fold in folds {
                guard let test = fold.test else { continue }
                let path = (directory as NSString).appendingPathComponent(folds.count > 1 ? "qrels-fold\(fold.index + 1).txt" : "qrels.txt")
                try TrecInterchange.writeQrels(to: URL(fileURLWithPath: path), test: test, userIDs: fold.userIDs, itemIDs: fold.itemIDs)
                console.info("TREC qrels: \(path)")
            }
        }
        let total = models.reduce(0) { $0 + $1.points.count * $1.seeds(in: file).count } * folds.count
        var runs: [RunRecord] = []
        var reused = 0
        let started = Date()
        for (position, model) in models.enumerated() {
            for seed in model.seeds(in: file) {
                for fold in folds {
                    // The points of one (model, seed, fold): the validation metric selects one.
                    var group: [(run: RunRecord, selectionValue: Double?)] = []
                    for point in model.points.indices {
                        let job = Job(model: model, position: position, point: point, seed: seed)
                        var where_ = [String]()
                        if folds.count > 1 { where_.append("fold \(fold.index + 1)/\(folds.count)") }
                        if model.seeds(in: file).count > 1 { where_.append("seed \(seed)") }
                        if model.points.count > 1 { where_.append("point \(point + 1)/\(model.points.count) \(Self.pointSummary(job.parameters, model))") }
                        console.info("[\(runs.count + 1)/\(total)] \(model.spec.label)" + (where_.isEmpty ? "" : " " + where_.joined(separator: ", "))
                            + Self.eta(started: started, done: runs.count, total: total))
                        let identity = Self.identity(job, foldIndex: fold.index, foldFingerprint: fold.fingerprint, file: file,
                                                    datasetFingerprint: datasetFingerprint, candidatesFingerprint: fold.candidatesFingerprint)
                        let record: RunRecord
                        if !recompute, let done = try ledger.finishedRun(identity: identity) {
                            record = try ledger.reuse(done, in: experiment.id!, position: position, label: model.spec.label,
                                                      point: point, selected: !model.spec.hasSearch)
                            reused += 1
                            console.info("  already in the ledger (run #\(done.id!)): reused"
                                + (trecExportDirectory == nil ? "" : "; its lists were not recomputed, so no TREC run file is written for it (run with --recompute to export every run)"))
                        } else {
                            record = runOne(job, identity: identity, experimentID: experiment.id!, fold: fold, file: file,
                                            trecRun: trecExportDirectory.map { Self.trecRunPath(in: $0, label: model.spec.label, job: job, fold: fold.index, file: file, model: model, foldCount: folds.count) })
                        }
                        runs.append(record)
                        group.append((record, try selectionValue(of: record, file: file)))
                    }
                    if model.spec.hasSearch { try select(group, model: model, file: file, runs: &runs) }
                }
            }
        }
        if reused > 0 { console.info("\(reused) of \(total) runs were already in the ledger and were reused, not recomputed") }
        let failures = runs.filter { $0.status != "ok" }.count
        try ledger.finish(experimentID: experiment.id!, status: failures == 0 ? "completed" : "completed-with-failures", at: Self.now())
        return Outcome(experiment: try ledger.latestExperiment(named: file.name)!, runs: runs)
    }

    /// The validation value of the selection metric stored with a run, if any.
    private func selectionValue(of run: RunRecord, file: ExperimentFile) throws -> Double? {
        guard run.status == "ok", let key = file.evaluation.selectionMetric, let id = run.id, let ledger else { return nil }
        return try ledger.metrics(runID: id).first {
            $0.metric == key.metric.rawValue && $0.cutoff == key.cutoff && $0.evaluationProtocol.hasPrefix("validation:")
        }?.value
    }

    /// Marks the point with the best validation value as selected (ties: the earlier point).
    private func select(_ group: [(run: RunRecord, selectionValue: Double?)], model: ResolvedModel, file: ExperimentFile,
                        runs: inout [RunRecord]) throws {
        guard let ledger, let key = file.evaluation.selectionMetric else { return }
        var best: (index: Int, value: Double)?
        for (index, entry) in group.enumerated() {
            if let value = entry.selectionValue, value > (best?.value ?? -.infinity) { best = (index, value) }
        }
        guard let best else {
            console.warning("  \(model.spec.label): no point finished, nothing selected")
            return
        }
        try ledger.setSelected(runIDs: group.compactMap(\.run.id), selected: false)
        try ledger.setSelected(runIDs: [group[best.index].run.id!], selected: true)
        if let at = runs.firstIndex(where: { $0.id == group[best.index].run.id }) { runs[at].selected = true }
        console.info(String(format: "  selected point %d of %d by validation %@ = %.4f: %@", group[best.index].run.point + 1, group.count,
                            key.description, best.value, Self.pointSummary(model.points[group[best.index].run.point], model)))
    }

    /// "  (elapsed 1m05s, about 2m10s left)": a rough estimate from the mean time per run so far.
    static func eta(started: Date, done: Int, total: Int) -> String {
        guard done > 0 else { return "" }
        let elapsed = Date().timeIntervalSince(started)
        func clock(_ seconds: Double) -> String {
            let s = Int(seconds.rounded())
            return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
        }
        return "  (elapsed \(clock(elapsed)), about \(clock(elapsed / Double(done) * Double(total - done))) left)"
    }

    /// "factors=64, reg=0.01": the searched parameters of a point.
    static func pointSummary(_ parameters: PluginParameters, _ model: ResolvedModel) -> String {
        let searched = model.spec.grid.map(\.name) + (model.spec.random?.domains.map(\.name) ?? [])
        return searched.map { name in "\(name)=\(parameters.values[name].map { "\($0)" } ?? "?")" }.joined(separator: ", ")
    }

    /// SHA-256 of everything that determines a run's numbers. Two runs with the same identity
    /// produce the same results, so a finished one is reused instead of recomputed.
    static func identity(_ job: Job, foldIndex: Int, foldFingerprint: String, file: ExperimentFile, datasetFingerprint: String,
                         candidatesFingerprint: String? = nil) -> String {
        let evaluation = file.evaluation
        var parts: [String: Any] = [
            "identity": "recbench-run-v1",
            "dataset": datasetFingerprint,
            "split": foldFingerprint,
            "fold": foldIndex,
            "plugin": job.model.plugin.name,
            "pluginVersion": job.model.plugin.manifest.version,
            "pluginSHA256": job.model.binarySHA256,
            "params": job.parameters.json,
            "seed": String(job.seed),
            "protocol": evaluation.evaluationProtocol,
            "metrics": evaluation.isRating ? evaluation.ratingMetrics.map(\.rawValue) : evaluation.metrics.map(\.rawValue),
            "cutoffs": evaluation.cutoffs,
            "definitions": [RankingMetric.definitionVersion, RatingMetric.definitionVersion, BeyondAccuracy.definitionVersion],
        ]
        if evaluation.isRating {
            parts["ratingScale"] = [Double(evaluation.ratingScale.lowerBound), Double(evaluation.ratingScale.upperBound)]
            parts["unknownPairs"] = evaluation.unknownPairs.rawValue
        }
        if evaluation.userActivityBuckets != EvaluationSlices.defaultUserActivity
            || evaluation.itemPopularityBuckets != EvaluationSlices.defaultItemPopularity {
            // Only when not the defaults, so identities of runs made before slices are unchanged.
            parts["slices"] = "users=\(evaluation.userActivityBuckets.edges),items=\(evaluation.itemPopularityBuckets.edges)"
        }
        if let sampled = evaluation.sampled, let candidatesFingerprint {
            // Only present with a sampled protocol, so identities of other runs are unchanged.
            parts["sampled"] = "\(sampled.name),seed=\(sampled.seed),candidates=\(candidatesFingerprint)"
        }
        if let stopping = job.model.spec.earlyStopping {
            parts["earlyStopping"] = "\(stopping.metric.description),patience=\(stopping.patience),every=\(stopping.every)"
        }
        if let curve = job.model.spec.learningCurve {
            parts["learningCurve"] = "\(curve.metric.description),every=\(curve.every)"
        }
        // Only when present, so identities of runs made before hybrids and the filter are unchanged.
        if !job.model.components.isEmpty { parts["components"] = componentIdentity(job.model.components) }
        if !evaluation.genres.isEmpty { parts["genres"] = evaluation.genres }
        return SHA256.hex(json(parts))
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
        public struct Slice: Codable, Sendable {
            var dimension: String
            var bucket: String
            var index: Int
            var metric: String
            var cutoff: Int
            var value: Double
            var users: Int
        }
        public struct Epoch: Codable, Sendable {
            var epoch: Int
            var loss: Double
            var metric: String?
            var value: Double?
            var seconds: Double
        }
        public var error: String?
        public var fitSeconds: Double?
        public var evalSeconds: Double?
        public var evaluatedCount: Int?
        public var metrics: [Metric] = []
        public var perUser: [PerUser] = []
        /// Full-ranking metrics by user-activity and item-popularity bucket.
        public var slices: [Slice] = []
        public var epochs: [Epoch] = []
        public var bestEpoch: Int?
        /// Peak resident memory of the worker process (bytes), when run in one.
        public var peakMemoryBytes: Int64?
        /// Seconds the worker spent reading the data and making the fold before the run.
        public var loadSeconds: Double?
        /// The fingerprint of the sampled negatives the evaluation used (checked by the parent).
        public var candidatesFingerprint: String?
        public var headline = ""

        public static func failed(_ error: String, fitSeconds: Double? = nil) -> RunOutcome {
            var outcome = RunOutcome()
            outcome.error = error
            outcome.fitSeconds = fitSeconds
            return outcome
        }
    }

    /// Early stopping's bookkeeping during one fit.
    private final class EpochWatch {
        let stopping: ExperimentFile.EarlyStopping?
        let start = Date()
        var epochs: [RunOutcome.Epoch] = []
        var best: (epoch: Int, value: Double)?
        var evaluationsWithoutGain = 0
        var failure: Error?
        init(_ stopping: ExperimentFile.EarlyStopping?) { self.stopping = stopping }
    }

    /// Creates, fits and evaluates one model on one fold. Errors become a failed outcome.
    /// `trecRun`: write the test lists there as a TREC run file (named after the model's label).
    func execute(_ model: ResolvedModel, point: Int = 0, seed: UInt64? = nil, fold: PreparedFold, trecRun: String? = nil) -> RunOutcome {
        var outcome = RunOutcome()
        let train = fold.train
        do {
            let instance = try model.plugin.makeModel(model.points[point])
            // Side information goes only to plugins that offer rb_item_features_v1.
            if instance.usesItemFeatures, let features = fold.itemFeatures {
                try features.matrix.withView { try instance.setItemFeatures($0, names: features.names) }
            }
            if instance.usesInteractionTimes, let dataset = fold.dataset {
                try instance.setInteractionTimes(Self.trainTimes(fold.split.train, of: dataset))
            }
            try attachComponents(model, to: instance, fold: fold)
            let fitStart = Date()
            let watch = EpochWatch(model.spec.earlyStopping)
            let observer = instance.trainsInEpochs
                ? epochObserver(watch, curve: model.spec.learningCurve, instance: instance, fold: fold, label: model.spec.label) : nil
            try train.withView { view in
                try instance.fit(view, seed: seed ?? model.spec.seed, threadCount: ProcessInfo.processInfo.activeProcessorCount,
                                 callbacks: .init(log: { level, message in console.pluginLog(level: level, "  \(model.spec.label): \(message)") }),
                                 epochs: observer)
            }
            if let failure = watch.failure { throw failure }
            outcome.fitSeconds = Date().timeIntervalSince(fitStart)
            outcome.epochs = watch.epochs
            outcome.bestEpoch = watch.best?.epoch
            let evalStart = Date()
            if let evaluator = fold.ranking {
                func score(_ users: UnsafeBufferPointer<Int32>, _ scores: UnsafeMutableBufferPointer<Float>) throws {
                    try instance.score(users: users, itemCount: train.columnCount, into: scores)
                    fold.genreFilter?.apply(to: scores, itemCount: train.columnCount)
                }
                if let validation = fold.validation {
                    let result = try validation.evaluate(score: score)
                    outcome.metrics += zip(result.keys, result.means).map { key, mean in
                        .init(metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: Self.validationProtocol(RankingEvaluator.protocolName),
                              value: mean, definitionVersion: RankingMetric.definitionVersion)
                    }
                }
                let progress = console.progressBar(title: "  scoring \(model.spec.label)")
                let result = try evaluator.evaluate(score: score, progress: progress)
                console.endProgress()
                if let trecRun, let lists = result.lists {
                    try TrecInterchange.writeRun(to: URL(fileURLWithPath: trecRun), users: result.users, rankings: lists,
                                                 userIDs: fold.userIDs, itemIDs: fold.itemIDs, runName: Self.trecRunName(model.spec.label))
                }
                outcome.metrics += zip(result.keys, result.means).map { key, mean in
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
                if let test = fold.test {
                    let evaluation = fold.evaluation
                    let slices = EvaluationSlices.byUserActivity(result: result, train: train, buckets: evaluation.userActivityBuckets)
                        + EvaluationSlices.byItemPopularity(result: result, train: train, test: test, buckets: evaluation.itemPopularityBuckets,
                                                            cutoffs: evaluator.keys.filter { !$0.metric.isCutoffFree }.map(\.cutoff)
                                                                .reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } })
                    outcome.slices = slices.map {
                        .init(dimension: $0.dimension, bucket: $0.bucket, index: $0.index, metric: $0.metric, cutoff: $0.cutoff,
                              value: $0.value, users: $0.users)
                    }
                }
                if let sampled = fold.sampled {
                    let result = try sampled.evaluate(score: score)
                    let name = sampled.protocolName
                    outcome.metrics += zip(result.keys, result.means).map { key, mean in
                        .init(metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: name,
                              value: mean, definitionVersion: RankingMetric.definitionVersion)
                    }
                    outcome.metrics += result.aggregates.map {
                        .init(metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: name, value: $0.value,
                              definitionVersion: RankingMetric.definitionVersion)
                    }
                    outcome.perUser += zip(result.keys, result.perUser).map { key, values in
                        .init(metric: key.metric.rawValue, cutoff: key.cutoff, evaluationProtocol: name, users: result.users, values: values)
                    }
                    outcome.candidatesFingerprint = fold.candidatesFingerprint
                }
                outcome.evaluatedCount = evaluator.users.count
                let key = result.keys.first { $0 == MetricKey(.ndcg, 10) } ?? result.keys.first { $0.metric == .ndcg } ?? result.keys[0]
                outcome.headline = String(format: "%@ = %.4f", key.description, result.mean(key)!)
                if let best = watch.best {
                    outcome.headline += String(format: " (epoch %d of %d kept, validation %@ = %.4f)", best.epoch, watch.epochs.count,
                                               watch.stopping!.metric.description, best.value)
                }
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

    /// Records every epoch's loss; with early stopping, scores the validation part every `every`
    /// epochs through the plugin, keeps the best epoch and stops after `patience` evaluations
    /// without a gain; with a learning curve, scores the test part every `every` epochs and only
    /// records the value (stored as "test <metric>", so it is never mistaken for a validation one).
    private func epochObserver(_ watch: EpochWatch, curve: ExperimentFile.LearningCurve?, instance: PluginModel,
                               fold: PreparedFold, label: String) -> PluginModel.EpochObserver {
        let itemCount = fold.train.columnCount
        func measure(_ evaluator: RankingEvaluator, _ metric: MetricKey) throws -> Double {
            let result = try evaluator.evaluate { users, scores in
                try instance.score(users: users, itemCount: itemCount, into: scores)
                fold.genreFilter?.apply(to: scores, itemCount: itemCount)
            }
            return result.mean(metric) ?? .nan
        }
        return PluginModel.EpochObserver(
            willEvaluate: { epoch in
                if let stopping = watch.stopping, fold.validation != nil { return epoch % stopping.every == 0 }
                if let curve, fold.ranking != nil { return epoch % curve.every == 0 }
                return false
            },
            epochEnded: { epoch, loss in
                var entry = RunOutcome.Epoch(epoch: epoch, loss: loss, seconds: Date().timeIntervalSince(watch.start))
                defer { watch.epochs.append(entry) }
                do {
                    if let curve, let test = fold.ranking, epoch % curve.every == 0 {
                        let value = try measure(test, curve.metric)
                        entry.metric = "test " + curve.metric.description
                        entry.value = value
                        console.pluginLog(level: 1, String(format: "  %@: epoch %d loss %.5f test %@ %.4f", label, epoch, loss,
                                                           curve.metric.description, value))
                        return .proceed
                    }
                    guard let stopping = watch.stopping, let validation = fold.validation, epoch % stopping.every == 0 else { return .proceed }
                    let value = try measure(validation, stopping.metric)
                    entry.metric = stopping.metric.description
                    entry.value = value
                    console.pluginLog(level: 1, String(format: "  %@: epoch %d loss %.5f validation %@ %.4f", label, epoch, loss,
                                                       stopping.metric.description, value))
                    if value > (watch.best?.value ?? -.infinity) {
                        watch.best = (epoch, value)
                        watch.evaluationsWithoutGain = 0
                        return .checkpoint
                    }
                    watch.evaluationsWithoutGain += 1
                    return watch.evaluationsWithoutGain >= stopping.patience ? .stop : .proceed
                } catch {
                    watch.failure = error
                    return .stop
                }
            })
    }

    /// Runs one job on one fold (in a worker process when isolation is on) and records it.
    private func runOne(_ job: Job, identity: String, experimentID: Int64, fold: PreparedFold, file: ExperimentFile,
                        trecRun: String? = nil) -> RunRecord {
        let model = job.model
        let startedAt = Self.now()
        var outcome: RunOutcome
        if let isolation {
            outcome = isolation.run(file: file, modelIndex: job.position, foldIndex: fold.index, point: job.point, seed: job.seed,
                                    cachedSplit: fold.cached, skipBadRows: skipBadRows, dataDirectory: dataDirectory,
                                    searchPath: searchPath, pluginPath: model.plugin.path, console: console, trecRun: trecRun,
                                    componentPluginPaths: model.components.map(\.plugin.path))
        } else {
            outcome = execute(model, point: job.point, seed: job.seed, fold: fold, trecRun: trecRun)
        }
        if let trecRun, outcome.error == nil { console.info("  TREC run file: \(trecRun)") }
        if outcome.error == nil, outcome.candidatesFingerprint != fold.candidatesFingerprint {
            outcome.error = "the worker drew other sampled negatives (\(outcome.candidatesFingerprint ?? "none")) than the host (\(fold.candidatesFingerprint ?? "none")): sampling is not deterministic"
        }
        if let error = outcome.error {
            console.warning("  \(model.spec.label) failed: \(error)")
        } else {
            console.info(String(format: "  %@: fit %.3fs, evaluation %.3fs, %@", model.spec.label,
                                outcome.fitSeconds ?? 0, outcome.evalSeconds ?? 0, outcome.headline))
        }
        let ok = outcome.error == nil
        let parameters = job.parameters
        var run = RunRecord(
            experimentId: experimentID, position: job.position, label: model.spec.label,
            plugin: model.plugin.name, pluginVersion: model.plugin.manifest.version,
            pluginPath: model.plugin.path, pluginSHA256: model.binarySHA256,
            params: parameters.json, paramsHash: SHA256.hex(parameters.json), seed: Int64(job.seed),
            status: ok ? "ok" : "failed", error: outcome.error,
            fitSeconds: outcome.fitSeconds, evalSeconds: ok ? outcome.evalSeconds : nil,
            usersEvaluated: ok ? outcome.evaluatedCount : nil,
            startedAt: startedAt, finishedAt: Self.now())
        run.fold = fold.index
        run.splitFingerprint = fold.fingerprint
        run.trainCount = fold.split.train.count
        run.testCount = fold.split.test.count
        run.identity = identity
        run.point = job.point
        run.selected = !model.spec.hasSearch
        run.peakMemoryBytes = outcome.peakMemoryBytes
        run.loadSeconds = outcome.loadSeconds
        run.epochsRun = outcome.epochs.isEmpty ? nil : outcome.epochs.count
        run.bestEpoch = outcome.bestEpoch
        run.candidatesFingerprint = fold.candidatesFingerprint
        let metrics = ok ? outcome.metrics.map {
            MetricRecord(runId: 0, metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: $0.evaluationProtocol,
                         value: $0.value, definitionVersion: $0.definitionVersion)
        } : []
        let perUser = ok ? outcome.perUser.map {
            PerUserRecord(runId: 0, metric: $0.metric, cutoff: $0.cutoff, evaluationProtocol: $0.evaluationProtocol,
                          users: $0.users, values: $0.values)
        } : []
        let slices = ok ? outcome.slices.map {
            SliceMetricRecord(evaluationProtocol: RankingEvaluator.protocolName, dimension: $0.dimension, bucket: $0.bucket, bucketIndex: $0.index,
                              metric: $0.metric, cutoff: $0.cutoff, value: $0.value, users: $0.users, definitionVersion: RankingMetric.definitionVersion)
        } : []
        let epochs = outcome.epochs.map {
            EpochRecord(epoch: $0.epoch, loss: $0.loss, metric: $0.metric, value: $0.value, seconds: $0.seconds)
        }
        do {
            return try ledger?.insert(run, metrics: metrics, perUser: perUser, epochs: epochs, slices: slices) ?? run
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

    /// The git commit of the source tree the executable was built in (`.build/<config>/recbench`
    /// sits two folders below it), with "+dirty" for uncommitted changes; "unknown" outside a checkout.
    static func gitCommit() -> String {
        guard let executable = PluginSearchPath.executableDirectory() else { return "unknown" }
        let root = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent().path
        func git(_ arguments: [String]) -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", root] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let commit = git(["rev-parse", "HEAD"]), !commit.isEmpty else { return "unknown" }
        let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
        return commit + (dirty ? "+dirty" : "")
    }

    /// CPU model, core count, OS and source commit, recorded with every experiment.
    static func environment() -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = release.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            ?? ProcessInfo.processInfo.operatingSystemVersionString
        return ["cpu": cpu, "cores": ProcessInfo.processInfo.activeProcessorCount, "os": os, "commit": gitCommit()]
    }
}
