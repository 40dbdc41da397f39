import Foundation

/// Leakage and sanity checks of one train/test split; see `SplitLint.check`.
public struct SplitLintReport: Sendable {
    /// What the split promised about time (decides which time checks are warnings).
    public var temporalScope: TemporalScope
    public var trainCount: Int
    public var testCount: Int
    /// Rows listed in both train and test (always a bug).
    public var overlapping: Int
    /// Rows of the dataset in neither part (held back, or a validation part).
    public var unassigned: Int
    /// The latest train timestamp, nil when train is empty.
    public var latestTrainTimestamp: Int64?
    /// Test rows strictly earlier than `latestTrainTimestamp` (equal timestamps do not count).
    public var testEarlierThanLatestTrain: Int
    /// Per dense user id, test rows strictly earlier than that user's latest train row; only users
    /// with at least one such row appear.
    public var testEarlierThanUserLatestTrain: [Int: Int]
    /// Users with test rows and no train rows.
    public var coldTestUsers: Int
    /// Items with test rows and no train rows.
    public var coldTestItems: Int
    /// Users of the catalogue with no train rows, including users with no rows at all (their
    /// train-matrix row is empty).
    public var usersWithEmptyTrain: Int
    /// Users with at least one test row (the users a ranking evaluation averages over).
    public var testUsers: Int
    /// Test rows whose item has no train row: no model can rank them from train alone.
    public var unrankableTestInteractions: Int
    /// Test rows whose (user, item) pair also has a train row: masking seen items hides them.
    public var testPairsSeenInTrain: Int
    /// One line per check; problems start with "warning: ".
    public var lines: [String]

    /// `unrankableTestInteractions / testCount`, 0 for an empty test part.
    public var unrankableShare: Double { testCount == 0 ? 0 : Double(unrankableTestInteractions) / Double(testCount) }
    /// Sum of `testEarlierThanUserLatestTrain`.
    public var testEarlierThanUserLatestTrainTotal: Int { testEarlierThanUserLatestTrain.values.reduce(0, +) }
    public var warnings: [String] { lines.filter { $0.hasPrefix("warning: ") } }
}

public enum SplitLint {
    /// Checks `split` against `dataset`. Time checks are computed for every split; they are
    /// warnings only where `temporalScope` promises order (`.global`: against the latest train
    /// event overall; `.perUser`: against each user's latest train event). Other warnings: rows in
    /// both parts, users or items that appear only in test, test rows with an item not in train,
    /// test pairs also in train. For a `ThreeWaySplit`, check `tuning` and `evaluation` (or
    /// `evaluationRefit`) separately.
    public static func check(_ split: Split, of dataset: Dataset, temporalScope: TemporalScope = .none) -> SplitLintReport {
        let n = dataset.interactionCount
        var inTrain = [Bool](repeating: false, count: n), inTest = [Bool](repeating: false, count: n)
        for k in split.train { inTrain[k] = true }
        for k in split.test { inTest[k] = true }
        let overlapping = (0..<n).count { inTrain[$0] && inTest[$0] }
        let unassigned = (0..<n).count { !inTrain[$0] && !inTest[$0] }

        var userTrain = [Int](repeating: 0, count: dataset.userCount), itemTrain = [Int](repeating: 0, count: dataset.itemCount)
        var userTest = [Int](repeating: 0, count: dataset.userCount), itemTest = [Int](repeating: 0, count: dataset.itemCount)
        var userLatest = [Int64](repeating: .min, count: dataset.userCount)
        var latest: Int64?
        for k in split.train {
            let u = Int(dataset.users[k]), i = Int(dataset.items[k]), t = dataset.timestamps[k]
            userTrain[u] += 1
            itemTrain[i] += 1
            userLatest[u] = max(userLatest[u], t)
            latest = max(latest ?? t, t)
        }
        var earlier = 0, earlierByUser: [Int: Int] = [:], unrankable = 0
        for k in split.test {
            let u = Int(dataset.users[k]), i = Int(dataset.items[k]), t = dataset.timestamps[k]
            userTest[u] += 1
            itemTest[i] += 1
            if let latest, t < latest { earlier += 1 }
            if userTrain[u] > 0 && t < userLatest[u] { earlierByUser[u, default: 0] += 1 }
            if itemTrain[i] == 0 { unrankable += 1 }
        }
        let seen = testPairsInTrain(split, of: dataset)
        let coldUsers = (0..<dataset.userCount).count { userTest[$0] > 0 && userTrain[$0] == 0 }
        let coldItems = (0..<dataset.itemCount).count { itemTest[$0] > 0 && itemTrain[$0] == 0 }
        let emptyTrain = userTrain.count { $0 == 0 }
        let testUsers = userTest.count { $0 > 0 }

        var report = SplitLintReport(
            temporalScope: temporalScope, trainCount: split.train.count, testCount: split.test.count,
            overlapping: overlapping, unassigned: unassigned, latestTrainTimestamp: latest,
            testEarlierThanLatestTrain: earlier, testEarlierThanUserLatestTrain: earlierByUser,
            coldTestUsers: coldUsers, coldTestItems: coldItems, usersWithEmptyTrain: emptyTrain, testUsers: testUsers,
            unrankableTestInteractions: unrankable, testPairsSeenInTrain: seen, lines: [])
        report.lines = lines(report, dataset: dataset)
        return report
    }

    /// Test rows whose (user, item) pair has a train row: both parts grouped by user (counting
    /// sort), then each user's train items stamped in an item-sized array. About 4 bytes per row
    /// plus 4 per item, where a set of pairs would need several times more on 20M rows.
    private static func testPairsInTrain(_ split: Split, of dataset: Dataset) -> Int {
        func byUser(_ part: [Int]) -> (start: [Int], items: [Int32]) {
            var start = [Int](repeating: 0, count: dataset.userCount + 1)
            for k in part { start[Int(dataset.users[k]) + 1] += 1 }
            for u in 0..<dataset.userCount { start[u + 1] += start[u] }
            var next = start, items = [Int32](repeating: 0, count: part.count)
            for k in part {
                let u = Int(dataset.users[k])
                items[next[u]] = dataset.items[k]
                next[u] += 1
            }
            return (start, items)
        }
        let train = byUser(split.train), test = byUser(split.test)
        var stamp = [Int](repeating: -1, count: dataset.itemCount), seen = 0
        for u in 0..<dataset.userCount where test.start[u] < test.start[u + 1] {
            for p in train.start[u]..<train.start[u + 1] { stamp[Int(train.items[p])] = u }
            for p in test.start[u]..<test.start[u + 1] where stamp[Int(test.items[p])] == u { seen += 1 }
        }
        return seen
    }

    private static func lines(_ r: SplitLintReport, dataset: Dataset) -> [String] {
        func warn(_ problem: Bool, _ text: String) -> String { problem ? "warning: " + text : text }
        func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
        var lines = ["\(r.trainCount) train / \(r.testCount) test interactions of \(dataset.interactionCount) (split \(r.temporalScope == .none ? "not temporal" : "temporal, \(r.temporalScope.rawValue)"))"]
        if r.overlapping > 0 { lines.append("warning: \(plural(r.overlapping, "interaction")) in both train and test") }
        if r.unassigned > 0 { lines.append("\(plural(r.unassigned, "interaction")) in neither train nor test") }

        let latest = r.latestTrainTimestamp.map { " (\($0))" } ?? ""
        lines.append(warn(r.temporalScope == .global && r.testEarlierThanLatestTrain > 0,
                          "\(plural(r.testEarlierThanLatestTrain, "test interaction")) earlier than the latest train event\(latest)"))
        let users = r.testEarlierThanUserLatestTrain
        var perUser = "\(plural(r.testEarlierThanUserLatestTrainTotal, "test interaction")) of \(plural(users.count, "user")) earlier than that user's latest train event"
        if !users.isEmpty {
            let shown = users.keys.sorted().prefix(10).map { "\(dataset.userIDs[$0]): \(users[$0]!)" }
            perUser += " (" + shown.joined(separator: ", ") + (users.count > 10 ? ", …" : "") + ")"
        }
        lines.append(warn(r.temporalScope == .perUser && !users.isEmpty, perUser))

        lines.append(warn(r.coldTestUsers > 0, "\(plural(r.coldTestUsers, "user")) only in test (cold)"))
        lines.append(warn(r.coldTestItems > 0, "\(plural(r.coldTestItems, "item")) only in test (cold)"))
        lines.append("\(plural(r.usersWithEmptyTrain, "user")) of \(dataset.userCount) with no train interactions; \(plural(r.testUsers, "user")) with test interactions")
        let share = String(format: "%.1f%%", 100 * r.unrankableShare)
        lines.append(warn(r.unrankableTestInteractions > 0,
                          "\(r.unrankableTestInteractions) of \(r.testCount) test interactions (\(share)) have an item not in train: no model can rank them"))
        lines.append(warn(r.testPairsSeenInTrain > 0,
                          "\(plural(r.testPairsSeenInTrain, "test interaction")) with a (user, item) pair also in train: hidden when seen items are masked"))
        return lines
    }
}
