import Foundation
import Testing
import RecMath
@testable import RecData

// The splitters of RandomSplitters.swift, TemporalSplitters.swift and Splitters.swift, on a
// hand-made dataset whose partitions are worked out by hand below, and on a generated one for
// properties (partition, determinism, independence from row order).

/// (user, item, timestamp) in dense ids.
private struct Row: Hashable {
    var user: Int32
    var item: Int32
    var time: Int64
}

private func makeDataset(_ rows: [Row], users: Int, items: Int) -> Dataset {
    Dataset(
        name: "splitters", userIDs: (0..<users).map { "u\($0)" }, itemIDs: (0..<items).map { "i\($0)" },
        users: rows.map(\.user), items: rows.map(\.item), ratings: rows.map { Float($0.item % 5 + 1) },
        timestamps: rows.map(\.time), itemTitles: (0..<items).map { _ in "" }, itemGenres: (0..<items).map { _ in [] })
}

/// The hand-made dataset: 6 users (u5 has no rows), 5 items (i4 has no rows), 11 rows.
///
///   k  user item time        time order by (time, k):
///   0  u0   i0   50          8 (5), 1 (10), 4 (20), 2 (30), 3 (30), 6 (30),
///   1  u0   i1   10          5 (40), 0 (50), 7 (60), 9 (70), 10 (70)
///   2  u1   i0   30
///   3  u1   i2   30          per user, in time order:
///   4  u2   i1   20            u0: 1 (10), 6 (30), 0 (50)
///   5  u2   i3   40            u1: 2 (30), 3 (30), 7 (60)   (2 and 3 tie)
///   6  u0   i2   30            u2: 4 (20), 5 (40)
///   7  u1   i3   60            u3: 8 (5)                    (a single row)
///   8  u3   i0    5            u4: 9 (70), 10 (70)          (a tie)
///   9  u4   i1   70
///  10  u4   i2   70
private let handRows: [Row] = [
    Row(user: 0, item: 0, time: 50), Row(user: 0, item: 1, time: 10), Row(user: 1, item: 0, time: 30),
    Row(user: 1, item: 2, time: 30), Row(user: 2, item: 1, time: 20), Row(user: 2, item: 3, time: 40),
    Row(user: 0, item: 2, time: 30), Row(user: 1, item: 3, time: 60), Row(user: 3, item: 0, time: 5),
    Row(user: 4, item: 1, time: 70), Row(user: 4, item: 2, time: 70),
]
private func hand() -> Dataset { makeDataset(handRows, users: 6, items: 5) }

/// A generated dataset: 8 users with [1, 2, 3, 5, 8, 13, 0, 21] rows (53), distinct items per
/// user out of 30, timestamps in 0..<40 (so with ties), rows in a scrambled order.
private let generatedRows: [Row] = {
    var generator = SeededGenerator(seed: 2024)
    var rows: [Row] = []
    for (user, count) in [1, 2, 3, 5, 8, 13, 0, 21].enumerated() {
        var items = Array(Int32(0)..<30)
        generator.shuffle(&items)
        for item in items.prefix(count) {
            rows.append(Row(user: Int32(user), item: item, time: Int64(generator.nextInt(below: 40))))
        }
    }
    generator.shuffle(&rows)
    return rows
}()
private let generatedUserCounts = [1, 2, 3, 5, 8, 13, 0, 21]
private func generated(_ rows: [Row] = generatedRows) -> Dataset { makeDataset(rows, users: 8, items: 30) }

private func rows(_ part: [Int], _ dataset: Dataset) -> Set<Row> {
    Set(part.map { Row(user: dataset.users[$0], item: dataset.items[$0], time: dataset.timestamps[$0]) })
}

private func perUser(_ part: [Int], _ dataset: Dataset) -> [Int] {
    var counts = [Int](repeating: 0, count: dataset.userCount)
    for k in part { counts[Int(dataset.users[k])] += 1 }
    return counts
}

private func perItem(_ part: [Int], _ dataset: Dataset) -> [Int] {
    var counts = [Int](repeating: 0, count: dataset.itemCount)
    for k in part { counts[Int(dataset.items[k])] += 1 }
    return counts
}

/// Sorted, disjoint, and together every row exactly once.
private func isPartition(_ split: Split, _ n: Int) -> Bool {
    split.train == split.train.sorted() && split.test == split.test.sorted()
        && (split.train + split.test).sorted() == Array(0..<n)
}

/// Every single-split splitter with randomness, at a given seed.
private func randomSplitters(seed: UInt64) -> [any Splitter] {
    [
        RandomHoldoutSplitter(testFraction: 0.3, seed: seed),
        StratifiedSplitter(by: .item, trainRatio: 0.75, seed: seed),
        StratifiedSplitter(by: .user, trainRatio: 0.75, seed: seed),
        LeaveOneOutSplitter(.random(seed: seed)),
        SingleFold(UserKFoldSplitter(folds: 3, seed: seed), fold: 2),
    ]
}

@Suite("Splitters")
struct SplittersTests {
    @Test("the hand-made and generated datasets are what the tests think they are")
    func samples() {
        #expect(hand().interactionCount == 11)
        #expect(generated().interactionCount == 53)
        #expect(perUser(Array(0..<53), generated()) == generatedUserCounts)
        #expect(Set(generatedRows.map { [$0.user, $0.item] }).count == 53)
    }

    // MARK: Random global holdout

    @Test("random holdout: round(n·f) to test, at most n − 1", arguments: [
        (0.25, 3), // 11 × 0.25 = 2.75 → 3
        (0.5, 6),  // 5.5 → 6 (half away from zero)
        (0.2, 2),  // 2.2 → 2
        (0.99, 10), // 10.89 → 11, capped at 10
    ])
    func randomHoldoutCounts(fraction: Double, testCount: Int) {
        let split = RandomHoldoutSplitter(testFraction: fraction, seed: 42).split(hand())
        #expect(split.test.count == testCount)
        #expect(isPartition(split, 11))
    }

    @Test("random holdout of tiny datasets: one row stays in train, no rows gives an empty split")
    func randomHoldoutTiny() {
        let one = makeDataset([Row(user: 0, item: 0, time: 0)], users: 1, items: 1)
        let split = RandomHoldoutSplitter(testFraction: 0.5, seed: 1).split(one)
        #expect(split.train == [0])
        #expect(split.test.isEmpty)
        let none = RandomHoldoutSplitter(testFraction: 0.5, seed: 1).split(makeDataset([], users: 1, items: 1))
        #expect(none.train.isEmpty && none.test.isEmpty)
    }

    // MARK: Microsoft stratified split

    @Test("Microsoft's rule at ratio 0.75: r / n ≤ 0.75 goes to train")
    func microsoftRule() {
        // n:        1     2     3     4     5     6     7     8     9     10
        // r ≤ 0.75n: 0.75  1.5   2.25  3     3.75  4.5   5.25  6     6.75  7.5
        // train:    0     1     2     3     3     4     5     6     6     7
        // (numpy_stratified_split's round() would give 1, 2, 2, 3, 4, … — not this splitter's rule.)
        #expect((1...10).map { StratifiedSplitter.trainCount($0, trainRatio: 0.75) } == [0, 1, 2, 3, 3, 4, 5, 6, 6, 7])
        // At 0.5: r ≤ n/2 → 0, 1, 1, 2.
        #expect((1...4).map { StratifiedSplitter.trainCount($0, trainRatio: 0.5) } == [0, 1, 1, 2])
        // 7 / 10 == 0.7 exactly as Doubles, so r = 7 is in train.
        #expect(StratifiedSplitter.trainCount(10, trainRatio: 0.7) == 7)
        #expect(StratifiedSplitter.trainCount(0, trainRatio: 0.75) == 0)
    }

    @Test("stratified by item: per-item counts from the rule; an item with one row goes to test")
    func stratifiedByItem() {
        // Items of the hand dataset: i0 rows 0, 2, 8 (n = 3); i1 rows 1, 4, 9 (3); i2 rows 3, 6, 10 (3);
        // i3 rows 5, 7 (2); i4 none. At 0.75: train 2, 2, 2, 1, 0; test 1, 1, 1, 1, 0.
        let dataset = hand()
        for seed: UInt64 in [1, 2, 3] {
            let split = StratifiedSplitter(by: .item, trainRatio: 0.75, seed: seed).split(dataset)
            #expect(perItem(split.train, dataset) == [2, 2, 2, 1, 0])
            #expect(perItem(split.test, dataset) == [1, 1, 1, 1, 0])
            #expect(isPartition(split, 11))
        }
        // A dataset where one item has a single row: that row is in test, whatever the seed.
        let single = makeDataset([Row(user: 0, item: 0, time: 1), Row(user: 1, item: 0, time: 2), Row(user: 1, item: 1, time: 3)],
                                 users: 2, items: 2)
        for seed: UInt64 in [1, 2, 3] {
            let split = StratifiedSplitter(by: .item, trainRatio: 0.75, seed: seed).split(single)
            #expect(split.test.contains(2))
            #expect(perItem(split.train, single) == [1, 0])
        }
    }

    @Test("stratified by user: per-user counts from the rule")
    func stratifiedByUser() {
        // Users of the generated dataset have 1, 2, 3, 5, 8, 13, 0, 21 rows; at 0.75 train gets
        // 0, 1, 2, 3, 6, 9 (13·0.75 = 9.75), 0, 15 (21·0.75 = 15.75).
        let dataset = generated()
        let split = StratifiedSplitter(by: .user, trainRatio: 0.75, seed: 9).split(dataset)
        #expect(perUser(split.train, dataset) == [0, 1, 2, 3, 6, 9, 0, 15])
        #expect(perUser(split.test, dataset) == [1, 1, 1, 2, 2, 4, 0, 6])
        #expect(isPartition(split, 53))
        #expect(split.method == "stratified(by=user, train_ratio=0.75, seed=9)")
    }

    // MARK: Temporal global

    @Test("temporal by fraction: the latest round(n·f) by (time, index), by hand")
    func temporalFraction() {
        let dataset = hand()
        // 11 × 0.25 = 2.75 → 3: the last three of the time order, 7, 9, 10.
        let quarter = TemporalSplitter(.fraction(0.25)).split(dataset)
        #expect(quarter.test == [7, 9, 10])
        #expect(quarter.train == [0, 1, 2, 3, 4, 5, 6, 8])
        // 5.5 → 6: 6, 5, 0, 7, 9, 10. The tie at time 30 (rows 2, 3, 6) is cut by index: 6 to test.
        let half = TemporalSplitter(.fraction(0.5)).split(dataset)
        #expect(half.test == [0, 5, 6, 7, 9, 10])
        #expect(half.train == [1, 2, 3, 4, 8])
        #expect(half.method == "temporal(test_fraction=0.5)")
    }

    @Test("temporal by cutoff: time < cutoff is train, time ≥ cutoff is test, by hand")
    func temporalCutoff() {
        let dataset = hand()
        let at30 = TemporalSplitter(.cutoff(30)).split(dataset)
        #expect(at30.train == [1, 4, 8])
        #expect(at30.test == [0, 2, 3, 5, 6, 7, 9, 10])
        #expect(TemporalSplitter(.cutoff(70)).split(dataset).test == [9, 10])
        // No minimum on either side.
        #expect(TemporalSplitter(.cutoff(0)).split(dataset).train.isEmpty)
        #expect(TemporalSplitter(.cutoff(71)).split(dataset).test.isEmpty)
        #expect(at30.method == "temporal(cutoff=30)")
    }

    // MARK: Temporal per user

    @Test("temporal per user by fraction and by count, by hand")
    func userTemporal() {
        let dataset = hand()
        // 0.5: u0 3 → round(1.5) = 2 (6, 0); u1 3 → 2 (3, 7: the tie 2/3 cut by index); u2 2 → 1 (5);
        // u3 1 → round(0.5) = 1 capped at 0; u4 2 → 1 (10, the tie 9/10 cut by index).
        let half = UserTemporalSplitter(.fraction(0.5)).split(dataset)
        #expect(half.test == [0, 3, 5, 6, 7, 10])
        #expect(half.train == [1, 2, 4, 8, 9])
        // 0.34: u0, u1 round(1.02) = 1; u2, u4 round(0.68) = 1; u3 0.
        #expect(UserTemporalSplitter(.fraction(0.34)).split(dataset).test == [0, 5, 7, 10])
        // Latest 2, capped at n − 1: u0 (6, 0), u1 (3, 7), u2 (5), u3 none, u4 (10).
        let two = UserTemporalSplitter(.count(2)).split(dataset)
        #expect(two.test == [0, 3, 5, 6, 7, 10])
        #expect(two.method == "user-temporal(test_count=2)")
        // Latest 1 is leave-one-out (last).
        #expect(UserTemporalSplitter(.count(1)).split(dataset).test == LeaveOneOutSplitter(.last).split(dataset).test)
    }

    // MARK: Leave-one-out

    @Test("leave-one-out last, by hand: the latest row of each user, ties by index; single rows stay")
    func leaveOneOutLast() {
        let split = LeaveOneOutSplitter(.last).split(hand())
        // u0 → 0 (time 50), u1 → 7 (60), u2 → 5 (40), u3 single → train, u4 → 10 (ties with 9 at 70).
        #expect(split.test == [0, 5, 7, 10])
        #expect(split.train == [1, 2, 3, 4, 6, 8, 9])
        #expect(split.method == "leave-one-out(mode=last)")
    }

    @Test("leave-one-out random: one row per user with at least two, single rows stay in train")
    func leaveOneOutRandom() {
        let dataset = generated()
        for seed: UInt64 in [0, 1, 2, 42] {
            let split = LeaveOneOutSplitter(.random(seed: seed)).split(dataset)
            #expect(perUser(split.test, dataset) == [0, 1, 1, 1, 1, 1, 0, 1])
            #expect(isPartition(split, 53))
        }
        // Over seeds, u7's held-out row (21 candidates) is not always the same.
        let choices = Set((0..<10).map { seed in
            rows(LeaveOneOutSplitter(.random(seed: UInt64(seed))).split(dataset).test, dataset).filter { $0.user == 7 }
        })
        #expect(choices.count > 1)
        #expect(LeaveOneOutSplitter(.random(seed: 5)).spec.method == "leave-one-out(mode=random, seed=5)")
    }

    // MARK: K-fold per user

    @Test("k-fold per user: each user's rows dealt over k folds, sizes differ by at most one")
    func userKFold() {
        let dataset = generated()
        let splits = UserKFoldSplitter(folds: 3, seed: 7).split(dataset)
        #expect(splits.count == 3)
        #expect(splits.map(\.part) == ["fold 1/3", "fold 2/3", "fold 3/3"])
        #expect(splits.allSatisfy { $0.method == "user-kfold(folds=3, seed=7)" })
        let counts = splits.map { perUser($0.test, dataset) }
        for user in 0..<8 {
            let sizes = counts.map { $0[user] }.sorted()
            switch generatedUserCounts[user] {
            case 0, 1: #expect(sizes == [0, 0, 0]) // a single row stays in train in every fold
            case 2: #expect(sizes == [0, 1, 1])
            case 3: #expect(sizes == [1, 1, 1])
            case 5: #expect(sizes == [1, 2, 2])
            case 8: #expect(sizes == [2, 3, 3])
            case 13: #expect(sizes == [4, 4, 5])
            case 21: #expect(sizes == [7, 7, 7])
            default: Issue.record("unexpected user size")
            }
        }
        // The test folds are disjoint and cover every row except u0's single row (user 0, 1 row).
        let tested = splits.flatMap(\.test).sorted()
        #expect(tested.count == Set(tested).count)
        let untested = Set(0..<53).subtracting(tested)
        #expect(untested.count == 1)
        #expect(untested.allSatisfy { dataset.users[$0] == 0 })
        for split in splits { #expect(isPartition(split, 53)) }
    }

    @Test("k-fold per user with k larger than a user's rows: tested in n folds only")
    func userKFoldSmallUsers() {
        let dataset = hand() // u0, u1: 3 rows; u2, u4: 2; u3: 1
        let splits = UserKFoldSplitter(folds: 5, seed: 1).split(dataset)
        let counts = splits.map { perUser($0.test, dataset) }
        for (user, n) in [3, 3, 2, 1, 2, 0].enumerated() {
            let sizes = counts.map { $0[user] }
            #expect(sizes.allSatisfy { $0 <= 1 })
            #expect(sizes.reduce(0, +) == (n >= 2 ? n : 0))
        }
    }

    // MARK: Properties of all random splitters

    @Test("same seed → same split; another seed → another split; partition", arguments: [UInt64(1), 42, .max])
    func determinism(seed: UInt64) {
        let dataset = generated()
        let first = randomSplitters(seed: seed), again = randomSplitters(seed: seed), other = randomSplitters(seed: seed &+ 1)
        for ((a, b), c) in zip(zip(first, again), other) {
            let x = a.split(dataset), y = b.split(dataset), z = c.split(dataset)
            #expect(x.train == y.train && x.test == y.test, "\(x.description)")
            #expect(x.fingerprint(of: dataset) == y.fingerprint(of: dataset))
            #expect(x.test != z.test, "\(x.description) vs \(z.description)")
            #expect(isPartition(x, 53))
            #expect(x.method == a.spec.method)
        }
    }

    @Test("the rows a random splitter picks do not depend on the order of the file")
    func rowOrder() {
        let scrambled = generated(), reversed = generated(generatedRows.reversed())
        let sortedRows = generated(generatedRows.sorted { ($0.user, $0.item) < ($1.user, $1.item) })
        // (Temporal splitters cut ties in time by index, so they are not in this list.)
        for splitter in randomSplitters(seed: 3) {
            let a = splitter.split(scrambled), b = splitter.split(reversed), c = splitter.split(sortedRows)
            #expect(rows(a.test, scrambled) == rows(b.test, reversed), "\(splitter.spec)")
            #expect(rows(a.test, scrambled) == rows(c.test, sortedRows), "\(splitter.spec)")
        }
    }

    @Test("temporal splitters keep their promise on generated data")
    func temporalPromises() {
        let dataset = generated()
        for f in [0.1, 0.3, 0.5] {
            let global = TemporalSplitter(.fraction(f)).split(dataset)
            let latestTrain = global.train.map { dataset.timestamps[$0] }.max()!
            #expect(global.test.allSatisfy { dataset.timestamps[$0] >= latestTrain })
            let user = UserTemporalSplitter(.fraction(f)).split(dataset)
            for k in user.test {
                let u = dataset.users[k]
                #expect(user.train.allSatisfy { dataset.users[$0] != u || dataset.timestamps[$0] <= dataset.timestamps[k] })
            }
        }
    }

    // MARK: Validation

    @Test("a validation part carved out of train, by hand: leave-one-out twice")
    func validationLeaveOneOut() {
        let dataset = hand()
        let split = LeaveOneOutSplitter(.last).split(dataset) // test [0, 5, 7, 10]
        // Train rows [1, 2, 3, 4, 6, 8, 9]: u0 → 6 (30 after 10); u1 → 3 (ties 2 at 30, higher index);
        // u2 (4), u3 (8), u4 (9) have one train row each and keep it.
        let three = dataset.validation(from: split, using: LeaveOneOutSplitter(.last))
        #expect(three.validation == [3, 6])
        #expect(three.train == [1, 2, 4, 8, 9])
        #expect(three.test == [0, 5, 7, 10])
        #expect(three.method == "leave-one-out(mode=last) + validation leave-one-out(mode=last)")
        #expect(three.tuning.train == [1, 2, 4, 8, 9])
        #expect(three.tuning.test == [3, 6])
        #expect(three.evaluation.train == [1, 2, 4, 8, 9])
        #expect(three.evaluationRefit.train == [1, 2, 3, 4, 6, 8, 9])
        #expect(three.evaluationRefit.test == [0, 5, 7, 10])
    }

    @Test("a validation part carved out of train, by hand: temporal twice")
    func validationTemporal() {
        let dataset = hand()
        let plan = SplitPlan(test: TemporalSplitter(.fraction(0.25)), validation: TemporalSplitter(.fraction(0.25)))
        // Test 7, 9, 10; the 8 train rows in time order 8, 1, 4, 2, 3, 6, 5, 0; 8 × 0.25 = 2 → 5, 0.
        let three = plan.split(dataset)
        #expect(three.test == [7, 9, 10])
        #expect(three.validation == [0, 5])
        #expect(three.train == [1, 2, 3, 4, 6, 8])
        #expect(plan.spec.canonical == "temporal(test_fraction=0.25);validation=temporal(test_fraction=0.25)")
    }

    @Test("validation by any splitter: train, validation and test partition the rows")
    func validationPartition() {
        let dataset = generated()
        let test = UserHoldoutSplitter(testFraction: 0.2, seed: 4).split(dataset)
        let validators: [any Splitter] = randomSplitters(seed: 8) + [
            TemporalSplitter(.cutoff(20)), UserTemporalSplitter(.count(1)), LeaveOneOutSplitter(.last), UserHoldoutSplitter(testFraction: 0.25, seed: 8),
        ]
        for validator in validators {
            let three = dataset.validation(from: test, using: validator)
            #expect(three.test == test.test)
            #expect(three.train == three.train.sorted() && three.validation == three.validation.sorted())
            #expect((three.train + three.validation + three.test).sorted() == Array(0..<53), "\(validator.spec)")
            #expect(!three.validation.isEmpty)
            // The validation part is what the validator makes of the train rows alone.
            let alone = validator.split(dataset.keepingRows(test.train))
            #expect(three.validation == alone.test.map { test.train[$0] }, "\(validator.spec)")
        }
    }

    @Test("a three-way split fingerprints its parts; with no validation it is the two-way fingerprint")
    func threeWayFingerprint() {
        let dataset = hand()
        let split = LeaveOneOutSplitter(.last).split(dataset)
        #expect(ThreeWaySplit(split).fingerprint(of: dataset) == split.fingerprint(of: dataset))
        let three = dataset.validation(from: split, using: LeaveOneOutSplitter(.last))
        #expect(three.fingerprint(of: dataset) != split.fingerprint(of: dataset))
        // Moving the validation rows back into train changes the fingerprint.
        #expect(ThreeWaySplit(three.evaluationRefit).fingerprint(of: dataset) == split.fingerprint(of: dataset))
    }

    // MARK: Specs

    @Test("spec canonical strings, methods and SHA-256, by hand")
    func specs() {
        let holdout = RandomHoldoutSplitter(testFraction: 0.2, seed: 42).spec
        #expect(holdout.canonical == "random-holdout(seed=42,test_fraction=0.2)")
        #expect(holdout.method == "random-holdout(test_fraction=0.2, seed=42)")
        // printf 'recbench-split-spec-v1\nrandom-holdout(seed=42,test_fraction=0.2)' | sha256sum
        #expect(holdout.sha256 == "3d3089c2dc141c89741b83f7d87d31e2eae5f659be81602ba840fae9dcc58539")

        // The existing splitters: their spec's method is the method they write.
        let user = UserHoldoutSplitter(testFraction: 0.2, seed: 42)
        #expect(user.spec.method == user.split(hand()).method)
        #expect(user.spec.canonical == "user-holdout(seed=42,test_fraction=0.2)")
        let fold = SingleFold(KFoldSplitter(folds: 5, seed: 1), fold: 2)
        #expect(fold.spec.canonical == "kfold(folds=5,seed=1)[fold=2/5]")
        #expect(fold.spec.description == "kfold(folds=5, seed=1) fold 2/5")
        let foldSplit = fold.split(hand())
        #expect(foldSplit.method == fold.spec.method && foldSplit.part == fold.spec.part)
        #expect(foldSplit.test == KFoldSplitter(folds: 5, seed: 1).split(hand())[1].test)

        #expect(TemporalSplitter(.cutoff(-5)).spec.canonical == "temporal(cutoff=-5)")
        #expect(StratifiedSplitter(by: .item, trainRatio: 0.75, seed: 42).spec.canonical == "stratified(by=item,seed=42,train_ratio=0.75)")
        #expect(UserKFoldSplitter(folds: 5, seed: 3).spec.canonical == "user-kfold(folds=5,seed=3)")
        #expect(UserTemporalSplitter(.count(1)).spec.canonical == "user-temporal(test_count=1)")
        #expect(LeaveOneOutSplitter(.random(seed: 9)).spec.canonical == "leave-one-out(mode=random,seed=9)")

        // Equal specs built in another order are equal; every spec above differs from the others.
        #expect(SplitSpec("x", ["a": "1", "b": "2"], order: ["b", "a"]) == SplitSpec("x", ["b": "2", "a": "1"]))
        let all = randomSplitters(seed: 1).map(\.spec) + randomSplitters(seed: 2).map(\.spec) + [
            TemporalSplitter(.fraction(0.2)).spec, TemporalSplitter(.cutoff(5)).spec, UserTemporalSplitter(.fraction(0.2)).spec,
            UserTemporalSplitter(.count(1)).spec, LeaveOneOutSplitter(.last).spec, holdout, user.spec, fold.spec,
            SplitPlan(test: user, validation: LeaveOneOutSplitter(.last)).spec,
        ]
        #expect(Set(all.map(\.sha256)).count == all.count)
    }

    @Test("temporal scopes of the splitters")
    func scopes() {
        #expect(TemporalSplitter(.fraction(0.2)).temporalScope == .global)
        #expect(UserTemporalSplitter(.count(1)).temporalScope == .perUser)
        #expect(LeaveOneOutSplitter(.last).temporalScope == .perUser)
        #expect(LeaveOneOutSplitter(.random(seed: 1)).temporalScope == .none)
        #expect(RandomHoldoutSplitter(testFraction: 0.2, seed: 1).temporalScope == .none)
        #expect(UserHoldoutSplitter(testFraction: 0.2, seed: 1).temporalScope == .none)
    }

    // MARK: Cache

    @Test("a cached split is reused; a changed spec or changed data gives a new key")
    func cache() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recbench-split-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = SplitCache(directory: directory)
        let dataset = hand()
        let plan = SplitPlan(test: LeaveOneOutSplitter(.last), validation: LeaveOneOutSplitter(.last))

        var made = 0
        func make() -> ThreeWaySplit { made += 1; return plan.split(dataset) }
        let first = try cache.materialize(dataset, spec: plan.spec, make: make)
        let second = try cache.materialize(dataset, spec: plan.spec, make: make)
        #expect(made == 1)
        #expect(!first.reused && second.reused)
        #expect(first.key == second.key && first.path == second.path)
        #expect(second.split.train == [1, 2, 4, 8, 9] && second.split.validation == [3, 6] && second.split.test == [0, 5, 7, 10])
        #expect(second.split.method == first.split.method && second.split.part == nil)
        #expect(first.key == SplitCache.key(for: dataset, spec: plan.spec))

        // Int32 little-endian indices.
        let test = try Data(contentsOf: URL(fileURLWithPath: first.path).appendingPathComponent("test.bin"))
        #expect(Array(test) == [0, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 10, 0, 0, 0])
        // Nothing temporary is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [first.key])

        // Another spec: a new key, made anew.
        let other = try cache.materialize(dataset, plan: SplitPlan(test: LeaveOneOutSplitter(.last)))
        #expect(!other.reused && other.key != first.key)
        #expect(other.split.validation.isEmpty && other.split.test == [0, 5, 7, 10])
        #expect(try cache.materialize(dataset, plan: SplitPlan(test: LeaveOneOutSplitter(.last))).reused)

        // Changed data: one timestamp, or the same rows in another order.
        var changed = dataset
        changed.timestamps[3] = 31
        let changedEntry = try cache.materialize(changed, plan: plan)
        #expect(!changedEntry.reused && changedEntry.key != first.key)
        let reordered = makeDataset(handRows.reversed(), users: 6, items: 5)
        #expect(reordered.fingerprint() == dataset.fingerprint())
        #expect(SplitCache.key(for: reordered, spec: plan.spec) != first.key)

        // The key, by hand: SHA-256 of "recbench-split-cache-v1\n" + rows fingerprint + "\n" + canonical + "\n".
        #expect(SplitCache.key(rowsFingerprint: "abc", spec: LeaveOneOutSplitter(.last).spec)
                == "a87cba5e91b5158f6555164a381d77063d37d12bde431930382133489b88b561")
    }

    static func temporaryCache() -> (SplitCache, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recbench-split-cache-\(UUID().uuidString)").path
        return (SplitCache(directory: directory), directory)
    }

    static func int32s(_ values: [Int32]) -> Data { values.map(\.littleEndian).withUnsafeBytes { Data($0) } }

    @Test("the content SHA-256: the parts with their counts, by hand, recorded in meta.txt and checked on load")
    func cacheContent() throws {
        let (cache, directory) = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan = SplitPlan(test: LeaveOneOutSplitter(.last), validation: LeaveOneOutSplitter(.last))
        let entry = try cache.materialize(hand(), plan: plan)
        // train [1, 2, 4, 8, 9], validation [3, 6], test [0, 5, 7, 10] (see "a cached split is reused").
        var bytes = Data("train 5\n".utf8) + Self.int32s([1, 2, 4, 8, 9])
        bytes += Data("validation 2\n".utf8) + Self.int32s([3, 6])
        bytes += Data("test 4\n".utf8) + Self.int32s([0, 5, 7, 10])
        let expected = try TestTools.sha256(bytes)
        #expect(entry.contentSHA256 == expected)
        let meta = try String(contentsOfFile: entry.path + "/meta.txt", encoding: .utf8)
        #expect(meta.contains("\ncontent=\(expected)\n"))
        #expect(meta.contains("\nrows=\(SplitCache.rowsFingerprint(of: hand()))\n"))
        // A worker reads it back by key, given the content it must have.
        let loaded = try cache.load(key: entry.key, spec: plan.spec, dataset: hand(), contentSHA256: expected)
        #expect(loaded.train == [1, 2, 4, 8, 9] && loaded.validation == [3, 6] && loaded.test == [0, 5, 7, 10])
        #expect(throws: DataFileError.self) {
            try cache.load(key: entry.key, spec: plan.spec, dataset: hand(), contentSHA256: String(repeating: "0", count: 64))
        }
        // The files of a predefined split are part of the key: other files, another key.
        let spec = SplitSpec("predefined", ["set": "u1-u5"])
        let a = try cache.materialize(hand(), spec: spec, sourceFiles: ["u1.base aa", "u1.test bb"]) { plan.split(hand()) }
        let b = try cache.materialize(hand(), spec: spec, sourceFiles: ["u1.base aa", "u1.test cc"]) { plan.split(hand()) }
        #expect(!a.reused && !b.reused && a.key != b.key)
        #expect(try cache.materialize(hand(), spec: spec, sourceFiles: ["u1.base aa", "u1.test bb"]) { plan.split(hand()) }.reused)
    }

    @Test("a damaged entry is detected, made again and said why; a worker's load refuses it")
    func cacheDamage() throws {
        let (cache, directory) = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan = SplitPlan(test: LeaveOneOutSplitter(.last))
        let entry = try cache.materialize(hand(), plan: plan)
        let folder = URL(fileURLWithPath: entry.path)
        let testFile = folder.appendingPathComponent("test.bin")
        let original = try Data(contentsOf: testFile)

        func damaged(_ change: () throws -> Void, _ expected: String) throws {
            try change()
            #expect(throws: DataFileError.self) {
                try cache.load(key: entry.key, spec: plan.spec, dataset: hand(), contentSHA256: entry.contentSHA256)
            }
            var made = 0
            let again = try cache.materialize(hand(), spec: plan.spec) { made += 1; return plan.split(hand()) }
            #expect(made == 1 && !again.reused)
            #expect(again.rebuilt?.contains(expected) == true, "\(again.rebuilt ?? "not rebuilt")")
            #expect(again.key == entry.key && again.contentSHA256 == entry.contentSHA256)
            #expect(again.split.test == [0, 5, 7, 10])
            #expect(try Data(contentsOf: testFile) == original)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [entry.key])
            #expect(try cache.materialize(hand(), plan: plan).rebuilt == nil)
        }
        // Another row index of the same size: only the content hash tells.
        try damaged({ var bytes = original; bytes[4] = 6; try bytes.write(to: testFile) }, "(field content)")
        // Cut short.
        try damaged({ try original.prefix(6).write(to: testFile) }, "test.bin")
        // meta.txt names another spec.
        let meta = folder.appendingPathComponent("meta.txt")
        try damaged({
            let text = try String(contentsOf: meta, encoding: .utf8).replacingOccurrences(of: "mode=last", with: "mode=first")
            try text.write(to: meta, atomically: true, encoding: .utf8)
        }, "(field spec)")
        // An entry from before content checksums.
        try damaged({
            let text = try String(contentsOf: meta, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("content=") }
            try text.joined(separator: "\n").write(to: meta, atomically: true, encoding: .utf8)
        }, "no content checksum")
        // A missing part.
        try damaged({ try FileManager.default.removeItem(at: testFile) }, "test.bin")
    }
}

/// `shuffle = "numpy"` draws Microsoft Recommenders' own split. Expected: their
/// `python_stratified_split(df, ratio=0.75, filter_by="item", seed=42)` restated in pandas/NumPy
/// (the script in this test's comment below) on the shared u.data: 25,669 test rows whose
/// "user item\n" lines, sorted by (user, item), hash to the SHA-256 below.
///
///     df = pd.read_csv("u.data", sep="\t", names=["user", "item", "rating", "ts"])
///     np.random.seed(42); df["random"] = np.random.rand(len(df))
///     df = df.sort_values(["item", "random"]); g = df.groupby("item")
///     df["rank"] = (g.cumcount() + 1) / g["item"].transform("count")
///     test = df[df["rank"] > 0.75].sort_values(["user", "item"])
@Suite("Stratified split, NumPy shuffle")
struct NumpyStratifiedSplitTests {
    @Test("MovieLens 100K: the very test set of Microsoft Recommenders' benchmark",
          .enabled(if: ReaderTestData.has("ml-100k/u.data"), "needs the shared datasets"))
    func microsoftBenchmarkSplit() throws {
        let known = try #require(DatasetRegistry.named("ml-100k"))
        let (dataset, _) = try known.load(from: ReaderTestData.dataDirectory)
        let split = StratifiedSplitter(by: .item, trainRatio: 0.75, seed: 42, shuffle: .numpy).split(dataset)
        #expect(split.train.count == 74_331 && split.test.count == 25_669)
        let lines = split.test
            .map { (Int(dataset.userIDs[Int(dataset.users[$0])])!, Int(dataset.itemIDs[Int(dataset.items[$0])])!) }
            .sorted { $0 < $1 }
            .map { "\($0.0) \($0.1)\n" }.joined()
        #expect(SHA256.hex(lines) == "339dc73514170f2a84f85e8f34b372e0276abee0292d1437538331f7cde349bc")
    }

    @Test("the spec names the shuffle only when it is NumPy's, so older fingerprints stay put")
    func specs() {
        #expect(StratifiedSplitter(by: .item, trainRatio: 0.75, seed: 42).spec.method == "stratified(by=item, train_ratio=0.75, seed=42)")
        #expect(StratifiedSplitter(by: .item, trainRatio: 0.75, seed: 42, shuffle: .numpy).spec.method
                == "stratified(by=item, train_ratio=0.75, seed=42, shuffle=numpy)")
    }
}

