import Foundation
import Testing
@testable import RecData

// `recbench data import` from folders and archives. Expected checksums come from `sha256sum`; the
// real-data test uses the shared MovieLens 100K copy and the registry's checksums, which are the
// ones in its SOURCE.md.

private func freshFolder(_ label: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("recbench-\(label)-\(UUID().uuidString)", isDirectory: true)
}

private func directory(_ url: URL) -> DataDirectory { DataDirectory(path: url.path, origin: "test") }

/// "mini": u.data (required, known checksum), u.item (required), notes.txt (optional).
private struct Mini {
    static let ratings = Data("1\t10\t4\t881250949\n2\t10\t3\t881250950\n".utf8)
    static let items = Data(("10|Ten (1995)|01-Jan-1995||http://x|" + Array(repeating: "0", count: 19).joined(separator: "|") + "\n").utf8)
    let ratingsSHA: String

    init() throws { ratingsSHA = try TestTools.sha256(Self.ratings) }

    var entry: KnownDataset {
        KnownDataset(name: "mini", folder: "mini", marker: "u.data", summary: "", licence: "", hasFixedSplit: false, source: nil,
                     files: [ExpectedFile("u.data", sha256: ratingsSHA), ExpectedFile("u.item"), ExpectedFile("notes.txt", required: false)])
    }

    /// Writes the files into `folder` (created), with `ratings` in place of the real u.data if given.
    static func write(into folder: URL, ratings: Data = Mini.ratings) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ratings.write(to: folder.appendingPathComponent("u.data"))
        try items.write(to: folder.appendingPathComponent("u.item"))
    }
}

@Suite("data import")
struct DatasetImporterTests {
    @Test("from a folder: copied, checked, moved into place")
    func fromFolder() throws {
        let mini = try Mini()
        let source = freshFolder("import-source"), root = freshFolder("import-data")
        defer { for url in [source, root] { try? FileManager.default.removeItem(at: url) } }
        try Mini.write(into: source)
        try Data("hidden".utf8).write(to: source.appendingPathComponent(".DS_Store"))

        let report = try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root))
        #expect(report.files.map(\.status) == [.verified, .unchecked, .absent])
        #expect(!report.fullyVerified, "u.item has no known checksum")
        #expect(TestTools.tree(root) == ["mini", "mini/.recbench-provenance.json", "mini/u.data", "mini/u.item"])
        #expect(FileManager.default.contents(atPath: root.appendingPathComponent("mini/u.data").path) == Mini.ratings)
        // The source is untouched.
        #expect(TestTools.tree(source) == [".DS_Store", "u.data", "u.item"])
    }

    @Test("from a parent folder or a zip holding the dataset folder one level down", .enabled(if: TestTools.hasUnzip, "needs /usr/bin/unzip"))
    func nested() throws {
        let mini = try Mini()
        let parent = freshFolder("import-parent"), root = freshFolder("import-data")
        defer { for url in [parent, root] { try? FileManager.default.removeItem(at: url) } }
        try Mini.write(into: parent.appendingPathComponent("downloads/mini"))
        _ = try DatasetImporter.importDataset(mini.entry, from: parent.path, into: directory(root))
        #expect(FileManager.default.contents(atPath: root.appendingPathComponent("mini/u.data").path) == Mini.ratings)

        let zip = parent.appendingPathComponent("mini.zip")
        try TestZip.make([("mini-1.0/u.data", Mini.ratings), ("mini-1.0/u.item", Mini.items)]).write(to: zip)
        let report = try DatasetImporter.importDataset(mini.entry, from: zip.path, into: directory(root), options: DatasetImporter.Options(force: true))
        #expect(report.replaced)
        #expect(report.sources.count == 1 && report.sources[0].contains("no official archive checksum known"))
        #expect(TestTools.tree(root) == ["mini", "mini/.recbench-provenance.json", "mini/u.data", "mini/u.item"])
    }

    @Test("from a tar.gz made by tar")
    func fromTarGz() throws {
        let mini = try Mini()
        let work = freshFolder("import-tar"), root = freshFolder("import-data")
        defer { for url in [work, root] { try? FileManager.default.removeItem(at: url) } }
        try Mini.write(into: work.appendingPathComponent("mini"))
        try TestTools.run("/usr/bin/tar", ["-czf", "mini.tar.gz", "mini"], in: work)
        #expect(Archive.kind(of: work.appendingPathComponent("mini.tar.gz").path) == .gzippedTar)
        _ = try DatasetImporter.importDataset(mini.entry, from: work.appendingPathComponent("mini.tar.gz").path, into: directory(root))
        #expect(TestTools.tree(root) == ["mini", "mini/.recbench-provenance.json", "mini/u.data", "mini/u.item"])
    }

    @Test("a file that differs from the published one: nothing installed; installed with --insecure-skip-checksum, marked")
    func modifiedFile() throws {
        let mini = try Mini()
        let source = freshFolder("import-source"), root = freshFolder("import-data")
        defer { for url in [source, root] { try? FileManager.default.removeItem(at: url) } }
        // The same ratings with CRLF line ends: what a careless copy does.
        let crlf = Data(String(decoding: Mini.ratings, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        try Mini.write(into: source, ratings: crlf)
        let crlfSHA = try TestTools.sha256(crlf)

        let error = try #require(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root))
        }
        #expect(error.description.contains("u.data: expected sha256 \(mini.ratingsSHA)"))
        #expect(error.description.contains("got sha256 \(crlfSHA)"))
        #expect(error.description.contains("--insecure-skip-checksum"))
        #expect(TestTools.tree(root) == [])

        let report = try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root),
                                                       options: DatasetImporter.Options(insecureSkipChecksum: true))
        #expect(report.files[0].status == .mismatch)
        #expect(!report.fullyVerified)
        let provenance = try String(contentsOf: root.appendingPathComponent("mini/.recbench-provenance.json"), encoding: .utf8)
        #expect(provenance.contains("\"mismatch\""))
        #expect(provenance.contains(mini.ratingsSHA))
    }

    @Test("a folder without the marker, a missing required file, an existing dataset, a bad path")
    func refusals() throws {
        let mini = try Mini()
        let source = freshFolder("import-source"), root = freshFolder("import-data")
        defer { for url in [source, root] { try? FileManager.default.removeItem(at: url) } }
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Mini.items.write(to: source.appendingPathComponent("u.item"))
        let noMarker = try #require(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root))
        }
        #expect(noMarker.description.contains("no u.data in \(source.path)"))
        #expect(TestTools.tree(root) == [])

        try FileManager.default.removeItem(at: source.appendingPathComponent("u.item"))
        try Mini.ratings.write(to: source.appendingPathComponent("u.data"))
        let missing = try #require(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root))
        }
        #expect(missing.description.contains("u.item is missing"))
        #expect(TestTools.tree(root) == [])

        try Mini.items.write(to: source.appendingPathComponent("u.item"))
        _ = try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root))
        let exists = try #require(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: source.path, into: directory(root))
        }
        #expect(exists.description.contains("already in"))
        let itself = try #require(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: root.appendingPathComponent("mini").path, into: directory(root),
                                              options: DatasetImporter.Options(force: true))
        }
        #expect(itself.description.contains("already in place"))
        #expect(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: source.path + "/nope", into: directory(root))
        }
        let notArchive = source.appendingPathComponent("u.item").path
        let bad = try #require(throws: DatasetInstallError.self) {
            try DatasetImporter.importDataset(mini.entry, from: notArchive, into: directory(root), options: DatasetImporter.Options(force: true))
        }
        #expect(bad.description.contains("neither a folder nor"))
    }

    @Test("the shared MovieLens 100K copy imports with every file verified and reads 943 / 1,682 / 100,000",
          .enabled(if: ReaderTestData.has("ml-100k/u.data"), "needs the shared datasets"))
    func realMovieLens100K() throws {
        let root = freshFolder("import-ml100k")
        defer { try? FileManager.default.removeItem(at: root) }
        let known = try #require(DatasetRegistry.named("ml-100k"))
        let report = try DatasetImporter.importDataset(known, from: ReaderTestData.directory + "/ml-100k", into: directory(root))
        // SOURCE.md lists 21 files with sha256; the registry knows the same 21 (README optional).
        #expect(report.files.count == 21)
        #expect(report.files.allSatisfy { $0.status == .verified })
        #expect(report.fullyVerified)
        let (dataset, _) = try known.load(from: directory(root))
        #expect(dataset.userCount == 943 && dataset.itemCount == 1682 && dataset.interactionCount == 100_000)
    }
}
