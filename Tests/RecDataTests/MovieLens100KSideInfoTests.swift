import Foundation
import Testing
@testable import RecData

// MovieLens 100K on the shared byte-level parser: u.user demographics, years and IMDb URLs from
// u.item. Fixture values are worked out in the comments; real-data figures were counted in the
// files with python3 (see each comment).

@Suite("MovieLens 100K side information")
struct MovieLens100KSideInfoTests {
    @Test("u.user: demographics as user attributes; a user without ratings is still a user")
    func users() throws {
        let folder = try ReaderFixtureFolder("ml100k-users")
        defer { folder.remove() }
        let ratings = try folder.write("u.data", "7\t5\t3\t891717742\n3\t5\t4\t880606923\n")
        // Users 3 and 7 rate; user 5 is only in u.user. Sorted 3, 5, 7 → dense 0, 1, 2.
        let users = try folder.write("u.user", "7|53|F|other|94043\n3|23|M|writer|32067\n5|33|F|other|15213\n")
        let dataset = try MovieLens100K.load(ratingsFile: ratings, itemFile: nil, userFile: users)
        #expect(dataset.userIDs == ["3", "5", "7"])
        #expect(dataset.userAttributes[0] == ["age": "23", "gender": "M", "occupation": "writer", "zip": "32067"])
        #expect(dataset.userAttributes[1] == ["age": "33", "gender": "F", "occupation": "other", "zip": "15213"])
        #expect(dataset.activeUserCount == 2)
        #expect(dataset.sourceFiles.map(\.name) == ["u.data", "u.user"])
    }

    @Test("u.user errors name the line and field")
    func userErrors() throws {
        let folder = try ReaderFixtureFolder("ml100k-users")
        defer { folder.remove() }
        let ratings = try folder.write("u.data", "3\t5\t4\t880606923\n")
        for (text, line, field) in [("3|23|M|writer|32067\n5|33|X|other|15213\n", 2, "gender"),
                                    ("3|23|M|writer|32067\n5|old|F|other|15213\n", 2, "age"),
                                    ("3|23|M|writer|32067\n3|33|F|other|15213\n", 2, "user id")] {
            let users = try folder.write("u.user", text)
            let error = try #require(throws: DataFileError.self) { try MovieLens100K.load(ratingsFile: ratings, itemFile: nil, userFile: users) }
            #expect(error.file == users && error.line == line && error.field == field, "\(error)")
        }
    }

    @Test("u.item: the year from the title, the IMDb URL when there is one")
    func itemExtras() throws {
        let folder = try ReaderFixtureFolder("ml100k-items")
        defer { folder.remove() }
        let flags = Array(repeating: "0", count: 19).joined(separator: "|")
        let ratings = try folder.write("u.data", "1\t1\t4\t1\n1\t2\t3\t2\n")
        let items = try folder.write("u.item", "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/x|\(flags)\n2|unknown||||\(flags)\n")
        let dataset = try MovieLens100K.load(ratingsFile: ratings, itemFile: items)
        #expect(dataset.itemYears == [1995, nil])
        #expect(dataset.itemAttributes == [["imdbURL": "http://us.imdb.com/x"], [:]])
    }

    @Test("the real files: 943 users with demographics; years and URLs as counted",
          .enabled(if: ReaderTestData.has("ml-100k/u.user"), "needs the shared datasets"))
    func real() throws {
        let dataset = try MovieLens100K.load(from: DataDirectory(path: ReaderTestData.directory, origin: "test"))
        #expect(dataset.userCount == 943 && dataset.itemCount == 1682 && dataset.interactionCount == 100_000)
        // u.user line 1: "1|24|M|technician|85711".
        #expect(dataset.userAttributes[0] == ["age": "24", "gender": "M", "occupation": "technician", "zip": "85711"])
        #expect(dataset.userAttributes.allSatisfy { $0.count == 4 })
        #expect(dataset.sourceFiles.map(\.name) == ["u.data", "u.item", "u.user"])
        #expect(dataset.sourceFiles[2].sha256 == "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c")
        // Counted with python3: two titles end without "(yyyy)" (267 "unknown" and 1412 "… (1995) (V)"),
        // 298 movies are from 1996, and three lines have no IMDb URL (267, 1358, 1359).
        #expect(dataset.itemYears.count { $0 == nil } == 2)
        #expect(dataset.itemYears.count { $0 == 1996 } == 298)
        #expect(dataset.itemAttributes.count { $0.isEmpty } == 3)
    }
}
