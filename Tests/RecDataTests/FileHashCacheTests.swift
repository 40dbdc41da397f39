import Foundation
import Testing
@testable import RecData

/// The data-file SHA-256 cache: a second read of an unchanged file takes the hash from the cache;
/// touching, rewriting or replacing the file makes it hash again; a file changed just before the
/// read is not cached. Expected digests come from coreutils `sha256sum`.
@Suite struct FileHashCacheTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recbench-hash-cache-\(UUID().uuidString)")

    /// Reads the file through the record reader with `cache` in effect; returns the digest and rows.
    func read(_ path: String, _ cache: FileHashCache) throws -> (sha256: String, rows: Int) {
        var rows = 0
        let digest = try cache.using { try DelimitedText.forEachRecord(in: path, layout: .csv) { _ in rows += 1 } }
        return (digest, rows)
    }

    /// Waits out the guard against files changed less than a second before a read.
    func settle() { Thread.sleep(forTimeInterval: 1.2) }

    @Test func anUnchangedFileIsHashedOnceATouchedOrRewrittenOneAgain() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ratings.csv")
        let text = "userId,movieId,rating,timestamp\n1,10,4.0,5\n2,20,3.5,6\n"
        try Data(text.utf8).write(to: file)
        let cache = FileHashCache(directory: folder.appendingPathComponent("cache").path, minimumBytes: 0)

        // Changed just now: hashed, not stored.
        let fresh = try read(file.path, cache)
        #expect(fresh.sha256 == (try TestTools.sha256(Data(text.utf8))) && fresh.rows == 3)
        #expect(cache.stores == 0 && cache.hits == 0)

        settle()
        #expect(try read(file.path, cache).sha256 == fresh.sha256)
        #expect(cache.stores == 1 && cache.hits == 0)
        let second = try read(file.path, cache)
        #expect(second.sha256 == fresh.sha256 && second.rows == 3)
        #expect(cache.hits == 1 && cache.stores == 1)

        // Touched: the same bytes, hashed again (and stored again once settled).
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
        #expect(try read(file.path, cache).sha256 == fresh.sha256)
        #expect(cache.hits == 1)
        settle()
        _ = try read(file.path, cache)
        #expect(cache.stores == 2)
        #expect(try read(file.path, cache).sha256 == fresh.sha256 && cache.hits == 2)

        // Rewritten with bytes of the same length and its modification time set back: the
        // status-change time still moves, so the new bytes are hashed.
        let before = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as! Date
        let altered = text.replacingOccurrences(of: "4.0", with: "2.0")
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: Data(altered.utf8))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: before], ofItemAtPath: file.path)
        settle()
        let rewritten = try read(file.path, cache)
        #expect(rewritten.sha256 == (try TestTools.sha256(Data(altered.utf8))))
        #expect(rewritten.sha256 != fresh.sha256 && cache.hits == 2)

        // Replaced by another file (a new inode) with the same bytes and times: hashed again.
        let other = folder.appendingPathComponent("other.csv")
        try Data(altered.utf8).write(to: other)
        try FileManager.default.setAttributes([.modificationDate: before], ofItemAtPath: other.path)
        #expect(rename(other.path, file.path) == 0)
        settle()
        let hitsBefore = cache.hits
        #expect(try read(file.path, cache).sha256 == rewritten.sha256)
        #expect(cache.hits == hitsBefore)
    }

    @Test func smallFilesAreNotCachedAndTheEnvironmentChoosesTheFolder() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("small.csv")
        try Data("a,b\n1,2\n".utf8).write(to: file)
        let cache = FileHashCache(directory: folder.appendingPathComponent("cache").path, minimumBytes: 1024)
        settle()
        _ = try read(file.path, cache)
        _ = try read(file.path, cache)
        #expect(cache.stores == 0 && cache.hits == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache").path))

        #expect(FileHashCache.standard(environment: ["RECBENCH_HASH_CACHE": "off"]) == nil)
        #expect(FileHashCache.standard(environment: ["RECBENCH_HASH_CACHE": "/x/y"])?.directory == "/x/y")
        #expect(FileHashCache.standard(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"])?.directory == "/c/recbench/file-sha256")
        #expect(FileHashCache.standard(environment: ["HOME": "/h"])?.directory == "/h/.cache/recbench/file-sha256")
        #expect(FileHashCache.standard(environment: [:])?.minimumBytes == 16 << 20)
    }
}
