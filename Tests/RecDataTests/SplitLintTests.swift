import Foundation
import Testing
@testable import RecData

// SplitLint on hand-made splits of a hand-made dataset, every count worked out by hand.

private struct LintRow {
    var user: Int32
    var item: Int32
    var time: Int64
}

private func lintDataset(_ rows: [LintRow], users: Int, items: Int) -> Dataset {
    Dataset(
        name: "lint", userIDs: (0..<users).map { "u\($0)" }, itemIDs: (0..<items).map { "i\($0)" },
        users: rows.map(\.user), items: rows.map(\.item), ratings: rows.map { _ in 1 },
        timestamps: rows.map(\.time), itemTitles: (0..<items).map { _ in "" }, itemGenres: (0..<items).map { _ in [] })
}

/// 6 users (u5 has no rows), 5 items (i4 has no rows), 11 rows (k: user item time):
///   0: u0 i0 50   1: u0 i1 10   2: u1 i0 30   3: u1 i2 30   4: u2 i1 20   5: u2 i3 40
///   6: u0 i2 30   7: u1 i3 60   8: u3 i0  5   9: u4 i1 70  10: u4 i2 70
private func lintSample() -> Dataset {
    lintDataset([
        LintRow(user: 0, item: 0, time: 50), LintRow(user: 0, item: 1, time: 10), LintRow(user: 1, item: 0, time: 30),
        LintRow(user: 1, item: 2, time: 30), LintRow(user: 2, item: 1, time: 20), LintRow(user: 2, item: 3, time: 40),
        LintRow(user: 0, item: 2, time: 30), LintRow(user: 1, item: 3, time: 60), LintRow(user: 3, item: 0, time: 5),
        LintRow(user: 4, item: 1, time: 70), LintRow(user: 4, item: 2, time: 70),
    ], users: 6, items: 5)
}

@Suite("SplitLint")
struct SplitLintTests {
    @Test("leave-one-out (last), by hand: no per-user leak, a cold item, and every line")
    func leaveOneOut() {
        let dataset = lintSample()
        let split = LeaveOneOutSplitter(.last).split(dataset)
        #expect(split.test == [0, 5, 7, 10])
        let report = SplitLint.check(split, of: dataset, temporalScope: LeaveOneOutSplitter(.last).temporalScope)
        // Latest train event: row 9 at 70. Test times 50, 40, 60, 70: three are earlier (70 is not).
        #expect(report.latestTrainTimestamp == 70)
        #expect(report.testEarlierThanLatestTrain == 3)
        // Per user: u0 train up to 30, test 50; u1 up to 30, test 60; u2 20 → 40; u4 70 → 70: none.
        #expect(report.testEarlierThanUserLatestTrain.isEmpty)
        // Train items i0, i1, i2; test items i0, i3, i3, i2: i3 is cold, rows 5 and 7 unrankable.
        #expect(report.coldTestUsers == 0)
        #expect(report.coldTestItems == 1)
        #expect(report.unrankableTestInteractions == 2)
        #expect(report.unrankableShare == 0.5)
        // Only u5 (no rows at all) has an empty train; u0, u1, u2, u4 are tested.
        #expect(report.usersWithEmptyTrain == 1)
        #expect(report.testUsers == 4)
        #expect(report.testPairsSeenInTrain == 0)
        #expect(report.overlapping == 0 && report.unassigned == 0)
        #expect(report.lines == [
            "7 train / 4 test interactions of 11 (split temporal, per-user)",
            "3 test interactions earlier than the latest train event (70)",
            "0 test interactions of 0 users earlier than that user's latest train event",
            "0 users only in test (cold)",
            "warning: 1 item only in test (cold)",
            "1 user of 6 with no train interactions; 4 users with test interactions",
            "warning: 2 of 4 test interactions (50.0%) have an item not in train: no model can rank them",
            "0 test interactions with a (user, item) pair also in train: hidden when seen items are masked",
        ])
        // Had it promised global order, the three earlier test rows would be a warning.
        let global = SplitLint.check(split, of: dataset, temporalScope: .global)
        #expect(global.warnings.contains("warning: 3 test interactions earlier than the latest train event (70)"))
    }

    @Test("a split that breaks per-user time order, by hand: counts per user, a cold user and a cold item")
    func perUserLeak() {
        let dataset = lintSample()
        let split = Split(train: [0, 3, 5, 7, 10], test: [1, 2, 4, 6, 8, 9], method: "by hand")
        let report = SplitLint.check(split, of: dataset, temporalScope: .perUser)
        // Latest train 70 (row 10); test times 10, 30, 20, 30, 5, 70: five earlier.
        #expect(report.testEarlierThanLatestTrain == 5)
        // u0 train {0: 50}: test 1 (10), 6 (30) → 2. u1 train {3: 30, 7: 60}: test 2 (30) → 1.
        // u2 train {5: 40}: test 4 (20) → 1. u3 has no train (cold, not counted). u4 train {10: 70}:
        // test 9 (70) is not earlier.
        #expect(report.testEarlierThanUserLatestTrain == [0: 2, 1: 1, 2: 1])
        #expect(report.testEarlierThanUserLatestTrainTotal == 4)
        #expect(report.coldTestUsers == 1)
        // Train items i0, i2, i3; i1 is only in test (rows 1, 4, 9): 3 of 6 unrankable.
        #expect(report.coldTestItems == 1)
        #expect(report.unrankableTestInteractions == 3)
        #expect(report.unrankableShare == 0.5)
        // u3 and u5 have no train rows; u0–u4 all have test rows.
        #expect(report.usersWithEmptyTrain == 2)
        #expect(report.testUsers == 5)
        #expect(report.warnings == [
            "warning: 4 test interactions of 3 users earlier than that user's latest train event (u0: 2, u1: 1, u2: 1)",
            "warning: 1 user only in test (cold)",
            "warning: 1 item only in test (cold)",
            "warning: 3 of 6 test interactions (50.0%) have an item not in train: no model can rank them",
        ])
        // The same split judged as not temporal: the time counts stay, but are not warnings.
        let plain = SplitLint.check(split, of: dataset)
        #expect(plain.testEarlierThanUserLatestTrainTotal == 4)
        #expect(plain.warnings.count == 3)
    }

    @Test("the splitters' own promises hold: no leak for temporal splits")
    func temporalSplittersClean() {
        let dataset = lintSample()
        for f in [0.25, 0.5] {
            let global = TemporalSplitter(.fraction(f))
            #expect(SplitLint.check(global.split(dataset), of: dataset, temporalScope: global.temporalScope).testEarlierThanLatestTrain == 0)
            let user = UserTemporalSplitter(.fraction(f))
            #expect(SplitLint.check(user.split(dataset), of: dataset, temporalScope: user.temporalScope).testEarlierThanUserLatestTrain.isEmpty)
        }
        // Temporal at cutoff 30: train 1, 4, 8 (users u0, u2, u3; items i1, i0); test the rest.
        let cutoff = SplitLint.check(TemporalSplitter(.cutoff(30)).split(dataset), of: dataset, temporalScope: .global)
        #expect(cutoff.testEarlierThanLatestTrain == 0)
        #expect(cutoff.coldTestUsers == 2) // u1, u4
        #expect(cutoff.coldTestItems == 2) // i2, i3
        #expect(cutoff.unrankableTestInteractions == 5) // rows 3, 6, 10 (i2) and 5, 7 (i3) of 8
        #expect(cutoff.warnings.count == 3)
    }

    @Test("overlapping and unassigned rows, and a test pair already in train, by hand")
    func overlapAndSeenPairs() {
        let dataset = lintSample()
        let bad = SplitLint.check(Split(train: [0, 1, 2], test: [2, 3], method: "by hand"), of: dataset)
        #expect(bad.overlapping == 1)
        #expect(bad.unassigned == 7) // rows 4…10
        #expect(bad.lines.contains("warning: 1 interaction in both train and test"))
        #expect(bad.lines.contains("7 interactions in neither train nor test"))

        // u0 rated i0 twice (rows 0 and 1), one row in each part. Rows 2 (u0, i1) and 3 (u1, i0)
        // have their item in the other user's train only: not seen.
        let duplicates = lintDataset([
            LintRow(user: 0, item: 0, time: 1), LintRow(user: 0, item: 0, time: 2), LintRow(user: 0, item: 1, time: 3),
            LintRow(user: 1, item: 0, time: 4), LintRow(user: 1, item: 1, time: 5),
        ], users: 2, items: 2)
        let seen = SplitLint.check(Split(train: [0, 4], test: [1, 2, 3], method: "by hand"), of: duplicates)
        #expect(seen.testPairsSeenInTrain == 1)
        #expect(seen.unrankableTestInteractions == 0)
        #expect(seen.warnings.contains("warning: 1 test interaction with a (user, item) pair also in train: hidden when seen items are masked"))
    }

    @Test("an empty test part lints without dividing by zero")
    func emptyTest() {
        let dataset = lintSample()
        let report = SplitLint.check(Split(train: Array(0..<11), test: [], method: "all train"), of: dataset)
        #expect(report.unrankableShare == 0)
        #expect(report.testUsers == 0)
        #expect(report.warnings.isEmpty)
        let empty = SplitLint.check(Split(train: [], test: Array(0..<11), method: "all test"), of: dataset)
        #expect(empty.latestTrainTimestamp == nil)
        #expect(empty.testEarlierThanLatestTrain == 0)
        #expect(empty.coldTestUsers == 5 && empty.coldTestItems == 4 && empty.usersWithEmptyTrain == 6)
    }
}
