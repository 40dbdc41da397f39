import Foundation
import RecKit

/// A split method named as in experiment files (`[split] method = …`) with its options, turned
/// into the splitters of Splitters.swift, RandomSplitters.swift and TemporalSplitters.swift.
/// `recbench data split` builds one from command-line options; every rule lives in the splitters.
public enum SplitMethod: Sendable, Equatable {
    case userHoldout(testFraction: Double, rounding: UserHoldoutSplitter.Rounding = .nearest, fractionOfAll: Bool = false)
    case randomHoldout(testFraction: Double)
    case stratified(byItem: Bool, trainRatio: Double, numpyShuffle: Bool = false)
    case temporal(TemporalSplitter.Boundary)
    case userTemporal(UserTemporalSplitter.Holdout)
    case leaveOneOut(random: Bool)
    case kFold(folds: Int)
    case userKFold(folds: Int)
    /// A named set of predefined folds (MovieLens 100K's "u1-u5", "ua-ub"), or nil for the one
    /// split a dataset ships with (LightGCN's train/test).
    case predefined(set: String?)
    /// Another tool's exact split as a file of part letters (`SplitPartsFile`).
    case partsFile(path: String)

    public static let names = [
        "user-holdout", "random-holdout", "stratified", "temporal", "user-temporal", "leave-one-out", "kfold", "user-kfold", "predefined",
        SplitPartsFile.kind,
    ]

    /// The options each method takes (snake_case, as in experiment files).
    public static let options: [String: [String]] = [
        "user-holdout": ["test_fraction", "rounding", "fraction_of"], "random-holdout": ["test_fraction"], "stratified": ["by", "train_ratio", "shuffle"],
        "temporal": ["test_fraction", "cutoff"], "user-temporal": ["test_fraction", "test_count"], "leave-one-out": ["pick"],
        "kfold": ["folds"], "user-kfold": ["folds"], "predefined": ["set"], SplitPartsFile.kind: ["file"],
    ]

    /// Builds a method from its name and options given as text; a missing, unknown or malformed
    /// option is an error naming it.
    public init(name: String, options given: [String: String]) throws {
        guard let allowed = Self.options[name] else {
            var message = "unknown split method \"\(name)\""
            if let guess = Suggest.closest(to: name, among: Self.names) { message += " (did you mean \"\(guess)\"?)" }
            throw SplitMethodError(message + "; known: \(Self.names.joined(separator: ", "))")
        }
        if let stray = given.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw SplitMethodError("\(stray) does not apply to \(name), which takes \(allowed.joined(separator: ", "))")
        }
        func fraction(_ key: String) throws -> Double? {
            guard let text = given[key] else { return nil }
            guard let value = Double(text), value > 0, value < 1 else {
                throw SplitMethodError("\(key) must be a number strictly between 0 and 1, got \(text)")
            }
            return value
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = given[key] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw SplitMethodError("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(text)")
            }
            return value
        }
        func required<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw SplitMethodError("\(name) needs \(key)") }
            return value
        }
        func exactlyOne(_ a: String, _ b: String) throws {
            guard (given[a] == nil) != (given[b] == nil) else { throw SplitMethodError("\(name) takes exactly one of \(a) and \(b)") }
        }
        switch name {
        case "user-holdout":
            let rounding = given["rounding"] ?? UserHoldoutSplitter.Rounding.nearest.rawValue
            guard let rule = UserHoldoutSplitter.Rounding(rawValue: rounding) else {
                throw SplitMethodError("rounding must be \"nearest\" or \"down\", got \(rounding)")
            }
            let of = given["fraction_of"] ?? "part"
            guard of == "part" || of == "all" else { throw SplitMethodError("fraction_of must be \"part\" or \"all\", got \(of)") }
            self = .userHoldout(testFraction: try required(fraction("test_fraction"), "test_fraction"), rounding: rule, fractionOfAll: of == "all")
        case "random-holdout": self = .randomHoldout(testFraction: try required(fraction("test_fraction"), "test_fraction"))
        case "stratified":
            let by = given["by"] ?? "item"
            guard by == "item" || by == "user" else { throw SplitMethodError("by must be \"item\" or \"user\", got \(by)") }
            let shuffle = given["shuffle"] ?? StratifiedSplitter.Shuffle.perGroup.rawValue
            guard StratifiedSplitter.Shuffle(rawValue: shuffle) != nil else {
                throw SplitMethodError("shuffle must be \"per-group\" or \"numpy\", got \(shuffle)")
            }
            self = .stratified(byItem: by == "item", trainRatio: try required(fraction("train_ratio"), "train_ratio"),
                               numpyShuffle: shuffle == StratifiedSplitter.Shuffle.numpy.rawValue)
        case "temporal":
            try exactlyOne("test_fraction", "cutoff")
            if let f = try fraction("test_fraction") {
                self = .temporal(.fraction(f))
            } else {
                guard let cutoff = Int64(given["cutoff"]!) else { throw SplitMethodError("cutoff must be a Unix timestamp, got \(given["cutoff"]!)") }
                self = .temporal(.cutoff(cutoff))
            }
        case "user-temporal":
            try exactlyOne("test_fraction", "test_count")
            if let f = try fraction("test_fraction") {
                self = .userTemporal(.fraction(f))
            } else {
                self = .userTemporal(.count(try required(integer("test_count", 1...Int(Int32.max)), "test_count")))
            }
        case "leave-one-out":
            let pick = given["pick"] ?? "last"
            guard pick == "last" || pick == "random" else { throw SplitMethodError("pick must be \"last\" or \"random\", got \(pick)") }
            self = .leaveOneOut(random: pick == "random")
        case "kfold": self = .kFold(folds: try required(integer("folds", 2...100), "folds"))
        case "user-kfold": self = .userKFold(folds: try required(integer("folds", 2...100), "folds"))
        case SplitPartsFile.kind: self = .partsFile(path: try required(given["file"], "file"))
        default: self = .predefined(set: given["set"])
        }
    }

    /// Parses `kind(key=value, ...)` or a bare `kind` (the form `SplitSpec.method` prints), for a
    /// validation method given on one line: `random-holdout(test_fraction=0.1)`.
    public init(compact text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.firstIndex(of: "(") else {
            try self.init(name: trimmed, options: [:])
            return
        }
        guard trimmed.hasSuffix(")") else { throw SplitMethodError("\"\(text)\" should look like method(key=value, ...)") }
        let name = String(trimmed[..<open])
        let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        var options: [String: String] = [:]
        for part in inside.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                throw SplitMethodError("\"\(part.trimmingCharacters(in: .whitespaces))\" in \"\(text)\" is not key=value")
            }
            options[pair[0]] = pair[1]
        }
        try self.init(name: name, options: options)
    }

    /// How many splits the method makes (nil: as many as the predefined set has).
    public var foldCount: Int? {
        switch self {
        case .kFold(let k), .userKFold(let k): k
        case .predefined(let set?): MovieLens100KFolds.sets[set]?.count
        default: 1
        }
    }

    /// The single-split splitter, nil for fold and predefined methods.
    public func splitter(seed: UInt64) -> (any Splitter)? {
        switch self {
        case .userHoldout(let f, let rounding, let ofAll): UserHoldoutSplitter(testFraction: f, seed: seed, rounding: rounding, fractionOfAll: ofAll)
        case .randomHoldout(let f): RandomHoldoutSplitter(testFraction: f, seed: seed)
        case .stratified(let byItem, let ratio, let numpy):
            StratifiedSplitter(by: byItem ? .item : .user, trainRatio: ratio, seed: seed, shuffle: numpy ? .numpy : .perGroup)
        case .temporal(let boundary): TemporalSplitter(boundary)
        case .userTemporal(let holdout): UserTemporalSplitter(holdout)
        case .leaveOneOut(let random): LeaveOneOutSplitter(random ? .random(seed: seed) : .last)
        case .kFold, .userKFold, .predefined, .partsFile: nil
        }
    }

    /// The method's spec for fold `fold` (1-based) of `foldCount`.
    public func spec(seed: UInt64, fold: Int? = nil) -> SplitSpec {
        switch self {
        case .kFold(let k): return SingleFold(KFoldSplitter(folds: k, seed: seed), fold: fold ?? 1).spec
        case .userKFold(let k): return SingleFold(UserKFoldSplitter(folds: k, seed: seed), fold: fold ?? 1).spec
        case .predefined(let set):
            var spec = SplitSpec("predefined", set.map { ["set": $0] } ?? [:])
            if let fold, let count = foldCount, count > 1 { spec.fold = (fold, count) }
            return spec
        case .partsFile(let path):
            // The name only: the cache keys the file's content (its SHA-256), not where it lies.
            return SplitSpec(SplitPartsFile.kind, ["file": URL(fileURLWithPath: path).lastPathComponent])
        default: return splitter(seed: seed)!.spec
        }
    }

    /// Every split of `dataset`. Predefined folds read their files from `directory` (MovieLens
    /// 100K) or are the dataset's own `fixedSplit` (LightGCN).
    public func splits(of dataset: Dataset, seed: UInt64, fixedSplit: Split? = nil, directory: DataDirectory? = nil) throws -> [Split] {
        switch self {
        case .kFold(let k): return KFoldSplitter(folds: k, seed: seed).split(dataset)
        case .userKFold(let k): return UserKFoldSplitter(folds: k, seed: seed).split(dataset)
        case .predefined(let set?):
            guard let directory else { throw SplitMethodError("predefined set \(set) needs the data directory its files are in") }
            return try MovieLens100KFolds.load(set: set, from: directory, dataset: dataset)
        case .predefined(nil):
            guard let fixedSplit else {
                throw SplitMethodError("\(dataset.name) ships no train/test split; name a set (MovieLens 100K: u1-u5, ua-ub) or choose another method")
            }
            return [fixedSplit]
        case .partsFile(let path):
            let parts = try SplitPartsFile.load(path: path, dataset: dataset)
            guard parts.validation.isEmpty else {
                throw SplitMethodError("\(path) has a validation part (V); it makes a three-way split")
            }
            return [parts.evaluation]
        default: return [splitter(seed: seed)!.split(dataset)]
        }
    }

    /// Every split of `dataset` with a validation part carved out of each train part by
    /// `validation` (a single-split method, seeded with the same seed), and each split's spec.
    public func threeWaySplits(
        of dataset: Dataset, seed: UInt64, validation: SplitMethod? = nil, fixedSplit: Split? = nil, directory: DataDirectory? = nil
    ) throws -> [(split: ThreeWaySplit, spec: SplitSpec)] {
        let inner = try validation.map { method -> any Splitter in
            guard let splitter = method.splitter(seed: seed) else {
                throw SplitMethodError("a validation part is carved by a single-split method, not kfold, user-kfold or predefined")
            }
            return splitter
        }
        if case .partsFile(let path) = self {
            let parts = try SplitPartsFile.load(path: path, dataset: dataset)
            var spec = self.spec(seed: seed)
            guard let inner else { return [(parts, spec)] }
            guard parts.validation.isEmpty else {
                throw SplitMethodError("\(path) already has a validation part (V); leave out the validation method")
            }
            spec.validation = inner.spec
            return [(dataset.validation(from: parts.evaluation, using: inner), spec)]
        }
        let splits = try splits(of: dataset, seed: seed, fixedSplit: fixedSplit, directory: directory)
        return splits.enumerated().map { index, split in
            var spec = self.spec(seed: seed, fold: splits.count > 1 ? index + 1 : nil)
            spec.validation = inner?.spec
            return (inner.map { dataset.validation(from: split, using: $0) } ?? ThreeWaySplit(split), spec)
        }
    }

    /// Whether test is promised to come after train (for the lint).
    public var temporalScope: TemporalScope { splitter(seed: 0)?.temporalScope ?? .none }
}

public struct SplitMethodError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
