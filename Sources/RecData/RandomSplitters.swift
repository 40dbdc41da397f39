import RecMath

// Random splitters: global holdout, Microsoft Recommenders' stratified split (per user or per item),
// and k-fold within each user. The per-user random holdout is `UserHoldoutSplitter` (Split.swift);
// global k-fold is `KFoldSplitter`.

/// Random global holdout: all interactions, in (user, item, timestamp, index) order, are shuffled
/// with `seed` and the first round(n × testFraction) (halves away from zero, at most n − 1, so train
/// is never empty) go to test; users are not balanced, so a user may end up only in test.
public struct RandomHoldoutSplitter: Splitter {
    public var testFraction: Double
    public var seed: UInt64

    public init(testFraction: Double, seed: UInt64) {
        precondition(testFraction > 0 && testFraction < 1, "test fraction must be in (0, 1)")
        self.testFraction = testFraction
        self.seed = seed
    }

    public var spec: SplitSpec {
        SplitSpec("random-holdout", ["test_fraction": "\(testFraction)", "seed": "\(seed)"], order: ["test_fraction", "seed"])
    }

    public func split(_ dataset: Dataset) -> Split {
        let n = dataset.interactionCount
        var order = (0..<n).sorted {
            (dataset.users[$0], dataset.items[$0], dataset.timestamps[$0], $0)
                < (dataset.users[$1], dataset.items[$1], dataset.timestamps[$1], $1)
        }
        var generator = SeededGenerator(seed: seed)
        generator.shuffle(&order)
        let testCount = max(0, min(roundedCount(n, testFraction), n - 1))
        return Split(train: order[testCount...].sorted(), test: order[..<testCount].sorted(), method: spec.method)
    }
}

/// Microsoft Recommenders' `python_stratified_split`: within each user (or item) the interactions,
/// shuffled from (item or user, timestamp, index) order with a generator seeded by (seed, group),
/// are ranked r = 1…n, and row r goes to train when r / n ≤ trainRatio (compared as Double, as
/// pandas does), the rest to test. So train gets ⌊n × trainRatio⌋ rows up to float rounding (for
/// 0.75: n = 1 → 0, 2 → 1, 3 → 2, 4 → 3, 5 → 3), and a group of one goes entirely to TEST, as in
/// theirs. Their `min_rating` filter is not applied here (use `kCore` or `minimumCounts` first).
///
/// `shuffle = .numpy` draws their very split: one `np.random.rand` value per row in dataset (file)
/// order after `np.random.seed(seed)` (`MersenneTwister19937`), each group ordered by it — the
/// rows Microsoft Recommenders' benchmark trains and tests on, for a dataset read in their order.
public struct StratifiedSplitter: Splitter {
    public enum Group: String, Sendable { case user, item }
    /// How each group is put in random order.
    public enum Shuffle: String, Sendable {
        /// recbench's own: a `SeededGenerator` per group, independent of other groups.
        case perGroup = "per-group"
        /// NumPy's legacy global generator over all rows, as `python_stratified_split` does.
        case numpy
    }

    public var group: Group
    /// The share of each group that goes to train (Microsoft's `ratio`), in (0, 1).
    public var trainRatio: Double
    public var seed: UInt64
    public var shuffle: Shuffle

    public init(by group: Group, trainRatio: Double, seed: UInt64, shuffle: Shuffle = .perGroup) {
        precondition(trainRatio > 0 && trainRatio < 1, "train ratio must be in (0, 1)")
        precondition(shuffle == .perGroup || seed <= UInt64(UInt32.max), "NumPy seeds are 32-bit")
        self.group = group
        self.trainRatio = trainRatio
        self.seed = seed
        self.shuffle = shuffle
    }

    public var spec: SplitSpec {
        // The per-group shuffle keeps its original spec, so existing fingerprints do not move.
        shuffle == .perGroup
            ? SplitSpec("stratified", ["by": group.rawValue, "train_ratio": "\(trainRatio)", "seed": "\(seed)"],
                        order: ["by", "train_ratio", "seed"])
            : SplitSpec("stratified", ["by": group.rawValue, "train_ratio": "\(trainRatio)", "seed": "\(seed)",
                                       "shuffle": shuffle.rawValue],
                        order: ["by", "train_ratio", "seed", "shuffle"])
    }

    /// How many of a group of n go to train: the ranks r in 1…n with r / n ≤ ratio.
    public static func trainCount(_ n: Int, trainRatio: Double) -> Int {
        var count = 0
        for r in stride(from: 1, through: n, by: 1) where Double(r) / Double(n) <= trainRatio { count += 1 }
        return count
    }

    public func split(_ dataset: Dataset) -> Split {
        let byItem = group == .item
        var draws: [Double] = []
        if shuffle == .numpy {
            var generator = MersenneTwister19937(seed: UInt32(seed))
            draws = (0..<dataset.interactionCount).map { _ in generator.nextDouble() }
        }
        var train: [Int] = [], test: [Int] = []
        for (key, rows) in dataset.rowsGrouped(byItem: byItem).enumerated() where !rows.isEmpty {
            var order: [Int]
            switch shuffle {
            case .perGroup:
                order = dataset.canonicalOrdered(rows, byItem: !byItem)
                var generator = SeededGenerator(seed: seed, stream: UInt64(key))
                generator.shuffle(&order)
            case .numpy:
                order = rows.sorted { (draws[$0], $0) < (draws[$1], $1) }
            }
            let trainCount = Self.trainCount(order.count, trainRatio: trainRatio)
            train += order[..<trainCount]
            test += order[trainCount...]
        }
        return Split(train: train.sorted(), test: test.sorted(), method: spec.method)
    }
}

/// K-fold within each user: a user's interactions, shuffled from (item, timestamp, index) order with
/// a generator seeded by (seed, user), are dealt round-robin into the k folds starting at a fold
/// drawn from the same generator, so a user's fold sizes differ by at most one and the larger folds
/// vary between users. Fold f tests on its share of every user and trains on the rest. A user with
/// a single interaction keeps it in train in every fold; a user with 2 ≤ n < k interactions is
/// tested in n folds only.
public struct UserKFoldSplitter: FoldSplitter {
    public var folds: Int
    public var seed: UInt64

    public init(folds: Int, seed: UInt64) {
        precondition(folds >= 2, "k-fold needs at least 2 folds")
        self.folds = folds
        self.seed = seed
    }

    public var spec: SplitSpec { SplitSpec("user-kfold", ["folds": "\(folds)", "seed": "\(seed)"], order: ["folds", "seed"]) }
    public var foldCount: Int { folds }

    public func split(_ dataset: Dataset) -> [Split] {
        // foldOf[k] = fold (0-based) that tests row k, or -1 for rows always in train.
        var foldOf = [Int](repeating: -1, count: dataset.interactionCount)
        for (user, rows) in dataset.rowsGrouped().enumerated() where rows.count >= 2 {
            var order = dataset.canonicalOrdered(rows)
            var generator = SeededGenerator(seed: seed, stream: UInt64(user))
            generator.shuffle(&order)
            let start = generator.nextInt(below: folds)
            for (position, k) in order.enumerated() { foldOf[k] = (start + position) % folds }
        }
        let method = spec.method
        return (0..<folds).map { fold in
            var train: [Int] = [], test: [Int] = []
            for (k, f) in foldOf.enumerated() {
                if f == fold { test.append(k) } else { train.append(k) }
            }
            return Split(train: train, test: test, method: method, part: "fold \(fold + 1)/\(folds)")
        }
    }
}
