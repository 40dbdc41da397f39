import Foundation

/// MovieLens in CSV (GroupLens, 2015 on): 20M, 25M, 32M, latest and latest-small.
///
/// Every file is UTF-8 CSV with a header row, fields with commas quoted (`"American President,
/// The (1995)"`, with `""` for a quote), lines ending in CRLF in the published archives:
/// - `ratings.csv`: `userId,movieId,rating,timestamp`, half-star ratings 0.5–5.0 (required);
/// - `movies.csv`: `movieId,title,genres`; the title ends with the year, "(1995)", which becomes
///   `itemYears`; genres are `|`-separated, "(no genres listed)" is none;
/// - `tags.csv`: `userId,movieId,tag,timestamp`; every tag application is attached to its movie in
///   `itemTags` (the tagging user and time are not kept);
/// - `links.csv`: `movieId,imdbId,tmdbId`, kept as `itemAttributes["imdbId"]` and `["tmdbId"]`
///   (as written: IMDb ids keep their leading zeros; an empty tmdbId is left out).
/// Columns are found by name, so their order does not matter; extra columns are ignored.
/// `genome-scores.csv` and `genome-tags.csv` (20M and later) are not read.
///
/// Items are every movie id any of the files mention, rated or not: latest-small has 9,742 items
/// (movies.csv), 9,724 of them rated (`ratedItemCount`). Users are the users of `ratings.csv`
/// (users who only tagged are not users). Ids are numbered in ascending numeric order.
public enum MovieLensCSV {
    public enum Release: String, CaseIterable, Sendable {
        case ml20m = "ml-20m"
        case ml25m = "ml-25m"
        case ml32m = "ml-32m"
        case latest = "ml-latest"
        case latestSmall = "ml-latest-small"

        /// The dataset and folder name, as the archive unpacks.
        public var name: String { rawValue }
        public var url: String { "https://files.grouplens.org/datasets/movielens/\(rawValue).zip" }
    }

    /// The release's folder under the data directory; a missing `ratings.csv` is a `DatasetMissingError`.
    public static func load(_ release: Release, from directory: DataDirectory) throws -> Dataset {
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(release.name).path
        let ratings = folder + "/ratings.csv"
        guard FileManager.default.fileExists(atPath: ratings) else {
            throw DatasetMissingError(
                dataset: release.name, lookedIn: folder, origin: directory.origin, missingFile: ratings,
                advice: "Unpack \(release.name).zip from \(release.url) there so that \(folder)/ratings.csv exists (movies.csv, tags.csv and links.csv are read when present).")
        }
        return try load(folder: folder, name: release.name)
    }

    /// Reads `ratings.csv` and whichever of `movies.csv`, `tags.csv`, `links.csv` the folder has.
    public static func load(folder: String, name: String) throws -> Dataset {
        let ratingsPath = folder + "/ratings.csv"
        var table = InteractionTable.integerIDs()
        var sources: [(name: String, sha256: String)] = []
        sources.append((name: "ratings.csv", sha256: try InteractionFile.read(
            path: ratingsPath, layout: .csv, header: true, into: &table
        ) { header, _ in
            let header = header!
            return InteractionColumns(
                user: try header.position(of: "userId", for: "user"), item: try header.position(of: "movieId", for: "item"),
                rating: try header.position(of: "rating", for: "rating"), timestamp: try header.position(of: "timestamp", for: "timestamp"),
                labels: ("userId", "movieId", "rating", "timestamp"), ratingRange: 0.5...5)
        }))

        var side = SideTable<ItemSide>()
        let fileManager = FileManager.default
        let moviesPath = folder + "/movies.csv"
        if fileManager.fileExists(atPath: moviesPath) {
            sources.append((name: "movies.csv", sha256: try readMovies(moviesPath, table: &table, side: &side)))
        }
        let tagsPath = folder + "/tags.csv"
        if fileManager.fileExists(atPath: tagsPath) {
            sources.append((name: "tags.csv", sha256: try readTags(tagsPath, table: &table, side: &side)))
        }
        let linksPath = folder + "/links.csv"
        if fileManager.fileExists(atPath: linksPath) {
            sources.append((name: "links.csv", sha256: try readLinks(linksPath, table: &table, side: &side)))
        }
        return table.dataset(name: name, sources: sources, itemInfo: { side[Int32($0)]?.info })
    }

    static func readMovies(_ path: String, table: inout InteractionTable, side: inout SideTable<ItemSide>) throws -> String {
        var columns = (id: 0, title: 0, genres: 0)
        return try TableFile.forEachRow(in: path, layout: .csv, hasHeader: true, header: { header in
            columns = (try header!.position(of: "movieId", for: "movie id"), try header!.position(of: "title", for: "title"),
                       try header!.position(of: "genres", for: "genres"))
        }) { record in
            let item = try record.id(columns.id, field: "movieId", into: &table.itemIDs)
            if let line = side[item]?.line {
                throw record.error("movieId", "movie \(record.display(columns.id)) is listed twice (first on line \(line))")
            }
            let title = try record.text(columns.title, field: "title")
            var entry = side[item] ?? ItemSide()
            entry.title = title
            entry.year = MovieTitle.year(in: title)
            entry.genres = try MovieTitle.genres(record, columns.genres)
            entry.line = record.line
            side[item] = entry
        }
    }

    static func readTags(_ path: String, table: inout InteractionTable, side: inout SideTable<ItemSide>) throws -> String {
        var columns = (item: 0, tag: 0)
        return try TableFile.forEachRow(in: path, layout: .csv, hasHeader: true, header: { header in
            _ = try header!.position(of: "userId", for: "user")
            columns = (try header!.position(of: "movieId", for: "movie id"), try header!.position(of: "tag", for: "tag"))
        }) { record in
            let item = try record.id(columns.item, field: "movieId", into: &table.itemIDs)
            let tag = try record.text(columns.tag, field: "tag")
            var entry = side[item] ?? ItemSide()
            entry.tags.append(tag)
            side[item] = entry
        }
    }

    static func readLinks(_ path: String, table: inout InteractionTable, side: inout SideTable<ItemSide>) throws -> String {
        var columns = (item: 0, imdb: 0, tmdb: 0)
        return try TableFile.forEachRow(in: path, layout: .csv, hasHeader: true, header: { header in
            columns = (try header!.position(of: "movieId", for: "movie id"), try header!.position(of: "imdbId", for: "IMDb id"),
                       try header!.position(of: "tmdbId", for: "TMDb id"))
        }) { record in
            let item = try record.id(columns.item, field: "movieId", into: &table.itemIDs)
            var entry = side[item] ?? ItemSide()
            for (column, key) in [(columns.imdb, "imdbId"), (columns.tmdb, "tmdbId")] {
                let value = try record.text(column, field: key, trimmed: true)
                if !value.isEmpty { entry.attributes[key] = value }
            }
            side[item] = entry
        }
    }
}

/// MovieLens titles and genre lists (shared by the CSV and `.dat` readers).
enum MovieTitle {
    /// The release year at the end of a title: "Toy Story (1995)" → 1995; a range such as
    /// "Death Note: Desu nôto (2006–2007)" gives its first year; no parenthesised year → nil.
    static func year(in title: String) -> Int? {
        // On the UTF-8 bytes, from the end: ")" then "dddd", "dddd-", "dddd-dddd" or with an en dash.
        var bytes = Array(title.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard bytes.last == UInt8(ascii: ")"), let open = bytes.lastIndex(of: UInt8(ascii: "(")) else { return nil }
        let inside = bytes[(open + 1)..<(bytes.count - 1)]
        func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
        guard inside.count >= 4, inside.prefix(4).allSatisfy(isDigit) else { return nil }
        var rest = inside.dropFirst(4)
        if !rest.isEmpty {
            if rest.first == UInt8(ascii: "-") {
                rest = rest.dropFirst()
            } else if rest.starts(with: [0xE2, 0x80, 0x93]) { // "–" U+2013
                rest = rest.dropFirst(3)
            } else {
                return nil
            }
            guard rest.isEmpty || (rest.count == 4 && rest.allSatisfy(isDigit)) else { return nil }
        }
        return inside.prefix(4).reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// `|`-separated genres from a record's field bytes; empty and "(no genres listed)" mean none.
    static func genres(_ record: Record, _ index: Int) throws -> [String] {
        let raw = record.bytes(index)
        if raw.isEmpty || raw.elementsEqual("(no genres listed)".utf8) { return [] }
        var genres: [String] = []
        var start = 0
        for k in 0...raw.count where k == raw.count || raw[k] == UInt8(ascii: "|") {
            if k > start {
                let part = UnsafeBufferPointer(rebasing: raw[start..<k])
                guard let genre = String(validating: part, as: UTF8.self) else {
                    throw record.error("genres", "not valid UTF-8 text (is the file Latin-1?)")
                }
                genres.append(genre)
            }
            start = k + 1
        }
        return genres
    }
}
