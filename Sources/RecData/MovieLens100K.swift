import Foundation

/// MovieLens 100K (GroupLens, 1998): 100,000 ratings 1–5 by 943 users on 1,682 movies.
///
/// - `u.data` (required): tab-separated `user item rating timestamp` without a header, one rating
///   per (user, item) pair; a second rating of a pair is an error naming both lines;
/// - `u.item`: `|`-separated and Latin-1 encoded: id, title, release date, video release date,
///   IMDb URL and 19 genre flags in the order of `u.genre`; the year in the title ("(1995)")
///   becomes `itemYears`, the IMDb URL `itemAttributes["imdbURL"]` (where not empty);
/// - `u.user`: `|`-separated `id|age|gender|occupation|zip`, kept as `userAttributes` with keys
///   "age", "gender", "occupation", "zip", as written.
///
/// All three go through the shared byte-level parser (DelimitedText.swift), so they share its
/// rules: LF, CRLF or CR line ends, a byte-order mark skipped, blank lines counted, every error
/// naming file, line and field, and `BadRowLog` skipping. Items are every movie of `u.data` or
/// `u.item`; users every user of `u.data` or `u.user`; ids are numbered in ascending numeric order.
public enum MovieLens100K {
    public static let name = "ml-100k"
    public static let folder = "ml-100k"

    /// The genre columns of `u.item`, in file order (as listed in `u.genre`).
    public static let genres = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
        "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
        "War", "Western",
    ]

    static let ratingsLayout = TextLayout.tabs
    static let pipes = TextLayout(separator: .byte(UInt8(ascii: "|")), quoting: false)

    /// `<data dir>/ml-100k/`: `u.data`, and `u.item` and `u.user` when present.
    public static func load(from directory: DataDirectory, badRows: BadRowLog? = nil) throws -> Dataset {
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(Self.folder)
        let ratingsPath = folder.appendingPathComponent("u.data").path
        guard FileManager.default.fileExists(atPath: ratingsPath) else {
            throw DatasetMissingError(
                dataset: name, lookedIn: folder.path, origin: directory.origin, missingFile: ratingsPath,
                advice: "Run `recbench data fetch ml-100k`, or unpack ml-100k.zip from https://grouplens.org/datasets/movielens/100k/ there so that \(folder.path)/u.data and u.item exist.")
        }
        func optional(_ file: String) -> String? {
            let path = folder.appendingPathComponent(file).path
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        return try load(ratingsFile: ratingsPath, itemFile: optional("u.item"), userFile: optional("u.user"), badRows: badRows)
    }

    /// Reads the files; every malformed line is reported with file, line and field (or, with
    /// `badRows`, skipped and recorded there).
    public static func load(ratingsFile: String, itemFile: String?, userFile: String? = nil, badRows: BadRowLog? = nil) throws -> Dataset {
        try BadRowLog.$current.withValue(badRows ?? BadRowLog.current) {
            try read(ratingsFile: ratingsFile, itemFile: itemFile, userFile: userFile)
        }
    }

    private static func read(ratingsFile: String, itemFile: String?, userFile: String?) throws -> Dataset {
        var table = InteractionTable.integerIDs()
        // The line of each (user, item) pair's rating, to name both lines of a repeat.
        let firstLine = PairLines(expected: DelimitedText.estimatedRecordCount(in: ratingsFile))
        var sources = [(name: "u.data", sha256: try InteractionFile.read(
            path: ratingsFile, layout: ratingsLayout, header: false, fieldCount: 4, into: &table,
            columns: { _, _ in InteractionColumns(user: 0, item: 1, rating: 2, timestamp: 3, ratingRange: 1...5) },
            accept: { user, item, record in
                if let line = firstLine.insert(user: user, item: item, line: record.line) {
                    throw record.error(nil, "user \(record.display(0)) rated item \(record.display(1)) again (first on line \(line)); MovieLens 100K has one rating per pair")
                }
            })
        )]

        var side = SideTable<ItemSide>()
        if let itemFile {
            sources.append((name: "u.item", sha256: try readItems(itemFile, table: &table, side: &side)))
        }
        var users = SideTable<[String: String]>()
        if let userFile {
            sources.append((name: "u.user", sha256: try readUsers(userFile, table: &table, users: &users)))
        }
        return table.dataset(name: name, sources: sources, itemInfo: { side[Int32($0)]?.info }, userInfo: { users[Int32($0)] })
    }

    static func readItems(_ path: String, table: inout InteractionTable, side: inout SideTable<ItemSide>) throws -> String {
        try TableFile.forEachRow(in: path, layout: pipes, hasHeader: false, fieldCount: 5 + genres.count) { record in
            // Everything is checked before the id is interned, so a skipped line adds no item.
            // u.item is ISO-8859-1 ("Misérables" is byte 0xE9): every byte is one character.
            let title = decode(record.bytes(1), .latin1)
            var itemGenres: [String] = []
            for (index, genre) in genres.enumerated() {
                let flag = record.bytes(5 + index)
                guard flag.count == 1, flag[0] == UInt8(ascii: "0") || flag[0] == UInt8(ascii: "1") else {
                    throw record.error(genre, "genre flag \"\(record.display(5 + index))\" must be 0 or 1")
                }
                if flag[0] == UInt8(ascii: "1") { itemGenres.append(genre) }
            }
            let item = try record.id(0, field: "movie id", into: &table.itemIDs)
            if let line = side[item]?.line {
                throw record.error("movie id", "movie \(record.display(0)) is listed twice (first on line \(line))")
            }
            let url = decode(record.bytes(4), .latin1)
            side[item] = ItemSide(title: title, genres: itemGenres, year: MovieTitle.year(in: title),
                                  attributes: url.isEmpty ? [:] : ["imdbURL": url], line: record.line)
        }
    }

    static func readUsers(_ path: String, table: inout InteractionTable, users: inout SideTable<[String: String]>) throws -> String {
        var lines: [Int32: Int] = [:]
        return try TableFile.forEachRow(in: path, layout: pipes, hasHeader: false, fieldCount: 5) { record in
            let age = try record.integer(1, field: "age")
            guard age >= 0 && age <= 150 else { throw record.error("age", "age \(age) is not between 0 and 150") }
            let gender = try record.text(2, field: "gender")
            guard gender == "M" || gender == "F" else { throw record.error("gender", "\"\(gender)\" is not M or F") }
            let occupation = try record.text(3, field: "occupation")
            let zip = try record.text(4, field: "zip")
            let user = try record.id(0, field: "user id", into: &table.userIDs)
            if let line = lines[user] {
                throw record.error("user id", "user \(record.display(0)) is listed twice (first on line \(line))")
            }
            lines[user] = record.line
            users[user] = ["age": String(age), "gender": gender, "occupation": occupation, "zip": zip]
        }
    }

    /// The first line of each (user, item) pair: an open-addressing table of 64-bit keys, several
    /// times cheaper per row than a `Dictionary` with its SipHash.
    final class PairLines {
        private var keys: [Int64]
        private var lines: [Int32]
        private var mask: Int
        private var count = 0

        init(expected: Int) {
            var capacity = 16
            while capacity < 2 * expected { capacity *= 2 }
            keys = [Int64](repeating: -1, count: capacity)
            lines = [Int32](repeating: 0, count: capacity)
            mask = capacity - 1
        }

        /// Records the pair's line; when the pair was seen before, returns that line instead.
        func insert(user: Int32, item: Int32, line: Int) -> Int? {
            if 2 * (count + 1) > keys.count { grow() }
            let key = Int64(user) << 32 | Int64(item)
            var slot = Self.slot(key, mask)
            while keys[slot] != -1 {
                if keys[slot] == key { return Int(lines[slot]) }
                slot = (slot + 1) & mask
            }
            keys[slot] = key
            lines[slot] = Int32(clamping: line)
            count += 1
            return nil
        }

        @inline(__always) private static func slot(_ key: Int64, _ mask: Int) -> Int {
            Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        }

        private func grow() {
            let (oldKeys, oldLines) = (keys, lines)
            keys = [Int64](repeating: -1, count: oldKeys.count * 2)
            lines = [Int32](repeating: 0, count: oldKeys.count * 2)
            mask = keys.count - 1
            for (key, line) in zip(oldKeys, oldLines) where key != -1 {
                var slot = Self.slot(key, mask)
                while keys[slot] != -1 { slot = (slot + 1) & mask }
                keys[slot] = key
                lines[slot] = line
            }
        }
    }

    /// One line of a ratings file (`u.data`, `u1.base`, …) with its line number.
    struct RatingRow {
        var user: Int
        var item: Int
        var rating: Float
        var timestamp: Int64
        var line: Int
    }

    /// The rows of a ratings file in file order, for mapping the predefined folds onto `u.data`.
    /// Always strict: a fold file with a bad line is an error, never skipped.
    static func readRatings(_ path: String) throws -> [RatingRow] {
        var rows: [RatingRow] = []
        rows.reserveCapacity(DelimitedText.estimatedRecordCount(in: path))
        let reader = try RecordReader(path: path, layout: ratingsLayout, badRows: nil)
        while let record = try reader.next() {
            guard record.count == 4 else {
                throw record.error(nil, "expected 4 fields (user, item, rating, timestamp) separated by tabs, found \(record.count)")
            }
            func id(_ index: Int, _ field: String) throws -> Int {
                let value = try record.integer(index, field: field)
                guard value >= 0 && value <= Int64(Int32.max) else { throw record.error(field, "id \(value) is not a non-negative 32-bit id") }
                return Int(value)
            }
            rows.append(RatingRow(user: try id(0, "user"), item: try id(1, "item"), rating: try record.rating(2, field: "rating", minimum: 1, maximum: 5),
                                  timestamp: try record.timestamp(3, field: "timestamp"), line: record.line))
        }
        _ = try reader.finish()
        guard !rows.isEmpty else { throw DataFileError(file: path, message: "no ratings in the file") }
        return rows
    }
}
