import Foundation
import Testing
@testable import RecData

// The bad inputs of issue #3, item 7, each in a reader that meets it in practice: the error names
// the file, the line and (where there is one) the field; under `--skip-bad-rows` the row is left
// out whole and counted, and problems of a whole file still stop the read. Line numbers are
// counted by hand in the comments.

/// A dataset folder with the given files (name → bytes).
private func folder(_ files: [String: [UInt8]]) throws -> ReaderFixtureFolder {
    let folder = try ReaderFixtureFolder("bad-input")
    for (name, bytes) in files { try folder.write(name, bytes: bytes) }
    return folder
}

private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

private let flags = Array(repeating: "0", count: 19).joined(separator: "|")

/// One bad input: files, how to read them, and where the error must point.
private struct BadCase: CustomTestStringConvertible, Sendable {
    var label: String
    var files: [String: [UInt8]]
    var read: @Sendable (String) throws -> Dataset
    var file: String
    var line: Int?
    var field: String?
    var message: String
    /// What reading with a `BadRowLog` gives: nil when the problem is the whole file's (still an
    /// error), else the rows kept and how many were skipped.
    var skipped: (rows: Int, count: Int)?

    var testDescription: String { label }
}

private func movieLensCSV(_ folder: String) throws -> Dataset { try MovieLensCSV.load(folder: folder, name: "ml") }
private func movieLens100K(_ folder: String) throws -> Dataset {
    try MovieLens100K.load(ratingsFile: folder + "/u.data", itemFile: FileManager.default.fileExists(atPath: folder + "/u.item") ? folder + "/u.item" : nil)
}
private func movieLens1M(_ folder: String) throws -> Dataset {
    try MovieLens1M10M.load(ratingsFile: folder + "/ratings.dat", moviesFile: nil, release: .ml1m)
}
private func recBole(_ folder: String) throws -> Dataset { try RecBoleAtomic.load(folder: folder, name: "toy") }
private func delimited(_ folder: String) throws -> Dataset {
    try DelimitedReader.load(file: folder + "/data.csv", mapping: ColumnMapping(user: .name("u"), item: .name("i"), rating: .name("r")))
}

private let header = "userId,movieId,rating,timestamp"

private let cases: [BadCase] = [
    // Lines: 1 header, 2 good, 3 good, 4 "3,20" (two fields), 5 good.
    BadCase(label: "truncated line", files: ["ratings.csv": utf8("\(header)\n1,10,4.0,1\n2,10,3.5,2\n3,20\n3,10,5.0,3\n")],
            read: movieLensCSV, file: "ratings.csv", line: 4, field: nil, message: "expected 4 fields, found 2 (truncated line?)",
            skipped: (3, 1)),
    // Line 2 has a fifth field.
    BadCase(label: "wrong field count", files: ["ratings.dat": utf8("1::10::4::881250949\n1::20::3::881250950::x\n2::10::5::881250951\n")],
            read: movieLens1M, file: "ratings.dat", line: 2, field: nil, message: "expected 4 fields, found 5", skipped: (2, 1)),
    // Line 3 rates "four".
    BadCase(label: "non-numeric rating", files: ["u.data": utf8("1\t10\t4\t1\n2\t10\t3\t2\n3\t20\tfour\t3\n")],
            read: movieLens100K, file: "u.data", line: 3, field: "rating", message: "\"four\" is not a finite number", skipped: (2, 1)),
    BadCase(label: "NaN rating", files: ["ratings.csv": utf8("\(header)\n1,10,4.0,1\n2,10,nan,2\n")],
            read: movieLensCSV, file: "ratings.csv", line: 3, field: "rating", message: "\"nan\" is not a finite number", skipped: (1, 1)),
    // The RecBole header is line 1; line 3 has user -3.
    BadCase(label: "negative id", files: ["toy.inter": utf8("user_id:token\titem_id:token\trating:float\n1\t7\t4\n-3\t7\t4\n2\t8\t3\n")],
            read: recBole, file: "toy.inter", line: 3, field: "user_id", message: "id -3 is negative", skipped: (2, 1)),
    BadCase(label: "overflowing id", files: ["data.csv": utf8("u,i,r\n1,7,4\n2,99999999999999999999,3\n")],
            read: delimited, file: "data.csv", line: 3, field: "i", message: "overflows a 64-bit integer", skipped: (1, 1)),
    BadCase(label: "empty file", files: ["ratings.csv": []],
            read: movieLensCSV, file: "ratings.csv", line: nil, field: nil, message: "the file is empty", skipped: nil),
    // A byte-order mark does not shift the line numbers: the bad row is still line 3.
    BadCase(label: "byte-order mark", files: ["ratings.csv": [0xEF, 0xBB, 0xBF] + utf8("\(header)\n1,10,4.0,1\n2,x,3.0,2\n3,10,2.0,3\n")],
            read: movieLensCSV, file: "ratings.csv", line: 3, field: "movieId", message: "id \"x\" is not an integer", skipped: (2, 1)),
    // Line ends CRLF (1), CR (2), LF (3), CRLF (4): the bad row is line 4.
    BadCase(label: "mixed line ends", files: ["ratings.csv": utf8("\(header)\r\n1,10,4.0,1\r2,10,3.0,2\n3,10,9.0,3\r\n4,10,1.0,4")],
            read: movieLensCSV, file: "ratings.csv", line: 4, field: "rating", message: "rating 9.0 is outside 0.5...5.0", skipped: (3, 1)),
    BadCase(label: "unknown column name", files: ["data.csv": utf8("u,item,r\n1,7,4\n")],
            read: delimited, file: "data.csv", line: 1, field: "item", message: "no column named \"i\"", skipped: nil),
    // Line 3 has text after a closing quote: skipping resumes on line 4.
    BadCase(label: "text after a closing quote", files: ["data.csv": utf8("u,i,r\n1,7,4\n2,\"7\"x,4\n3,8,5\n")],
            read: delimited, file: "data.csv", line: 3, field: "field 2", message: "unexpected character after the closing quote", skipped: (2, 1)),
    // Line 4 repeats the pair of line 1.
    BadCase(label: "a repeated pair in MovieLens 100K", files: ["u.data": utf8("1\t10\t4\t1\n2\t10\t3\t2\n2\t20\t3\t2\n1\t10\t5\t3\n")],
            read: movieLens100K, file: "u.data", line: 4, field: nil, message: "(first on line 1)", skipped: (3, 1)),
    // u.item line 2 has a "2" in the Action column (field 7).
    BadCase(label: "a bad genre flag", files: ["u.data": utf8("1\t10\t4\t1\n"),
                                               "u.item": utf8("10|Ten (1995)|||x|\(flags)\n20|Twenty (1996)|||y|0|2|" + Array(repeating: "0", count: 17).joined(separator: "|") + "\n")],
            read: movieLens100K, file: "u.item", line: 2, field: "Action", message: "genre flag \"2\" must be 0 or 1", skipped: (1, 1)),
]

@Suite("bad input: file, line and field; --skip-bad-rows")
struct BadInputTests {
    @Test("each bad input names the file, the line and the field", arguments: cases)
    fileprivate func named(_ bad: BadCase) throws {
        let fixture = try folder(bad.files)
        defer { fixture.remove() }
        let error = try #require(throws: DataFileError.self) { try bad.read(fixture.path) }
        #expect(error.file == fixture.path + "/" + bad.file)
        #expect(error.line == bad.line)
        #expect(error.field == bad.field)
        #expect(error.message.contains(bad.message), "\(error.message)")
        var location = "\(fixture.path)/\(bad.file)"
        if let line = bad.line { location += ":\(line)" }
        if let field = bad.field { location += " (field \(field))" }
        #expect(error.description.hasPrefix(location + ": "))
    }

    @Test("skipping: the bad row is left out and counted; whole-file problems still stop", arguments: cases)
    fileprivate func skipped(_ bad: BadCase) throws {
        let fixture = try folder(bad.files)
        defer { fixture.remove() }
        let log = BadRowLog()
        guard let expected = bad.skipped else {
            let error = try #require(throws: DataFileError.self) { try log.reading { try bad.read(fixture.path) } }
            #expect(error.line == bad.line)
            #expect(log.count == 0)
            return
        }
        let dataset = try log.reading { try bad.read(fixture.path) }
        #expect(dataset.interactionCount == expected.rows)
        #expect(log.count == expected.count)
        let first = try #require(log.examples.first)
        #expect(first.file == fixture.path + "/" + bad.file && first.line == bad.line && first.field == bad.field)
        #expect(log.perFile.map(\.count) == [expected.count])
        #expect(log.summary.hasPrefix("skipped 1 bad row (\(bad.file): 1)\nthe row:\n  \(fixture.path)/\(bad.file):\(bad.line!)"))
    }

    @Test("a skipped row adds no user or item that only it mentioned")
    func noPhantoms() throws {
        // Line 2: new user 7 with a bad item; line 3: new user 8 and new item 30 with a bad rating;
        // line 4: new item 40 with a bad timestamp. None of 7, 8, 30, 40 may appear.
        let fixture = try folder(["u.data": utf8("1\t10\t4\t1\n7\tx\t4\t2\n8\t30\t9\t3\n1\t40\t3\tlater\n2\t10\t5\t4\n")])
        defer { fixture.remove() }
        let log = BadRowLog()
        let dataset = try MovieLens100K.load(ratingsFile: fixture.path + "/u.data", itemFile: nil, badRows: log)
        #expect(log.count == 3)
        #expect(dataset.userIDs == ["1", "2"])
        #expect(dataset.itemIDs == ["10"])
        #expect(dataset.interactionCount == 2)
        #expect(log.examples.map(\.line) == [2, 3, 4])
        #expect(log.examples.map(\.field) == ["item", "rating", "timestamp"])
    }

    @Test("many bad rows: all counted, the first five kept, per file")
    func many() throws {
        // Row k is on line k + 1; the even rows (lines 3, 5, …, 17: 8 of them) have a bad rating.
        // tags.csv has one bad row (line 3, two fields).
        var lines = [header]
        for k in 1...16 { lines.append(k % 2 == 1 ? "\(k),10,4.0,\(k)" : "\(k),10,bad,\(k)") }
        let fixture = try folder(["ratings.csv": utf8(lines.joined(separator: "\n") + "\n"),
                                  "tags.csv": utf8("userId,movieId,tag,timestamp\n1,10,fun,5\n1,10\n")])
        defer { fixture.remove() }
        let log = BadRowLog()
        let dataset = try MovieLensCSV.load(folder: fixture.path, name: "ml", badRows: log)
        #expect(dataset.interactionCount == 8)
        #expect(log.count == 9)
        #expect(log.examples.map(\.line) == [3, 5, 7, 9, 11])
        #expect(log.perFile.map { URL(fileURLWithPath: $0.file).lastPathComponent } == ["ratings.csv", "tags.csv"])
        #expect(log.perFile.map(\.count) == [8, 1])
        #expect(log.summary.hasPrefix("skipped 9 bad rows (ratings.csv: 8, tags.csv: 1)\nfirst 5:\n"))
        #expect(dataset.itemTags[0] == ["fun"])
    }

    @Test("a file whose every row is bad is still an error")
    func everyRowBad() throws {
        let fixture = try folder(["ratings.csv": utf8("\(header)\n1,10,x,1\n2,10,y,2\n")])
        defer { fixture.remove() }
        let log = BadRowLog()
        let error = try #require(throws: DataFileError.self) { try MovieLensCSV.load(folder: fixture.path, name: "ml", badRows: log) }
        #expect(error.message.contains("every interaction row was bad (2 skipped)"))
    }

    @Test("the registry's loader takes the log too")
    func registry() throws {
        let root = try ReaderFixtureFolder("bad-input-registry")
        defer { root.remove() }
        try root.write("ml-100k/u.data", "1\t10\t4\t1\n2\t10\tx\t2\n")
        let log = BadRowLog()
        let known = try #require(DatasetRegistry.named("ml-100k"))
        let (dataset, _) = try known.load(from: DataDirectory(path: root.path, origin: "test"), badRows: log)
        #expect(dataset.interactionCount == 1 && log.count == 1)
        #expect(throws: DataFileError.self) { try known.load(from: DataDirectory(path: root.path, origin: "test")) }
    }
}

extension MovieLensCSV {
    /// The CSV reader with a bad-row log, through `BadRowLog.reading` (the reader has no parameter of its own).
    static func load(folder: String, name: String, badRows: BadRowLog) throws -> Dataset {
        try badRows.reading { try load(folder: folder, name: name) }
    }
}
