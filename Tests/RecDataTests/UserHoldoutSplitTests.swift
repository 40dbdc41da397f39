import Foundation
import Testing
import RecMath
// `Dataset` has no public initializer (only the implicit internal memberwise one), so building a
// synthetic dataset directly needs @testable.
@testable import RecData

// UserHoldoutSplitter on hand-made datasets. Expected per-user test counts are round(n·f) with
// halves rounded away from zero, capped at n − 1 (so one interaction always stays in train).

/// One interaction in dense ids.
private struct Interaction: Hashable {
    var user: Int32
    var item: Int32
}

/// Builds a dataset straight from (user, item) rows in dense ids; ratings and timestamps are
/// derived from the ids so that every row is distinct and recognisable.
private func makeDataset(userIDs: [String], itemIDs: [String], rows: [Interaction]) -> Dataset {
    Dataset(
        name: "synthetic",
        userIDs: userIDs, itemIDs: itemIDs,
        users: rows.map(\.user), items: rows.map(\.item),
        ratings: rows.map { Float(($0.user + $0.item) % 5 + 1) },
        timestamps: rows.map { Int64($0.user) * 1000 + Int64($0.item) },
        itemTitles: itemIDs.map { _ in "" }, itemGenres: itemIDs.map { _ in [] },
        sourceFiles: [])
}

/// Per dense user, the items rated (all distinct):
/// user 0: 10 items, user 1: 3, user 2: 1, user 3: 5, user 4: 2, user 5: none, user 6: 20.
private let itemsByUser: [[Int32]] = [
    Array(0..<10),
    [2, 5, 7],
    [4],
    [1, 3, 5, 7, 9],
    [0, 19],
    [],
    Array(0..<20),
]
private let userCounts = itemsByUser.map(\.count) // [10, 3, 1, 5, 2, 0, 20], 41 rows

/// The rows in a scrambled but fixed order (a stride-7 walk over the user-major list).
private let canonicalRows: [Interaction] = itemsByUser.enumerated().flatMap { user, items in
    items.map { Interaction(user: Int32(user), item: $0) }
}
private let scrambledRows: [Interaction] = {
    let n = canonicalRows.count // 41, prime, so stride 7 visits every row once
    return (0..<n).map { canonicalRows[($0 * 7) % n] }
}()

private let userIDs = ["1", "2", "3", "4", "5", "6", "7"]
private let itemIDs = (0..<20).map { String(100 + $0) }

private func sample(_ rows: [Interaction] = scrambledRows) -> Dataset {
    makeDataset(userIDs: userIDs, itemIDs: itemIDs, rows: rows)
}

private func testCounts(_ split: Split, _ dataset: Dataset) -> [Int] {
    var counts = [Int](repeating: 0, count: dataset.userCount)
    for k in split.test { counts[Int(dataset.users[k])] += 1 }
    return counts
}

private func pairs(_ part: [Int], _ dataset: Dataset) -> Set<Interaction> {
    Set(part.map { Interaction(user: dataset.users[$0], item: dataset.items[$0]) })
}

@Suite("UserHoldoutSplitter")
struct UserHoldoutSplitTests {
    @Test("the sample is what the tests think it is")
    func sampleShape() {
        let dataset = sample()
        #expect(dataset.interactionCount == 41)
        #expect(Set(scrambledRows).count == 41)
        #expect(dataset.userCount == 7)
        #expect(dataset.itemCount == 20)
    }

    // n:            10   3    1    5    2    0   20
    @Test("per-user test counts are round(n·f), half away from zero, at most n − 1", arguments: [
        // f = 0.2: 2.0, 0.6, 0.2, 1.0, 0.4, 0, 4.0
        (0.2, [2, 1, 0, 1, 0, 0, 4]),
        // f = 0.5: 5.0, 1.5 → 2, 0.5 → 1 but capped at 0, 2.5 → 3, 1.0, 0, 10.0
        (0.5, [5, 2, 0, 3, 1, 0, 10]),
        // f = 0.25: 2.5 → 3, 0.75 → 1, 0.25 → 0, 1.25 → 1, 0.5 → 1, 0, 5.0
        (0.25, [3, 1, 0, 1, 1, 0, 5]),
        // f = 0.9: 9.0, 2.7 → 3 capped at 2, 0.9 → 1 capped at 0, 4.5 → 5 capped at 4, 1.8 → 2 capped at 1, 0, 18.0
        (0.9, [9, 2, 0, 4, 1, 0, 18]),
    ])
    func testCountsPerUser(fraction: Double, expected: [Int]) {
        let dataset = sample()
        let split = UserHoldoutSplitter(testFraction: fraction, seed: 42).split(dataset)
        #expect(testCounts(split, dataset) == expected)
        #expect(split.test.count == expected.reduce(0, +))
        #expect(split.train.count == 41 - expected.reduce(0, +))
    }

    @Test("a user with one interaction keeps it in train")
    func singleInteractionStaysInTrain() {
        let dataset = sample()
        for fraction in [0.2, 0.5, 0.9] {
            let split = UserHoldoutSplitter(testFraction: fraction, seed: 7).split(dataset)
            // User 2's only row is (2, 4).
            #expect(pairs(split.train, dataset).contains(Interaction(user: 2, item: 4)))
            #expect(!pairs(split.test, dataset).contains(Interaction(user: 2, item: 4)))
        }
    }

    // n:            10   3    1    5    2    0   20
    // RecBole's _calcu_split_ids([1 − f, f]): int(f·n), then 1 when f·n < 1 and at least 2 would remain.
    @Test("rounding down counts ⌊n·f⌋, raised to 1 while two interactions remain", arguments: [
        // f = 0.25: 2.5 → 2, 0.75 → 0 → 1, 0.25 → 0 (one row), 1.25 → 1, 0.5 → 0 → 1, 0, 5.0
        (0.25, [2, 1, 0, 1, 1, 0, 5]),
        // f = 0.1: 1.0, 0.3 → 1, 0.1 → 0, 0.5 → 1, 0.2 → 1, 0, 2.0
        (0.1, [1, 1, 0, 1, 1, 0, 2]),
        // f = 0.45: 4.5 → 4 (nearest gives 5), 1.35 → 1, 0.45 → 0, 2.25 → 2, 0.9 → 1, 0, 9.0
        (0.45, [4, 1, 0, 2, 1, 0, 9]),
    ])
    func roundingDown(fraction: Double, expected: [Int]) {
        let dataset = sample()
        let split = UserHoldoutSplitter(testFraction: fraction, seed: 42, rounding: .down).split(dataset)
        #expect(testCounts(split, dataset) == expected)
        #expect(split.method == "user-holdout(test_fraction=\(fraction), rounding=down, seed=42)")
    }

    // RecBole's 80/10/10 per user (_calcu_split_ids with [0.8, 0.1, 0.1]) worked by hand:
    // n = 10 → [8, 1, 1]; 3 → [2, 0, 0] then test +1, valid +1 → [1, 1, 1]; 1 → [1, 0, 0];
    // 5 → [4, 0, 0] → [3, 1, 1]; 2 → [2, 0, 0] → test +1, then one left → [1, 0, 1]; 20 → [16, 2, 2].
    @Test("validation carved with fraction_of = all is ⌊0.1·n⌋ of the user's whole count, as RecBole's 80/10/10")
    func validationOfAll() {
        let dataset = sample()
        let test = UserHoldoutSplitter(testFraction: 0.1, seed: 2020, rounding: .down).split(dataset)
        let carve = UserHoldoutSplitter(testFraction: 0.1, seed: 2020, rounding: .down, fractionOfAll: true)
        let three = dataset.validation(from: test, using: carve)
        func counts(_ rows: [Int]) -> [Int] {
            var c = [Int](repeating: 0, count: dataset.userCount)
            for k in rows { c[Int(dataset.users[k])] += 1 }
            return c
        }
        #expect(counts(three.test) == [1, 1, 0, 1, 1, 0, 2])
        #expect(counts(three.validation) == [1, 1, 0, 1, 0, 0, 2])
        #expect(counts(three.train) == [8, 1, 1, 3, 1, 0, 16])
        #expect((three.train + three.validation + three.test).sorted() == Array(0..<41))
        // Counted from what is left after the test cut, user 6 would get ⌊0.1·18⌋ = 1.
        let ofPart = dataset.validation(from: test, using: UserHoldoutSplitter(testFraction: 0.1, seed: 2020, rounding: .down))
        #expect(counts(ofPart.validation)[6] == 1)
        #expect(carve.spec.method == "user-holdout(test_fraction=0.1, rounding=down, fraction_of=all, seed=2020)")
    }

    @Test("train and test are disjoint, sorted, and cover every interaction exactly once")
    func partition() {
        let dataset = sample()
        for seed: UInt64 in [0, 1, 42, .max] {
            let split = UserHoldoutSplitter(testFraction: 0.3, seed: seed).split(dataset)
            #expect(Set(split.train).isDisjoint(with: split.test))
            #expect((split.train + split.test).sorted() == Array(0..<41))
            #expect(split.train == split.train.sorted())
            #expect(split.test == split.test.sorted())
        }
    }

    @Test("the method names the fraction and the seed")
    func method() {
        let split = UserHoldoutSplitter(testFraction: 0.2, seed: 42).split(sample())
        #expect(split.method == "user-holdout(test_fraction=0.2, seed=42)")
    }

    @Test("same seed → identical split and fingerprint")
    func sameSeed() {
        let dataset = sample()
        let a = UserHoldoutSplitter(testFraction: 0.5, seed: 1234).split(dataset)
        let b = UserHoldoutSplitter(testFraction: 0.5, seed: 1234).split(dataset)
        #expect(a.train == b.train)
        #expect(a.test == b.test)
        #expect(a.fingerprint(of: dataset) == b.fingerprint(of: dataset))
        #expect(a.fingerprint(of: dataset).count == 64)
    }

    @Test("different seed → different split and fingerprint")
    func differentSeed() {
        // User 6 alone has C(20, 10) = 184,756 possible test sets at f = 0.5, user 0 C(10, 5) = 252.
        let dataset = sample()
        let a = UserHoldoutSplitter(testFraction: 0.5, seed: 1).split(dataset)
        let b = UserHoldoutSplitter(testFraction: 0.5, seed: 2).split(dataset)
        #expect(pairs(a.test, dataset) != pairs(b.test, dataset))
        #expect(a.fingerprint(of: dataset) != b.fingerprint(of: dataset))
        // The per-user counts do not depend on the seed.
        #expect(testCounts(a, dataset) == testCounts(b, dataset))
    }

    @Test("permuting the rows changes neither the (user, item) sets nor the fingerprint")
    func rowOrderDoesNotMatter() {
        let scrambled = sample(scrambledRows)
        let canonical = sample(canonicalRows)
        let reversed = sample(scrambledRows.reversed())
        for seed: UInt64 in [3, 99] {
            let splitter = UserHoldoutSplitter(testFraction: 0.4, seed: seed)
            let s = splitter.split(scrambled), c = splitter.split(canonical), r = splitter.split(reversed)
            #expect(pairs(s.train, scrambled) == pairs(c.train, canonical))
            #expect(pairs(s.test, scrambled) == pairs(c.test, canonical))
            #expect(pairs(s.test, scrambled) == pairs(r.test, reversed))
            #expect(s.fingerprint(of: scrambled) == c.fingerprint(of: canonical))
            #expect(s.fingerprint(of: scrambled) == r.fingerprint(of: reversed))
        }
    }

    @Test("one user's split does not depend on the other users")
    func usersIndependent() {
        // Documented: seeding per user means dropping other users does not reshuffle the rest.
        // Keep only users 0 and 6 (same dense ids, the others simply have no rows).
        let dataset = sample()
        let reduced = sample(scrambledRows.filter { $0.user == 0 || $0.user == 6 })
        let splitter = UserHoldoutSplitter(testFraction: 0.5, seed: 5)
        let full = pairs(splitter.split(dataset).test, dataset).filter { $0.user == 0 || $0.user == 6 }
        #expect(full == pairs(splitter.split(reduced).test, reduced))
    }

    @Test("fingerprint of an all-train split, by hand")
    func fingerprintByHand() {
        // Two users with one interaction each: nothing can go to test. The fingerprint is documented
        // as SHA-256 of "recbench-split-v1\n" then sorted "user\titem\tR|T\n" rows in original ids:
        // printf 'recbench-split-v1\n1\t7\tR\n2\t30\tR\n' | sha256sum
        let dataset = makeDataset(
            userIDs: ["1", "2"], itemIDs: ["7", "30"],
            rows: [Interaction(user: 1, item: 1), Interaction(user: 0, item: 0)])
        let split = UserHoldoutSplitter(testFraction: 0.5, seed: 42).split(dataset)
        #expect(split.test.isEmpty)
        #expect(split.train == [0, 1])
        #expect(split.fingerprint(of: dataset) == "36361acbba1a70324160ed3aba0e1b44b2956d0fed5260f88cf53e08926d7b56")
    }

    @Test("matrix(_:of:) builds the users × items CSR of a part, by hand")
    func matrixByHand() throws {
        // 3 users × 4 items, rows in file order k = 0…4:
        //   k=0: (0, 2) rating (0+2)%5+1 = 3
        //   k=1: (0, 0) rating 1
        //   k=2: (2, 1) rating 4
        //   k=3: (2, 3) rating 1   ((2+3)%5+1)
        //   k=4: (1, 3) rating 5
        let dataset = makeDataset(
            userIDs: ["a", "b", "c"], itemIDs: ["w", "x", "y", "z"],
            rows: [.init(user: 0, item: 2), .init(user: 0, item: 0), .init(user: 2, item: 1),
                   .init(user: 2, item: 3), .init(user: 1, item: 3)])
        #expect(dataset.ratings == [3, 1, 4, 1, 5])
        let split = UserHoldoutSplitter(testFraction: 0.5, seed: 1).split(dataset)

        // Everything: row 0 → columns 0, 2 (sorted) values 1, 3; row 1 → 3 (5); row 2 → 1, 3 (4, 1).
        let all = try split.matrix([0, 1, 2, 3, 4], of: dataset)
        #expect(all.rowCount == 3)
        #expect(all.columnCount == 4)
        #expect(all.nonZeroCount == 5)
        #expect(all.indptr == [0, 2, 3, 5])
        #expect(all.indices == [0, 2, 3, 1, 3])
        #expect(all.values == [1, 3, 5, 4, 1])

        // A part given out of order: k = 4, 2 → row 0 empty, row 1 → 3 (5), row 2 → 1 (4).
        let part = try split.matrix([4, 2], of: dataset)
        #expect(part.rowCount == 3)
        #expect(part.columnCount == 4)
        #expect(part.indptr == [0, 0, 1, 2])
        #expect(part.indices == [3, 1])
        #expect(part.values == [5, 4])

        // An empty part still has the full shape.
        let empty = try split.matrix([], of: dataset)
        #expect(empty.rowCount == 3)
        #expect(empty.columnCount == 4)
        #expect(empty.indptr == [0, 0, 0, 0])
        #expect(empty.nonZeroCount == 0)
    }

    @Test("the train and test matrices of a real split hold exactly their rows")
    func matricesOfSplit() throws {
        let dataset = sample()
        let split = UserHoldoutSplitter(testFraction: 0.2, seed: 42).split(dataset)
        for part in [split.train, split.test] {
            let matrix = try split.matrix(part, of: dataset)
            #expect(matrix.rowCount == 7)
            #expect(matrix.columnCount == 20)
            #expect(matrix.nonZeroCount == part.count)
            var cells = Set<Interaction>()
            for row in 0..<matrix.rowCount {
                for position in Int(matrix.indptr[row])..<Int(matrix.indptr[row + 1]) {
                    let column = matrix.indices[position]
                    cells.insert(Interaction(user: Int32(row), item: column))
                    // ratings = (user + item) % 5 + 1
                    #expect(matrix.values[position] == Float((Int32(row) + column) % 5 + 1))
                }
            }
            #expect(cells == pairs(part, dataset))
        }
    }

    @Test("a test fraction of 0 is refused")
    func fractionZero() async {
        await #expect(processExitsWith: .failure) {
            _ = UserHoldoutSplitter(testFraction: 0, seed: 1)
        }
    }

    @Test("a test fraction of 1 is refused")
    func fractionOne() async {
        await #expect(processExitsWith: .failure) {
            _ = UserHoldoutSplitter(testFraction: 1, seed: 1)
        }
    }
}

// MARK: - K-fold

@Suite("KFoldSplitter")
struct KFoldSplitTests {
    // 41 interactions: k = 5 → 41 = 5·8 + 1, the first fold one larger: 9, 8, 8, 8, 8;
    // k = 3 → 41 = 3·13 + 2: 14, 14, 13; k = 2 → 21, 20; k = 41 → one each.
    @Test("fold sizes differ by at most one, the first n mod k folds larger", arguments: [
        (5, [9, 8, 8, 8, 8]),
        (3, [14, 14, 13]),
        (2, [21, 20]),
        (41, Array(repeating: 1, count: 41)),
    ])
    func foldSizes(folds: Int, sizes: [Int]) {
        let splits = KFoldSplitter(folds: folds, seed: 42).split(sample())
        #expect(splits.count == folds)
        #expect(splits.map(\.test.count) == sizes)
        #expect(splits.map(\.train.count) == sizes.map { 41 - $0 })
    }

    @Test("test folds partition the interactions; each train is the complement of its test")
    func partition() {
        let splits = KFoldSplitter(folds: 5, seed: 7).split(sample())
        #expect(splits.flatMap(\.test).sorted() == Array(0..<41))
        for split in splits {
            #expect(split.test == split.test.sorted())
            #expect(split.train == split.train.sorted())
            #expect(Set(split.train).isDisjoint(with: split.test))
            #expect((split.train + split.test).sorted() == Array(0..<41))
        }
    }

    @Test("method and part name the scheme and the fold")
    func names() {
        let splits = KFoldSplitter(folds: 3, seed: 42).split(sample())
        #expect(splits.map(\.method) == Array(repeating: "kfold(folds=3, seed=42)", count: 3))
        #expect(splits.map(\.part) == ["fold 1/3", "fold 2/3", "fold 3/3"])
        #expect(splits[1].description == "kfold(folds=3, seed=42) fold 2/3")
        // A holdout split has no part; its description is its method.
        let holdout = UserHoldoutSplitter(testFraction: 0.2, seed: 42).split(sample())
        #expect(holdout.part == nil)
        #expect(holdout.description == "user-holdout(test_fraction=0.2, seed=42)")
    }

    @Test("same seed → same folds; different seed → different folds; row order does not matter")
    func determinism() {
        let dataset = sample()
        let a = KFoldSplitter(folds: 5, seed: 11).split(dataset)
        let b = KFoldSplitter(folds: 5, seed: 11).split(dataset)
        let c = KFoldSplitter(folds: 5, seed: 12).split(dataset)
        #expect(a.map(\.test) == b.map(\.test))
        #expect(a.map { $0.fingerprint(of: dataset) } == b.map { $0.fingerprint(of: dataset) })
        #expect(a.map { pairs($0.test, dataset) } != c.map { pairs($0.test, dataset) })
        // Five folds of one dataset are five different splits.
        #expect(Set(a.map { $0.fingerprint(of: dataset) }).count == 5)

        let canonical = sample(canonicalRows)
        let reversed = sample(scrambledRows.reversed())
        let fromCanonical = KFoldSplitter(folds: 5, seed: 11).split(canonical)
        let fromReversed = KFoldSplitter(folds: 5, seed: 11).split(reversed)
        #expect(a.map { pairs($0.test, dataset) } == fromCanonical.map { pairs($0.test, canonical) })
        #expect(a.map { pairs($0.test, dataset) } == fromReversed.map { pairs($0.test, reversed) })
        #expect(a.map { $0.fingerprint(of: dataset) } == fromReversed.map { $0.fingerprint(of: reversed) })
    }
}
