import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Remembers the SHA-256 of large data files, so that reading a file a second time does not hash
/// it again (hashing 500 MB takes as long as parsing it).
///
/// An entry is valid only for the file it was made from, as the file system describes it: device,
/// inode, size, modification time and status-change time, both to the nanosecond. Writing the
/// file, touching it, replacing it by another (a new inode) or setting its modification time back
/// (which moves the status-change time on) all make the entry stale, and the file is hashed again.
/// Two guards keep a stale hash from being stored in the first place: nothing is stored when the
/// file's description changed while it was read, nor when it was changed less than a second
/// before the read began (time stamps are only as fine as the kernel's clock tick, so a write in
/// the same tick could leave them unchanged).
///
/// Entries live outside the data directory, which may be shared or read-only: one small text
/// file per data file under `RECBENCH_HASH_CACHE`, else `$XDG_CACHE_HOME/recbench/file-sha256`,
/// else `~/.cache/recbench/file-sha256`; `RECBENCH_HASH_CACHE=off` turns the cache off. Files
/// smaller than `minimumBytes` (16 MiB) are always hashed: it costs less than reading an entry
/// is worth, and test fixtures do not fill the cache.
public final class FileHashCache: @unchecked Sendable {
    public static let defaultMinimumBytes: Int64 = 16 << 20

    public let directory: String
    public let minimumBytes: Int64
    // Guarded by `lock`: readers on several threads may share one cache.
    private let lock = NSLock()
    private var hitCount = 0
    private var storeCount = 0

    public init(directory: String, minimumBytes: Int64 = defaultMinimumBytes) {
        self.directory = directory
        self.minimumBytes = minimumBytes
    }

    /// The cache the readers use unless `using` sets another (nil: hash every file).
    @TaskLocal public static var current: FileHashCache? = standard()

    /// The cache at the place the environment names (see the type's description), nil when off.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> FileHashCache? {
        if let setting = environment["RECBENCH_HASH_CACHE"], !setting.isEmpty {
            return setting == "off" ? nil : FileHashCache(directory: setting)
        }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return FileHashCache(directory: base + "/recbench/file-sha256")
    }

    /// Runs `body` with this cache in effect for every reader it calls.
    public func using<T>(_ body: () throws -> T) rethrows -> T {
        try FileHashCache.$current.withValue(self) { try body() }
    }

    /// Hashes taken from the cache, and hashes stored in it, so far.
    public var hits: Int { lock.withLock { hitCount } }
    public var stores: Int { lock.withLock { storeCount } }

    /// What the file system says about one file; equal descriptions mean an unchanged file.
    struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: timespec
        var changed: timespec

        init?(descriptor: Int32) {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = info.st_mtim
            changed = info.st_ctim
        }

        var line: String {
            "\(device) \(inode) \(size) \(modified.tv_sec).\(modified.tv_nsec) \(changed.tv_sec).\(changed.tv_nsec)"
        }

        static func == (a: FileIdentity, b: FileIdentity) -> Bool { a.line == b.line }
    }

    /// The entry file of `path`: named by the SHA-256 of the absolute path.
    private func entryPath(_ path: String) -> (entry: String, absolute: String) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return (directory + "/" + SHA256.hex(absolute) + ".txt", absolute)
    }

    /// The stored SHA-256 of the file, if its entry describes `identity`.
    func lookup(_ path: String, _ identity: FileIdentity) -> String? {
        guard identity.size >= minimumBytes, identity.size > 0 else { return nil }
        let (entry, absolute) = entryPath(path)
        guard let data = FileManager.default.contents(atPath: entry) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, lines[0] == "recbench-file-sha256-v1", lines[1] == absolute, lines[2] == identity.line,
              lines[3].count == 64, lines[3].allSatisfy(\.isHexDigit) else { return nil }
        lock.withLock { hitCount += 1 }
        return String(lines[3])
    }

    /// Stores the file's SHA-256 if the file is large enough, did not change while it was read
    /// (`before` and `after`), and was last changed at least a second before the read began.
    func store(_ path: String, sha256: String, before: FileIdentity, after: FileIdentity?, readStarted: timespec) {
        guard before.size >= minimumBytes, before.size > 0, before == after else { return }
        func nanoseconds(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }
        let lastChange = max(nanoseconds(before.modified), nanoseconds(before.changed))
        guard nanoseconds(readStarted) - lastChange >= 1_000_000_000 else { return }
        let (entry, absolute) = entryPath(path)
        let text = "recbench-file-sha256-v1\n\(absolute)\n\(before.line)\n\(sha256)\n"
        // A failed write only costs a hash next time, so it is not an error.
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: entry), options: .atomic)
            lock.withLock { storeCount += 1 }
        } catch {}
    }

    static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }
}
