import Foundation
import Testing
@testable import RecData

// `recbench data fetch` against a server started on 127.0.0.1 by each test. The served zip is
// built byte by byte in TestArchives.swift, and every expected SHA-256 comes from `sha256sum`, not
// from recbench's own SHA-256.

/// A tiny MovieLens-100K-like dataset "tiny" in a zip under `tiny/`, and the registry entry that
/// describes it (with the real checksums unless told otherwise).
private struct TinyDataset {
    static let ratings = Data("1\t10\t4\t881250949\n2\t10\t3\t881250950\n2\t20\t5\t881250951\n".utf8)
    static let items = Data((["10|Ten (1995)|01-Jan-1995||http://x|" + Array(repeating: "0", count: 19).joined(separator: "|"),
                              "20|Twenty (1996)|01-Jan-1996||http://y|" + Array(repeating: "0", count: 19).joined(separator: "|")]
                             .joined(separator: "\n") + "\n").utf8)
    static let zip = TestZip.make([("tiny/u.data", ratings), ("tiny/u.item", items), ("tiny/README", Data("tiny\n".utf8))])

    let zipSHA: String
    let ratingsSHA: String

    init() throws {
        zipSHA = try TestTools.sha256(Self.zip)
        ratingsSHA = try TestTools.sha256(Self.ratings)
    }

    func entry(url: String, archiveSHA: String?? = .none, ratingsSHA: String?? = .none, extraRequired: [String] = []) -> KnownDataset {
        KnownDataset(
            name: "tiny", folder: "tiny", marker: "u.data", summary: "tiny test data", licence: "none", hasFixedSplit: false,
            source: .archive(RemoteFile(url: url, sha256: archiveSHA ?? zipSHA, bytes: Int64(Self.zip.count)), root: "tiny"),
            files: [ExpectedFile("u.data", sha256: ratingsSHA ?? self.ratingsSHA), ExpectedFile("u.item"),
                    ExpectedFile("README", required: false)] + extraRequired.map { ExpectedFile($0) })
    }
}

/// A fresh data directory that does not exist yet.
private func freshDataDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("recbench-fetch-\(UUID().uuidString)", isDirectory: true)
}

private func directory(_ url: URL) -> DataDirectory { DataDirectory(path: url.path, origin: "test") }

/// Collects progress reports.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [TransferProgress] = []
    var reports: [TransferProgress] { lock.withLock { items } }
    func add(_ progress: TransferProgress) { lock.withLock { items.append(progress) } }
}

@Suite("data fetch", .enabled(if: TestTools.hasUnzip, "needs /usr/bin/unzip"))
struct DatasetFetcherTests {
    @Test("success: downloaded, verified, unpacked, moved into place; nothing else left")
    func success() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let progress = ProgressLog()
        var options = DatasetFetcher.Options()
        options.progress = { progress.add($0) }

        let report = try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip")), into: directory(root), options: options)

        #expect(server.requests == ["/tiny.zip"])
        #expect(report.folder == root.appendingPathComponent("tiny").path)
        #expect(report.fullyVerified)
        #expect(!report.replaced)
        #expect(report.files.map(\.name) == ["u.data", "u.item", "README"])
        #expect(report.files.map(\.status) == [.verified, .unchecked, .unchecked])
        #expect(report.sources.count == 1 && report.sources[0].contains(tiny.zipSHA) && report.sources[0].contains("verified"))
        // Exactly the archive's folder, plus the provenance record; no staging folder, no archive.
        #expect(TestTools.tree(root) == ["tiny", "tiny/.recbench-provenance.json", "tiny/README", "tiny/u.data", "tiny/u.item"])
        #expect(FileManager.default.contents(atPath: root.appendingPathComponent("tiny/u.data").path) == TinyDataset.ratings)
        let provenance = try String(contentsOf: root.appendingPathComponent("tiny/.recbench-provenance.json"), encoding: .utf8)
        #expect(provenance.contains(tiny.zipSHA))
        #expect(provenance.contains("\"verified\""))
        // The last progress report is the whole archive.
        let last = try #require(progress.reports.last)
        #expect(last.finished)
        #expect(last.bytes == Int64(TinyDataset.zip.count))
        #expect(last.total == Int64(TinyDataset.zip.count))
        // And the result reads as MovieLens 100K: users 1, 2; items 10, 20; three ratings.
        let dataset = try MovieLens100K.load(ratingsFile: root.appendingPathComponent("tiny/u.data").path,
                                             itemFile: root.appendingPathComponent("tiny/u.item").path)
        #expect(dataset.userIDs == ["1", "2"] && dataset.itemIDs == ["10", "20"] && dataset.interactionCount == 3)
    }

    @Test("a checksum mismatch names both hashes and the URL, and leaves the data directory empty")
    func checksumMismatch() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let wrong = String(repeating: "0", count: 64)
        let error = try #require(throws: DatasetInstallError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip"), archiveSHA: wrong), into: directory(root))
        }
        #expect(error.description.contains("checksum mismatch for tiny.zip"))
        #expect(error.description.contains("expected: sha256 \(wrong)"))
        #expect(error.description.contains("got:      sha256 \(tiny.zipSHA)"))
        #expect(error.description.contains(server.url("/tiny.zip")))
        #expect(error.description.contains("nothing was installed"))
        #expect(TestTools.tree(root) == [])
    }

    @Test("HTTP 404 leaves nothing behind")
    func notFound() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer([:])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let error = try #require(throws: DownloadError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/missing.zip")), into: directory(root))
        }
        #expect(error.description.contains("HTTP 404"))
        #expect(error.description.contains(server.url("/missing.zip")))
        #expect(TestTools.tree(root) == [])
    }

    @Test("a connection cut in the middle of the body leaves nothing behind")
    func connectionCut() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .cut(TinyDataset.zip, sent: TinyDataset.zip.count / 2)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let error = try #require(throws: DownloadError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip")), into: directory(root))
        }
        #expect(error.description.contains(server.url("/tiny.zip")))
        #expect(TestTools.tree(root) == [])
    }

    @Test("a server that stops sending is abandoned after the idle timeout, leaving nothing")
    func stalled() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .stall(TinyDataset.zip, sent: 100)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var options = DatasetFetcher.Options()
        options.idleTimeout = 1
        #expect(throws: DownloadError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip")), into: directory(root), options: options)
        }
        #expect(TestTools.tree(root) == [])
    }

    @Test("an existing dataset is not clobbered without --force, and is replaced with it")
    func existingDataset() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let old = root.appendingPathComponent("tiny/u.data")
        try FileManager.default.createDirectory(at: old.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("old\n".utf8).write(to: old)
        let entry = tiny.entry(url: server.url("/tiny.zip"))

        let error = try #require(throws: DatasetInstallError.self) { try DatasetFetcher.fetch(entry, into: directory(root)) }
        #expect(error.description.contains("already in \(root.appendingPathComponent("tiny").path)"))
        #expect(error.description.contains("--force"))
        #expect(server.requests.isEmpty, "nothing is downloaded")
        #expect(FileManager.default.contents(atPath: old.path) == Data("old\n".utf8))
        #expect(TestTools.tree(root) == ["tiny", "tiny/u.data"])

        let report = try DatasetFetcher.fetch(entry, into: directory(root), options: DatasetFetcher.Options(force: true))
        #expect(report.replaced)
        #expect(FileManager.default.contents(atPath: old.path) == TinyDataset.ratings)
        #expect(TestTools.tree(root) == ["tiny", "tiny/.recbench-provenance.json", "tiny/README", "tiny/u.data", "tiny/u.item"])
    }

    @Test("--force does not destroy the old folder when the new download fails")
    func forceKeepsOldOnFailure() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .cut(TinyDataset.zip, sent: 10)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let old = root.appendingPathComponent("tiny/u.data")
        try FileManager.default.createDirectory(at: old.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("old\n".utf8).write(to: old)
        #expect(throws: DownloadError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip")), into: directory(root), options: DatasetFetcher.Options(force: true))
        }
        #expect(TestTools.tree(root) == ["tiny", "tiny/u.data"])
        #expect(FileManager.default.contents(atPath: old.path) == Data("old\n".utf8))
    }

    @Test("without a known checksum: refused before downloading; accepted with --insecure-skip-checksum")
    func unknownChecksum() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let entry = tiny.entry(url: server.url("/tiny.zip"), archiveSHA: .some(nil))
        let error = try #require(throws: DatasetInstallError.self) { try DatasetFetcher.fetch(entry, into: directory(root)) }
        #expect(error.description.contains("no trustworthy SHA-256"))
        #expect(error.description.contains("--insecure-skip-checksum"))
        #expect(error.description.contains("recbench data import tiny"))
        #expect(server.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root.path) || TestTools.tree(root) == [])

        let report = try DatasetFetcher.fetch(entry, into: directory(root), options: DatasetFetcher.Options(insecureSkipChecksum: true))
        #expect(!report.fullyVerified)
        #expect(report.sources[0].contains("NOT verified"))
        // The unpacked file with a known checksum is still checked.
        #expect(report.files.first?.status == .verified)
    }

    @Test("--url replaces the source; the known checksum still applies")
    func mirror() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/mirror/tiny.zip": .body(TinyDataset.zip), "/other.zip": .body(Data("not it".utf8))])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let entry = tiny.entry(url: "http://127.0.0.1:1/never-used.zip")
        _ = try DatasetFetcher.fetch(entry, into: directory(root), options: DatasetFetcher.Options(url: server.url("/mirror/tiny.zip")))
        #expect(server.requests == ["/mirror/tiny.zip"])

        let other = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        let error = try #require(throws: DatasetInstallError.self) {
            try DatasetFetcher.fetch(entry, into: directory(other), options: DatasetFetcher.Options(url: server.url("/other.zip")))
        }
        #expect(error.description.contains("checksum mismatch"))
        #expect(TestTools.tree(other) == [])

        #expect(throws: DatasetInstallError.self) {
            try DatasetFetcher.fetch(entry, into: directory(other), options: DatasetFetcher.Options(url: "ftp://example.org/tiny.zip"))
        }
    }

    @Test("an unpacked file that differs from its known checksum: nothing installed, both hashes shown")
    func unpackedFileMismatch() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let wrong = String(repeating: "a", count: 64)
        let error = try #require(throws: DatasetInstallError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip"), ratingsSHA: .some(wrong)), into: directory(root))
        }
        #expect(error.description.contains("u.data: expected sha256 \(wrong)"))
        #expect(error.description.contains("got sha256 \(tiny.ratingsSHA)"))
        #expect(TestTools.tree(root) == [])
    }

    @Test("an archive without a required file: nothing installed, the missing file named")
    func missingFile() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let error = try #require(throws: DatasetInstallError.self) {
            try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip"), extraRequired: ["u.user"]), into: directory(root))
        }
        #expect(error.description.contains("u.user is missing"))
        #expect(error.description.contains("found: README, u.data, u.item"))
        #expect(TestTools.tree(root) == [])
    }

    @Test("an archive with an entry outside its folder is refused before unpacking")
    func zipSlip() throws {
        let evil = TestZip.make([("tiny/u.data", TinyDataset.ratings), ("../evil.txt", Data("x".utf8))])
        let server = try LocalHTTPServer(["/tiny.zip": .body(evil)])
        defer { server.stop() }
        let parent = freshDataDirectory()
        let root = parent.appendingPathComponent("data")
        defer { try? FileManager.default.removeItem(at: parent) }
        var entry = try TinyDataset().entry(url: server.url("/tiny.zip"))
        entry.source = .archive(RemoteFile(url: server.url("/tiny.zip"), sha256: try TestTools.sha256(evil)), root: "tiny")
        let error = try #require(throws: ArchiveError.self) { try DatasetFetcher.fetch(entry, into: directory(root)) }
        #expect(error.description.contains("../evil.txt"))
        #expect(TestTools.tree(parent) == ["data"])
    }

    @Test("a dataset fetched file by file (LightGCN's layout), each checked; one bad file spoils all")
    func fileByFile() throws {
        let train = Data("0 0 1\n1 1\n".utf8), test = Data("0 2\n1 0\n".utf8)
        let server = try LocalHTTPServer(["/lgcn/toy/train.txt": .body(train), "/lgcn/toy/test.txt": .body(test)])
        defer { server.stop() }
        func entry(testSHA: String) throws -> KnownDataset {
            KnownDataset(name: "toy", folder: "toy", marker: "train.txt", summary: "", licence: "", hasFixedSplit: true,
                         source: .files([NamedRemoteFile("train.txt", RemoteFile(url: server.url("/lgcn/toy/train.txt"), sha256: try TestTools.sha256(train))),
                                         NamedRemoteFile("test.txt", RemoteFile(url: server.url("/lgcn/toy/test.txt"), sha256: testSHA))]),
                         files: [ExpectedFile("train.txt"), ExpectedFile("test.txt")])
        }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = try DatasetFetcher.fetch(try entry(testSHA: try TestTools.sha256(test)), into: directory(root))
        #expect(report.fullyVerified)
        #expect(TestTools.tree(root) == ["toy", "toy/.recbench-provenance.json", "toy/test.txt", "toy/train.txt"])
        let (dataset, split) = try LightGCNFormat.load(trainFile: root.appendingPathComponent("toy/train.txt").path,
                                                       testFile: root.appendingPathComponent("toy/test.txt").path, name: "toy")
        #expect(dataset.interactionCount == 5 && split.train.count == 3 && split.test.count == 2)

        let other = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        #expect(throws: DatasetInstallError.self) { try DatasetFetcher.fetch(try entry(testSHA: String(repeating: "1", count: 64)), into: directory(other)) }
        #expect(TestTools.tree(other) == [])

        // --url as a base folder: the file names are appended.
        let plan = try DatasetFetcher.plan(try entry(testSHA: "x").source!, dataset: try entry(testSHA: "x"), override: server.url("/lgcn/toy"))
        #expect(plan.map(\.file.url) == [server.url("/lgcn/toy/train.txt"), server.url("/lgcn/toy/test.txt")])
    }

    @Test("staging folders abandoned by a dead process are removed; a live one's are kept")
    func abandonedStaging() throws {
        let tiny = try TinyDataset()
        let server = try LocalHTTPServer(["/tiny.zip": .body(TinyDataset.zip)])
        defer { server.stop() }
        let root = freshDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // A pid above the kernel's pid_max (4194304 at most) cannot be a live process.
        let dead = root.appendingPathComponent(".recbench-staging-tiny-9999999-deadbeef")
        let live = root.appendingPathComponent(".recbench-staging-tiny-\(getpid())-0livepid")
        for folder in [dead, live] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        _ = try DatasetFetcher.fetch(tiny.entry(url: server.url("/tiny.zip")), into: directory(root))
        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }
}

@Suite("download progress display")
struct ProgressPrinterTests {
    private func output(interactive: Bool, _ reports: [TransferProgress]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recbench-progress-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        let printer = ProgressPrinter(output: handle, interactive: interactive)
        for report in reports { printer(report) }
        try handle.close()
        return try String(contentsOf: file, encoding: .utf8)
    }

    private func report(_ bytes: Int64, of total: Int64?, finished: Bool = false) -> TransferProgress {
        TransferProgress(label: "x.zip", bytes: bytes, total: total, elapsed: 2, finished: finished)
    }

    @Test("not a terminal: one plain line per tenth, and the last")
    func plainLines() throws {
        // 10 MB total: reports at 0.5, 1.5, 1.9, 5.2, 10 MB cross the tenths 0, 1, 1, 5, 10 → four lines
        // (the repeat of tenth 1 is silent); rates are bytes / 2 s.
        let text = try output(interactive: false, [report(500_000, of: 10_000_000), report(1_500_000, of: 10_000_000),
                                                   report(1_900_000, of: 10_000_000), report(5_200_000, of: 10_000_000),
                                                   report(10_000_000, of: 10_000_000, finished: true)])
        #expect(text == """
            x.zip: 0.5 / 10.0 MB (5%), 0.2 MB/s
            x.zip: 1.5 / 10.0 MB (15%), 0.8 MB/s
            x.zip: 5.2 / 10.0 MB (52%), 2.6 MB/s
            x.zip: 10.0 / 10.0 MB (100%), 5.0 MB/s

            """)
    }

    @Test("a terminal: a bar redrawn in place, a newline at the end")
    func bar() throws {
        let text = try output(interactive: true, [report(2_500_000, of: 10_000_000), report(10_000_000, of: 10_000_000, finished: true)])
        // 25% of 24 cells = 6 filled.
        #expect(text == "\rx.zip  [######------------------]  25%  2.5 / 10.0 MB  1.2 MB/s"
            + "\rx.zip  [########################] 100%  10.0 / 10.0 MB  5.0 MB/s\n")
    }

    @Test("unknown size: a line every 10 MB")
    func unknownSize() throws {
        let text = try output(interactive: false, [report(3_000_000, of: nil), report(11_000_000, of: nil), report(12_000_000, of: nil, finished: true)])
        #expect(text == "x.zip: 3.0 MB, 1.5 MB/s\nx.zip: 11.0 MB, 5.5 MB/s\nx.zip: 12.0 MB, 6.0 MB/s\n")
    }
}
