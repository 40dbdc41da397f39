import Foundation
import Testing
@testable import RecData

// Preprocessing on hand-made datasets; the surviving rows are worked out by hand in the comments.

/// One row in original ids.
private typealias Row = (user: String, item: String, rating: Float, timestamp: Int64)

/// A dataset over users u1…u4 and items a…e (dense ids in that order) with side information that
/// names its owner, so it can be followed through renumbering.
private func makeDataset(_ rows: [Row]) -> Dataset {
    let userIDs = ["u1", "u2", "u3", "u4"], itemIDs = ["a", "b", "c", "d", "e"]
    return Dataset(
        name: "hand-made", userIDs: userIDs, itemIDs: itemIDs,
        users: rows.map { Int32(userIDs.firstIndex(of: $0.user)!) }, items: rows.map { Int32(itemIDs.firstIndex(of: $0.item)!) },
        ratings: rows.map { $0.rating }, timestamps: rows.map { $0.timestamp },
        itemTitles: itemIDs.map { $0.uppercased() }, itemGenres: itemIDs.map { ["genre-\($0)"] },
        sourceFiles: [(name: "hand.csv", sha256: "0")],
        itemYears: [2001, 2002, 2003, 2004, 2005], itemTags: itemIDs.map { ["tag-\($0)"] },
        itemAttributes: itemIDs.map { ["id": $0] }, userAttributes: userIDs.map { ["id": $0] })
}

private func rows(_ dataset: Dataset) -> [String] {
    originalRows(dataset).map { "\($0.user) \($0.item) \($0.rating) \($0.timestamp)" }
}

// Counts — users: u1 2, u2 2, u3 2, u4 2; items: a 4, b 2, c 1, d 1, e 0 (catalogue only).
//
// kCore(users: 2, items: 2):
//   round 1: items c, d, e fall below 2 → rows k5 (u3 c) and k6 (u4 d) go;
//   round 2: u3 and u4 are left with one row each → they go, with k4 and k7;
//   round 3: u1 2, u2 2, a 2, b 2 → stable. Survivors k0–k3.
// minimumCounts(users: 2, items: 2), counted once on the input: every user has 2, so all stay;
// items c, d, e go. Survivors k0–k4 and k7; u3 and u4 keep one row each.
private let cascade: [Row] = [
    ("u1", "a", 4, 100), // k0
    ("u1", "b", 3, 101), // k1
    ("u2", "a", 2, 102), // k2
    ("u2", "b", 5, 103), // k3
    ("u3", "a", 1, 104), // k4
    ("u3", "c", 4, 105), // k5
    ("u4", "d", 3, 106), // k6
    ("u4", "a", 5, 107), // k7
]

// Three rows of (u1, a): k0 t=300, k2 t=100, k4 t=300 (tied with k0); two of (u1, b) tied at t=100;
// one of (u2, a).
private let duplicates: [Row] = [
    ("u1", "a", 2, 300), // k0
    ("u1", "b", 4, 100), // k1
    ("u1", "a", 4, 100), // k2
    ("u2", "a", 3, 200), // k3
    ("u1", "a", 5, 300), // k4
    ("u1", "b", 1, 100), // k5
]

@Suite("Preprocessing")
struct PreprocessingTests {
    @Test("kCore iterates until every user and item meets its minimum")
    func kCore() {
        let input = makeDataset(cascade)
        let core = input.kCore(users: 2, items: 2)
        #expect(core.userIDs == ["u1", "u2"])
        #expect(core.itemIDs == ["a", "b"])
        #expect(rows(core) == ["u1 a 4.0 100", "u1 b 3.0 101", "u2 a 2.0 102", "u2 b 5.0 103"])
        #expect(core.users == [0, 0, 1, 1])
        #expect(core.items == [0, 1, 0, 1])
        // Side information follows the renumbering.
        #expect(core.itemTitles == ["A", "B"])
        #expect(core.itemGenres == [["genre-a"], ["genre-b"]])
        #expect(core.itemYears == [2001, 2002])
        #expect(core.itemTags == [["tag-a"], ["tag-b"]])
        #expect(core.itemAttributes == [["id": "a"], ["id": "b"]])
        #expect(core.userAttributes == [["id": "u1"], ["id": "u2"]])
        #expect(core.name == input.name)
        #expect(core.sourceFiles.map(\.name) == ["hand.csv"])
    }

    @Test("minimumCounts counts once: a kept user may end below the minimum")
    func minimumCounts() {
        let filtered = makeDataset(cascade).minimumCounts(users: 2, items: 2)
        #expect(filtered.userIDs == ["u1", "u2", "u3", "u4"])
        #expect(filtered.itemIDs == ["a", "b"])
        #expect(rows(filtered) == ["u1 a 4.0 100", "u1 b 3.0 101", "u2 a 2.0 102", "u2 b 5.0 103", "u3 a 1.0 104", "u4 a 5.0 107"])
        #expect(filtered.userAttributes.map { $0["id"] } == ["u1", "u2", "u3", "u4"])
        // Users only: items untouched, catalogue-only e included.
        let usersOnly = makeDataset(cascade).minimumCounts(users: 2, items: 0)
        #expect(usersOnly.itemIDs == ["a", "b", "c", "d", "e"])
        #expect(usersOnly.interactionCount == 8)
    }

    @Test("minimum 0 keeps a side whole; minimum 1 drops only what has no rows")
    func trivialMinimums() {
        let input = makeDataset(cascade)
        let same = input.kCore(users: 0, items: 0)
        #expect(same.userIDs == input.userIDs)
        #expect(same.itemIDs == input.itemIDs)
        #expect(rows(same) == rows(input))
        let rated = input.kCore(users: 1, items: 1)
        #expect(rated.itemIDs == ["a", "b", "c", "d"])
        #expect(rated.itemYears == [2001, 2002, 2003, 2004])
        #expect(rows(rated) == rows(input))
        #expect(input.minimumCounts(users: 0, items: 1).itemIDs == ["a", "b", "c", "d"])
    }

    @Test("kCore can empty a dataset")
    func emptied() {
        // Items need 5 rows: none has, so everything goes, users included.
        let empty = makeDataset(cascade).kCore(users: 1, items: 5)
        #expect(empty.userCount == 0)
        #expect(empty.itemCount == 0)
        #expect(empty.interactionCount == 0)
    }

    @Test("ratingThreshold keeps ratings at or above the threshold as 1s")
    func ratingThreshold() {
        // Ratings ≥ 4: k0 (4), k3 (5), k5 (4), k7 (5).
        let implicit = makeDataset(cascade).ratingThreshold(4)
        #expect(rows(implicit) == ["u1 a 1.0 100", "u2 b 1.0 103", "u3 c 1.0 105", "u4 a 1.0 107"])
        #expect(implicit.userIDs == ["u1", "u2", "u3", "u4"])
        #expect(implicit.itemIDs == ["a", "b", "c", "d", "e"])
        #expect(makeDataset(cascade).ratingThreshold(6).interactionCount == 0)
    }

    @Test("duplicates: first is the earliest row, ties to the file's first")
    func duplicateFirst() {
        // (u1, a) → k2 (t=100); (u1, b) tie at t=100 → k1; (u2, a) → k3. In file order: k1, k2, k3.
        let result = makeDataset(duplicates).resolvingDuplicates(.first)
        #expect(rows(result) == ["u1 b 4.0 100", "u1 a 4.0 100", "u2 a 3.0 200"])
        #expect(result.userIDs == ["u1", "u2", "u3", "u4"])
        #expect(result.itemIDs == ["a", "b", "c", "d", "e"])
    }

    @Test("duplicates: last is the latest row, ties to the file's last")
    func duplicateLast() {
        // (u1, a) → t=300 tie between k0 and k4 → k4; (u1, b) → k5; (u2, a) → k3. In file order: k3, k4, k5.
        let result = makeDataset(duplicates).resolvingDuplicates(.last)
        #expect(rows(result) == ["u2 a 3.0 200", "u1 a 5.0 300", "u1 b 1.0 100"])
    }

    @Test("duplicates: mean rating, latest timestamp, at the pair's first position")
    func duplicateMean() {
        // (u1, a): (2 + 4 + 5) / 3 at t=300, first seen at k0; (u1, b): (4 + 1) / 2 = 2.5 at t=100 (k1);
        // (u2, a): 3 at t=200 (k3).
        let result = makeDataset(duplicates).resolvingDuplicates(.mean)
        #expect(originalRows(result) == [
            OriginalRow(user: "u1", item: "a", rating: Float(11.0 / 3.0), timestamp: 300),
            OriginalRow(user: "u1", item: "b", rating: 2.5, timestamp: 100),
            OriginalRow(user: "u2", item: "a", rating: 3, timestamp: 200),
        ])
    }

    @Test("without duplicates every policy returns the rows unchanged")
    func noDuplicates() {
        let input = makeDataset(cascade)
        for policy in DuplicatePolicy.allCases {
            #expect(rows(input.resolvingDuplicates(policy)) == rows(input), "\(policy)")
        }
    }

    @Test("every step is pure: the input is unchanged")
    func purity() {
        let input = makeDataset(cascade)
        let before = (rows(input), input.fingerprint(), input.itemTitles)
        _ = input.kCore(users: 2, items: 2)
        _ = input.minimumCounts(users: 2, items: 2)
        _ = input.ratingThreshold(4)
        _ = input.resolvingDuplicates(.mean)
        #expect(rows(input) == before.0)
        #expect(input.fingerprint() == before.1)
        #expect(input.itemTitles == before.2)
    }
}
