import Foundation

/// Materialized splits on disk, keyed by the data and the split spec.
///
/// A split lives in `<directory>/<key>/` as `train.bin`, `validation.bin` and `test.bin` (Int32
/// little-endian interaction indices, ascending; `validation.bin` empty when there is none) and
/// `meta.txt` (spec, method, part, data fingerprint, counts and the content SHA-256).
/// The key is SHA-256 of `"recbench-split-cache-v1\n" + data + "\n" + spec.canonical + "\n"`, where
/// data is the rows fingerprint (`rowsFingerprint`), or for a split read from files (predefined
/// folds) the rows fingerprint combined with those files' SHA-256 (`dataFingerprint`), so editing
/// a fold file gives a new key.
///
/// The content SHA-256 (`contentSHA256`) covers the three parts with their counts; it is checked on
/// every load, so a damaged entry (a truncated or altered `.bin`, a `meta.txt` that names another
/// spec or data) is never used: `materialize` rebuilds it and says why in `Entry.rebuilt`, and
/// `load(key:…)`, which a worker process uses, refuses it.
///
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
        /// SHA-256 of the parts as stored (see `contentSHA256(train:validation:test:)`).
        public var contentSHA256: String
        /// Why an existing entry was thrown away and made again (nil when it was not).
        public var rebuilt: String?
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
        // The arrays' bytes as they are in memory: little-endian on every platform Swift targets
        // here (x86_64, arm64), so no copy is made of 20 million rows.
        func add<T>(_ values: [T]) { values.withUnsafeBytes { hasher.update($0.bindMemory(to: UInt8.self)) } }
        add(dataset.users)
        add(dataset.items)
        add(dataset.ratings)
        add(dataset.timestamps)
        return hasher.hexDigest()
    }

    /// The data part of a key: the rows fingerprint alone, or with the SHA-256 of the files a
    /// predefined split is read from.
    public static func dataFingerprint(rows: String, sourceFiles: [String] = []) -> String {
        sourceFiles.isEmpty ? rows : SHA256.hex("recbench-rows-and-files-v1\n\(rows)\n" + sourceFiles.map { $0 + "\n" }.joined())
    }

    public static func key(rowsFingerprint: String, spec: SplitSpec) -> String {
        SHA256.hex("recbench-split-cache-v1\n\(rowsFingerprint)\n\(spec.canonical)\n")
    }

    public static func key(for dataset: Dataset, spec: SplitSpec) -> String {
        key(rowsFingerprint: rowsFingerprint(of: dataset), spec: spec)
    }

    /// SHA-256 of `"train N\n"` + train.bin + `"validation N\n"` + validation.bin + `"test N\n"` +
    /// test.bin, N being each part's row count: what an entry holds, independent of its meta.txt.
    public static func contentSHA256(train: Data, validation: Data, test: Data) -> String {
        var hasher = SHA256()
        for (name, bytes) in [("train", train), ("validation", validation), ("test", test)] {
            hasher.update("\(name) \(bytes.count / 4)\n")
            hasher.update(bytes)
        }
        return hasher.hexDigest()
    }

    /// The cached split for `plan`, made and stored first if absent.
    public func materialize(_ dataset: Dataset, plan: SplitPlan) throws -> Entry {
        try materialize(dataset, spec: plan.spec) { plan.split(dataset) }
    }

    /// The cached split for `spec`, or `make()`'s, stored under its key. `sourceFiles`: the
    /// SHA-256 of the files the split is read from, for predefined splits. A damaged entry is
    /// replaced by `make()`'s split, with the reason in `rebuilt`.
    public func materialize(_ dataset: Dataset, spec: SplitSpec, sourceFiles: [String] = [],
                            make: () throws -> ThreeWaySplit) throws -> Entry {
        let rows = Self.rowsFingerprint(of: dataset)
        let data = Self.dataFingerprint(rows: rows, sourceFiles: sourceFiles)
        let key = Self.key(rowsFingerprint: data, spec: spec)
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(key)
        let manager = FileManager.default
        var rebuilt: String?
        if manager.fileExists(atPath: folder.path) {
            do {
                let (split, content) = try read(folder, spec: spec, data: data, rows: rows, dataset: dataset)
                return Entry(split: split, key: key, path: folder.path, reused: true, contentSHA256: content)
            } catch let problem as DataFileError {
                rebuilt = problem.description
                try discard(folder)
            }
        }
        let split = try make()
        for part in [split.train, split.validation, split.test] {
            precondition(part.allSatisfy { $0 >= 0 && $0 < dataset.interactionCount }, "split row out of range")
        }
        let parts = (train: Self.encode(split.train), validation: Self.encode(split.validation), test: Self.encode(split.test))
        let content = Self.contentSHA256(train: parts.train, validation: parts.validation, test: parts.test)
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".tmp-\(key)-\(UUID().uuidString)")
        try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        do {
            for (name, bytes) in [("train", parts.train), ("validation", parts.validation), ("test", parts.test)] {
                try bytes.write(to: temporary.appendingPathComponent("\(name).bin"))
            }
            let meta = [
                "spec=\(spec.canonical)", "method=\(oneLine(split.method))", "part=\(oneLine(split.part ?? ""))",
                "data=\(data)", "rows=\(rows)", "train=\(split.train.count)", "validation=\(split.validation.count)",
                "test=\(split.test.count)", "content=\(content)",
            ].joined(separator: "\n") + "\n"
            try Data(meta.utf8).write(to: temporary.appendingPathComponent("meta.txt"))
            try manager.moveItem(at: temporary, to: folder)
        } catch {
            try? manager.removeItem(at: temporary)
            // Another writer finished first: use its folder.
            if manager.fileExists(atPath: folder.path) {
                let (split, content) = try read(folder, spec: spec, data: data, rows: rows, dataset: dataset)
                return Entry(split: split, key: key, path: folder.path, reused: true, contentSHA256: content, rebuilt: rebuilt)
            }
            throw error
        }
        return Entry(split: split, key: key, path: folder.path, reused: false, contentSHA256: content, rebuilt: rebuilt)
    }

    /// The entry `key` exactly as `materialize` stored it, for a process that did not make it (a
    /// worker): its spec must be `spec`, its rows those of `dataset`, and its content `contentSHA256`.
    /// Anything else is an error naming the file; nothing is rebuilt.
    public func load(key: String, spec: SplitSpec, dataset: Dataset, contentSHA256: String) throws -> ThreeWaySplit {
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(key)
        let (split, content) = try read(folder, spec: spec, data: nil, rows: Self.rowsFingerprint(of: dataset), dataset: dataset)
        guard content == contentSHA256 else {
            throw DataFileError(file: folder.path, field: "content", message: "holds \(content), expected \(contentSHA256): the entry changed after it was made")
        }
        return split
    }

    /// Moves a damaged folder out of the key's place first, so that no reader sees it half deleted.
    private func discard(_ folder: URL) throws {
        let manager = FileManager.default
        let aside = folder.deletingLastPathComponent().appendingPathComponent(".damaged-\(folder.lastPathComponent)-\(UUID().uuidString)")
        do {
            try manager.moveItem(at: folder, to: aside)
        } catch where !manager.fileExists(atPath: folder.path) {
            return // another process moved it already
        }
        try? manager.removeItem(at: aside)
    }

    private func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// Reads and checks an entry; `data` nil skips the data fingerprint (a worker checks the rows).
    private func read(_ folder: URL, spec: SplitSpec, data: String?, rows: String, dataset: Dataset) throws -> (ThreeWaySplit, String) {
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
        if let data, meta["data"] != data {
            throw DataFileError(file: metaPath, field: "data", message: "holds \(meta["data"] ?? "nothing"), expected \(data)")
        }
        guard meta["rows"] == rows else {
            throw DataFileError(file: metaPath, field: "rows", message: "holds \(meta["rows"] ?? "nothing"), expected \(rows)")
        }
        guard let recorded = meta["content"] else {
            throw DataFileError(file: metaPath, field: "content", message: "has no content checksum")
        }
        var bytes: [String: Data] = [:]
        for name in ["train", "validation", "test"] {
            let path = folder.appendingPathComponent("\(name).bin").path
            guard let data = FileManager.default.contents(atPath: path), data.count % 4 == 0,
                  data.count / 4 == Int(meta[name] ?? "") else {
                throw DataFileError(file: path, message: "missing, or not the \(meta[name] ?? "?") Int32 values meta.txt lists")
            }
            bytes[name] = data
        }
        let content = Self.contentSHA256(train: bytes["train"]!, validation: bytes["validation"]!, test: bytes["test"]!)
        guard content == recorded else {
            throw DataFileError(file: folder.path, field: "content", message: "the parts hash to \(content), meta.txt records \(recorded)")
        }
        func part(_ name: String) throws -> [Int] {
            let rows = Self.decode(bytes[name]!)
            guard rows.allSatisfy({ $0 >= 0 && $0 < dataset.interactionCount }) else {
                throw DataFileError(file: folder.appendingPathComponent("\(name).bin").path, message: "a row index is outside the dataset")
            }
            return rows
        }
        let split = ThreeWaySplit(train: try part("train"), validation: try part("validation"), test: try part("test"),
                                  method: meta["method"] ?? spec.method, part: meta["part"].flatMap { $0.isEmpty ? nil : $0 })
        return (split, content)
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
