import Foundation
import Testing
@testable import RecData

// MovieLens CSV (20M/25M/32M/latest/latest-small). Fixture values are worked out by hand in the
// comments; real-data figures come from ml-latest-small's README.txt and SOURCE.md, and single
// lines quoted from the files themselves.

// Users 1, 2, 10 (numeric order; a string sort would put 10 before 2). Rated items 1, 11, 7789.
private let ratingsCSV = [
    "userId,movieId,rating,timestamp",
    "1,11,4.0,964982703",
    "1,7789,0.5,964981247",
    "2,11,3.5,1445714835",
    "10,1,5.0,1445714836",
]

// Six movies: three rated (1, 11, 7789), three not. Quoted titles with a comma and with a doubled
// quote; a title without a year; a year range; "(no genres listed)".
private let moviesCSV = [
    "movieId,title,genres",
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy",
    "11,\"American President, The (1995)\",Comedy|Drama|Romance",
    "7789,\"11'09\"\"01 - September 11 (2002)\",Drama",
    "40697,Babylon 5,Sci-Fi",
    "143410,Hyena Road,(no genres listed)",
    "171749,Death Note: Desu n\u{F4}to (2006\u{2013}2007),(no genres listed)",
]

// User 3 only tags: not a user. Movie 11 gets two tags, 40697 one.
private let tagsCSV = [
    "userId,movieId,tag,timestamp",
    "2,11,\"\"\"artsy\"\"\",1525285878",
    "2,40697,\"sci-fi, space\",1525285879",
    "3,11,politics,1525285880",
]

private let linksCSV = [
    "movieId,imdbId,tmdbId",
    "1,0114709,862",
    "11,0112346,9087",
    "7789,0328802,",
]

private func crlf(_ lines: [String]) -> String { lines.map { $0 + "\r\n" }.joined() }

/// `<root>/ml-latest-small/` with the given files.
private func fixture(_ files: [String: String]) throws -> ReaderFixtureFolder {
    let folder = try ReaderFixtureFolder("mlcsv")
    for (name, text) in files { try folder.write("ml-latest-small/\(name)", text) }
    return folder
}

private func loadFixture(_ files: [String: String]) throws -> Dataset {
    let folder = try fixture(files)
    defer { folder.remove() }
    return try MovieLensCSV.load(.latestSmall, from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
}

private let allFiles = ["ratings.csv": crlf(ratingsCSV), "movies.csv": crlf(moviesCSV), "tags.csv": crlf(tagsCSV), "links.csv": crlf(linksCSV)]

private func loadFailure(_ files: [String: String]) throws -> DataFileError {
    try #require(throws: DataFileError.self) { try loadFixture(files) }
}

@Suite("MovieLens CSV reader")
struct MovieLensCSVTests {
    @Test("ratings, users and items; unrated catalogue movies are items")
    func counts() throws {
        let dataset = try loadFixture(allFiles)
        #expect(dataset.name == "ml-latest-small")
        #expect(dataset.userIDs == ["1", "2", "10"])
        #expect(dataset.itemIDs == ["1", "11", "7789", "40697", "143410", "171749"])
        #expect(dataset.itemCount == 6)
        #expect(dataset.ratedItemCount == 3)
        #expect(dataset.interactionCount == 4)
        #expect(originalRows(dataset) == [
            OriginalRow(user: "1", item: "11", rating: 4, timestamp: 964_982_703),
            OriginalRow(user: "1", item: "7789", rating: 0.5, timestamp: 964_981_247),
            OriginalRow(user: "2", item: "11", rating: 3.5, timestamp: 1_445_714_835),
            OriginalRow(user: "10", item: "1", rating: 5, timestamp: 1_445_714_836),
        ])
        #expect(dataset.sourceFiles.map(\.name) == ["ratings.csv", "movies.csv", "tags.csv", "links.csv"])
    }

    @Test("titles unquoted, years parsed, genres split, \"(no genres listed)\" is none")
    func movies() throws {
        let dataset = try loadFixture(allFiles)
        #expect(dataset.itemTitles == [
            "Toy Story (1995)", "American President, The (1995)", "11'09\"01 - September 11 (2002)", "Babylon 5", "Hyena Road",
            "Death Note: Desu n\u{F4}to (2006\u{2013}2007)",
        ])
        #expect(dataset.itemYears == [1995, 1995, 2002, nil, nil, 2006])
        #expect(dataset.itemGenres == [
            ["Adventure", "Animation", "Children", "Comedy", "Fantasy"], ["Comedy", "Drama", "Romance"], ["Drama"], ["Sci-Fi"], [], [],
        ])
    }

    @Test("tags attached to their movies, in file order; links kept as attributes")
    func tagsAndLinks() throws {
        let dataset = try loadFixture(allFiles)
        #expect(dataset.itemTags == [[], ["\"artsy\"", "politics"], [], ["sci-fi, space"], [], []])
        #expect(dataset.itemAttributes[0] == ["imdbId": "0114709", "tmdbId": "862"])
        #expect(dataset.itemAttributes[1] == ["imdbId": "0112346", "tmdbId": "9087"])
        #expect(dataset.itemAttributes[2] == ["imdbId": "0328802"])
        #expect(dataset.itemAttributes[3] == [:])
        // The tagging-only user 3 is not a user.
        #expect(!dataset.userIDs.contains("3"))
        #expect(dataset.userAttributes == [[:], [:], [:]])
    }

    @Test("LF and CRLF files read the same")
    func lineEnds() throws {
        let lf = allFiles.mapValues { $0.replacingOccurrences(of: "\r\n", with: "\n") }
        let a = try loadFixture(lf), b = try loadFixture(allFiles)
        #expect(a.fingerprint() == b.fingerprint())
        #expect(a.itemTitles == b.itemTitles)
        #expect(a.itemTags == b.itemTags)
    }

    @Test("only ratings.csv: the rated movies, without side information")
    func ratingsOnly() throws {
        let dataset = try loadFixture(["ratings.csv": crlf(ratingsCSV)])
        #expect(dataset.itemIDs == ["1", "11", "7789"])
        #expect(dataset.itemTitles == ["", "", ""])
        #expect(dataset.itemYears == [nil, nil, nil])
        #expect(dataset.sourceFiles.map(\.name) == ["ratings.csv"])
    }

    @Test("a rating outside 0.5–5 names the line and field", arguments: ["0.0", "5.5", "-1"])
    func ratingRange(rating: String) throws {
        let error = try loadFailure(["ratings.csv": crlf(ratingsCSV + ["2,1,\(rating),1445714837"])])
        #expect(error.file.hasSuffix("ml-latest-small/ratings.csv"))
        #expect(error.line == 6)
        #expect(error.field == "rating")
    }

    @Test("a misspelt header column is named with a suggestion")
    func headerTypo() throws {
        var typo = ratingsCSV
        typo[0] = "userId,movieID,rating,timestamp"
        let error = try loadFailure(["ratings.csv": crlf(typo)])
        #expect(error.line == 1)
        #expect(error.message.contains("did you mean \"movieID\"?"))
        var moviesTypo = moviesCSV
        moviesTypo[0] = "movieId,titel,genres"
        let movieError = try loadFailure(["ratings.csv": crlf(ratingsCSV), "movies.csv": crlf(moviesTypo)])
        #expect(movieError.file.hasSuffix("movies.csv"))
        #expect(movieError.message.contains("\"title\""))
        #expect(movieError.message.contains("did you mean \"titel\"?"))
    }

    @Test("a movie listed twice, a non-integer movie id, a bad quote in movies.csv")
    func movieErrors() throws {
        let twice = try loadFailure(["ratings.csv": crlf(ratingsCSV), "movies.csv": crlf(moviesCSV + ["11,Again (1999),Drama"])])
        #expect(twice.file.hasSuffix("movies.csv"))
        #expect(twice.line == 8)
        #expect(twice.message.contains("line 3"))
        let text = try loadFailure(["ratings.csv": crlf(ratingsCSV + ["2,tt0114709,3.0,1"])])
        #expect(text.line == 6)
        #expect(text.field == "movieId")
        let quote = try loadFailure(["ratings.csv": crlf(ratingsCSV), "movies.csv": crlf(moviesCSV + ["9,\"Bad \"quote\" (1999)\",Drama"])])
        #expect(quote.line == 8)
        #expect(quote.field == "field 2")
    }

    @Test("a wrong field count in tags.csv names the file and line")
    func tagErrors() throws {
        let error = try loadFailure(["ratings.csv": crlf(ratingsCSV), "tags.csv": crlf(tagsCSV + ["2,11,a, b,1"])])
        #expect(error.file.hasSuffix("tags.csv"))
        #expect(error.line == 5)
        #expect(error.message.contains("expected 4 fields, found 5"))
    }

    @Test("a missing ratings.csv says where to put what")
    func missing() throws {
        let folder = try fixture(["movies.csv": crlf(moviesCSV)])
        defer { folder.remove() }
        let error = try #require(throws: DatasetMissingError.self) {
            try MovieLensCSV.load(.ml25m, from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
        }
        #expect(error.missingFile == folder.path + "/ml-25m/ratings.csv")
        #expect(error.description.contains("https://files.grouplens.org/datasets/movielens/ml-25m.zip"))
        #expect(error.description.contains("--data-dir"))
    }

    @Test("title years", arguments: [
        ("Toy Story (1995)", 1995), ("Babylon 5", nil), ("Death Note (2006\u{2013}2007)", 2006), ("Show (2007-)", 2007),
        ("Trailing space (1995) ", 1995), ("(500) Days of Summer (2009)", 2009), ("Odd (a1995)", nil), ("Long (19955)", nil),
        ("1995", nil), ("Close (1995", nil), ("Range (2006-07)", nil),
    ] as [(String, Int?)])
    func titleYears(title: String, year: Int?) {
        #expect(MovieTitle.year(in: title) == year)
    }
}

// MARK: - The real files

private enum LatestSmall {
    static let available = ReaderTestData.has("ml-latest-small/ratings.csv")
    static let dataset: Result<Dataset, any Error> = Result { try MovieLensCSV.load(.latestSmall, from: ReaderTestData.dataDirectory) }
}

@Suite("MovieLens latest-small, the real files", .enabled(if: LatestSmall.available, "ml-latest-small/ratings.csv not found"))
struct MovieLensLatestSmallTests {
    @Test("figures stated by README.txt and SOURCE.md")
    func figures() throws {
        let dataset = try LatestSmall.dataset.get()
        // README: "100836 ratings and 3683 tag applications across 9742 movies … by 610 users".
        #expect(dataset.userCount == 610)
        #expect(dataset.interactionCount == 100_836)
        #expect(dataset.itemTags.reduce(0) { $0 + $1.count } == 3_683)
        // SOURCE.md: 9,724 distinct rated movies; movies.csv 9,742 rows, every rated movie among them.
        #expect(dataset.ratedItemCount == 9_724)
        #expect(dataset.itemCount == 9_742)
        #expect(dataset.itemTitles.filter { !$0.isEmpty }.count == 9_742)
        // SOURCE.md: links.csv 9,742 rows.
        #expect(dataset.itemAttributes.filter { $0["imdbId"] != nil }.count == 9_742)
        // SOURCE.md rating counts and timestamp range.
        var perRating: [Float: Int] = [:]
        for rating in dataset.ratings { perRating[rating, default: 0] += 1 }
        #expect(perRating == [0.5: 1370, 1: 2811, 1.5: 1791, 2: 7551, 2.5: 5550, 3: 20047, 3.5: 13136, 4: 26818, 4.5: 8551, 5: 13211])
        #expect(dataset.timestamps.min() == 828_124_615)
        #expect(dataset.timestamps.max() == 1_537_799_250)
        // SOURCE.md: duplicate (user, movie) pairs: 0.
        #expect(dataset.resolvingDuplicates(.first).interactionCount == 100_836)
    }

    @Test("provenance: the SHA-256 of each file as listed in SOURCE.md")
    func sources() throws {
        let dataset = try LatestSmall.dataset.get()
        #expect(dataset.sourceFiles.map(\.name) == ["ratings.csv", "movies.csv", "tags.csv", "links.csv"])
        #expect(dataset.sourceFiles.map(\.sha256) == [
            "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
            "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
            "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
            "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
        ])
    }

    @Test("single lines of movies.csv, tags.csv and links.csv")
    func lines() throws {
        let dataset = try LatestSmall.dataset.get()
        func item(_ id: String) throws -> Int { try #require(dataset.itemIDs.firstIndex(of: id)) }
        // movies.csv line 2: 1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
        let toyStory = try item("1")
        #expect(toyStory == 0)
        #expect(dataset.itemTitles[toyStory] == "Toy Story (1995)")
        #expect(dataset.itemYears[toyStory] == 1995)
        #expect(dataset.itemGenres[toyStory] == ["Adventure", "Animation", "Children", "Comedy", "Fantasy"])
        // line 12: 11,"American President, The (1995)",Comedy|Drama|Romance
        #expect(dataset.itemTitles[try item("11")] == "American President, The (1995)")
        // line 5021: 7789,"11'09""01 - September 11 (2002)",Drama
        #expect(dataset.itemTitles[try item("7789")] == "11'09\"01 - September 11 (2002)")
        #expect(dataset.itemYears[try item("7789")] == 2002)
        // line 6061: 40697,Babylon 5,Sci-Fi (no year)
        #expect(dataset.itemYears[try item("40697")] == nil)
        // line 9093: 143410,Hyena Road,(no genres listed)
        #expect(dataset.itemGenres[try item("143410")] == [])
        // line 9520: 171749,Death Note: Desu nôto (2006–2007),(no genres listed) — UTF-8 ô and en dash.
        #expect(dataset.itemTitles[try item("171749")] == "Death Note: Desu n\u{F4}to (2006\u{2013}2007)")
        #expect(dataset.itemYears[try item("171749")] == 2006)
        // tags.csv: movie 4552 has six tags, line 3007 being 567,4552,"""artsy""",1525285878.
        #expect(dataset.itemTags[try item("4552")].sorted() == ["\"artsy\"", "atmospheric", "gritty", "hallucinatory", "surreal", "visually stunning"])
        // links.csv line 2: 1,0114709,862 — the IMDb id keeps its leading zero.
        #expect(dataset.itemAttributes[toyStory] == ["imdbId": "0114709", "tmdbId": "862"])
    }
}
