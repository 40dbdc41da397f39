import Foundation
import Testing
@testable import RecData

// The generic delimited reader and, through it, the shared record/field/number/id rules of
// DelimitedText.swift that every reader uses. Fixtures are written by hand; every expected value
// is worked out from the fixture text in the comments.

// MARK: - Helpers shared by the reader test files

/// A temporary folder for fixture files.
struct ReaderFixtureFolder {
    let url: URL
    var path: String { url.path }

    init(_ label: String = "readers") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("recbench-\(label)-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` as UTF-8 and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// ISO-8859-1 bytes of `text` (every scalar below U+0100).
func latin1Bytes(_ text: String) -> [UInt8] {
    text.unicodeScalars.map { scalar in
        precondition(scalar.value < 0x100, "\(scalar) is not Latin-1")
        return UInt8(scalar.value)
    }
}

/// The shared read-only datasets: `$RECBENCH_DATA_DIR` if set, else `<repository>/../shared/datasets`.
enum ReaderTestData {
    static let directory: String = {
        if let fromEnvironment = ProcessInfo.processInfo.environment["RECBENCH_DATA_DIR"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.appendingPathComponent("../shared/datasets").standardized.path
    }()

    static func has(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(directory)/\(relative)")
    }

    static var dataDirectory: DataDirectory { DataDirectory.resolve(explicit: directory, environment: [:]) }
}

/// One interaction in original ids, for comparing datasets independently of dense numbering.
struct OriginalRow: Hashable, Comparable, CustomStringConvertible {
    var user: String, item: String, rating: Float, timestamp: Int64

    static func < (a: OriginalRow, b: OriginalRow) -> Bool {
        (a.user, a.item, a.timestamp, a.rating) < (b.user, b.item, b.timestamp, b.rating)
    }

    var description: String { "\(user)→\(item) \(rating) @\(timestamp)" }
}

/// The dataset's rows in file order, in original ids.
func originalRows(_ dataset: Dataset) -> [OriginalRow] {
    (0..<dataset.interactionCount).map {
        OriginalRow(user: dataset.userIDs[Int(dataset.users[$0])], item: dataset.itemIDs[Int(dataset.items[$0])],
                    rating: dataset.ratings[$0], timestamp: dataset.timestamps[$0])
    }
}

// MARK: - Fixtures

private let ratingsMapping = ColumnMapping(user: .name("userId"), item: .name("movieId"), rating: .name("rating"), timestamp: .name("timestamp"))

// Users 10, 9, 100 → numeric order 9, 10, 100 (a string sort would give 10, 100, 9).
// Items 5, 30, 200.
private let csvLines = [
    "userId,movieId,rating,timestamp",
    "10,30,4.5,1000",   // line 2
    "9,5,3,1001",       // line 3
    "100,200,0.5,1002", // line 4
    "10,5,5.0,1003",    // line 5
]

private let csvRows = [
    OriginalRow(user: "10", item: "30", rating: 4.5, timestamp: 1000),
    OriginalRow(user: "9", item: "5", rating: 3, timestamp: 1001),
    OriginalRow(user: "100", item: "200", rating: 0.5, timestamp: 1002),
    OriginalRow(user: "10", item: "5", rating: 5, timestamp: 1003),
]

private func lines(_ lines: [String], _ ending: String = "\n") -> String {
    lines.map { $0 + ending }.joined()
}

/// Reads `text` as `name` with the mapping and format; the folder is removed afterwards.
private func load(_ text: String, name: String = "ratings.csv", mapping: ColumnMapping = ratingsMapping,
                  format: DelimitedFormat = .csv) throws -> Dataset {
    let folder = try ReaderFixtureFolder()
    defer { folder.remove() }
    return try DelimitedReader.load(file: try folder.write(name, text), mapping: mapping, format: format)
}

private func loadBytes(_ bytes: [UInt8], mapping: ColumnMapping = ratingsMapping, format: DelimitedFormat = .csv) throws -> Dataset {
    let folder = try ReaderFixtureFolder()
    defer { folder.remove() }
    return try DelimitedReader.load(file: try folder.write("ratings.csv", bytes: bytes), mapping: mapping, format: format)
}

/// Loads `text`, which must fail, and returns the error and the file's path.
private func failure(_ text: String, mapping: ColumnMapping = ratingsMapping, format: DelimitedFormat = .csv) throws -> (DataFileError, String) {
    try failure(bytes: Array(text.utf8), mapping: mapping, format: format)
}

private func failure(bytes: [UInt8], mapping: ColumnMapping = ratingsMapping, format: DelimitedFormat = .csv) throws -> (DataFileError, String) {
    let folder = try ReaderFixtureFolder()
    defer { folder.remove() }
    let path = try folder.write("ratings.csv", bytes: bytes)
    let error = try #require(throws: DataFileError.self) {
        try DelimitedReader.load(file: path, mapping: mapping, format: format)
    }
    #expect(error.file == path, "the error names the file")
    #expect(error.description.hasPrefix(path))
    return (error, path)
}

// MARK: - Reading

@Suite("DelimitedReader")
struct DelimitedReaderTests {
    @Test("columns by header name; dense ids in numeric order of the original ids")
    func byName() throws {
        let dataset = try load(lines(csvLines))
        #expect(dataset.name == "ratings")
        #expect(dataset.userIDs == ["9", "10", "100"])
        #expect(dataset.itemIDs == ["5", "30", "200"])
        #expect(originalRows(dataset) == csvRows)
        // Dense: 10 → 1, 30 → 1; 9 → 0, 5 → 0; 100 → 2, 200 → 2; 10 → 1, 5 → 0.
        #expect(dataset.users == [1, 0, 2, 1])
        #expect(dataset.items == [1, 0, 2, 0])
        #expect(dataset.sourceFiles.map(\.name) == ["ratings.csv"])
    }

    @Test("columns in another order, found by name; extra columns ignored")
    func reorderedColumns() throws {
        let text = lines([
            "timestamp,note,rating,movieId,userId",
            "1000,a,4.5,30,10",
            "1001,b,3,5,9",
            "1002,c,0.5,200,100",
            "1003,d,5.0,5,10",
        ])
        #expect(originalRows(try load(text)) == csvRows)
    }

    @Test("columns by 1-based position, without a header, tab-separated")
    func byPosition() throws {
        let text = lines(csvLines.dropFirst().map { $0.replacingOccurrences(of: ",", with: "\t") })
        let mapping = ColumnMapping(user: .position(1), item: .position(2), rating: .position(3), timestamp: .position(4))
        let dataset = try load(text, name: "u.tsv", mapping: mapping, format: DelimitedFormat(delimiter: "\t", header: false))
        #expect(dataset.name == "u")
        #expect(originalRows(dataset) == csvRows)
    }

    @Test("a :: delimiter; a single colon is text")
    func doubleColon() throws {
        // Items are text ids here ("a:b"), so they are ordered as strings.
        let text = "1::a:b::4::10\n2::c::3::11\n"
        let mapping = ColumnMapping(user: .position(1), item: .position(2), rating: .position(3), timestamp: .position(4))
        let dataset = try load(text, mapping: mapping, format: DelimitedFormat(delimiter: "::", header: false, quoting: false))
        #expect(dataset.itemIDs == ["a:b", "c"])
        #expect(originalRows(dataset) == [
            OriginalRow(user: "1", item: "a:b", rating: 4, timestamp: 10),
            OriginalRow(user: "2", item: "c", rating: 3, timestamp: 11),
        ])
    }

    @Test("a space delimiter means runs of blanks")
    func blanks() throws {
        let text = "  1   7\t\t2 \n3 8  1\n"
        let mapping = ColumnMapping(user: .position(1), item: .position(2), rating: .position(3))
        let dataset = try load(text, mapping: mapping, format: DelimitedFormat(delimiter: " ", header: false, quoting: false))
        #expect(originalRows(dataset) == [
            OriginalRow(user: "1", item: "7", rating: 2, timestamp: 0),
            OriginalRow(user: "3", item: "8", rating: 1, timestamp: 0),
        ])
    }

    @Test("without rating and timestamp columns: implicit rating 1, timestamp 0")
    func implicitFeedback() throws {
        let dataset = try load(lines(["user,item", "u2,i1", "u1,i2"]), mapping: ColumnMapping(user: .name("user"), item: .name("item")))
        // Text ids, string order.
        #expect(dataset.userIDs == ["u1", "u2"])
        #expect(dataset.ratings == [1, 1])
        #expect(dataset.timestamps == [0, 0])
    }

    @Test("RFC 4180 quoting: separators, doubled quotes and line breaks inside quotes")
    func quoting() throws {
        // The quoted item on line 3 spans two lines, so the records after it start on lines 5, 6, 7.
        let text = lines([
            "userId,movieId,rating,timestamp",
            "1,\"a, b\",4,10",
            "2,\"say \"\"hi\"\"\nthere\",3,11",
            "3,\"\"\"\",2,12",
            "4,plain\"quote,1,13",
            "5,x,oops,14",
        ])
        let (error, _) = try failure(text)
        #expect(error.line == 7)
        #expect(error.field == "rating")
        let good = try load(String(text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(2).joined(separator: "\n")) + "\n")
        // Text ids in string order: "\"" (0x22) < "a, b" < "plain…" < "say…".
        #expect(good.itemIDs == ["\"", "a, b", "plain\"quote", "say \"hi\"\nthere"])
        #expect(originalRows(good).map(\.item) == ["a, b", "say \"hi\"\nthere", "\"", "plain\"quote"])
    }

    @Test("quoting off: quotes are ordinary characters")
    func quotingOff() throws {
        let dataset = try load("1\t\"a\"\t2\n", mapping: ColumnMapping(user: .position(1), item: .position(2), rating: .position(3)),
                               format: DelimitedFormat(delimiter: "\t", header: false, quoting: false))
        #expect(dataset.itemIDs == ["\"a\""])
    }

    @Test("a byte-order mark at the start is skipped")
    func byteOrderMark() throws {
        let dataset = try loadBytes([0xEF, 0xBB, 0xBF] + Array(lines(csvLines).utf8))
        #expect(originalRows(dataset) == csvRows)
    }

    @Test("LF, CRLF and CR line ends, mixed, no final newline")
    func lineEnds() throws {
        let text = csvLines[0] + "\r\n" + csvLines[1] + "\n" + csvLines[2] + "\r" + csvLines[3] + "\r\n" + csvLines[4]
        #expect(originalRows(try load(text)) == csvRows)
        #expect(originalRows(try load(lines(csvLines, "\r\n"))) == csvRows)
        #expect(try load(lines(csvLines, "\r\n")).fingerprint() == (try load(lines(csvLines))).fingerprint())
    }

    @Test("blank lines are skipped but counted in line numbers")
    func blankLines() throws {
        let text = "\n" + csvLines[0] + "\n\n" + csvLines[1] + "\r\n\r\n" + "9,5,x,1\n"
        let (error, _) = try failure(text)
        // Lines: 1 blank, 2 header, 3 blank, 4 row, 5 blank, 6 bad.
        #expect(error.line == 6)
        #expect(error.field == "rating")
    }

    @Test("ids: text when not all canonical integers; leading zeros and signs make text")
    func textIDs() throws {
        let mapping = ColumnMapping(user: .name("user"), item: .name("item"))
        // "10" < "9" < "a" as strings.
        #expect(try load(lines(["user,item", "9,x", "a,x", "10,x"]), mapping: mapping).userIDs == ["10", "9", "a"])
        // "007" and "7" are different ids, both text.
        #expect(try load(lines(["user,item", "007,x", "7,x"]), mapping: mapping).userIDs == ["007", "7"])
        #expect(try load(lines(["user,item", "+7,x", "7,x"]), mapping: mapping).userIDs == ["+7", "7"])
        // UTF-8 text ids.
        #expect(try load(lines(["user,item", "zoë,x", "ana,x"]), mapping: mapping).userIDs == ["ana", "zoë"])
    }

    @Test("rows are kept as they are: duplicates stay (see DuplicatePolicy)")
    func duplicatesKept() throws {
        let dataset = try load(lines(["userId,movieId,rating,timestamp", "1,2,3,10", "1,2,4,11"]))
        #expect(dataset.interactionCount == 2)
    }

    @Test("fractional timestamps are floored; ratings parse like Float(String)")
    func numbers() throws {
        let dataset = try load(lines(["userId,movieId,rating,timestamp", "1,2,3.25,881250949.0", "1,3,1e0,881250949.9", "1,4, 2.5 ,-1.5"]))
        #expect(dataset.timestamps == [881_250_949, 881_250_949, -2])
        #expect(dataset.ratings == [3.25, 1, 2.5])
    }

    @Test("the file's SHA-256 is recorded")
    func provenance() throws {
        let folder = try ReaderFixtureFolder()
        defer { folder.remove() }
        let path = try folder.write("r.csv", lines(csvLines))
        let dataset = try DelimitedReader.load(file: path, mapping: ratingsMapping)
        #expect(dataset.sourceFiles.map(\.name) == ["r.csv"])
        #expect(dataset.sourceFiles.map(\.sha256) == [try SHA256.hex(fileAt: path)])
    }
}

// MARK: - Errors

@Suite("DelimitedReader errors")
struct DelimitedReaderErrorTests {
    @Test("a truncated line names the file and line")
    func truncatedLine() throws {
        let (error, _) = try failure(lines(Array(csvLines[0...2])) + "100,200")
        #expect(error.line == 4)
        #expect(error.message.contains("expected 4 fields, found 2"))
        #expect(error.message.contains("truncated"))
        #expect(error.description.contains("ratings.csv:4"))
    }

    @Test("too many fields names the line")
    func tooManyFields() throws {
        let (error, _) = try failure(lines(csvLines + ["1,2,3,4,5"]))
        #expect(error.line == 6)
        #expect(error.message.contains("found 5"))
    }

    @Test("a non-numeric, NaN or infinite rating names the rating field", arguments: ["x", "", "nan", "NaN", "inf", "-inf", "1e999", "4..5"])
    func badRating(rating: String) throws {
        let (error, _) = try failure(lines(Array(csvLines[0...1]) + ["9,5,\(rating),1001"]))
        #expect(error.line == 3)
        #expect(error.field == "rating")
        #expect(error.description.contains("ratings.csv:3 (field rating)"))
    }

    @Test("a negative id names the field")
    func negativeID() throws {
        let (error, _) = try failure(lines(Array(csvLines[0...1]) + ["-9,5,3,1001"]))
        #expect(error.line == 3)
        #expect(error.field == "userId")
        #expect(error.message.contains("negative"))
    }

    @Test("an id that overflows 64 bits names the field")
    func overflowingID() throws {
        let (error, _) = try failure(lines(Array(csvLines[0...1]) + ["9,99999999999999999999,3,1001"]))
        #expect(error.line == 3)
        #expect(error.field == "movieId")
        #expect(error.message.contains("overflow"))
    }

    @Test("an empty id names the field")
    func emptyID() throws {
        let (error, _) = try failure(lines(Array(csvLines[0...1]) + [",5,3,1001"]))
        #expect(error.line == 3)
        #expect(error.field == "userId")
    }

    @Test("a non-numeric timestamp names the field")
    func badTimestamp() throws {
        let (error, _) = try failure(lines(Array(csvLines[0...1]) + ["9,5,3,yesterday"]))
        #expect(error.line == 3)
        #expect(error.field == "timestamp")
    }

    @Test("an empty file, a file of blank lines, a header without rows")
    func emptyFiles() throws {
        let (empty, _) = try failure("")
        #expect(empty.message.contains("empty"))
        let (blank, _) = try failure("\n\r\n\n")
        #expect(blank.message.contains("no lines"))
        let (bomOnly, _) = try failure(bytes: [0xEF, 0xBB, 0xBF])
        #expect(bomOnly.message.contains("no lines"))
        let (headerOnly, _) = try failure(lines([csvLines[0]]))
        #expect(headerOnly.message.contains("no interactions"))
    }

    @Test("a column named twice in the header")
    func duplicateColumn() throws {
        let (error, _) = try failure(lines(["userId,movieId,rating,movieId"] + csvLines.dropFirst()))
        #expect(error.line == 1)
        #expect(error.field == "column 4 of the header")
        #expect(error.message.contains("appears twice"))
    }

    @Test("the header repeated further down (files concatenated)")
    func repeatedHeader() throws {
        let (error, _) = try failure(lines(csvLines + csvLines))
        #expect(error.line == 6)
        #expect(error.message.contains("line 1"))
        // Also caught when the rating column is absent and ids are text, where nothing else would fail.
        let (implicit, _) = try failure(lines(["user,item", "a,b", "user,item"]), mapping: ColumnMapping(user: .name("user"), item: .name("item")))
        #expect(implicit.line == 3)
    }

    @Test("an unknown column name lists the header and suggests the closest")
    func unknownColumn() throws {
        let mapping = ColumnMapping(user: .name("userId"), item: .name("movieId"), rating: .name("ratting"))
        let (error, _) = try failure(lines(csvLines), mapping: mapping)
        #expect(error.line == 1)
        #expect(error.field == "rating")
        #expect(error.message.contains("\"ratting\""))
        #expect(error.message.contains("\"userId\", \"movieId\", \"rating\", \"timestamp\""))
        #expect(error.message.contains("did you mean \"rating\"?"))
        // No suggestion when nothing is close.
        let (far, _) = try failure(lines(csvLines), mapping: ColumnMapping(user: .name("customer"), item: .name("movieId")))
        #expect(!far.message.contains("did you mean"))
    }

    @Test("a position beyond the fields, a name without a header, a bad delimiter")
    func badMapping() throws {
        let (position, _) = try failure(lines(csvLines), mapping: ColumnMapping(user: .position(1), item: .position(7)))
        #expect(position.field == "item")
        #expect(position.message.contains("4 fields"))
        let (zero, _) = try failure(lines(csvLines), mapping: ColumnMapping(user: .position(0), item: .position(2)))
        #expect(zero.field == "user")
        let (named, _) = try failure(lines(csvLines), format: DelimitedFormat(delimiter: ",", header: false))
        #expect(named.field == "user")
        #expect(named.message.contains("no header"))
        let (delimiter, _) = try failure(lines(csvLines), format: DelimitedFormat(delimiter: ",;"))
        #expect(delimiter.field == "delimiter")
    }

    @Test("an unclosed quote and text after a closing quote name the line and field")
    func badQuotes() throws {
        let (unclosed, _) = try failure(lines(Array(csvLines[0...1])) + "9,\"5,3,1001\n10,5,5.0,1003\n")
        #expect(unclosed.line == 3)
        #expect(unclosed.field == "field 2")
        #expect(unclosed.message.contains("never closed"))
        let (after, _) = try failure(lines(Array(csvLines[0...1]) + ["9,\"5\"x,3,1001"]))
        #expect(after.line == 3)
        #expect(after.field == "field 2")
    }

    @Test("invalid UTF-8 in a text id names the field")
    func invalidUTF8() throws {
        let (error, _) = try failure(bytes: Array((lines(Array(csvLines[0...1])) + "9,").utf8) + [0xE9] + Array(",3,1001\n".utf8))
        #expect(error.line == 3)
        #expect(error.field == "movieId")
        #expect(error.message.contains("UTF-8"))
    }

    @Test("a missing file is an error naming it")
    func missingFile() throws {
        let error = try #require(throws: DataFileError.self) {
            try DelimitedReader.load(file: "/nonexistent/recbench/ratings.csv", mapping: ratingsMapping)
        }
        #expect(error.file == "/nonexistent/recbench/ratings.csv")
    }
}

// MARK: - Shared parsing internals

@Suite("DelimitedText internals")
struct DelimitedTextTests {
    /// Every record's fields, read with the given chunk size.
    private func records(_ bytes: [UInt8], layout: TextLayout, chunkSize: Int) throws -> [[String]] {
        let folder = try ReaderFixtureFolder()
        defer { folder.remove() }
        let path = try folder.write("f.txt", bytes: bytes)
        var result: [[String]] = []
        var lines: [Int] = []
        try DelimitedText.forEachRecord(in: path, layout: layout, chunkSize: chunkSize) { record in
            result.append((0..<record.count).map { decode(record.bytes($0), .utf8) })
            lines.append(record.line)
        }
        return zip(lines, result).map { ["\($0)"] + $1 }
    }

    @Test("records that straddle chunk boundaries read the same for every chunk size")
    func chunkBoundaries() throws {
        let csv = Array(("\u{FEFF}a,\"b,\"\"c\"\"\r\nd\",e\r\n\r\n\"\",,\r" + "x,y\nlong-field-\(String(repeating: "z", count: 70)),\"q\"\r\n1,2").utf8)
        let reference = try records(csv, layout: .csv, chunkSize: 1 << 20)
        #expect(reference == [
            ["1", "a", "b,\"c\"\r\nd", "e"],
            ["4", "", "", ""],
            ["5", "x", "y"],
            ["6", "long-field-" + String(repeating: "z", count: 70), "q"],
            ["7", "1", "2"],
        ])
        for size in 16...48 { #expect(try records(csv, layout: .csv, chunkSize: size) == reference, "chunk size \(size)") }

        let dat = Array("1::Star Wars: Episode IV::a|b\r\n2:::x::\n3::y::z".utf8)
        let datReference = try records(dat, layout: .doubleColon, chunkSize: 1 << 20)
        #expect(datReference == [["1", "1", "Star Wars: Episode IV", "a|b"], ["2", "2", ":x", ""], ["3", "3", "y", "z"]])
        for size in 16...40 { #expect(try records(dat, layout: .doubleColon, chunkSize: size) == datReference, "chunk size \(size)") }

        let blanks = Array(" 0 1  2\t3 \n\n1\r\n  \n2 4".utf8)
        let blankReference = try records(blanks, layout: .blanks, chunkSize: 1 << 20)
        #expect(blankReference == [["1", "0", "1", "2", "3"], ["3", "1"], ["5", "2", "4"]])
        for size in 16...24 { #expect(try records(blanks, layout: .blanks, chunkSize: size) == blankReference, "chunk size \(size)") }
    }

    @Test("the fast float path gives exactly Float(String)")
    func floats() {
        let samples = ["0", "4", "4.5", "0.5", "3.0", "5.0", "1.25", "0.1", "0.3", "2.675", "9999999", "1234.567", "-3.5", "+2",
                       "0.0000001", "12345678", "1e3", "3.4028235e38", ".5", "5."]
        for text in samples {
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBufferPointer { ParseNumber.float($0) }
            #expect(parsed == Float(text), "\(text)")
        }
        for text in ["", "x", "4,5", "1.2.3", "--1"] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { ParseNumber.float($0) } == nil, "\(text)")
        }
    }

    @Test("integers: signs, overflow at the 64-bit limits")
    func integers() {
        func parse(_ text: String) -> ParseNumber.IntegerResult {
            Array(text.utf8).withUnsafeBufferPointer { ParseNumber.integer($0) }
        }
        #expect(parse("0") == .value(0))
        #expect(parse(" 42 ") == .value(42))
        #expect(parse("-17") == .value(-17))
        #expect(parse("9223372036854775807") == .value(Int64.max))
        #expect(parse("9223372036854775808") == .overflow)
        #expect(parse("-9223372036854775808") == .value(Int64.min))
        #expect(parse("-") == .invalid)
        #expect(parse("1.5") == .invalid)
        #expect(parse("") == .invalid)
    }

    @Test("the id interner: numeric order, switch to text order, large ids")
    func interner() throws {
        var interner = IDInterner()
        func intern(_ text: String) throws -> Int32 {
            try Array(text.utf8).withUnsafeBufferPointer { raw in
                try interner.intern(raw) { DataFileError(file: "t", message: $0.message(text)) }
            }
        }
        #expect(try intern("30") == 0)
        #expect(try intern("5") == 1)
        #expect(try intern("30") == 0)
        #expect(try intern("123456789012") == 2) // beyond the flat table
        #expect(try intern("5") == 1)
        let numeric = interner.finish()
        #expect(numeric.ids == ["5", "30", "123456789012"])
        #expect(numeric.dense == [1, 0, 2])
        #expect(try intern("b") == 3)
        #expect(try intern("30") == 0)
        let text = interner.finish()
        #expect(text.ids == ["123456789012", "30", "5", "b"])
        #expect(text.dense == [1, 2, 0, 3])
        #expect(throws: DataFileError.self) { try intern("-3") }

        var integers = IDInterner()
        integers.requireInteger = true
        let seven = try Array("007".utf8).withUnsafeBufferPointer { raw in
            try integers.intern(raw) { DataFileError(file: "t", message: $0.message("007")) }
        }
        #expect(seven == 0)
        #expect(integers.finish().ids == ["7"])
        #expect(throws: DataFileError.self) {
            try Array("x7".utf8).withUnsafeBufferPointer { raw in
                try integers.intern(raw) { DataFileError(file: "t", message: $0.message("x7")) }
            }
        }
    }
}
