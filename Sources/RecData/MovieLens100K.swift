import Foundation

/// MovieLens 100K (GroupLens, 1998): 100,000 ratings 1–5 by 943 users on 1,682 movies.
///
/// `u.data` is tab-separated `user item rating timestamp` without a header; `u.item` is
/// `|`-separated and Latin-1 encoded: id, title, release date, video release date, IMDb URL and
/// 19 genre flags in the order of `u.genre`.
public enum MovieLens100K {
    public static let name = "ml-100k"
    public static let folder = "ml-100k"

    /// The genre columns of `u.item`, in file order (as listed in `u.genre`).
    public static let genres = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
        "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
        "War", "Western",
    ]

    public static func load(from directory: DataDirectory) throws -> Dataset {
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(Self.folder)
        let ratingsPath = folder.appendingPathComponent("u.data").path
        guard FileManager.default.fileExists(atPath: ratingsPath) else {
            throw DatasetMissingError(
                dataset: name, lookedIn: folder.path, origin: directory.origin, missingFile: ratingsPath,
                advice: "Unpack ml-100k.zip from https://grouplens.org/datasets/movielens/100k/ there so that \(folder.path)/u.data and u.item exist.")
        }
        let itemPath = folder.appendingPathComponent("u.item").path
        return try load(ratingsFile: ratingsPath, itemFile: FileManager.default.fileExists(atPath: itemPath) ? itemPath : nil)
    }

    /// Reads the two files; every malformed line is reported with file, line and field.
    public static func load(ratingsFile: String, itemFile: String?) throws -> Dataset {
        let rows = try readRatings(ratingsFile)
        let catalogue = try itemFile.map(readItems) ?? [:]

        let userIDs = Array(Set(rows.map(\.user))).sorted()
        let itemIDs = Array(Set(rows.map(\.item)).union(catalogue.keys)).sorted()
        let userIndex = Dictionary(uniqueKeysWithValues: userIDs.enumerated().map { ($1, Int32($0)) })
        let itemIndex = Dictionary(uniqueKeysWithValues: itemIDs.enumerated().map { ($1, Int32($0)) })

        var seen = [Int64: Int](minimumCapacity: rows.count)
        for (index, row) in rows.enumerated() {
            let key = Int64(row.user) << 32 | Int64(row.item)
            if let first = seen[key] {
                throw DataFileError(
                    file: ratingsFile, line: row.line,
                    message: "user \(row.user) rated item \(row.item) again (first on line \(rows[first].line)); MovieLens 100K has one rating per pair")
            }
            seen[key] = index
        }

        var sources = [(name: "u.data", sha256: try SHA256.hex(fileAt: ratingsFile))]
        if let itemFile { sources.append((name: "u.item", sha256: try SHA256.hex(fileAt: itemFile))) }
        return Dataset(
            name: name,
            userIDs: userIDs.map(String.init), itemIDs: itemIDs.map(String.init),
            users: rows.map { userIndex[$0.user]! }, items: rows.map { itemIndex[$0.item]! },
            ratings: rows.map(\.rating), timestamps: rows.map(\.timestamp),
            itemTitles: itemIDs.map { catalogue[$0]?.title ?? "" },
            itemGenres: itemIDs.map { catalogue[$0]?.genres ?? [] },
            sourceFiles: sources)
    }

    struct RatingRow {
        var user: Int
        var item: Int
        var rating: Float
        var timestamp: Int64
        var line: Int
    }

    static func readRatings(_ path: String) throws -> [RatingRow] {
        let text = try readText(path, encoding: .utf8)
        var rows: [RatingRow] = []
        rows.reserveCapacity(100_000)
        for (offset, line) in lines(text).enumerated() {
            if line.isEmpty { continue }
            let number = offset + 1
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw DataFileError(file: path, line: number, message: "expected 4 tab-separated fields (user, item, rating, timestamp), found \(fields.count)")
            }
            func integer(_ index: Int, _ field: String) throws -> Int64 {
                guard let value = Int64(fields[index]) else {
                    throw DataFileError(file: path, line: number, field: field, message: "\"\(fields[index])\" is not an integer")
                }
                return value
            }
            let user = try integer(0, "user"), item = try integer(1, "item"), timestamp = try integer(3, "timestamp")
            guard user > 0, user < Int32.max else { throw DataFileError(file: path, line: number, field: "user", message: "id \(user) is not a positive 32-bit id") }
            guard item > 0, item < Int32.max else { throw DataFileError(file: path, line: number, field: "item", message: "id \(item) is not a positive 32-bit id") }
            guard let rating = Float(fields[2]), rating.isFinite, (1...5).contains(rating) else {
                throw DataFileError(file: path, line: number, field: "rating", message: "\"\(fields[2])\" is not a rating between 1 and 5")
            }
            rows.append(RatingRow(user: Int(user), item: Int(item), rating: rating, timestamp: timestamp, line: number))
        }
        guard !rows.isEmpty else { throw DataFileError(file: path, message: "no ratings in file") }
        return rows
    }

    static func readItems(_ path: String) throws -> [Int: (title: String, genres: [String])] {
        // u.item is ISO-8859-1 ("Misérables" is byte 0xE9); reading it as UTF-8 would fail or garble.
        let text = try readText(path, encoding: .isoLatin1)
        var items: [Int: (title: String, genres: [String])] = [:]
        for (offset, line) in lines(text).enumerated() {
            if line.isEmpty { continue }
            let number = offset + 1
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 5 + genres.count else {
                throw DataFileError(file: path, line: number, message: "expected \(5 + genres.count) |-separated fields (id, title, release date, video release date, IMDb URL, 19 genre flags), found \(fields.count)")
            }
            guard let id = Int(fields[0]), id > 0 else {
                throw DataFileError(file: path, line: number, field: "movie id", message: "\"\(fields[0])\" is not a positive integer")
            }
            var itemGenres: [String] = []
            for (index, genre) in genres.enumerated() {
                switch fields[5 + index] {
                case "1": itemGenres.append(genre)
                case "0": break
                case let flag:
                    throw DataFileError(file: path, line: number, field: genre, message: "genre flag \"\(flag)\" must be 0 or 1")
                }
            }
            guard items[id] == nil else {
                throw DataFileError(file: path, line: number, field: "movie id", message: "movie \(id) is listed twice")
            }
            items[id] = (String(fields[1]), itemGenres)
        }
        return items
    }

    /// Lines split on LF, CRLF or CR. ("\r\n" is a single Character in Swift, so splitting on
    /// "\n" alone would never split a CRLF file.)
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    static func readText(_ path: String, encoding: String.Encoding) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DataFileError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: encoding) else {
            throw DataFileError(file: path, message: "not valid \(encoding == .utf8 ? "UTF-8" : "\(encoding)") text")
        }
        return text
    }
}
