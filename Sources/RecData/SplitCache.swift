import Foundation

/// Materialized splits on disk, keyed by the data and the split spec.
///
/// A split lives in `<directory>/<key>/` as `train.bin`, `validation.bin` and `test.bin` (Int32
/// little-endian interaction indices, ascending; `validation.bin` empty when there is none) and
/// `meta.txt` (spec, method, part, data fingerprint, counts, for people and for a consistency check).
/// The key is SHA-256 of `"recbench-split-cache-v1\n" + rowsFingerprint + "\n" + spec.canonical + "\n"`.
/// A split is written to a temporary folder beside its final place and renamed into it, so a key's
/// folder is either complete or absent; when two writers race, the first rename wins and the other
/// uses its folder.
public struct SplitCache: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    /// What `materialize` returns: the split, its key and folder, and whether it came from disk.
    public struct Entry: Sendable {
        public var split: ThreeWaySplit
        public var key: String
        public var path: String
        public var reused: Bool
    }

    /// SHA-256 over the dataset's ids and its rows in index order (users, items, rating bits,
    /// timestamps). Unlike `Dataset.fingerprint()` it changes when rows are reordered, because the
    /// cached files hold row indices.
    public static func rowsFingerprint(of dataset: Dataset) -> String {
        var hasher = SHA256()
        hasher.update("recbench-rows-v1\n\(dataset.userCount) \(dataset.itemCount) \(dataset.interactionCount)\n")
        for id in dataset.userIDs { hasher.update("\(id.utf8.count):\(id)") }
        hasher.update("\n")
        for id in dataset.itemIDs { hasher.update("\(id.utf8.count):\(id)") }
        hasher.update("\n")
        func add<T: FixedWidthInteger>(_ values: [T]) {
            values.map(\.littleEndian).withUnsafeBytes { hasher.update($0.bindMemory(to: UInt8.self)) }
        }
        add(dataset.users)
        add(dataset.items)
        add(dataset.ratings.map(\.bitPattern))
        add(dataset.timestamps)
        return hasher.hexDigest()
    }

    public static func key(rowsFingerprint: String, spec: SplitSpec) -> String {
        SHA256.hex("recbench-split-cache-v1\n\(rowsFingerprint)\n\(spec.canonical)\n")
    }

    public static func key(for dataset: Dataset, spec: SplitSpec) -> String {
        key(rowsFingerprint: rowsFingerprint(of: dataset), spec: spec)
    }

    /// The cached split for `plan`, made and stored first if absent.
    public func materialize(_ dataset: Dataset, plan: SplitPlan) throws -> Entry {
        try materialize(dataset, spec: plan.spec) { plan.split(dataset) }
    }

    /// The cached split for `spec`, or `make()`'s, stored under its key.
    public func materialize(_ dataset: Dataset, spec: SplitSpec, make: () throws -> ThreeWaySplit) throws -> Entry {
        let data = Self.rowsFingerprint(of: dataset)
        let key = Self.key(rowsFingerprint: data, spec: spec)
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(key)
        let manager = FileManager.default
        if manager.fileExists(atPath: folder.path) {
            return Entry(split: try load(folder, spec: spec, data: data, dataset: dataset), key: key, path: folder.path, reused: true)
        }
        let split = try make()
        for part in [split.train, split.validation, split.test] {
            precondition(part.allSatisfy { $0 >= 0 && $0 < dataset.interactionCount }, "split row out of range")
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".tmp-\(key)-\(UUID().uuidString)")
        try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        do {
            for (name, part) in [("train", split.train), ("validation", split.validation), ("test", split.test)] {
                try Self.encode(part).write(to: temporary.appendingPathComponent("\(name).bin"))
            }
            let meta = [
                "spec=\(spec.canonical)", "method=\(oneLine(split.method))", "part=\(oneLine(split.part ?? ""))",
                "data=\(data)", "train=\(split.train.count)", "validation=\(split.validation.count)", "test=\(split.test.count)",
            ].joined(separator: "\n") + "\n"
            try Data(meta.utf8).write(to: temporary.appendingPathComponent("meta.txt"))
            try manager.moveItem(at: temporary, to: folder)
        } catch {
            try? manager.removeItem(at: temporary)
            // Another writer finished first: use its folder.
            if manager.fileExists(atPath: folder.path) {
                return Entry(split: try load(folder, spec: spec, data: data, dataset: dataset), key: key, path: folder.path, reused: true)
            }
            throw error
        }
        return Entry(split: split, key: key, path: folder.path, reused: false)
    }

    private func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    private func load(_ folder: URL, spec: SplitSpec, data: String, dataset: Dataset) throws -> ThreeWaySplit {
        let metaPath = folder.appendingPathComponent("meta.txt").path
        guard let metaData = FileManager.default.contents(atPath: metaPath), let text = String(data: metaData, encoding: .utf8) else {
            throw DataFileError(file: metaPath, message: "cannot read the cached split's meta.txt")
        }
        var meta: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            meta[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard meta["spec"] == spec.canonical else {
            throw DataFileError(file: metaPath, field: "spec", message: "holds \(meta["spec"] ?? "nothing"), expected \(spec.canonical)")
        }
        guard meta["data"] == data else {
            throw DataFileError(file: metaPath, field: "data", message: "holds \(meta["data"] ?? "nothing"), expected \(data)")
        }
        func part(_ name: String) throws -> [Int] {
            let path = folder.appendingPathComponent("\(name).bin").path
            guard let bytes = FileManager.default.contents(atPath: path), bytes.count % 4 == 0 else {
                throw DataFileError(file: path, message: "missing or not a whole number of Int32 values")
            }
            let rows = Self.decode(bytes)
            guard rows.count == Int(meta[name] ?? ""), rows.allSatisfy({ $0 >= 0 && $0 < dataset.interactionCount }) else {
                throw DataFileError(file: path, message: "does not match meta.txt or the dataset (\(rows.count) rows)")
            }
            return rows
        }
        return ThreeWaySplit(train: try part("train"), validation: try part("validation"), test: try part("test"),
                             method: meta["method"] ?? spec.method, part: meta["part"].flatMap { $0.isEmpty ? nil : $0 })
    }

    static func encode(_ rows: [Int]) -> Data {
        rows.map { Int32($0).littleEndian }.withUnsafeBytes { Data($0) }
    }

    static func decode(_ data: Data) -> [Int] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        }
    }
}
