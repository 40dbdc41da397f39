import Foundation
import RecEval
import RecData
import RecKit
import RecMath
import RecTOML

/// A declarative experiment: one dataset, one split, one evaluation, several models.
///
/// The format is documented key by key in docs/experiment-format.md. Reading is strict: an
/// unknown key, a wrong type or a missing required key is an error naming file, line and column.
public struct ExperimentFile: Sendable {
    public var path: String
    public var text: String
    public var name: String
    public var description: String
    /// Seed for the split (unless it sets its own) and for every model run (unless a model does).
    public var seed: UInt64
    /// `[experiment] seeds`: every model without its own seed runs once per seed (default: [seed]).
    public var seeds: [UInt64] = []
    /// Limits of each run's worker process: wall-clock seconds and address space in MiB.
    public var runTimeLimit: Double = 3600
    public var runMemoryLimitMB: Int = 8192
    public var dataset: DatasetSpec
    public var split: SplitSpec
    public var evaluation: EvaluationSpec
    public var models: [ModelSpec]
    public var references: [Reference]
    public var timingReferences: [TimingReference]

    public struct DatasetSpec: Sendable {
        public var name: String
        /// `[dataset]` duplicates, min_rating, k_core, min_user/item_interactions: applied in that
        /// order after reading, before splitting (RecData's `PreprocessingPlan`, the same steps
        /// `recbench data stats` takes as options); each is recorded in the run's description and
        /// changes the dataset fingerprint.
        public var preprocessing = PreprocessingPlan()
    }

    public struct SplitSpec: Sendable {
        public enum Method: Sendable {
            /// Per-user random holdout of `testFraction` of each user's interactions.
            /// `rounding` and `fractionOfAll` as `UserHoldoutSplitter` (RecBole's ⌊f·n⌋ counts).
            case userHoldout(testFraction: Double, rounding: UserHoldoutSplitter.Rounding = .nearest, fractionOfAll: Bool = false)
            /// K-fold cross-validation over all interactions, shuffled with the seed.
            case kFold(folds: Int)
            /// Train/test files shipped with the dataset: a named set (MovieLens 100K's u1–u5,
            /// ua–ub), or nil for the one split a dataset comes with (LightGCN's train/test).
            case predefined(set: String?)
            /// A fraction of all interactions at random.
            case randomHoldout(testFraction: Double)
            /// Per item (or user) groups split by Microsoft Recommenders' rule, `trainRatio` to train.
            /// `numpyShuffle`: NumPy's draw, to get their very split (`StratifiedSplitter.Shuffle`).
            case stratified(byItem: Bool, trainRatio: Double, numpyShuffle: Bool = false)
            /// The latest interactions overall: a fraction, or everything from a cutoff timestamp on.
            case temporal(testFraction: Double?, cutoff: Int64?)
            /// Each user's latest interactions: a fraction or a count.
            case userTemporal(testFraction: Double?, testCount: Int?)
            /// One interaction per user: the last by time, or a random one.
            case leaveOneOut(random: Bool)
            /// K folds within each user's interactions.
            case userKFold(folds: Int)
            /// Another tool's exact split as a file of part letters (RecData's `SplitPartsFile`):
            /// `path` resolved against the experiment file's folder, `written` as the file gives it.
            case partsFile(path: String, written: String)
        }
        public var method: Method
        public var seed: UInt64
        /// `[split.validation]`: a validation part carved out of each fold's train part with this
        /// single-split method (and the split's seed); models train on the rest.
        public var validation: Method?
        /// `repeats = n`: n independent draws of a seeded single-split method (repeated hold-out,
        /// "Monte Carlo cross-validation"), with seeds seed, seed + 1, …; each draw is a fold.
        public var repeats: Int = 1
    }

    public struct EvaluationSpec: Sendable {
        public var evaluationProtocol: String
        /// Ranking protocols only.
        public var cutoffs: [Int]
        public var metrics: [RankingMetric]
        /// The rating protocol only.
        public var ratingMetrics: [RatingMetric]
        /// The rating scale predictions are clipped to (rating protocol).
        public var ratingScale: ClosedRange<Float>
        /// Who predicts pairs with an unknown user or item (rating protocol).
        public var unknownPairs: RatingEvaluator.UnknownPairs = .mean
        /// `select_by`: the validation metric that picks a searched model's point (ranking only;
        /// set when a validation part exists and something is searched or stopped early).
        public var selectionMetric: MetricKey?
        /// `protocols = ["full-ranking", "sampled"]` with `[evaluation.sampled]`: every run is also
        /// evaluated under this sampled protocol (nil: full ranking only).
        public var sampled: SampledProtocol?
        /// `[evaluation.slices]`: bucket edges of user activity and item popularity (ranking only).
        public var userActivityBuckets = EvaluationSlices.defaultUserActivity
        public var itemPopularityBuckets = EvaluationSlices.defaultItemPopularity

        /// `genres = [...]`: only items carrying one of these genres are recommended (and relevant);
        /// empty: no filter. `genresPosition` locates the key for an unknown genre found later.
        public var genres: [String] = []
        public var genresPosition: TOMLPosition?

        public var isRating: Bool { evaluationProtocol == RatingEvaluator.protocolName }
    }

    /// A published value the experiment should reproduce: the report shows published, measured,
    /// delta and PASS/FAIL.
    public struct Reference: Sendable, Codable {
        public var model: String
        /// "rmse", or "ndcg@10".
        public var metric: String
        public var value: Double
        public var tolerance: Double
        public var source: String
    }

    /// Another tool's measured time for the same model and protocol (fit + prediction over every
    /// fold), to set recbench's beside it: the report shows both and the speed-up.
    public struct TimingReference: Sendable, Codable {
        public var model: String
        public var seconds: Double
        /// The speed-up recbench aims for (e.g. 5 for "at least 5× faster"); the report marks it.
        public var targetSpeedup: Double
        public var source: String
    }

    public struct ModelSpec: Sendable {
        public var plugin: String
        public var label: String
        public var seed: UInt64
        /// The model's own `seed`: then it runs once, not once per `[experiment] seeds` entry.
        public var hasOwnSeed = false
        public var params: [String: ParameterValue]
        /// Where the model was declared and where each parameter was given, for error messages.
        public var position: TOMLPosition
        public var paramPositions: [String: TOMLPosition]
        /// `[models.grid]`: parameter → the values to try; every combination is a point.
        public var grid: [(name: String, values: [ParameterValue])] = []
        /// `[models.random]`: `draws` points drawn from ranges and choices.
        public var random: RandomSearch?
        /// `[models.early_stopping]`.
        public var earlyStopping: EarlyStopping?
        /// `[models.learning_curve]`.
        public var learningCurve: LearningCurve?
        /// `components = [...]`: the models a hybrid plugin combines (rb_components_v1), in order.
        public var components: [ComponentSpec] = []
        /// The entry has a `components` key (set while reading, before components are resolved).
        var declaresComponents = false

        /// The parameter points to try, in a fixed order: the grid's combinations (first key slowest),
        /// or the random draws, each over the fixed `params`; just `params` without a search.
        public var points: [[String: ParameterValue]] {
            if let random { return random.draw(over: params) }
            var points: [[String: ParameterValue]] = [params]
            for (name, values) in grid {
                points = points.flatMap { point in values.map { var next = point; next[name] = $0; return next } }
            }
            return points
        }

        public var hasSearch: Bool { random != nil || !grid.isEmpty }
    }

    /// A hybrid's component: another plugin with one fixed parameter point, named by the label of
    /// another `[[models]]` entry or defined inline (`{ plugin = "iALS", params = { ... } }`).
    public struct ComponentSpec: Sendable {
        public var label: String
        public var plugin: String
        public var params: [String: ParameterValue]
        /// Where the component was named (the string, or the inline table) and its parameters.
        public var position: TOMLPosition
        public var paramPositions: [String: TOMLPosition]
    }

    /// Random search: each draw takes every ranged parameter uniformly (or log-uniformly) and every
    /// choice parameter uniformly, from a generator seeded by `seed`.
    public struct RandomSearch: Sendable {
        public enum Domain: Sendable {
            case range(low: Double, high: Double, log: Bool, integer: Bool)
            case choice([ParameterValue])
        }
        public var draws: Int
        public var seed: UInt64
        public var domains: [(name: String, domain: Domain)]

        public func draw(over fixed: [String: ParameterValue]) -> [[String: ParameterValue]] {
            var generator = SeededGenerator(seed: seed, stream: 0x5EA4C4)
            return (0..<draws).map { _ in
                var point = fixed
                for (name, domain) in domains {
                    switch domain {
                    case .range(let low, let high, let log, let integer):
                        let u = Double(generator.next() >> 11) / Double(1 << 53)
                        let x = log ? Foundation.exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low))) : low + u * (high - low)
                        point[name] = integer ? .int(Int64(min(high, x.rounded(.down)))) : .float(x)
                    case .choice(let values):
                        point[name] = values[Int(generator.next() % UInt64(values.count))]
                    }
                }
                return point
            }
        }
    }

    /// Early stopping on the validation part: evaluate every `every` epochs, stop after `patience`
    /// evaluations without improvement of `metric`, keep the best epoch.
    public struct EarlyStopping: Sendable {
        public var metric: MetricKey
        public var patience: Int
        public var every: Int
    }

    /// A test-set learning curve: every `every` epochs the host scores the **test** part and records
    /// `metric` with the epoch. It never changes training (no checkpoint, no stopping) — it is how
    /// the LightGCN and NGCF reference code log their curves, for comparing against such logs; never
    /// use it to pick an epoch (that is early stopping's job, on validation).
    public struct LearningCurve: Sendable {
        public var metric: MetricKey
        public var every: Int
    }

    public static var knownDatasets: [String] { DatasetRegistry.names }
    public static let knownSplits = [
        "user-holdout", "kfold", "predefined", "random-holdout", "stratified", "temporal", "user-temporal",
        "leave-one-out", "user-kfold", SplitPartsFile.kind,
    ]
    public static let knownProtocols = [RankingEvaluator.protocolName, RatingEvaluator.protocolName]

    public static func load(path: String) throws -> ExperimentFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ExperimentError(file: path, line: nil, column: nil,
                                  message: "cannot read the experiment file: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> ExperimentFile {
        let root: TOMLTable
        do {
            root = try TOML.parse(text, file: path)
        } catch let error as TOMLError {
            throw ExperimentError(file: path, line: error.line, column: error.column, message: error.message)
        }
        var top = StrictTable(root, path: path, context: "the experiment file")

        var experiment = try top.requiredTable("experiment")
        let name = try experiment.required("name", \.stringValue, "a string")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw experiment.error(at: "name", "experiment name \"\(name)\" must be letters, digits, '-', '_' or '.' (it names the report folder)")
        }
        let description = try experiment.optional("description", \.stringValue, "a string") ?? ""
        let seed = try experiment.optionalSeed("seed") ?? 42
        var seeds: [UInt64] = []
        if let nodes = try experiment.optional("seeds", \.arrayValue, "an array of non-negative integers") {
            for node in nodes {
                guard let value = node.value.integerValue, value >= 0 else {
                    throw ExperimentError(file: path, position: node.position, message: "seeds must be non-negative integers")
                }
                if !seeds.contains(UInt64(value)) { seeds.append(UInt64(value)) }
            }
            guard !seeds.isEmpty else { throw experiment.error(at: "seeds", "seeds must not be empty") }
        }
        let timeLimit = try experiment.optional("run_time_limit", \.doubleValue, "a number of seconds") ?? 3600
        guard timeLimit > 0 else { throw experiment.error(at: "run_time_limit", "run_time_limit must be positive") }
        let memoryLimit = try experiment.optional("run_memory_limit_mb", \.integerValue, "an integer number of MiB") ?? 8192
        guard memoryLimit >= 256 else { throw experiment.error(at: "run_memory_limit_mb", "run_memory_limit_mb must be at least 256") }
        try experiment.finish()

        var datasetTable = try top.requiredTable("dataset")
        let datasetName = try datasetTable.required("name", \.stringValue, "a string")
        try datasetTable.check("name", datasetName, in: knownDatasets)
        var datasetSpec = DatasetSpec(name: datasetName)
        if let policy = try datasetTable.optional("duplicates", \.stringValue, "\"first\", \"last\" or \"mean\"") {
            try datasetTable.check("duplicates", policy, in: DuplicatePolicy.allCases.map(\.rawValue))
            datasetSpec.preprocessing.duplicates = DuplicatePolicy(rawValue: policy)
        }
        if let minRating = try datasetTable.optional("min_rating", \.doubleValue, "a number") {
            guard minRating.isFinite else { throw datasetTable.error(at: "min_rating", "min_rating must be a finite number") }
            datasetSpec.preprocessing.minRating = minRating
        }
        for (key, path) in [("k_core", \PreprocessingPlan.kCore), ("min_user_interactions", \PreprocessingPlan.minUserInteractions),
                            ("min_item_interactions", \PreprocessingPlan.minItemInteractions)] {
            if let value = try datasetTable.optional(key, \.integerValue, "a positive integer") {
                guard value >= 1 else { throw datasetTable.error(at: key, "\(key) must be at least 1, got \(value)") }
                datasetSpec.preprocessing[keyPath: path] = Int(value)
            }
        }
        try datasetTable.finish()

        var splitTable = try top.requiredTable("split")
        let method = try parseSplitMethod(&splitTable, datasetName: datasetName, validation: false, experimentPath: path)
        var validation: SplitSpec.Method?
        if splitTable.has("validation") {
            guard case .table(let table)? = splitTable.take("validation")?.node.value else {
                throw splitTable.error(at: "validation", "validation must be a table ([split.validation])")
            }
            var validationTable = StrictTable(table, path: path, context: "[split.validation]")
            validation = try parseSplitMethod(&validationTable, datasetName: datasetName, validation: true, experimentPath: path)
            if case .partsFile(let partsPath, let written) = method, SplitPartsFile.hasValidation(path: partsPath) {
                throw validationTable.error(at: "method", "\(written) already has a validation part (its V letters); leave out [split.validation]")
            }
            try validationTable.finish()
        }
        let splitSeed = try splitTable.optionalSeed("seed") ?? seed
        var repeats = 1
        if let value = try splitTable.optional("repeats", \.integerValue, "an integer") {
            guard (1...1000).contains(value) else { throw splitTable.error(at: "repeats", "repeats must be between 1 and 1000, got \(value)") }
            // Only a single split whose draw depends on its seed (its spec names one) can be drawn again.
            let method = SplitSpec.splitMethod(method)
            guard method.splitter(seed: 0)?.spec.parameters["seed"] != nil else {
                throw splitTable.error(at: "repeats", "repeats draws a seeded split again with other seeds; \(method.spec(seed: 0).kind) has no seed to vary (or folds of its own)")
            }
            repeats = Int(value)
        }
        for case .stratified(_, _, true)? in [method, validation] where splitSeed > UInt64(UInt32.max) {
            throw splitTable.error(at: "seed", "shuffle = \"numpy\" takes NumPy's 32-bit seeds (0…4294967295), got \(splitSeed)")
        }
        try splitTable.finish()

        var evaluationTable = try top.requiredTable("evaluation")
        let protocolKey = try evaluationTable.optional("protocol", \.stringValue, "a string")
        let protocolList = try parseProtocols(&evaluationTable, path: path, single: protocolKey)
        let evaluationProtocol = protocolKey ?? RankingEvaluator.protocolName
        try evaluationTable.check("protocol", evaluationProtocol, in: knownProtocols)
        let sampled = try parseSampled(&evaluationTable, path: path, listed: protocolList.contains(sampledProtocolKey), seed: seed)
        let sliceBuckets = try parseSlices(&evaluationTable, path: path, isRating: evaluationProtocol == RatingEvaluator.protocolName)
        let isRating = evaluationProtocol == RatingEvaluator.protocolName
        var cutoffs: [Int] = []
        if isRating {
            if evaluationTable.has("cutoffs") {
                throw evaluationTable.error(at: "cutoffs", "cutoffs apply to ranking protocols; the rating protocol measures rmse and mae over all test pairs")
            }
        } else {
            let cutoffNodes = try evaluationTable.required("cutoffs", \.arrayValue, "an array of positive integers")
            for node in cutoffNodes {
                guard let value = node.value.integerValue, value > 0, value <= 10_000 else {
                    throw ExperimentError(file: path, position: node.position, message: "cutoffs must be positive integers (at most 10000)")
                }
                if !cutoffs.contains(Int(value)) { cutoffs.append(Int(value)) }
            }
            guard !cutoffs.isEmpty else { throw evaluationTable.error(at: "cutoffs", "cutoffs must not be empty") }
        }
        let metricNodes = try evaluationTable.optional("metrics", \.arrayValue, "an array of metric names")
        var metrics: [RankingMetric] = []
        var ratingMetrics: [RatingMetric] = []
        let names = isRating ? RatingMetric.allCases.map(\.rawValue) : RankingMetric.allCases.map(\.rawValue)
        for node in metricNodes ?? [] {
            guard let text = node.value.stringValue, names.contains(text.lowercased()) else {
                var message = "unknown \(isRating ? "rating" : "ranking") metric \(node.value.stringValue.map { "\"\($0)\"" } ?? node.value.typeName)"
                if let text = node.value.stringValue, let guess = Suggest.closest(to: text, among: names) {
                    message += " (did you mean \"\(guess)\"?)"
                }
                throw ExperimentError(file: path, position: node.position, message: message + "; known: \(names.joined(separator: ", "))")
            }
            if let metric = RankingMetric(rawValue: text.lowercased()), !metrics.contains(metric) { metrics.append(metric) }
            if let metric = RatingMetric(rawValue: text.lowercased()), !ratingMetrics.contains(metric) { ratingMetrics.append(metric) }
        }
        if metricNodes == nil {
            // The six classic top-K metrics (DESIGN §7); f1 and auc are asked for by name.
            if isRating { ratingMetrics = RatingMetric.allCases } else { metrics = [.precision, .recall, .ndcg, .hr, .map, .mrr] }
        }
        guard !(metrics.isEmpty && ratingMetrics.isEmpty) else { throw evaluationTable.error(at: "metrics", "metrics must not be empty") }
        var ratingScale: ClosedRange<Float> = 1...5
        if let scaleNodes = try evaluationTable.optional("rating_scale", \.arrayValue, "an array [low, high]") {
            guard scaleNodes.count == 2, let low = scaleNodes[0].value.doubleValue, let high = scaleNodes[1].value.doubleValue, low < high else {
                throw evaluationTable.error(at: "rating_scale", "rating_scale must be [low, high] with low < high")
            }
            ratingScale = Float(low)...Float(high)
        }
        var unknownPairs = RatingEvaluator.UnknownPairs.mean
        if let policy = try evaluationTable.optional("unknown_pairs", \.stringValue, "a string") {
            guard isRating else { throw evaluationTable.error(at: "unknown_pairs", "unknown_pairs applies to the rating protocol only") }
            try evaluationTable.check("unknown_pairs", policy, in: RatingEvaluator.UnknownPairs.allCases.map(\.rawValue))
            unknownPairs = RatingEvaluator.UnknownPairs(rawValue: policy)!
        }
        let selectBy = try evaluationTable.optional("select_by", \.stringValue, "a metric such as \"ndcg@10\"")
        let selectByError = evaluationTable.error(at: "select_by", "")
        let genreFilter = try parseGenres(&evaluationTable, path: path, isRating: isRating, sampled: sampled != nil)
        try evaluationTable.finish()
        let evaluatedKeys = MetricKey.keys(metrics: metrics, cutoffs: cutoffs)
        /// A metric of this experiment by its label ("ndcg@10"), or a located error.
        func metricKey(_ name: String, _ at: ExperimentError, _ key: String) throws -> MetricKey {
            if let found = evaluatedKeys.first(where: { $0.description == name.lowercased() }) { return found }
            var message = "\(key) \"\(name)\" is not evaluated by this experiment"
            if let guess = Suggest.closest(to: name, among: evaluatedKeys.map(\.description)) { message += " (did you mean \"\(guess)\"?)" }
            return try { throw ExperimentError(file: at.file, line: at.line, column: at.column,
                                               message: message + "; it evaluates: \(evaluatedKeys.map(\.description).joined(separator: ", "))") }()
        }

        guard let modelsNode = top.take("models") else {
            throw ExperimentError(file: path, line: nil, column: nil,
                                  message: "no [[models]] declared; add at least one, e.g.\n  [[models]]\n  plugin = \"Popularity\"")
        }
        guard case .array(let modelNodes) = modelsNode.node.value, !modelNodes.isEmpty else {
            throw ExperimentError(file: path, position: modelsNode.keyPosition, message: "models must be an array of tables ([[models]])")
        }
        var models: [ModelSpec] = []
        // Early stopping names a metric that is checked against [evaluation] once all is read.
        var earlyStoppingDrafts: [(model: Int, metric: String?, at: ExperimentError, patience: Int, every: Int)] = []
        // Components may name models declared later in the file: resolved once all are read.
        var componentDrafts: [(model: Int, entry: TOMLEntry)] = []
        for node in modelNodes {
            guard case .table(let table) = node.value else {
                throw ExperimentError(file: path, position: node.position, message: "each models entry must be a table ([[models]])")
            }
            var model = StrictTable(table, path: path, context: "[[models]]")
            let plugin = try model.required("plugin", \.stringValue, "a string")
            let label = try model.optional("label", \.stringValue, "a string") ?? plugin
            if models.contains(where: { $0.label == label }) {
                throw model.error(at: model.has("label") ? "label" : "plugin",
                                  "two models are labelled \"\(label)\"; give each a distinct label = \"...\"")
            }
            let ownSeed = try model.optionalSeed("seed")
            var params: [String: ParameterValue] = [:]
            var positions: [String: TOMLPosition] = [:]
            func scalar(_ node: TOMLNode, _ name: String) throws -> ParameterValue {
                try scalarParameter(node, name, path: path)
            }
            if let paramsTable = try model.optional("params", \.tableValue, "a table") {
                for entry in paramsTable.entries {
                    positions[entry.key] = entry.keyPosition
                    params[entry.key] = try scalar(entry.node, entry.key)
                }
            }
            var spec = ModelSpec(plugin: plugin, label: label, seed: ownSeed ?? seed, params: params,
                                 position: table.position, paramPositions: positions)
            spec.hasOwnSeed = ownSeed != nil
            if let gridTable = try model.optional("grid", \.tableValue, "a table of parameter = [values]") {
                for entry in gridTable.entries {
                    guard case .array(let nodes) = entry.node.value, !nodes.isEmpty else {
                        throw ExperimentError(file: path, position: entry.node.position,
                                              message: "grid parameter \"\(entry.key)\" must be a non-empty array of values to try")
                    }
                    guard params[entry.key] == nil else {
                        throw ExperimentError(file: path, position: entry.keyPosition,
                                              message: "\"\(entry.key)\" is both fixed in [models.params] and searched in [models.grid]; keep one")
                    }
                    spec.paramPositions[entry.key] = entry.keyPosition
                    spec.grid.append((entry.key, try nodes.map { try scalar($0, entry.key) }))
                }
            }
            if let randomTable = try model.optional("random", \.tableValue, "a table") {
                guard spec.grid.isEmpty else {
                    throw model.error(at: "random", "a model takes [models.grid] or [models.random], not both")
                }
                var domains: [(String, RandomSearch.Domain)] = []
                var draws: Int?
                var searchSeed = ownSeed ?? seed
                for entry in randomTable.entries {
                    switch (entry.key, entry.node.value) {
                    case ("draws", .integer(let n)) where n >= 1 && n <= 10_000: draws = Int(n)
                    case ("draws", _):
                        throw ExperimentError(file: path, position: entry.node.position, message: "draws must be an integer from 1 to 10000")
                    case ("seed", .integer(let n)) where n >= 0: searchSeed = UInt64(n)
                    case ("seed", _):
                        throw ExperimentError(file: path, position: entry.node.position, message: "seed must be a non-negative integer")
                    case (let name, .array(let nodes)) where !nodes.isEmpty:
                        domains.append((name, .choice(try nodes.map { try scalar($0, name) })))
                        spec.paramPositions[name] = entry.keyPosition
                    case (let name, .table(let range)):
                        var rangeTable = StrictTable(range, path: path, context: "the range of \"\(name)\"")
                        let low = try rangeTable.required("min", \.doubleValue, "a number")
                        let high = try rangeTable.required("max", \.doubleValue, "a number")
                        let log = try rangeTable.optional("log", \.boolValue, "a boolean") ?? false
                        let integer = try rangeTable.optional("integer", \.boolValue, "a boolean") ?? false
                        try rangeTable.finish()
                        guard low < high, !log || low > 0 else {
                            throw ExperimentError(file: path, position: entry.node.position,
                                                  message: "the range of \"\(name)\" needs min < max\(log ? " and min > 0 (log scale)" : "")")
                        }
                        domains.append((name, .range(low: low, high: high, log: log, integer: integer)))
                        spec.paramPositions[name] = entry.keyPosition
                    default:
                        throw ExperimentError(file: path, position: entry.node.position,
                                              message: "[models.random] \"\(entry.key)\" must be a range { min = …, max = …, log = true } or a non-empty array of choices (or draws = N, seed = N)")
                    }
                    if params[entry.key] != nil, entry.key != "draws", entry.key != "seed" {
                        throw ExperimentError(file: path, position: entry.keyPosition,
                                              message: "\"\(entry.key)\" is both fixed in [models.params] and searched in [models.random]; keep one")
                    }
                }
                guard let draws else { throw model.error(at: "random", "[models.random] needs draws = N (how many points to try)") }
                guard !domains.isEmpty else { throw model.error(at: "random", "[models.random] names no parameter to search") }
                spec.random = RandomSearch(draws: draws, seed: searchSeed, domains: domains)
            }
            if let stoppingTable = try model.optional("early_stopping", \.tableValue, "a table") {
                var stopping = StrictTable(stoppingTable, path: path, context: "[models.early_stopping]")
                let metricName = try stopping.optional("metric", \.stringValue, "a metric such as \"mrr@10\"")
                let patience = try stopping.optional("patience", \.integerValue, "a positive integer") ?? 10
                let every = try stopping.optional("every", \.integerValue, "a positive integer") ?? 1
                guard patience >= 1 else { throw stopping.error(at: "patience", "patience must be at least 1") }
                guard every >= 1 else { throw stopping.error(at: "every", "every must be at least 1") }
                try stopping.finish()
                earlyStoppingDrafts.append((models.count, metricName, stopping.error(at: "metric", ""), Int(patience), Int(every)))
            }
            if let curveTable = try model.optional("learning_curve", \.tableValue, "a table") {
                var curve = StrictTable(curveTable, path: path, context: "[models.learning_curve]")
                let metricName = try curve.required("metric", \.stringValue, "a metric this file evaluates, such as \"recall@20\"")
                let every = try curve.optional("every", \.integerValue, "a positive integer") ?? 1
                guard every >= 1 else { throw curve.error(at: "every", "every must be at least 1") }
                guard !isRating else {
                    throw curve.error(at: "metric", "a learning curve needs a ranking protocol; this experiment uses \(evaluationProtocol)")
                }
                guard earlyStoppingDrafts.last?.model != models.count else {
                    throw curve.error(at: "metric", "a model takes [models.early_stopping] or [models.learning_curve], not both: early stopping already records its validation metric per epoch")
                }
                spec.learningCurve = LearningCurve(metric: try metricKey(metricName, curve.error(at: "metric", ""), "learning_curve metric"),
                                                   every: Int(every))
                try curve.finish()
            }
            if let entry = model.take("components") {
                componentDrafts.append((models.count, entry))
                spec.declaresComponents = true
            }
            try model.finish()
            models.append(spec)
        }
        for (index, entry) in componentDrafts {
            models[index].components = try parseComponents(entry, of: models[index], among: models, path: path)
        }

        // Selection and early stopping need a validation part and a ranking protocol.
        var selectionMetric: MetricKey?
        let searching = models.contains(where: \.hasSearch) || !earlyStoppingDrafts.isEmpty
        if searching || selectBy != nil {
            guard !isRating else {
                throw selectByError.with(message: "search, selection and early stopping work with ranking protocols; this experiment uses \(evaluationProtocol)")
            }
            var fileGivesValidation = false
            if case .partsFile(let partsPath, _) = method { fileGivesValidation = SplitPartsFile.hasValidation(path: partsPath) }
            guard validation != nil || fileGivesValidation else {
                throw ExperimentError(file: path, line: nil, column: nil,
                                      message: "a model searches parameters or stops early, which needs a validation part: add [split.validation], e.g.\n  [split.validation]\n  method = \"user-holdout\"\n  test_fraction = 0.1")
            }
            if let selectBy {
                selectionMetric = try metricKey(selectBy, selectByError, "select_by")
            } else {
                selectionMetric = evaluatedKeys.first { $0.metric == .ndcg } ?? evaluatedKeys.first { $0.cutoff > 0 }
            }
        }
        for draft in earlyStoppingDrafts {
            let metric = try draft.metric.map { try metricKey($0, draft.at, "early_stopping metric") } ?? selectionMetric!
            models[draft.model].earlyStopping = EarlyStopping(metric: metric, patience: draft.patience, every: draft.every)
        }

        var references: [Reference] = []
        if let referenceNode = top.take("reference") {
            guard case .array(let nodes) = referenceNode.node.value else {
                throw ExperimentError(file: path, position: referenceNode.keyPosition, message: "reference must be an array of tables ([[reference]])")
            }
            let evaluated = isRating ? ratingMetrics.map(\.rawValue)
                : MetricKey.keys(metrics: metrics, cutoffs: cutoffs).map(\.description)
            for node in nodes {
                guard case .table(let table) = node.value else {
                    throw ExperimentError(file: path, position: node.position, message: "each reference must be a table ([[reference]])")
                }
                var reference = StrictTable(table, path: path, context: "[[reference]]")
                let model = try reference.required("model", \.stringValue, "a model label")
                guard models.contains(where: { $0.label == model }) else {
                    var message = "reference to model \"\(model)\", which is not a label in this file"
                    if let guess = Suggest.closest(to: model, among: models.map(\.label)) { message += " (did you mean \"\(guess)\"?)" }
                    throw reference.error(at: "model", message)
                }
                let metric = try reference.required("metric", \.stringValue, "a metric such as \"rmse\" or \"ndcg@10\"").lowercased()
                guard evaluated.contains(metric) else {
                    throw reference.error(at: "metric", "reference metric \"\(metric)\" is not evaluated by this experiment; it evaluates: \(evaluated.joined(separator: ", "))")
                }
                let value = try reference.required("value", \.doubleValue, "a number")
                let tolerance = try reference.required("tolerance", \.doubleValue, "a number")
                guard tolerance >= 0 else { throw reference.error(at: "tolerance", "tolerance must not be negative") }
                let source = try reference.optional("source", \.stringValue, "a string") ?? ""
                try reference.finish()
                references.append(Reference(model: model, metric: metric, value: value, tolerance: tolerance, source: source))
            }
        }
        var timingReferences: [TimingReference] = []
        if let timingNode = top.take("timing_reference") {
            guard case .array(let nodes) = timingNode.node.value else {
                throw ExperimentError(file: path, position: timingNode.keyPosition, message: "timing_reference must be an array of tables ([[timing_reference]])")
            }
            for node in nodes {
                guard case .table(let table) = node.value else {
                    throw ExperimentError(file: path, position: node.position, message: "each timing_reference must be a table ([[timing_reference]])")
                }
                var timing = StrictTable(table, path: path, context: "[[timing_reference]]")
                let model = try timing.required("model", \.stringValue, "a model label")
                guard models.contains(where: { $0.label == model }) else {
                    throw timing.error(at: "model", "timing reference to model \"\(model)\", which is not a label in this file")
                }
                let seconds = try timing.required("seconds", \.doubleValue, "a number of seconds")
                guard seconds > 0 else { throw timing.error(at: "seconds", "seconds must be positive") }
                let target = try timing.optional("target_speedup", \.doubleValue, "a number") ?? 1
                let source = try timing.optional("source", \.stringValue, "a string") ?? ""
                try timing.finish()
                timingReferences.append(TimingReference(model: model, seconds: seconds, targetSpeedup: target, source: source))
            }
        }
        try top.finish()

        var file = ExperimentFile(
            path: path, text: text, name: name, description: description, seed: seed,
            dataset: datasetSpec,
            split: SplitSpec(method: method, seed: splitSeed, validation: validation, repeats: repeats),
            evaluation: EvaluationSpec(evaluationProtocol: evaluationProtocol, cutoffs: cutoffs, metrics: metrics,
                                       ratingMetrics: ratingMetrics, ratingScale: ratingScale, unknownPairs: unknownPairs),
            models: models, references: references, timingReferences: timingReferences)
        file.runTimeLimit = timeLimit
        file.runMemoryLimitMB = Int(memoryLimit)
        file.seeds = seeds.isEmpty ? [seed] : seeds
        file.evaluation.selectionMetric = selectionMetric
        file.evaluation.sampled = sampled
        file.evaluation.userActivityBuckets = sliceBuckets.users
        file.evaluation.itemPopularityBuckets = sliceBuckets.items
        file.evaluation.genres = genreFilter?.genres ?? []
        file.evaluation.genresPosition = genreFilter?.position
        return file
    }

    /// What `protocols` lists for the sampled protocol.
    static let sampledProtocolKey = "sampled"

    /// `protocols = ["full-ranking", "sampled"]`: the ranking protocols every run is evaluated
    /// under. Full ranking is always among them (validation, selection and early stopping use it);
    /// `protocol` and `protocols` are exclusive.
    static func parseProtocols(_ table: inout StrictTable, path: String, single: String?) throws -> [String] {
        guard let nodes = try table.optional("protocols", \.arrayValue, "an array of protocol names") else { return [] }
        if single != nil {
            throw table.error(at: "protocols", "give either protocol or protocols, not both")
        }
        let known = [RankingEvaluator.protocolName, sampledProtocolKey]
        var names: [String] = []
        for node in nodes {
            guard let name = node.value.stringValue, known.contains(name) else {
                var message = "unknown protocol \(node.value.stringValue.map { "\"\($0)\"" } ?? node.value.typeName) in protocols"
                if let text = node.value.stringValue, let guess = Suggest.closest(to: text, among: known) { message += " (did you mean \"\(guess)\"?)" }
                throw ExperimentError(file: path, position: node.position, message: message + "; known: \(known.joined(separator: ", "))")
            }
            if !names.contains(name) { names.append(name) }
        }
        guard names.contains(RankingEvaluator.protocolName) else {
            throw table.error(at: "protocols", "protocols must include \"full-ranking\": the sampled protocol is evaluated beside it, not instead of it")
        }
        return names
    }

    /// `[evaluation.slices]`: `user_activity` and `item_popularity`, each an array of strictly
    /// ascending positive bucket edges (defaults `EvaluationSlices.default…`).
    static func parseSlices(_ table: inout StrictTable, path: String, isRating: Bool)
        throws -> (users: SliceBuckets, items: SliceBuckets) {
        var users = EvaluationSlices.defaultUserActivity, items = EvaluationSlices.defaultItemPopularity
        guard let entry = table.take("slices") else { return (users, items) }
        guard !isRating else { throw table.error(at: "slices", "slices apply to ranking protocols") }
        guard case .table(let inner) = entry.node.value else {
            throw table.error(at: "slices", "slices must be a table ([evaluation.slices])")
        }
        var slices = StrictTable(inner, path: path, context: "[evaluation.slices]")
        for (key, target) in [("user_activity", 0), ("item_popularity", 1)] {
            guard let nodes = try slices.optional(key, \.arrayValue, "an array of ascending positive integers") else { continue }
            let edges = nodes.compactMap { $0.value.integerValue }.map(Int.init)
            guard edges.count == nodes.count, !edges.isEmpty, edges.allSatisfy({ $0 > 0 }),
                  zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw slices.error(at: key, "\(key) must be a non-empty array of strictly ascending positive integers (bucket edges, e.g. [1, 5, 20])")
            }
            if target == 0 { users = SliceBuckets(edges: edges) } else { items = SliceBuckets(edges: edges) }
        }
        try slices.finish()
        return (users, items)
    }

    /// `[evaluation.sampled]`: negatives (default 100), sampler ("uniform" or "popularity", default
    /// uniform), seed (default [experiment].seed). Allowed only when `protocols` lists "sampled".
    static func parseSampled(_ table: inout StrictTable, path: String, listed: Bool, seed: UInt64) throws -> SampledProtocol? {
        var settings = SampledProtocol(negatives: 100, sampler: .uniform, seed: seed)
        if let entry = table.take("sampled") {
            guard listed else {
                throw table.error(at: "sampled", "[evaluation.sampled] needs protocols = [\"full-ranking\", \"sampled\"] in [evaluation]")
            }
            guard case .table(let inner) = entry.node.value else {
                throw table.error(at: "sampled", "sampled must be a table ([evaluation.sampled])")
            }
            var sampledTable = StrictTable(inner, path: path, context: "[evaluation.sampled]")
            if let negatives = try sampledTable.optional("negatives", \.integerValue, "a positive integer") {
                guard (1...100_000).contains(negatives) else {
                    throw sampledTable.error(at: "negatives", "negatives must be between 1 and 100000, got \(negatives)")
                }
                settings.negatives = Int(negatives)
            }
            if let sampler = try sampledTable.optional("sampler", \.stringValue, "a string") {
                try sampledTable.check("sampler", sampler, in: SampledProtocol.Sampler.allCases.map(\.rawValue))
                settings.sampler = SampledProtocol.Sampler(rawValue: sampler)!
            }
            settings.seed = try sampledTable.optionalSeed("seed") ?? seed
            try sampledTable.finish()
        }
        return listed ? settings : nil
    }
}

extension ExperimentFile {
    /// The `method` key of [split] or [split.validation] and the keys that method takes.
    static func parseSplitMethod(_ table: inout StrictTable, datasetName: String, validation: Bool, experimentPath: String) throws -> SplitSpec.Method {
        let methodName = try table.required("method", \.stringValue, "a string")
        try table.check("method", methodName, in: knownSplits)
        let method: SplitSpec.Method
        if validation, ["kfold", "user-kfold", "predefined", SplitPartsFile.kind].contains(methodName) {
            throw table.error(at: "method", "[split.validation] takes a single-split method (user-holdout, random-holdout, stratified, temporal, user-temporal, leave-one-out), not \(methodName)")
        }
        switch methodName {
        case "user-holdout":
            let rounding = try table.optional("rounding", \.stringValue, "\"nearest\" or \"down\"") ?? "nearest"
            try table.check("rounding", rounding, in: UserHoldoutSplitter.Rounding.allCases.map(\.rawValue))
            let of = try table.optional("fraction_of", \.stringValue, "\"part\" or \"all\"") ?? "part"
            try table.check("fraction_of", of, in: ["part", "all"])
            method = .userHoldout(testFraction: try table.fraction("test_fraction", required: true)!,
                                  rounding: UserHoldoutSplitter.Rounding(rawValue: rounding)!, fractionOfAll: of == "all")
        case "kfold", "user-kfold":
            let folds = try table.required("folds", \.integerValue, "an integer")
            guard folds >= 2, folds <= 100 else { throw table.error(at: "folds", "folds must be between 2 and 100, got \(folds)") }
            method = methodName == "kfold" ? .kFold(folds: Int(folds)) : .userKFold(folds: Int(folds))
        case "random-holdout":
            method = .randomHoldout(testFraction: try table.fraction("test_fraction", required: true)!)
        case "stratified":
            let by = try table.optional("by", \.stringValue, "\"item\" or \"user\"") ?? "item"
            try table.check("by", by, in: ["item", "user"])
            let shuffle = try table.optional("shuffle", \.stringValue, "\"per-group\" or \"numpy\"") ?? "per-group"
            try table.check("shuffle", shuffle, in: ["per-group", "numpy"])
            method = .stratified(byItem: by == "item", trainRatio: try table.fraction("train_ratio", required: true)!,
                                 numpyShuffle: shuffle == "numpy")
        case "temporal":
            let fraction = try table.fraction("test_fraction", required: false)
            let cutoff = try table.optional("cutoff", \.integerValue, "a Unix timestamp")
            guard (fraction == nil) != (cutoff == nil) else {
                throw table.error(at: fraction == nil ? "method" : "cutoff", "temporal takes exactly one of test_fraction and cutoff")
            }
            method = .temporal(testFraction: fraction, cutoff: cutoff)
        case "user-temporal":
            let fraction = try table.fraction("test_fraction", required: false)
            let count = try table.optional("test_count", \.integerValue, "a positive integer")
            guard (fraction == nil) != (count == nil) else {
                throw table.error(at: fraction == nil ? "method" : "test_count", "user-temporal takes exactly one of test_fraction and test_count")
            }
            if let count, count < 1 { throw table.error(at: "test_count", "test_count must be at least 1") }
            method = .userTemporal(testFraction: fraction, testCount: count.map(Int.init))
        case "leave-one-out":
            let pick = try table.optional("pick", \.stringValue, "\"last\" or \"random\"") ?? "last"
            try table.check("pick", pick, in: ["last", "random"])
            method = .leaveOneOut(random: pick == "random")
        case SplitPartsFile.kind:
            let written = try table.required("file", \.stringValue, "a path (relative to the experiment file's folder)")
            let folder = URL(fileURLWithPath: experimentPath).deletingLastPathComponent()
            let resolved = written.hasPrefix("/") ? written : folder.appendingPathComponent(written).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: resolved) else {
                throw table.error(at: "file", "split parts file \(resolved) does not exist (paths are relative to the experiment file's folder)")
            }
            method = .partsFile(path: resolved, written: written)
        default:
            let fixed = DatasetRegistry.named(datasetName)?.hasFixedSplit == true
            if fixed {
                if table.has("set") {
                    throw table.error(at: "set", "\(datasetName) ships exactly one train/test split; leave out set")
                }
                method = .predefined(set: nil)
            } else {
                let set = try table.required("set", \.stringValue, "a string")
                guard datasetName == MovieLens100K.name else {
                    throw table.error(at: "set", "predefined sets exist for ml-100k only; \(datasetName) has none")
                }
                try table.check("set", set, in: MovieLens100KFolds.sets.keys.sorted())
                method = .predefined(set: set)
            }
        }
        return method
    }
}

/// An error in an experiment file, located as precisely as the problem allows.
public struct ExperimentError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int?, column: Int?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public init(file: String, position: TOMLPosition, message: String) {
        self.init(file: file, line: position.line, column: position.column, message: message)
    }

    /// The same location with another message.
    func with(message: String) -> ExperimentError { ExperimentError(file: file, line: line, column: column, message: message) }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(message)"
    }
}

/// A TOML table read strictly: every key must be consumed, and leftovers are reported with a
/// suggestion from the keys this table accepts.
struct StrictTable {
    let table: TOMLTable
    let path: String
    let context: String
    private var consumed: [String] = []
    private var accepted: [String] = []

    init(_ table: TOMLTable, path: String, context: String) {
        self.table = table
        self.path = path
        self.context = context
    }

    func has(_ key: String) -> Bool { table[key] != nil }

    mutating func take(_ key: String) -> TOMLEntry? {
        accepted.append(key)
        guard let entry = table.entry(key) else { return nil }
        consumed.append(key)
        return entry
    }

    mutating func optional<T>(_ key: String, _ extract: (TOMLValue) -> T?, _ expected: String) throws -> T? {
        guard let entry = take(key) else { return nil }
        guard let value = extract(entry.node.value) else {
            throw ExperimentError(file: path, position: entry.node.position,
                                  message: "\(key) must be \(expected), not \(entry.node.value.typeName)")
        }
        return value
    }

    mutating func required<T>(_ key: String, _ extract: (TOMLValue) -> T?, _ expected: String) throws -> T {
        guard let value = try optional(key, extract, expected) else {
            try reportTypo(of: key)
            throw ExperimentError(file: path, line: table.position.line, column: table.position.column,
                                  message: "\(context) is missing the required key \"\(key)\" (\(expected))")
        }
        return value
    }

    mutating func requiredTable(_ key: String) throws -> StrictTable {
        guard let entry = take(key) else {
            try reportTypo(of: key)
            throw ExperimentError(file: path, line: nil, column: nil, message: "missing required table [\(key)]")
        }
        guard case .table(let table) = entry.node.value else {
            throw ExperimentError(file: path, position: entry.keyPosition, message: "\(key) must be a table ([\(key)])")
        }
        return StrictTable(table, path: path, context: "[\(key)]")
    }

    mutating func optionalSeed(_ key: String) throws -> UInt64? {
        guard let value = try optional(key, \.integerValue, "a non-negative integer") else { return nil }
        guard value >= 0 else { throw error(at: key, "\(key) must be a non-negative integer, got \(value)") }
        return UInt64(value)
    }

    /// A number strictly between 0 and 1.
    mutating func fraction(_ key: String, required: Bool) throws -> Double? {
        let value = required ? try self.required(key, \.doubleValue, "a number") : try optional(key, \.doubleValue, "a number")
        if let value, !(value > 0 && value < 1) {
            throw error(at: key, "\(key) must be between 0 and 1 (exclusive), got \(value)")
        }
        return value
    }

    func check(_ key: String, _ value: String, in known: [String]) throws {
        guard !known.contains(value) else { return }
        var message = "unknown \(key) \"\(value)\""
        if let guess = Suggest.closest(to: value, among: known) { message += " (did you mean \"\(guess)\"?)" }
        throw error(at: key, message + "; this version knows: \(known.joined(separator: ", "))")
    }

    func error(at key: String, _ message: String) -> ExperimentError {
        let position = table[key]?.position ?? table.position
        return ExperimentError(file: path, position: position, message: message)
    }

    /// A required key is missing: if a leftover key looks like a misspelling of it, that is the
    /// real mistake, so say so at the misspelling's position.
    private func reportTypo(of key: String) throws {
        for entry in table.entries where !consumed.contains(entry.key) && Suggest.closest(to: entry.key, among: [key]) != nil {
            throw ExperimentError(file: path, position: entry.keyPosition,
                                  message: "unknown key \"\(entry.key)\" in \(context) (did you mean \"\(key)\"?)")
        }
    }

    /// Fails on the first key nobody asked for.
    func finish() throws {
        for entry in table.entries where !consumed.contains(entry.key) {
            var message = "unknown key \"\(entry.key)\" in \(context)"
            if let guess = Suggest.closest(to: entry.key, among: accepted) {
                message += " (did you mean \"\(guess)\"?)"
            } else {
                message += "; allowed here: \(accepted.joined(separator: ", "))"
            }
            throw ExperimentError(file: path, position: entry.keyPosition, message: message)
        }
    }
}
