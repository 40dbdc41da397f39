import RecMath

// The splitter vocabulary shared by every splitter: the `Splitter` protocol, the `SplitSpec` that
// names a split for caching, the three-way split with a validation part carved out of train, and
// the grouping helpers. The splitters themselves are in RandomSplitters.swift and
// TemporalSplitters.swift.
//
// Every splitter starts from a canonical order of the rows it groups (never from file order, except
// as the last tie-break between otherwise identical rows), draws all randomness from
// `SeededGenerator`, and returns sorted interaction indices.

/// Whether a splitter promises that test comes after train in time, which decides what `SplitLint`
/// reports as leakage.
public enum TemporalScope: String, Sendable, Hashable {
    /// No promise: test events earlier than train events are expected.
    case none
    /// Every test event is at or after the latest train event of the whole dataset.
    case global
    /// Every test event of a user is at or after that user's latest train event.
    case perUser = "per-user"
}

/// Something that cuts a dataset's interactions into one train/test split.
public protocol Splitter: Sendable {
    /// The name and parameters of the split, for `Split.method` and cache keys.
    var spec: SplitSpec { get }
    /// What the split promises about time; `.none` unless the splitter is temporal.
    var temporalScope: TemporalScope { get }
    func split(_ dataset: Dataset) -> Split
    /// Carves a validation part out of `split`'s train part (`Dataset.validation(from:using:)`).
    func carveValidation(from split: Split, in dataset: Dataset) -> ThreeWaySplit
}

extension Splitter {
    public var temporalScope: TemporalScope { .none }

    /// By default the splitter cuts the train rows as if they were the whole dataset.
    public func carveValidation(from split: Split, in dataset: Dataset) -> ThreeWaySplit {
        let rows = split.train.sorted()
        return ThreeWaySplit(carving: self.split(dataset.keepingRows(rows)), from: rows, of: split)
    }
}

extension ThreeWaySplit {
    /// `inner` is a split of the rows `rows` (its indices point into `rows`) of `outer`'s train part.
    init(carving inner: Split, from rows: [Int], of outer: Split) {
        self.init(train: inner.train.map { rows[$0] }.sorted(), validation: inner.test.map { rows[$0] }.sorted(), test: outer.test,
                  method: "\(outer.method) + validation \(inner.description)", part: outer.part)
    }
}

/// Something that cuts a dataset's interactions into several train/test splits (folds).
public protocol FoldSplitter: Sendable {
    var spec: SplitSpec { get }
    var foldCount: Int { get }
    func split(_ dataset: Dataset) -> [Split]
}

extension UserHoldoutSplitter: Splitter {
    /// The keys `rounding` and `fraction_of` appear only when they differ from the defaults, so
    /// specs (and cache keys) of splits made before they existed are unchanged.
    public var spec: SplitSpec {
        var parameters = ["test_fraction": "\(testFraction)", "seed": "\(seed)"]
        if rounding != .nearest { parameters["rounding"] = rounding.rawValue }
        if fractionOfAll { parameters["fraction_of"] = "all" }
        return SplitSpec("user-holdout", parameters, order: ["test_fraction", "rounding", "fraction_of", "seed"])
    }

    /// With `fractionOfAll`, each user's count is a fraction of their train and test interactions
    /// together, so validation and test can both be ⌊0.1·n⌋ of the same n.
    public func carveValidation(from split: Split, in dataset: Dataset) -> ThreeWaySplit {
        let rows = split.train.sorted()
        var totals: [Int]?
        if fractionOfAll {
            var counts = [Int](repeating: 0, count: dataset.userCount)
            for row in split.train { counts[Int(dataset.users[row])] += 1 }
            for row in split.test { counts[Int(dataset.users[row])] += 1 }
            totals = counts
        }
        return ThreeWaySplit(carving: self.split(dataset.keepingRows(rows), totals: totals), from: rows, of: split)
    }
}

extension KFoldSplitter: FoldSplitter {
    public var spec: SplitSpec { SplitSpec("kfold", ["folds": "\(folds)", "seed": "\(seed)"], order: ["folds", "seed"]) }
    public var foldCount: Int { folds }
}

/// One fold (1-based) of a fold splitter, so that a fold can be cached on its own or used to carve
/// a validation part. It computes every fold and keeps one.
public struct SingleFold<Base: FoldSplitter>: Splitter {
    public var base: Base
    public var fold: Int

    public init(_ base: Base, fold: Int) {
        precondition((1...base.foldCount).contains(fold), "fold must be in 1...\(base.foldCount)")
        self.base = base
        self.fold = fold
    }

    public var spec: SplitSpec {
        var spec = base.spec
        spec.fold = (fold, base.foldCount)
        return spec
    }

    public func split(_ dataset: Dataset) -> Split { base.split(dataset)[fold - 1] }
}

// MARK: - Split spec

/// The name and parameters of a split, with a canonical string whose SHA-256 identifies it.
///
/// `canonical` is `kind(key=value,...)` with the parameters sorted by key and no spaces, then
/// `[fold=i/k]` for one fold of k, then `;validation=` and the validation part's own canonical
/// string. `description` is the human form used as `Split.method`: parameters in their declared
/// order separated by ", " (`user-holdout(test_fraction=0.2, seed=42)`). Kinds and keys are
/// lowercase letters, digits, `_` and `-`; values may not contain `(),=;[]` or spaces.
public struct SplitSpec: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var parameters: [String: String]
    /// The order of the keys in `description` (keys not listed come after, sorted).
    public var order: [String]
    /// Which fold of how many, for one fold of a fold splitter.
    public var fold: (index: Int, of: Int)?
    /// The spec of the validation part carved out of train, if any.
    public var validation: SplitSpec? {
        get { validationStorage.first }
        set { validationStorage = newValue.map { [$0] } ?? [] }
    }
    private var validationStorage: [SplitSpec] = []

    public init(_ kind: String, _ parameters: [String: String] = [:], order: [String] = []) {
        precondition(!kind.isEmpty && kind.allSatisfy(Self.isNameCharacter), "invalid split kind \(kind)")
        for (key, value) in parameters {
            precondition(!key.isEmpty && key.allSatisfy(Self.isNameCharacter), "invalid parameter name \(key)")
            precondition(!value.isEmpty && !value.contains(where: { "(),=;[] \t\n".contains($0) }),
                         "invalid value \(value) for \(key)")
        }
        self.kind = kind
        self.parameters = parameters
        self.order = order
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c == "_" || c == "-" || ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }

    private var orderedKeys: [String] {
        let declared = order.filter { parameters[$0] != nil }
        return declared + parameters.keys.filter { !declared.contains($0) }.sorted()
    }

    public var canonical: String {
        var text = kind + "(" + parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: ",") + ")"
        if let fold { text += "[fold=\(fold.index)/\(fold.of)]" }
        if let validation { text += ";validation=" + validation.canonical }
        return text
    }

    /// The human form of kind and parameters alone, as `Split.method`.
    public var method: String {
        kind + "(" + orderedKeys.map { "\($0)=\(parameters[$0]!)" }.joined(separator: ", ") + ")"
    }

    /// Which fold, as `Split.part` ("fold 2/5"), nil for a single split.
    public var part: String? { fold.map { "fold \($0.index)/\($0.of)" } }

    public var description: String {
        var text = method
        if let part { text += " " + part }
        if let validation { text += " + validation " + validation.description }
        return text
    }

    /// SHA-256 of `"recbench-split-spec-v1\n" + canonical`.
    public var sha256: String { SHA256.hex("recbench-split-spec-v1\n" + canonical) }

    public static func == (a: SplitSpec, b: SplitSpec) -> Bool { a.canonical == b.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
}

// MARK: - Three-way split

/// A train/validation/test partition by interaction index (each part sorted). A split without a
/// validation part has `validation` empty.
public struct ThreeWaySplit: Sendable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
    /// As `Split.method`, with the validation method appended ("… + validation …").
    public var method: String
    public var part: String?

    public init(train: [Int], validation: [Int], test: [Int], method: String, part: String? = nil) {
        self.train = train
        self.validation = validation
        self.test = test
        self.method = method
        self.part = part
    }

    /// A two-way split with an empty validation part.
    public init(_ split: Split) {
        self.init(train: split.train, validation: [], test: split.test, method: split.method, part: split.part)
    }

    public var description: String { part.map { "\(method) \($0)" } ?? method }

    /// For tuning: fit on train, score on validation.
    public var tuning: Split { Split(train: train, test: validation, method: method, part: (part.map { $0 + " " } ?? "") + "validation") }
    /// For the final evaluation with validation left out of training.
    public var evaluation: Split { Split(train: train, test: test, method: method, part: part) }
    /// For the final evaluation after refitting on train and validation together.
    public var evaluationRefit: Split {
        Split(train: (train + validation).sorted(), test: test, method: method, part: part)
    }

    /// As `Split.fingerprint`; with a validation part, "recbench-split3-v1" and rows marked R, V or T.
    /// A split with an empty validation part fingerprints as the two-way split.
    public func fingerprint(of dataset: Dataset) -> String {
        if validation.isEmpty { return evaluation.fingerprint(of: dataset) }
        var rows: [(String, String, Character)] = []
        rows.reserveCapacity(train.count + validation.count + test.count)
        for (part, mark) in [(train, Character("R")), (validation, "V"), (test, "T")] {
            for k in part { rows.append((dataset.userIDs[Int(dataset.users[k])], dataset.itemIDs[Int(dataset.items[k])], mark)) }
        }
        rows.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        var hasher = SHA256()
        hasher.update("recbench-split3-v1\n")
        for row in rows { hasher.update("\(row.0)\t\(row.1)\t\(row.2)\n") }
        return hasher.hexDigest()
    }
}

extension Dataset {
    /// Carves a validation part out of `split.train` with `splitter`, which sees only the train rows
    /// (same users and items); `split.test` is untouched.
    public func validation(from split: Split, using splitter: some Splitter) -> ThreeWaySplit {
        splitter.carveValidation(from: split, in: self)
    }

    /// The given rows, in the given order, over the same users, items and side information.
    func keepingRows(_ rows: [Int]) -> Dataset {
        var result = self
        result.users = rows.map { users[$0] }
        result.items = rows.map { items[$0] }
        result.ratings = rows.map { ratings[$0] }
        result.timestamps = rows.map { timestamps[$0] }
        return result
    }
}

/// A test splitter and an optional validation splitter applied to its train part: what a cache
/// key names.
public struct SplitPlan: Sendable {
    public var test: any Splitter
    public var validation: (any Splitter)?

    public init(test: any Splitter, validation: (any Splitter)? = nil) {
        self.test = test
        self.validation = validation
    }

    public var spec: SplitSpec {
        var spec = test.spec
        spec.validation = validation?.spec
        return spec
    }

    public func split(_ dataset: Dataset) -> ThreeWaySplit {
        let split = test.split(dataset)
        guard let validation else { return ThreeWaySplit(split) }
        return dataset.validation(from: split, using: validation)
    }
}

// MARK: - Helpers

/// Round half away from zero, as `UserHoldoutSplitter`.
@inline(__always)
func roundedCount(_ count: Int, _ fraction: Double) -> Int { Int((Double(count) * fraction).rounded()) }

extension Dataset {
    /// Row indices grouped by user (or by item), each group in ascending index order.
    func rowsGrouped(byItem: Bool = false) -> [[Int]] {
        let keys = byItem ? items : users
        var groups = [[Int]](repeating: [], count: byItem ? itemCount : userCount)
        for k in 0..<interactionCount { groups[Int(keys[k])].append(k) }
        return groups
    }

    /// Ascending (timestamp, index): the time order used by every temporal splitter.
    func timeOrdered(_ rows: [Int]) -> [Int] {
        rows.sorted { (timestamps[$0], $0) < (timestamps[$1], $1) }
    }

    /// Ascending (item, timestamp, index) for a user's rows (or (user, timestamp, index) for an
    /// item's rows): the canonical starting order before a shuffle.
    func canonicalOrdered(_ rows: [Int], byItem: Bool = true) -> [Int] {
        let keys = byItem ? items : users
        return rows.sorted { (keys[$0], timestamps[$0], $0) < (keys[$1], timestamps[$1], $1) }
    }
}
