import Foundation

// What `data fetch` and `data import` share: a staging folder inside the data directory where the
// dataset is assembled and checked, and the move that puts it in place. A dataset folder is
// therefore either absent, the old one, or the complete new one; never half-written.

/// Why a fetch or import stopped. Nothing was left behind in the data directory.
public struct DatasetInstallError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What a fetch or import put in place, and what was verified.
public struct InstallReport: Sendable {
    public var dataset: String
    /// The dataset's folder, now complete.
    public var folder: String
    /// The checks of the dataset's expected files.
    public var files: [FileCheck]
    /// One line per download or archive: its SHA-256 and whether it matched a known value.
    public var sources: [String]
    /// True when every byte was verified against a known SHA-256 (the archive or every file).
    public var fullyVerified: Bool
    /// A folder the dataset replaced (`--force`); it has been deleted.
    public var replaced: Bool
}

/// One expected file of a dataset folder after a fetch or import.
public struct FileCheck: Sendable {
    public enum Status: String, Sendable {
        /// Its SHA-256 equals the known one.
        case verified
        /// Present; no SHA-256 is known for it.
        case unchecked
        /// Its SHA-256 differs from the known one (accepted only with --insecure-skip-checksum).
        case mismatch
        /// An optional file that is not there.
        case absent
    }

    public var name: String
    public var status: Status
    public var sha256: String?
    public var expected: String?
}

/// A folder `<data dir>/.recbench-staging-<dataset>-<pid>-<random>` that is deleted when the work
/// fails, finishes or is interrupted.
final class StagingArea {
    static let prefix = ".recbench-staging-"

    let url: URL
    let directory: URL

    init(directory: DataDirectory, dataset: String) throws {
        self.directory = URL(fileURLWithPath: directory.path)
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw DatasetInstallError("cannot create the data directory \(directory.path) (chosen by \(directory.origin)): \(error.localizedDescription)")
        }
        Self.removeAbandoned(in: self.directory, dataset: dataset)
        let random = UUID().uuidString.prefix(8)
        url = self.directory.appendingPathComponent("\(Self.prefix)\(dataset)-\(getpid())-\(random)", isDirectory: true)
        InterruptCleanup.register(path: url.path)
        do {
            try manager.createDirectory(at: url, withIntermediateDirectories: false)
        } catch {
            InterruptCleanup.unregister(path: url.path)
            throw DatasetInstallError("cannot write in the data directory \(directory.path): \(error.localizedDescription)")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
        InterruptCleanup.unregister(path: url.path)
    }

    /// Staging folders of this dataset left by a process that no longer exists (killed with
    /// SIGKILL, or a machine that went down): deleted.
    static func removeAbandoned(in directory: URL, dataset: String) {
        let start = prefix + dataset + "-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(start) {
            let parts = name.dropFirst(start.count).split(separator: "-")
            guard parts.count == 2, let pid = Int32(parts[0]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    /// Moves `built` (inside the staging folder) to `destination`. An existing destination is
    /// replaced only when `replace`: it is first moved into the staging folder (and deleted with
    /// it), and moved back if the new folder cannot be moved in. Returns whether one was replaced.
    func install(_ built: URL, at destination: URL, replace: Bool) throws -> Bool {
        let manager = FileManager.default
        return try InterruptCleanup.uninterrupted {
            var replaced = false
            let previous = url.appendingPathComponent("previous", isDirectory: true)
            if manager.fileExists(atPath: destination.path) {
                guard replace else {
                    throw DatasetInstallError("\(destination.path) appeared while the dataset was being prepared; pass --force to replace it")
                }
                try manager.moveItem(at: destination, to: previous)
                replaced = true
            }
            do {
                try manager.moveItem(at: built, to: destination)
            } catch {
                if replaced { try? manager.moveItem(at: previous, to: destination) }
                throw DatasetInstallError("cannot move the dataset into \(destination.path): \(error.localizedDescription)")
            }
            return replaced
        }
    }
}

enum DatasetFiles {
    /// Checks a dataset folder against the dataset's expected files: every required file present,
    /// and every file with a known SHA-256 hashed and compared. A missing required file is always
    /// an error; a checksum mismatch is one unless `allowMismatch`.
    static func verify(_ folder: URL, dataset: KnownDataset, allowMismatch: Bool, log: (String) -> Void) throws -> [FileCheck] {
        let manager = FileManager.default
        let missing = dataset.files.filter { $0.required && !manager.fileExists(atPath: folder.appendingPathComponent($0.name).path) }
        guard missing.isEmpty else {
            let present = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            throw DatasetInstallError("""
                \(dataset.name) is incomplete: \(missing.map(\.name).joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") missing.
                  found: \(present.isEmpty ? "nothing" : present.joined(separator: ", "))
                  expected: \(dataset.files.filter(\.required).map(\.name).joined(separator: ", "))
                """)
        }
        var checks: [FileCheck] = []
        for file in dataset.files {
            let path = folder.appendingPathComponent(file.name).path
            guard manager.fileExists(atPath: path) else {
                checks.append(FileCheck(name: file.name, status: .absent, sha256: nil, expected: file.sha256))
                continue
            }
            guard let expected = file.sha256 else {
                checks.append(FileCheck(name: file.name, status: .unchecked, sha256: nil, expected: nil))
                continue
            }
            let actual = try SHA256.hex(fileAt: path)
            checks.append(FileCheck(name: file.name, status: actual == expected ? .verified : .mismatch, sha256: actual, expected: expected))
        }
        let mismatches = checks.filter { $0.status == .mismatch }
        if !mismatches.isEmpty {
            let lines = mismatches.map { "  \($0.name): expected sha256 \($0.expected!)\n  \(String(repeating: " ", count: $0.name.count))       got sha256 \($0.sha256!)" }
            if !allowMismatch {
                throw DatasetInstallError("""
                    \(dataset.name): \(mismatches.count) file\(mismatches.count == 1 ? " differs" : "s differ") from the published release:
                    \(lines.joined(separator: "\n"))
                      Nothing was installed. A modified or re-encoded copy (line ends converted, a different release) reads differently;
                      use the original files, or pass --insecure-skip-checksum to install this copy anyway.
                    """)
            }
            log("warning: installing despite checksum mismatches (--insecure-skip-checksum):\n" + lines.joined(separator: "\n"))
        }
        return checks
    }

    /// Writes `.recbench-provenance.json` into the dataset folder: where it came from and what was verified.
    static func writeProvenance(_ folder: URL, dataset: KnownDataset, command: String, sources: [[String: Any]], checks: [FileCheck]) throws {
        let record: [String: Any] = [
            "dataset": dataset.name,
            "installed_by": command,
            "installed_at": ISO8601DateFormatter().string(from: Date()),
            "sources": sources,
            "files": checks.filter { $0.status != .absent }.map { check -> [String: Any] in
                var entry: [String: Any] = ["name": check.name, "status": check.status.rawValue]
                if let sha = check.sha256 { entry["sha256"] = sha }
                if let expected = check.expected, check.status == .mismatch { entry["expected_sha256"] = expected }
                return entry
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: folder.appendingPathComponent(".recbench-provenance.json"))
    }

    /// The first folder at or below `root` (breadth first, at most `depth` levels down) holding
    /// `marker`; among several at the same level, the one named `preferred`.
    static func locate(marker: String, under root: URL, preferred: String, depth: Int = 3) -> URL? {
        let manager = FileManager.default
        var level = [root]
        for _ in 0...depth {
            let hits = level.filter { manager.fileExists(atPath: $0.appendingPathComponent(marker).path) }
            if let hit = hits.first(where: { $0.lastPathComponent == preferred }) ?? hits.first { return hit }
            level = level.flatMap { folder -> [URL] in
                let names = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
                return names.filter { !$0.hasPrefix(".") && !$0.hasPrefix("__MACOSX") }.map { folder.appendingPathComponent($0, isDirectory: true) }
                    .filter { var isFolder: ObjCBool = false; return manager.fileExists(atPath: $0.path, isDirectory: &isFolder) && isFolder.boolValue }
            }
            if level.isEmpty { return nil }
        }
        return nil
    }
}

extension DataDirectory {
    /// Where `dataset` lives in this directory.
    func folder(of dataset: KnownDataset) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(dataset.folder, isDirectory: true)
    }
}
