import Foundation

/// Writes a materialised split as files another framework can read (`recbench data split --export`).
///
/// For each split, a folder with `train.tsv`, `valid.tsv` and `test.tsv` (tab-separated, a header
/// line `user item rating timestamp`, original ids, rows in the dataset's row order; `valid.tsv` has
/// just the header when there is no validation part) and `split.json`: the dataset and its
/// fingerprint, the preprocessing, the split spec (canonical form and SHA-256), the seed, the
/// split's fingerprint (`ThreeWaySplit.fingerprint`), the row counts, each file's SHA-256 and the
/// leakage lint. A method with several folds writes `fold-1/`, `fold-2/`, … inside the folder.
///
/// The folder is written beside its final place and renamed into it when complete.
public enum SplitExporter {
    /// One exported split.
    public struct Exported: Sendable {
        public var folder: String
        public var counts: (train: Int, validation: Int, test: Int)
        public var fingerprint: String
        public var spec: String
        public var lint: [String]
    }

    public static let header = "user\titem\trating\ttimestamp\n"

    /// Exports `splits` (with their specs) of `dataset` to `folder`. An existing `folder` is an
    /// error unless `replace`.
    public static func export(
        _ splits: [(split: ThreeWaySplit, spec: SplitSpec)], of dataset: Dataset, seed: UInt64, preprocessing: String,
        temporalScope: TemporalScope, to folder: String, replace: Bool
    ) throws -> [Exported] {
        let manager = FileManager.default
        let destination = URL(fileURLWithPath: folder).standardizedFileURL
        if manager.fileExists(atPath: destination.path) && !replace {
            throw DatasetInstallError("\(destination.path) exists; pass --force to replace it, or choose another --export folder")
        }
        let parent = destination.deletingLastPathComponent()
        try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())-\(UUID().uuidString.prefix(8))")
        InterruptCleanup.register(path: staging.path)
        defer {
            try? manager.removeItem(at: staging)
            InterruptCleanup.unregister(path: staging.path)
        }
        for (role, ids) in [("user", dataset.userIDs), ("item", dataset.itemIDs)] {
            if let bad = ids.first(where: { $0.contains(where: { $0 == "\t" || $0.isNewline }) }) {
                throw DatasetInstallError("\(role) id \"\(bad)\" holds a tab or line break, which TSV cannot carry")
            }
        }
        try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        let datasetFingerprint = dataset.fingerprint()
        var exported: [Exported] = []
        for (index, entry) in splits.enumerated() {
            let sub = splits.count == 1 ? "" : "fold-\(index + 1)"
            let target = sub.isEmpty ? staging : staging.appendingPathComponent(sub)
            if !sub.isEmpty { try manager.createDirectory(at: target, withIntermediateDirectories: false) }
            let split = entry.split
            var files: [String: String] = [:]
            for (name, rows) in [("train.tsv", split.train), ("valid.tsv", split.validation), ("test.tsv", split.test)] {
                files[name] = try write(rows, of: dataset, to: target.appendingPathComponent(name))
            }
            let fingerprint = split.fingerprint(of: dataset)
            let lint = SplitLint.check(split.evaluation, of: dataset, temporalScope: temporalScope).lines
            let record: [String: Any] = [
                "format": "recbench-split-export-v1",
                "dataset": dataset.name,
                "dataset_fingerprint": datasetFingerprint,
                "source_files": dataset.sourceFiles.map { ["name": $0.name, "sha256": $0.sha256] },
                "preprocessing": preprocessing,
                "spec": entry.spec.canonical,
                "spec_sha256": entry.spec.sha256,
                "method": split.description,
                "seed": seed,
                "fingerprint": fingerprint,
                "counts": ["train": split.train.count, "valid": split.validation.count, "test": split.test.count],
                "files": files,
                "columns": ["user", "item", "rating", "timestamp"],
                "lint": lint,
            ]
            let json = try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try json.write(to: target.appendingPathComponent("split.json"))
            exported.append(Exported(folder: sub.isEmpty ? destination.path : destination.appendingPathComponent(sub).path,
                                     counts: (split.train.count, split.validation.count, split.test.count),
                                     fingerprint: fingerprint, spec: entry.spec.canonical, lint: lint))
        }
        try InterruptCleanup.uninterrupted {
            if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
            try manager.moveItem(at: staging, to: destination)
        }
        return exported
    }

    /// Writes the rows as TSV and returns the file's SHA-256.
    static func write(_ rows: [Int], of dataset: Dataset, to url: URL) throws -> String {
        let writer = try BufferedFileWriter(path: url.path)
        var hasher = SHA256()
        var line = header
        hasher.update(line)
        try writer.append(line)
        for k in rows.sorted() {
            line = "\(dataset.userIDs[Int(dataset.users[k])])\t\(dataset.itemIDs[Int(dataset.items[k])])\t\(dataset.ratings[k])\t\(dataset.timestamps[k])\n"
            hasher.update(line)
            try writer.append(line)
        }
        try writer.close()
        return hasher.hexDigest()
    }
}
