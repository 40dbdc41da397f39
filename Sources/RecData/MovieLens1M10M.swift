import Foundation

/// MovieLens 1M (2003) and 10M (2009): `::`-separated `.dat` files without a header.
///
/// - `ratings.dat`: `UserID::MovieID::Rating::Timestamp` (1M: whole stars 1–5; 10M: half stars
///   0.5–5), required;
/// - `movies.dat`: `MovieID::Title::Genres`, genres `|`-separated; the title's "(1995)" becomes
///   `itemYears`. 1M is Latin-1 ("Misérables" is byte 0xE9); 10M is read as UTF-8 where a title
///   is valid UTF-8, else Latin-1;
/// - `users.dat` (1M only): `UserID::Gender::Age::Occupation::Zip-code`, kept as
///   `userAttributes` with keys "gender", "age", "occupation", "zip" holding the codes as written
///   (`ageGroups` and `occupations` give the README's labels);
/// - `tags.dat` (10M only): `UserID::MovieID::Tag::Timestamp`, each tag attached to its movie.
///
/// Items are every movie in ratings.dat or movies.dat (1M: 3,883 in movies.dat, 3,706 rated);
/// users are every user in ratings.dat or users.dat. Ids are numbered in ascending numeric order.
public enum MovieLens1M10M {
    public enum Release: String, CaseIterable, Sendable {
        case ml1m = "ml-1m"
        case ml10m = "ml-10m"

        public var name: String { rawValue }
        /// The folder the archive unpacks to.
        public var folder: String { self == .ml1m ? "ml-1m" : "ml-10M100K" }
        public var url: String {
            self == .ml1m ? "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
                : "https://files.grouplens.org/datasets/movielens/ml-10m.zip"
        }
        var ratingRange: ClosedRange<Float> { self == .ml1m ? 1...5 : 0.5...5 }
        var titleEncoding: TextEncoding { self == .ml1m ? .latin1 : .utf8OrLatin1 }
    }

    /// One line of `movies.dat`.
    public struct Movie: Sendable, Hashable {
        public var id: String
        public var title: String
        public var year: Int?
        public var genres: [String]
    }

    /// One line of `users.dat`: the id and the attributes "gender", "age", "occupation", "zip".
    public struct User: Sendable, Hashable {
        public var id: String
        public var attributes: [String: String]
    }

    /// `users.dat` age codes (README): the lower bound of each group.
    public static let ageGroups: [String: String] = [
        "1": "Under 18", "18": "18-24", "25": "25-34", "35": "35-44", "45": "45-49", "50": "50-55", "56": "56+",
    ]
    /// `users.dat` occupation codes 0–20 (README), indexed by code.
    public static let occupations = [
        "other or not specified", "academic/educator", "artist", "clerical/admin", "college/grad student",
        "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student",
        "lawyer", "programmer", "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer",
        "tradesman/craftsman", "unemployed", "writer",
    ]

    public static func load(_ release: Release, from directory: DataDirectory) throws -> Dataset {
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(release.folder).path
        let ratings = folder + "/ratings.dat"
        guard FileManager.default.fileExists(atPath: ratings) else {
            let others = release == .ml1m ? "movies.dat and users.dat" : "movies.dat and tags.dat"
            throw DatasetMissingError(
                dataset: release.name, lookedIn: folder, origin: directory.origin, missingFile: ratings,
                advice: "Unpack \(release.folder == "ml-1m" ? "ml-1m.zip" : "ml-10m.zip") from \(release.url) into \(directory.path) so that \(ratings) exists (\(others) beside it are read too).")
        }
        func optional(_ file: String) -> String? {
            FileManager.default.fileExists(atPath: folder + "/" + file) ? folder + "/" + file : nil
        }
        return try load(ratingsFile: ratings, moviesFile: optional("movies.dat"), usersFile: optional("users.dat"),
                        tagsFile: optional("tags.dat"), release: release)
    }

    public static func load(
        ratingsFile: String, moviesFile: String?, usersFile: String? = nil, tagsFile: String? = nil, release: Release
    ) throws -> Dataset {
        var table = InteractionTable.integerIDs()
        var sources: [(name: String, sha256: String)] = []
        sources.append((name: "ratings.dat", sha256: try InteractionFile.read(
            path: ratingsFile, layout: .doubleColon, header: false, fieldCount: 4, into: &table
        ) { _, _ in
            InteractionColumns(user: 0, item: 1, rating: 2, timestamp: 3, ratingRange: release.ratingRange)
        }))

        var side = SideTable<ItemSide>()
        if let moviesFile {
            let sha = try forEachMovie(moviesFile, release: release) { movie, record in
                let item = try record.id(0, field: "movie id", into: &table.itemIDs)
                if let line = side[item]?.line {
                    throw record.error("movie id", "movie \(movie.id) is listed twice (first on line \(line))")
                }
                side[item] = ItemSide(title: movie.title, genres: movie.genres, year: movie.year, line: record.line)
            }
            sources.append((name: "movies.dat", sha256: sha))
        }
        if let tagsFile {
            let sha = try TableFile.forEachRow(in: tagsFile, layout: .doubleColon, hasHeader: false, fieldCount: 4) { record in
                let item = try record.id(1, field: "movie id", into: &table.itemIDs)
                var entry = side[item] ?? ItemSide()
                entry.tags.append(decodeTitle(record, 2, release))
                side[item] = entry
            }
            sources.append((name: "tags.dat", sha256: sha))
        }
        var users = SideTable<[String: String]>()
        if let usersFile {
            var lines: [Int32: Int] = [:]
            let sha = try forEachUser(usersFile) { user, record in
                let index = try record.id(0, field: "user id", into: &table.userIDs)
                if let line = lines[index] {
                    throw record.error("user id", "user \(user.id) is listed twice (first on line \(line))")
                }
                lines[index] = record.line
                users[index] = user.attributes
            }
            sources.append((name: "users.dat", sha256: sha))
        }
        return table.dataset(name: release.name, sources: sources, itemInfo: { side[Int32($0)]?.info },
                             userInfo: { users[Int32($0)] })
    }

    /// The movies of a `movies.dat`, in file order.
    public static func readMovies(_ path: String, release: Release = .ml1m) throws -> [Movie] {
        var movies: [Movie] = []
        try forEachMovie(path, release: release) { movie, _ in movies.append(movie) }
        return movies
    }

    /// The users of a `users.dat`, in file order.
    public static func readUsers(_ path: String) throws -> [User] {
        var users: [User] = []
        try forEachUser(path) { user, _ in users.append(user) }
        return users
    }

    @discardableResult
    static func forEachMovie(_ path: String, release: Release, _ body: (Movie, Record) throws -> Void) throws -> String {
        try TableFile.forEachRow(in: path, layout: .doubleColon, hasHeader: false, fieldCount: 3) { record in
            let id = try movieLensID(record, 0, "movie id")
            let title = decodeTitle(record, 1, release)
            let genres = try MovieTitle.genres(record, 2)
            try body(Movie(id: id, title: title, year: MovieTitle.year(in: title), genres: genres), record)
        }
    }

    @discardableResult
    static func forEachUser(_ path: String, _ body: (User, Record) throws -> Void) throws -> String {
        try TableFile.forEachRow(in: path, layout: .doubleColon, hasHeader: false, fieldCount: 5) { record in
            let id = try movieLensID(record, 0, "user id")
            let gender = try record.text(1, field: "gender")
            guard gender == "M" || gender == "F" else { throw record.error("gender", "\"\(gender)\" is not M or F") }
            let age = try record.text(2, field: "age")
            guard ageGroups[age] != nil else {
                throw record.error("age", "\"\(age)\" is not an age code (1, 18, 25, 35, 45, 50, 56)")
            }
            let occupation = try record.text(3, field: "occupation")
            guard let code = Int(occupation), occupations.indices.contains(code) else {
                throw record.error("occupation", "\"\(occupation)\" is not an occupation code 0–20")
            }
            let zip = try record.text(4, field: "zip")
            try body(User(id: id, attributes: ["gender": gender, "age": age, "occupation": occupation, "zip": zip]), record)
        }
    }

    /// A positive integer id as text (MovieLens numbers users and movies from 1).
    private static func movieLensID(_ record: Record, _ index: Int, _ field: String) throws -> String {
        let value = try record.integer(index, field: field)
        guard value > 0 else { throw record.error(field, "id \(value) is not positive") }
        return String(value)
    }

    private static func decodeTitle(_ record: Record, _ index: Int, _ release: Release) -> String {
        decode(record.bytes(index), release.titleEncoding)
    }
}
