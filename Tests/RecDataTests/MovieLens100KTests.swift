import Foundation
import Testing
import RecData

// MovieLens 100K reader. Tiny fixtures are written by hand into a temporary `<dir>/ml-100k/`; every
// expected value below is worked out from the fixture text in the comments, and the real-data
// figures come from the dataset's own README / u.info and from `SOURCE.md` in the shared data folder.

// MARK: - Fixture helpers

/// ISO-8859-1 bytes of `text`: one byte per Unicode scalar, which must be below U+0100.
private func latin1(_ text: String) -> Data {
    Data(text.unicodeScalars.map { scalar in
        precondition(scalar.value < 0x100, "\(scalar) is not Latin-1")
        return UInt8(scalar.value)
    })
}

/// A temporary data directory laid out as `<root>/ml-100k/u.data` (and `u.item`).
private struct Fixture {
    let root: URL
    var folder: URL { root.appendingPathComponent("ml-100k") }
    var ratingsFile: URL { folder.appendingPathComponent("u.data") }
    var itemFile: URL { folder.appendingPathComponent("u.item") }
    var directory: DataDirectory { DataDirectory.resolve(explicit: root.path, environment: [:]) }

    init(uData: Data?, uItem: Data?) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("recbench-ml100k-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("ml-100k"), withIntermediateDirectories: true)
        if let uData { try uData.write(to: ratingsFile) }
        if let uItem { try uItem.write(to: itemFile) }
    }

    init(uData: String, uItem: String? = nil) throws {
        try self.init(uData: Data(uData.utf8), uItem: uItem.map(latin1))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The 19 genre flags with the given positions set (0 = unknown … 18 = Western, as in u.genre).
private func flags(_ on: Set<Int>) -> String {
    (0..<19).map { on.contains($0) ? "1" : "0" }.joined(separator: "|")
}

// u.data, deliberately not in id order. Original user ids 42, 7, 100, 3 → sorted numerically
// 3, 7, 42, 100 → dense 0, 1, 2, 3 (a string sort would give 100, 3, 42, 7). Rated items 20, 5, 310.
private let ratingLines = [
    "42\t20\t4\t881250949",   // user 2, item 2
    "7\t5\t3\t891717742",     // user 1, item 0
    "100\t310\t5\t878887116", // user 3, item 3
    "3\t20\t1\t880606923",    // user 0, item 2
    "42\t5\t2\t886397596",    // user 2, item 0
    "7\t310\t4\t884182806",   // user 1, item 3
]

// u.item, not in id order either. Item 9 is in the catalogue but has no rating, so the items are
// 5, 9, 20, 310 → dense 0, 1, 2, 3.
private let itemLines = [
    "310|Rocket Man (1997)|01-Jan-1997||http://us.imdb.com/M/title-exact?Rocket+Man+(1997)|" + flags([5]),
    "5|Mis\u{E9}rables, Les (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Mis%E9rables%2C%20Les%20%281995%29|" + flags([8, 12]),
    "20|Angels and Insects (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Angels%20and%20Insects%20(1995)|" + flags([8, 14]),
    "9|Caf\u{E9} au Lait (1993)|01-Jan-1993||http://us.imdb.com/Title?Caf%E9+au+Lait+(1993)|" + flags([0, 18]),
]

private struct Row: Hashable, Comparable {
    var user: Int32, item: Int32, rating: Float, timestamp: Int64
    static func < (a: Row, b: Row) -> Bool {
        (a.user, a.item, a.timestamp) < (b.user, b.item, b.timestamp)
    }
}

private func rows(_ dataset: Dataset) -> [Row] {
    (0..<dataset.interactionCount).map {
        Row(user: dataset.users[$0], item: dataset.items[$0], rating: dataset.ratings[$0], timestamp: dataset.timestamps[$0])
    }.sorted()
}

/// The fixture's interactions in dense ids, worked out by hand from the comments on `ratingLines`.
private let expectedRows: [Row] = [
    Row(user: 0, item: 2, rating: 1, timestamp: 880606923), // 3 → 20
    Row(user: 1, item: 0, rating: 3, timestamp: 891717742), // 7 → 5
    Row(user: 1, item: 3, rating: 4, timestamp: 884182806), // 7 → 310
    Row(user: 2, item: 0, rating: 2, timestamp: 886397596), // 42 → 5
    Row(user: 2, item: 2, rating: 4, timestamp: 881250949), // 42 → 20
    Row(user: 3, item: 3, rating: 5, timestamp: 878887116), // 100 → 310
]

private let expectedTitles = ["Mis\u{E9}rables, Les (1995)", "Caf\u{E9} au Lait (1993)", "Angels and Insects (1995)", "Rocket Man (1997)"]
private let expectedGenres = [["Drama", "Musical"], ["unknown", "Western"], ["Drama", "Romance"], ["Comedy"]]

private func lines(_ lines: [String], ending: String = "\n") -> String {
    lines.map { $0 + ending }.joined()
}

/// Loads a fixture that must fail and returns the `DataFileError`.
private func loadFailure(uData: String, uItem: String? = nil) throws -> (DataFileError, Fixture) {
    let fixture = try Fixture(uData: uData, uItem: uItem)
    defer { fixture.remove() }
    let error = try #require(throws: DataFileError.self) { try MovieLens100K.load(from: fixture.directory) }
    return (error, fixture)
}

// MARK: - Reading

@Suite("MovieLens 100K reader")
struct MovieLens100KReaderTests {
    @Test("the fixture file bytes are what the tests think they are")
    func fixtureBytes() throws {
        let fixture = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { fixture.remove() }
        let itemBytes = try Data(contentsOf: fixture.itemFile)
        // "é" is the single byte 0xE9 (Latin-1), never the UTF-8 pair 0xC3 0xA9.
        #expect(itemBytes.contains(0xE9))
        #expect(!itemBytes.contains(0xC3))
        #expect(String(data: itemBytes, encoding: .utf8) == nil, "the fixture must not be valid UTF-8")
        for line in itemLines { #expect(line.split(separator: "|", omittingEmptySubsequences: false).count == 24) }
        // Line lengths 18 + 16 + 20 + 17 + 17 + 18 bytes (tabs and newlines included).
        #expect(try Data(contentsOf: fixture.ratingsFile).count == 106)
        #expect(itemBytes.count == 533)
    }

    @Test("dense ids in ascending original-id order, regardless of file order")
    func denseIDs() throws {
        let fixture = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        #expect(dataset.name == "ml-100k")
        #expect(dataset.userIDs == ["3", "7", "42", "100"])
        #expect(dataset.itemIDs == ["5", "9", "20", "310"])
        #expect(dataset.userCount == 4)
        #expect(dataset.itemCount == 4)
        #expect(dataset.interactionCount == 6)
        #expect(rows(dataset) == expectedRows)
        // 6 interactions over 4 × 4 cells.
        #expect(dataset.density == 6.0 / 16.0)
    }

    @Test("item side information: Latin-1 titles and the 19 genre flags")
    func sideInformation() throws {
        let fixture = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        #expect(dataset.itemTitles == expectedTitles)
        #expect(dataset.itemTitles[0].unicodeScalars.map(\.value).contains(0xE9))
        #expect(dataset.itemGenres == expectedGenres)
    }

    @Test("a catalogue item without ratings is still an item")
    func unratedItem() throws {
        let fixture = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        let nine = try #require(dataset.itemIDs.firstIndex(of: "9"))
        #expect(nine == 1)
        #expect(!dataset.items.contains(Int32(nine)))
        #expect(dataset.itemTitles[nine] == "Caf\u{E9} au Lait (1993)")
    }

    @Test("provenance: both files are listed with the SHA-256 of their bytes")
    func sourceFiles() throws {
        let fixture = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        #expect(dataset.sourceFiles.map { $0.name } == ["u.data", "u.item"])
        // Computed with coreutils sha256sum on the same bytes written by a separate script, not with SHA256.
        #expect(dataset.sourceFiles.map { $0.sha256 } == [
            "a99aab5edf248798af661b4a72a82b65e8dbf4b7601a1c8ea21e7eb26887529f",
            "c831fb1429028d8de04e432f885711ed7026a401af99076615310172f0b5cbc8",
        ])
    }

    @Test("the dataset fingerprint does not depend on file order, but does on the data")
    func fingerprint() throws {
        let a = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { a.remove() }
        let b = try Fixture(uData: lines(ratingLines.reversed()), uItem: lines(itemLines.reversed()))
        defer { b.remove() }
        var changed = ratingLines
        changed[2] = "100\t310\t4\t878887116" // rating 5 → 4
        let c = try Fixture(uData: lines(changed), uItem: lines(itemLines))
        defer { c.remove() }
        let fa = try MovieLens100K.load(from: a.directory).fingerprint()
        let fb = try MovieLens100K.load(from: b.directory).fingerprint()
        let fc = try MovieLens100K.load(from: c.directory).fingerprint()
        #expect(fa.count == 64)
        #expect(fa == fb)
        #expect(fa != fc)
    }

    @Test("without u.item the rated items are still read, with empty side information")
    func noItemFile() throws {
        let fixture = try Fixture(uData: lines(ratingLines))
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        #expect(dataset.itemIDs == ["5", "20", "310"])
        #expect(dataset.itemTitles == ["", "", ""])
        #expect(dataset.itemGenres == [[], [], []])
        #expect(dataset.sourceFiles.map { $0.name } == ["u.data"])
    }

    @Test("a rated item missing from u.item gets an empty title")
    func ratedItemMissingFromCatalogue() throws {
        // Item 77 is rated by user 3 but not in u.item: items 5, 9, 20, 77, 310 → 77 is dense 3.
        let fixture = try Fixture(uData: lines(ratingLines + ["3\t77\t2\t880000000"]), uItem: lines(itemLines))
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        #expect(dataset.itemIDs == ["5", "9", "20", "77", "310"])
        #expect(dataset.itemTitles[3] == "")
        #expect(dataset.itemGenres[3] == [])
        #expect(dataset.itemTitles[4] == "Rocket Man (1997)")
    }

    @Test("blank lines and a missing final newline are tolerated")
    func blankLinesAndNoFinalNewline() throws {
        let uData = ratingLines[0..<3].joined(separator: "\n") + "\n\n" + ratingLines[3...].joined(separator: "\n")
        let uItem = itemLines.joined(separator: "\n")
        let fixture = try Fixture(uData: uData, uItem: uItem)
        defer { fixture.remove() }
        let dataset = try MovieLens100K.load(from: fixture.directory)
        #expect(rows(dataset) == expectedRows)
        #expect(dataset.itemTitles == expectedTitles)
    }

    // In a Swift String "\r\n" is ONE Character, not equal to "\n": a reader that split on "\n"
    // alone would read a CRLF file as one line. These tests keep that from coming back.
    @Test("CRLF line ends are tolerated in u.data")
    func crlfRatings() throws {
        let fixture = try Fixture(uData: lines(ratingLines, ending: "\r\n"), uItem: lines(itemLines))
        defer { fixture.remove() }
        do {
            let dataset = try MovieLens100K.load(from: fixture.directory)
            #expect(dataset.userIDs == ["3", "7", "42", "100"])
            #expect(dataset.itemIDs == ["5", "9", "20", "310"])
            #expect(rows(dataset) == expectedRows)
        }
    }

    @Test("CRLF line ends are tolerated in u.item")
    func crlfItems() throws {
        let fixture = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines, ending: "\r\n"))
        defer { fixture.remove() }
        do {
            let dataset = try MovieLens100K.load(from: fixture.directory)
            #expect(dataset.itemIDs == ["5", "9", "20", "310"])
            #expect(dataset.itemTitles == expectedTitles)
            #expect(dataset.itemGenres == expectedGenres)
        }
    }

    @Test("a CRLF file is read exactly like the LF one (same fingerprint)")
    func crlfFingerprint() throws {
        let lf = try Fixture(uData: lines(ratingLines), uItem: lines(itemLines))
        defer { lf.remove() }
        let crlf = try Fixture(uData: lines(ratingLines, ending: "\r\n"), uItem: lines(itemLines, ending: "\r\n"))
        defer { crlf.remove() }
        let expected = try MovieLens100K.load(from: lf.directory).fingerprint()
        do {
            let fingerprint = try MovieLens100K.load(from: crlf.directory).fingerprint()
            #expect(fingerprint == expected)
        }
    }
}

// MARK: - Errors

@Suite("MovieLens 100K reader errors")
struct MovieLens100KErrorTests {
    @Test("wrong field count names the file and line")
    func wrongFieldCount() throws {
        // Line 2 has 3 fields.
        let (error, fixture) = try loadFailure(uData: lines([ratingLines[0], "7\t5\t3", ratingLines[2]]))
        #expect(error.file == fixture.ratingsFile.path)
        #expect(error.line == 2)
        #expect(error.field == nil)
        #expect(error.description.hasPrefix("\(fixture.ratingsFile.path):2"))
        #expect(error.description.contains("ml-100k/u.data:2"))
        // "expected 4 … fields …, found 3"
        #expect(error.message.contains("4"))
        #expect(error.message.contains("3"))
    }

    @Test("a non-integer user names the file, line and field")
    func nonIntegerUser() throws {
        // A blank line 2 still counts: the bad line is line 4 of the file.
        let (error, fixture) = try loadFailure(uData: ratingLines[0] + "\n\n" + ratingLines[1] + "\nseven\t5\t3\t891717742\n")
        #expect(error.file == fixture.ratingsFile.path)
        #expect(error.line == 4)
        #expect(error.field == "user")
        #expect(error.description.contains("ml-100k/u.data:4 (field user)"))
        #expect(error.description.contains("seven"))
    }

    @Test("a rating outside 1...5 or not a number names the rating field", arguments: ["0", "6", "x", "", "nan"])
    func badRating(rating: String) throws {
        let (error, fixture) = try loadFailure(uData: lines([ratingLines[0], ratingLines[1], "3\t20\t\(rating)\t880606923"]))
        #expect(error.file == fixture.ratingsFile.path)
        #expect(error.line == 3)
        #expect(error.field == "rating")
        #expect(error.description.contains("ml-100k/u.data:3 (field rating)"))
    }

    @Test("non-integer item and timestamp name their fields")
    func otherIntegerFields() throws {
        let (itemError, _) = try loadFailure(uData: lines(["3\tfive\t4\t880606923"]))
        #expect(itemError.line == 1)
        #expect(itemError.field == "item")
        let (timeError, _) = try loadFailure(uData: lines([ratingLines[0], "3\t20\t4\tyesterday"]))
        #expect(timeError.line == 2)
        #expect(timeError.field == "timestamp")
        #expect(timeError.description.contains("ml-100k/u.data:2 (field timestamp)"))
    }

    @Test("a duplicate (user, item) pair names the second line and the first")
    func duplicatePair() throws {
        // Lines 1 and 4 are both user 42 / item 20.
        let (error, fixture) = try loadFailure(uData: lines([ratingLines[0], ratingLines[1], ratingLines[2], "42\t20\t5\t890000000"]))
        #expect(error.file == fixture.ratingsFile.path)
        #expect(error.line == 4)
        #expect(error.description.contains("ml-100k/u.data:4"))
        #expect(error.description.contains("line 1"))
    }

    @Test("a bad genre flag in u.item names the file, line and genre")
    func badGenreFlag() throws {
        // Line 2 (item 5) has "2" in the Comedy column (flag position 5, field 11).
        var fields = itemLines[1].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        fields[5 + 5] = "2"
        let bad = fields.joined(separator: "|")
        let (error, fixture) = try loadFailure(uData: lines(ratingLines), uItem: lines([itemLines[0], bad, itemLines[2], itemLines[3]]))
        #expect(error.file == fixture.itemFile.path)
        #expect(error.line == 2)
        #expect(error.field == "Comedy")
        #expect(error.description.contains("ml-100k/u.item:2 (field Comedy)"))
        #expect(error.description.contains("\"2\""))
    }

    @Test("a u.item line with the wrong field count names the file and line")
    func itemFieldCount() throws {
        let short = "20|Angels and Insects (1995)|01-Jan-1995||http://x|0|0|0"
        let (error, fixture) = try loadFailure(uData: lines(ratingLines), uItem: lines([itemLines[0], itemLines[1], short]))
        #expect(error.file == fixture.itemFile.path)
        #expect(error.line == 3)
        #expect(error.description.contains("ml-100k/u.item:3"))
        #expect(error.description.contains("24"))
    }

    @Test("missing dataset folder: DatasetMissingError says where it looked and how to change it")
    func missingFolder() throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("recbench-ml100k-missing-\(UUID().uuidString)", isDirectory: true)
        #expect(!FileManager.default.fileExists(atPath: root.path))

        let explicit = DataDirectory.resolve(explicit: root.path, environment: [:])
        let error = try #require(throws: DatasetMissingError.self) { try MovieLens100K.load(from: explicit) }
        let folder = root.appendingPathComponent("ml-100k").path
        #expect(error.lookedIn == folder)
        #expect(error.missingFile == folder + "/u.data")
        #expect(error.description.contains("looked in: \(folder)"))
        #expect(error.description.contains("\(folder)/u.data"))
        #expect(error.description.contains("--data-dir"))
        #expect(error.description.contains("RECBENCH_DATA_DIR"))
        #expect(error.description.contains("ml-100k"))

        // Chosen by the environment variable: the description says so.
        let fromEnvironment = DataDirectory.resolve(explicit: nil, environment: ["RECBENCH_DATA_DIR": root.path, "HOME": "/nonexistent-home"])
        let error2 = try #require(throws: DatasetMissingError.self) { try MovieLens100K.load(from: fromEnvironment) }
        #expect(error2.description.contains("(chosen by RECBENCH_DATA_DIR)"))
        #expect(error2.description.contains("looked in: \(folder)"))
        #expect(!FileManager.default.fileExists(atPath: root.path), "loading must not create the folder")
    }

    @Test("a folder with u.item but no u.data is a missing dataset")
    func onlyItemFile() throws {
        let fixture = try Fixture(uData: nil, uItem: latin1(lines(itemLines)))
        defer { fixture.remove() }
        let error = try #require(throws: DatasetMissingError.self) { try MovieLens100K.load(from: fixture.directory) }
        #expect(error.description.contains("u.data"))
    }
}

// MARK: - Data directory

@Suite("DataDirectory.resolve")
struct DataDirectoryTests {
    @Test("explicit beats RECBENCH_DATA_DIR beats ~/.cache/recbench/datasets")
    func precedence() {
        let environment = ["RECBENCH_DATA_DIR": "/from/env", "HOME": "/home/tester"]
        let explicit = DataDirectory.resolve(explicit: "/from/flag", environment: environment)
        #expect(explicit.path == "/from/flag")
        #expect(explicit.origin == "--data-dir")

        let fromEnvironment = DataDirectory.resolve(explicit: nil, environment: environment)
        #expect(fromEnvironment.path == "/from/env")
        #expect(fromEnvironment.origin == "RECBENCH_DATA_DIR")

        let fallback = DataDirectory.resolve(explicit: nil, environment: ["HOME": "/home/tester"])
        #expect(fallback.path == "/home/tester/.cache/recbench/datasets")
        #expect(fallback.origin == "default")
    }

    @Test("an empty RECBENCH_DATA_DIR counts as unset")
    func emptyEnvironmentVariable() {
        let resolved = DataDirectory.resolve(explicit: nil, environment: ["RECBENCH_DATA_DIR": "", "HOME": "/home/tester"])
        #expect(resolved.path == "/home/tester/.cache/recbench/datasets")
        #expect(resolved.origin == "default")
    }
}

// MARK: - The real dataset

/// The shared data folder: `$RECBENCH_DATA_DIR` if it holds ml-100k/u.data, else
/// `<repository>/../shared/datasets` (repository root = three levels above this file).
private enum RealData {
    static let directory: String? = {
        var candidates: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["RECBENCH_DATA_DIR"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(repository.appendingPathComponent("../shared/datasets").standardized.path)
        return candidates.first { FileManager.default.fileExists(atPath: "\($0)/ml-100k/u.data") }
    }()

    static var available: Bool { directory != nil }

    /// Loaded once and shared by the tests below.
    static let dataset: Dataset? = directory.flatMap {
        try? MovieLens100K.load(from: DataDirectory.resolve(explicit: $0, environment: [:]))
    }
}

@Suite("MovieLens 100K, the real files", .enabled(if: RealData.available, "ml-100k/u.data not found"))
struct MovieLens100KRealDataTests {
    @Test("figures stated by the README, u.info and SOURCE.md")
    func figures() throws {
        let dataset = try #require(RealData.dataset, "ml-100k did not load")
        // README / u.info: "100,000 ratings (1-5) from 943 users on 1682 movies."
        #expect(dataset.userCount == 943)
        #expect(dataset.itemCount == 1682)
        #expect(dataset.interactionCount == 100_000)
        // README: "Users and items are numbered consecutively from 1", so dense id = original − 1.
        #expect(dataset.userIDs == (1...943).map(String.init))
        #expect(dataset.itemIDs == (1...1682).map(String.init))
        // README: "Each user has rated at least 20 movies."
        var perUser = [Int](repeating: 0, count: dataset.userCount)
        for user in dataset.users { perUser[Int(user)] += 1 }
        #expect(perUser.min() == 20)
        // SOURCE.md: rating counts {1: 6110, 2: 11370, 3: 27145, 4: 34174, 5: 21201}.
        var perRating: [Float: Int] = [:]
        for rating in dataset.ratings { perRating[rating, default: 0] += 1 }
        #expect(perRating == [1: 6110, 2: 11370, 3: 27145, 4: 34174, 5: 21201])
        // SOURCE.md: timestamps 874724710 – 893286638.
        #expect(dataset.timestamps.min() == 874_724_710)
        #expect(dataset.timestamps.max() == 893_286_638)
        // SOURCE.md: sha256 of u.data and u.item.
        // u.user is read too (demographics); its sha256 is in SOURCE.md as well.
        #expect(dataset.sourceFiles.map { $0.name } == ["u.data", "u.item", "u.user"])
        #expect(dataset.sourceFiles.map { $0.sha256 } == [
            "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
            "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
            "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        ])
    }

    @Test("Latin-1 titles decode, genres follow u.genre")
    func titles() throws {
        let dataset = try #require(RealData.dataset, "ml-100k did not load")
        // u.item line 1: "1|Toy Story (1995)|…|0|0|0|1|1|1|0|…" → Animation, Children's, Comedy.
        #expect(dataset.itemTitles[0] == "Toy Story (1995)")
        #expect(dataset.itemGenres[0] == ["Animation", "Children's", "Comedy"])
        // u.item line 543 holds byte 0xE9: "543|Mis\xE9rables, Les (1995)|…|0|0|0|0|0|0|0|0|1|0|0|0|1|0|0|0|0|0|0".
        #expect(dataset.itemTitles[542] == "Mis\u{E9}rables, Les (1995)")
        #expect(dataset.itemGenres[542] == ["Drama", "Musical"])
        // u.item line 1633 holds 0xC1 and 0xF6: "1633|\xC1 k\xF6ldum klaka (Cold Fever) (1994)|…", flags Comedy, Drama.
        #expect(dataset.itemTitles[1632] == "\u{C1} k\u{F6}ldum klaka (Cold Fever) (1994)")
        #expect(dataset.itemGenres[1632] == ["Comedy", "Drama"])
        // No title was mangled into replacement characters.
        #expect(!dataset.itemTitles.contains { $0.contains("\u{FFFD}") })
    }
}
