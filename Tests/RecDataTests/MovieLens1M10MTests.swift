import Foundation
import Testing
@testable import RecData

// MovieLens 1M and 10M (`::`-separated .dat files). Fixture values are worked out by hand in the
// comments; real-data figures come from ml-1m's README and SOURCE.md and from single lines of the
// files. The shared copy has movies.dat and users.dat but no ratings.dat.

// Users 10, 1, 2 rate; users.dat adds 6040, who has no ratings → users 1, 2, 10, 6040.
private let ratingsDat = [
    "10::3952::5::978300760",
    "1::73::3::978302109",
    "10::1::4::978301968",
    "2::73::1::978300275",
]

// Latin-1 (é is byte 0xE9). Movie 1104 is not rated; its title has quotes and a single colon.
private let moviesDat = [
    "1::Toy Story (1995)::Animation|Children's|Comedy",
    "73::Mis\u{E9}rables, Les (1995)::Drama|Musical",
    "1104::\"Great Performances\" Cats: The Musical (1998)::Musical",
    "3952::Contender, The (2000)::Drama|Thriller",
]

private let usersDat = [
    "1::F::1::10::48067",
    "2::M::56::16::70072",
    "10::F::35::1::95370",
    "6040::M::25::6::11106",
]

private func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

/// A data directory with `ml-1m/` holding the given files (movies.dat written as Latin-1).
private func fixture1M(ratings: [String]? = ratingsDat, movies: [String]? = moviesDat, users: [String]? = usersDat) throws -> ReaderFixtureFolder {
    let folder = try ReaderFixtureFolder("ml1m")
    if let ratings { try folder.write("ml-1m/ratings.dat", text(ratings)) }
    if let movies { try folder.write("ml-1m/movies.dat", bytes: latin1Bytes(text(movies))) }
    if let users { try folder.write("ml-1m/users.dat", text(users)) }
    return folder
}

private func load1M(ratings: [String]? = ratingsDat, movies: [String]? = moviesDat, users: [String]? = usersDat) throws -> Dataset {
    let folder = try fixture1M(ratings: ratings, movies: movies, users: users)
    defer { folder.remove() }
    return try MovieLens1M10M.load(.ml1m, from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
}

private func failure1M(ratings: [String]? = ratingsDat, movies: [String]? = moviesDat, users: [String]? = usersDat) throws -> DataFileError {
    try #require(throws: DataFileError.self) { try load1M(ratings: ratings, movies: movies, users: users) }
}

@Suite("MovieLens 1M/10M reader")
struct MovieLens1M10MTests {
    @Test("ratings over users and items in numeric id order; catalogue entries without ratings are kept")
    func ids() throws {
        let dataset = try load1M()
        #expect(dataset.name == "ml-1m")
        #expect(dataset.userIDs == ["1", "2", "10", "6040"])
        #expect(dataset.itemIDs == ["1", "73", "1104", "3952"])
        #expect(dataset.activeUserCount == 3)
        #expect(dataset.ratedItemCount == 3)
        // Dense: 10 → 2, 3952 → 3; 1 → 0, 73 → 1; 10 → 2, 1 → 0; 2 → 1, 73 → 1.
        #expect(dataset.users == [2, 0, 2, 1])
        #expect(dataset.items == [3, 1, 0, 1])
        #expect(dataset.ratings == [5, 3, 4, 1])
        #expect(dataset.timestamps == [978_300_760, 978_302_109, 978_301_968, 978_300_275])
        #expect(dataset.sourceFiles.map(\.name) == ["ratings.dat", "movies.dat", "users.dat"])
    }

    @Test("movies.dat: Latin-1 titles, years, genres; a single colon and quotes stay in the title")
    func movies() throws {
        let dataset = try load1M()
        #expect(dataset.itemTitles == [
            "Toy Story (1995)", "Mis\u{E9}rables, Les (1995)", "\"Great Performances\" Cats: The Musical (1998)", "Contender, The (2000)",
        ])
        #expect(dataset.itemYears == [1995, 1995, 1998, 2000])
        #expect(dataset.itemGenres == [["Animation", "Children's", "Comedy"], ["Drama", "Musical"], ["Musical"], ["Drama", "Thriller"]])
    }

    @Test("users.dat: codes kept as written, labels from the README")
    func users() throws {
        let dataset = try load1M()
        #expect(dataset.userAttributes == [
            ["gender": "F", "age": "1", "occupation": "10", "zip": "48067"],
            ["gender": "M", "age": "56", "occupation": "16", "zip": "70072"],
            ["gender": "F", "age": "35", "occupation": "1", "zip": "95370"],
            ["gender": "M", "age": "25", "occupation": "6", "zip": "11106"],
        ])
        #expect(MovieLens1M10M.ageGroups["56"] == "56+")
        #expect(MovieLens1M10M.occupations[10] == "K-12 student")
        #expect(MovieLens1M10M.occupations.count == 21)
    }

    @Test("10M: half stars, tags.dat, UTF-8 titles (Latin-1 where a title is not UTF-8)")
    func tenMillion() throws {
        let folder = try ReaderFixtureFolder("ml10m")
        defer { folder.remove() }
        try folder.write("ml-10M100K/ratings.dat", text(["1::122::4.5::838985046", "1::4973::0.5::838983525", "15::122::3::1215184630"]))
        // Movie 4973 in UTF-8 (é = C3 A9); movie 8 in Latin-1 (é = E9) in the same file.
        try folder.write("ml-10M100K/movies.dat", bytes: Array(text([
            "122::Boomerang (1992)::Comedy|Romance",
            "4973::Am\u{E9}lie (Fabuleux destin d'Am\u{E9}lie Poulain, Le) (2001)::Comedy|Romance",
        ]).utf8) + latin1Bytes("8::Caf\u{E9} (1999)::(no genres listed)\n"))
        try folder.write("ml-10M100K/tags.dat", text(["15::4973::excellent!::1215184630", "20::4973::Paris::1215184631", "15::122::dull::1215184632"]))
        let dataset = try MovieLens1M10M.load(.ml10m, from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
        #expect(dataset.name == "ml-10m")
        #expect(dataset.itemIDs == ["8", "122", "4973"])
        #expect(dataset.ratings == [4.5, 0.5, 3])
        #expect(dataset.itemTitles == ["Caf\u{E9} (1999)", "Boomerang (1992)", "Am\u{E9}lie (Fabuleux destin d'Am\u{E9}lie Poulain, Le) (2001)"])
        #expect(dataset.itemGenres[0] == [])
        #expect(dataset.itemTags == [[], ["dull"], ["excellent!", "Paris"]])
        // Tag-only user 20 is not a user.
        #expect(dataset.userIDs == ["1", "15"])
        #expect(dataset.sourceFiles.map(\.name) == ["ratings.dat", "movies.dat", "tags.dat"])
    }

    @Test("readMovies and readUsers on their own")
    func sideFilesAlone() throws {
        let folder = try fixture1M(ratings: nil)
        defer { folder.remove() }
        let movies = try MovieLens1M10M.readMovies(folder.path + "/ml-1m/movies.dat")
        #expect(movies.map(\.id) == ["1", "73", "1104", "3952"])
        #expect(movies[1] == MovieLens1M10M.Movie(id: "73", title: "Mis\u{E9}rables, Les (1995)", year: 1995, genres: ["Drama", "Musical"]))
        let users = try MovieLens1M10M.readUsers(folder.path + "/ml-1m/users.dat")
        #expect(users.map(\.id) == ["1", "2", "10", "6040"])
        #expect(users[3].attributes["zip"] == "11106")
    }
}

@Suite("MovieLens 1M/10M reader errors")
struct MovieLens1M10MErrorTests {
    @Test("a truncated ratings line names file and line")
    func truncated() throws {
        let error = try failure1M(ratings: [ratingsDat[0], "1::73::3", ratingsDat[2]])
        #expect(error.file.hasSuffix("ml-1m/ratings.dat"))
        #expect(error.line == 2)
        #expect(error.message.contains("expected 4 fields, found 3"))
        #expect(error.message.contains("\"::\""))
    }

    @Test("a rating outside 1–5 in 1M names the field", arguments: ["0.5", "6", "nan", "x"])
    func ratingRange(rating: String) throws {
        let error = try failure1M(ratings: [ratingsDat[0], "1::73::\(rating)::978302109"])
        #expect(error.line == 2)
        #expect(error.field == "rating")
    }

    @Test("a negative or non-integer id names the field")
    func badIDs() throws {
        let negative = try failure1M(ratings: [ratingsDat[0], "-1::73::3::978302109"])
        #expect(negative.line == 2)
        #expect(negative.field == "user")
        #expect(negative.message.contains("negative"))
        let text = try failure1M(ratings: ["1::m73::3::978302109"])
        #expect(text.line == 1)
        #expect(text.field == "item")
    }

    @Test("movies.dat: wrong field count, a movie listed twice")
    func movieErrors() throws {
        let short = try failure1M(movies: [moviesDat[0], "73::Mis\u{E9}rables, Les (1995)"])
        #expect(short.file.hasSuffix("ml-1m/movies.dat"))
        #expect(short.line == 2)
        let twice = try failure1M(movies: moviesDat + ["73::Again (1995)::Drama"])
        #expect(twice.line == 5)
        #expect(twice.field == "movie id")
        #expect(twice.message.contains("first on line 2"))
    }

    @Test("users.dat: gender, age and occupation codes are checked")
    func userErrors() throws {
        let gender = try failure1M(users: [usersDat[0], "2::X::56::16::70072"])
        #expect(gender.file.hasSuffix("ml-1m/users.dat"))
        #expect(gender.line == 2)
        #expect(gender.field == "gender")
        let age = try failure1M(users: ["1::F::17::10::48067"])
        #expect(age.field == "age")
        let occupation = try failure1M(users: ["1::F::1::21::48067"])
        #expect(occupation.field == "occupation")
        let twice = try failure1M(users: usersDat + ["2::M::56::16::70072"])
        #expect(twice.line == 5)
        #expect(twice.message.contains("first on line 2"))
    }

    @Test("a missing ratings.dat says which file to put where")
    func missingRatings() throws {
        let folder = try fixture1M(ratings: nil)
        defer { folder.remove() }
        let error = try #require(throws: DatasetMissingError.self) {
            try MovieLens1M10M.load(.ml1m, from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
        }
        #expect(error.missingFile == folder.path + "/ml-1m/ratings.dat")
        #expect(error.lookedIn == folder.path + "/ml-1m")
        #expect(error.description.contains("ml-1m.zip"))
        #expect(error.description.contains("https://files.grouplens.org/datasets/movielens/ml-1m.zip"))
        #expect(error.description.contains("--data-dir"))
        let tenM = try #require(throws: DatasetMissingError.self) {
            try MovieLens1M10M.load(.ml10m, from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
        }
        #expect(tenM.missingFile == folder.path + "/ml-10M100K/ratings.dat")
    }
}

// MARK: - The real files

@Suite("MovieLens 1M, the real files", .enabled(if: ReaderTestData.has("ml-1m/movies.dat"), "ml-1m/movies.dat not found"))
struct MovieLens1MRealDataTests {
    private var folder: String { ReaderTestData.directory + "/ml-1m" }

    @Test("movies.dat: 3,883 movies, ids 1–3952, Latin-1 titles (SOURCE.md)")
    func movies() throws {
        let movies = try MovieLens1M10M.readMovies(folder + "/movies.dat")
        #expect(movies.count == 3_883)
        #expect(Set(movies.map(\.id)).count == 3_883)
        #expect(movies.first?.id == "1")
        #expect(movies.last?.id == "3952")
        #expect(movies.compactMap { Int($0.id) }.max() == 3952)
        // Line 1: 1::Toy Story (1995)::Animation|Children's|Comedy
        #expect(movies[0] == MovieLens1M10M.Movie(id: "1", title: "Toy Story (1995)", year: 1995, genres: ["Animation", "Children's", "Comedy"]))
        // Line 73 holds byte 0xE9: 73::Mis\xE9rables, Les (1995)::Drama|Musical
        #expect(movies[72] == MovieLens1M10M.Movie(id: "73", title: "Mis\u{E9}rables, Les (1995)", year: 1995, genres: ["Drama", "Musical"]))
        // Line 3883: 3952::Contender, The (2000)::Drama|Thriller
        #expect(movies[3882].title == "Contender, The (2000)")
        #expect(!movies.contains { $0.title.contains("\u{FFFD}") })
        // README: titles include the year of release.
        #expect(movies.allSatisfy { $0.year != nil })
        // README's 18 genres.
        let genres = Set(movies.flatMap(\.genres))
        #expect(genres == ["Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
                           "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"])
    }

    @Test("users.dat: 6,040 users, ids 1–6040 (README, SOURCE.md)")
    func users() throws {
        let users = try MovieLens1M10M.readUsers(folder + "/users.dat")
        #expect(users.count == 6_040)
        #expect(users.map(\.id) == (1...6040).map(String.init))
        // Line 1: 1::F::1::10::48067; line 6040: 6040::M::25::6::11106
        #expect(users[0].attributes == ["gender": "F", "age": "1", "occupation": "10", "zip": "48067"])
        #expect(users[6039].attributes == ["gender": "M", "age": "25", "occupation": "6", "zip": "11106"])
    }

    @Test("ratings.dat: missing here, so loading says where to put it; when present, the README's figures")
    func ratings() throws {
        let directory = ReaderTestData.dataDirectory
        if ReaderTestData.has("ml-1m/ratings.dat") {
            let dataset = try MovieLens1M10M.load(.ml1m, from: directory)
            // README: 1,000,209 ratings by 6,040 users; SOURCE.md: 3,706 rated movies, 3,883 in movies.dat.
            #expect(dataset.interactionCount == 1_000_209)
            #expect(dataset.userCount == 6_040)
            #expect(dataset.ratedItemCount == 3_706)
            #expect(dataset.itemCount == 3_883)
            #expect(dataset.sourceFiles.first?.sha256 == "506d64ca44484487c11dc2d9a28de5c54948213e6b96285e298afe28d6ea4e0f")
        } else {
            let error = try #require(throws: DatasetMissingError.self) { try MovieLens1M10M.load(.ml1m, from: directory) }
            #expect(error.missingFile == folder + "/ratings.dat")
            #expect(error.description.contains("ratings.dat"))
            #expect(error.description.contains("ml-1m.zip"))
        }
    }
}
