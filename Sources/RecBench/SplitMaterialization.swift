import Foundation
import RecData
import RecKit

// How the runner gets each fold's split: made once, stored in the split cache (`SplitCache`), and
// read back by key in every worker process, so a split is computed once per experiment and once
// across runs of the same experiment, never once per model.

extension ExperimentFile.SplitSpec {
    /// The file's split method as RecData's `SplitMethod`.
    public var splitMethod: SplitMethod { Self.splitMethod(method) }

    public static func splitMethod(_ method: Method) -> SplitMethod {
        switch method {
        case .userHoldout(let f, let rounding, let ofAll): .userHoldout(testFraction: f, rounding: rounding, fractionOfAll: ofAll)
        case .kFold(let k): .kFold(folds: k)
        case .predefined(let set): .predefined(set: set)
        case .randomHoldout(let f): .randomHoldout(testFraction: f)
        case .stratified(let byItem, let ratio, let numpy): .stratified(byItem: byItem, trainRatio: ratio, numpyShuffle: numpy)
        case .temporal(let f, let cutoff): .temporal(f.map { .fraction($0) } ?? .cutoff(cutoff ?? 0))
        case .userTemporal(let f, let count): .userTemporal(f.map { .fraction($0) } ?? .count(count ?? 1))
        case .leaveOneOut(let random): .leaveOneOut(random: random)
        case .userKFold(let k): .userKFold(folds: k)
        case .partsFile(let path, _): .partsFile(path: path)
        }
    }

    /// How many folds the split has (with `repeats`, one per draw).
    public var foldCount: Int { repeats > 1 ? repeats : splitMethod.foldCount ?? 1 }

    /// The seed of fold `index`'s draw: the split's seed, plus the index with `repeats`.
    public func seed(ofFold index: Int) -> UInt64 { repeats > 1 ? seed &+ UInt64(index) : seed }

    /// The cache spec of fold `index` (0-based): the method with its seed, the fold when there are
    /// several, and the validation method (the fold's seed) when there is one.
    public func cacheSpec(fold index: Int) -> RecData.SplitSpec {
        var spec: RecData.SplitSpec
        if repeats > 1 {
            // Each draw is the single split made with its own seed; its name says which draw.
            spec = splitMethod.spec(seed: seed(ofFold: index))
            spec.fold = (index + 1, repeats)
        } else {
            spec = splitMethod.spec(seed: seed, fold: foldCount > 1 ? index + 1 : nil)
        }
        spec.validation = validation.flatMap { Self.splitMethod($0).splitter(seed: seed(ofFold: index))?.spec }
        return spec
    }
}

extension ExperimentRunner {
    /// Where a worker finds its fold: the cache folder, the entry's key and the content SHA-256 the
    /// parent stored, so the worker reads exactly the rows the parent fingerprinted.
    public struct CachedSplit: Codable, Sendable {
        public var directory: String
        public var key: String
        public var contentSHA256: String
    }

    /// Every fold's split, from the split cache when it holds them, else made (all folds at once,
    /// by `splits`) and stored there. Without a cache, made in memory. Says for each fold whether
    /// it was loaded or made, and warns when a damaged entry had to be made again.
    func materializedSplits(_ file: ExperimentFile, data: LoadedData) throws -> [(split: ThreeWaySplit, cached: CachedSplit?)] {
        guard let splitCache else { return try splits(file, data: data).map { (split: $0, cached: nil) } }
        let count = file.split.foldCount
        var made: [ThreeWaySplit]?
        return try (0..<count).map { index -> (split: ThreeWaySplit, cached: CachedSplit?) in
            let entry = try splitCache.materialize(data.dataset, spec: file.split.cacheSpec(fold: index),
                                                   sourceFiles: try predefinedSourceFiles(file, data: data, fold: index)) {
                if made == nil { made = try splits(file, data: data) }
                guard let made, made.count == count else {
                    throw PluginError("the split made \(made?.count ?? 0) folds, expected \(count)")
                }
                return made[index]
            }
            let which = count > 1 ? " fold \(index + 1)/\(count)" : ""
            if let reason = entry.rebuilt {
                console.warning("the cached split\(which) at \(entry.path) was damaged and has been made again: \(reason)")
            }
            console.info("Split\(which): \(entry.reused ? "loaded from the split cache" : "made and stored in the split cache"), \(entry.path)")
            return (entry.split, CachedSplit(directory: splitCache.directory, key: entry.key, contentSHA256: entry.contentSHA256))
        }
    }

    /// The SHA-256 of the files a predefined split is read from (MovieLens 100K's `uN.base` and
    /// `uN.test`, the dataset's own files for a split it ships with, or a split parts file), so that editing them gives
    /// a new cache key; empty for computed splits, which depend on the rows alone.
    func predefinedSourceFiles(_ file: ExperimentFile, data: LoadedData, fold: Int) throws -> [String] {
        if case .partsFile(let path, let written) = file.split.method {
            return ["\(written) \(try SHA256.hex(fileAt: path))"]
        }
        guard case .predefined(let set) = file.split.method else { return [] }
        guard let set else { return data.dataset.sourceFiles.map { "\($0.name) \($0.sha256)" } }
        guard let prefixes = MovieLens100KFolds.sets[set], prefixes.indices.contains(fold) else { return [] }
        let folder = URL(fileURLWithPath: dataDirectory.path).appendingPathComponent(MovieLens100K.folder)
        return try ["base", "test"].map { suffix in
            let path = folder.appendingPathComponent("\(prefixes[fold]).\(suffix)").path
            // A missing file is reported by the reader, with advice.
            guard FileManager.default.fileExists(atPath: path) else { return "\(prefixes[fold]).\(suffix) missing" }
            return "\(prefixes[fold]).\(suffix) \(try SHA256.hex(fileAt: path))"
        }
    }

    /// The worker's fold: read by key from the cache the parent filled, or made in memory when the
    /// parent gave no cache entry.
    func split(for file: ExperimentFile, data: LoadedData, fold: Int, cached: CachedSplit?) throws -> ThreeWaySplit {
        guard let cached else { return try splits(file, data: data, only: fold)[fold] }
        return try SplitCache(directory: cached.directory).load(key: cached.key, spec: file.split.cacheSpec(fold: fold),
                                                                dataset: data.dataset, contentSHA256: cached.contentSHA256)
    }
}
