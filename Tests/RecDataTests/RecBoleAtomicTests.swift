import Foundation
import Testing
@testable import RecData

// RecBole atomic files (.inter, .item, .user). Every expected value is worked out by hand from the
// fixture text in the comments.

// Users u2, u1; items i10, i2 — text tokens, so string order: "i10" < "i2". The label column is ignored.
private let inter = [
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\tlabel:float",
    "u2\ti10\t4\t881250949.0\t1",
    "u1\ti2\t3.5\t881250950\t0",
    "u2\ti2\t1\t881250951.7\t1",
]

// Item i99 has no interactions. Title, year and genre columns are recognised; director is kept as an attribute.
private let item = [
    "item_id:token\tmovie_title:token_seq\trelease_year:token\tgenre:token_seq\tdirector:token",
    "i2\tToy Story\t1995\tAnimation Children's Comedy\tLasseter",
    "i10\tGoldenEye\t1995\tAction Adventure Thriller\tCampbell",
    "i99\tHeat\t\tAction Crime Thriller\tMann",
]

// User u3 has no interactions; u2 has no .user line.
private let user = [
    "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token",
    "u1\t24\tM\ttechnician\t85711",
    "u3\t53\tF\tother\t94043",
]

private func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

private func load(inter: [String] = inter, item: [String]? = item, user: [String]? = user,
                  fields: RecBoleAtomic.Fields = RecBoleAtomic.Fields()) throws -> Dataset {
    let folder = try ReaderFixtureFolder("recbole")
    defer { folder.remove() }
    try folder.write("toy/toy.inter", text(inter))
    if let item { try folder.write("toy/toy.item", text(item)) }
    if let user { try folder.write("toy/toy.user", text(user)) }
    return try RecBoleAtomic.load("toy", from: DataDirectory.resolve(explicit: folder.path, environment: [:]), fields: fields)
}

private func failure(inter: [String] = inter, item: [String]? = item, user: [String]? = user) throws -> DataFileError {
    try #require(throws: DataFileError.self) { try load(inter: inter, item: item, user: user) }
}

@Suite("RecBole atomic files reader")
struct RecBoleAtomicTests {
    @Test(".inter: columns by name, float timestamps floored, extra columns ignored")
    func interactions() throws {
        let dataset = try load(item: nil, user: nil)
        #expect(dataset.name == "toy")
        #expect(dataset.userIDs == ["u1", "u2"])
        #expect(dataset.itemIDs == ["i10", "i2"])
        #expect(originalRows(dataset) == [
            OriginalRow(user: "u2", item: "i10", rating: 4, timestamp: 881_250_949),
            OriginalRow(user: "u1", item: "i2", rating: 3.5, timestamp: 881_250_950),
            OriginalRow(user: "u2", item: "i2", rating: 1, timestamp: 881_250_951),
        ])
        #expect(dataset.sourceFiles.map(\.name) == ["toy.inter"])
    }

    @Test(".item: title, year and genres recognised, other columns kept; items without interactions kept")
    func items() throws {
        let dataset = try load(user: nil)
        #expect(dataset.itemIDs == ["i10", "i2", "i99"])
        #expect(dataset.ratedItemCount == 2)
        #expect(dataset.itemTitles == ["GoldenEye", "Toy Story", "Heat"])
        #expect(dataset.itemYears == [1995, 1995, nil])
        #expect(dataset.itemGenres == [["Action", "Adventure", "Thriller"], ["Animation", "Children's", "Comedy"], ["Action", "Crime", "Thriller"]])
        #expect(dataset.itemAttributes == [["director": "Campbell"], ["director": "Lasseter"], ["director": "Mann"]])
        #expect(dataset.sourceFiles.map(\.name) == ["toy.inter", "toy.item"])
    }

    @Test(".user: columns kept as attributes; users without interactions kept")
    func users() throws {
        let dataset = try load()
        #expect(dataset.userIDs == ["u1", "u2", "u3"])
        #expect(dataset.activeUserCount == 2)
        #expect(dataset.userAttributes == [
            ["age": "24", "gender": "M", "occupation": "technician", "zip_code": "85711"],
            [:],
            ["age": "53", "gender": "F", "occupation": "other", "zip_code": "94043"],
        ])
        #expect(dataset.sourceFiles.map(\.name) == ["toy.inter", "toy.item", "toy.user"])
    }

    @Test("renamed fields; implicit feedback without rating and timestamp; numeric tokens in numeric order")
    func renamedFields() throws {
        let renamed = ["uid:token\tiid:token", "10\t7", "9\t7"]
        let dataset = try load(inter: renamed, item: nil, user: nil, fields: RecBoleAtomic.Fields(user: "uid", item: "iid"))
        #expect(dataset.userIDs == ["9", "10"])
        #expect(dataset.ratings == [1, 1])
        #expect(dataset.timestamps == [0, 0])
    }
}

@Suite("RecBole atomic files reader errors")
struct RecBoleAtomicErrorTests {
    @Test("a header column without a type")
    func untyped() throws {
        let error = try failure(inter: ["user_id\titem_id:token"] + inter.dropFirst().map { $0 })
        #expect(error.file.hasSuffix("toy/toy.inter"))
        #expect(error.line == 1)
        #expect(error.field == "column 1 of the header")
        #expect(error.message.contains("name:type"))
    }

    @Test("an unknown type, with a suggestion")
    func unknownType() throws {
        var typo = inter
        typo[0] = "user_id:token\titem_id:token\trating:flaot\ttimestamp:float\tlabel:float"
        let error = try failure(inter: typo)
        #expect(error.field == "column 3 of the header")
        #expect(error.message.contains("did you mean \"float\"?"))
    }

    @Test("a missing id column lists the header's names")
    func missingColumn() throws {
        var typo = inter
        typo[0] = "userid:token\titem_id:token\trating:float\ttimestamp:float\tlabel:float"
        let error = try failure(inter: typo)
        #expect(error.line == 1)
        #expect(error.field == "user")
        #expect(error.message.contains("\"userid\", \"item_id\", \"rating\", \"timestamp\", \"label\""))
        #expect(error.message.contains("did you mean \"userid\"?"))
    }

    @Test("a duplicate column name")
    func duplicateColumn() throws {
        var twice = inter
        twice[0] = "user_id:token\titem_id:token\trating:float\ttimestamp:float\trating:token"
        let error = try failure(inter: twice)
        #expect(error.field == "column 5 of the header")
        #expect(error.message.contains("appears twice"))
    }

    @Test("wrong field count, a non-numeric rating, a bad year, an item listed twice")
    func rows() throws {
        let count = try failure(inter: inter + ["u3\ti2\t4"])
        #expect(count.line == 5)
        #expect(count.message.contains("expected 5 fields, found 3"))
        let rating = try failure(inter: inter + ["u3\ti2\tfour\t1\t1"])
        #expect(rating.line == 5)
        #expect(rating.field == "rating")
        let year = try failure(item: item + ["i5\tX\t199x\tDrama\tY"])
        #expect(year.file.hasSuffix("toy/toy.item"))
        #expect(year.line == 5)
        #expect(year.field == "release_year")
        let twice = try failure(item: item + ["i2\tAgain\t1999\tDrama\tZ"])
        #expect(twice.line == 5)
        #expect(twice.message.contains("first on line 2"))
    }

    @Test("a missing .inter says which file to put where")
    func missing() throws {
        let folder = try ReaderFixtureFolder("recbole")
        defer { folder.remove() }
        let error = try #require(throws: DatasetMissingError.self) {
            try RecBoleAtomic.load("ml-100k", from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
        }
        #expect(error.missingFile == folder.path + "/ml-100k/ml-100k.inter")
        #expect(error.description.contains("ml-100k.inter"))
    }
}
