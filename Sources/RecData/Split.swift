import RecMath

/// A train/test partition of a dataset's interactions, by interaction index.
public struct Split: Sendable {
    public var train: [Int]
    public var test: [Int]
    /// How the split was made, the same for every fold: "user-holdout(test_fraction=0.2, seed=42)".
    public var method: String
    /// Which part of a multi-fold scheme this is ("fold 2/5", "u2"), nil for a single split.
    public var part: String?

    public init(train: [Int], test: [Int], method: String, part: String? = nil) {
        self.train = train
        self.test = test
        self.method = method
        self.part = part
    }

    public var description: String { part.map { "\(method) \($0)" } ?? method }

    /// SHA-256 over the sorted (user, item, part) rows in original ids: two splits with the same
    /// fingerprint hand every model exactly the same rows.
    public func fingerprint(of dataset: Dataset) -> String {
        var rows: [(String, String, Character)] = []
        rows.reserveCapacity(train.count + test.count)
        for k in train { rows.append((dataset.userIDs[Int(dataset.users[k])], dataset.itemIDs[Int(dataset.items[k])], "R")) }
        for k in test { rows.append((dataset.userIDs[Int(dataset.users[k])], dataset.itemIDs[Int(dataset.items[k])], "T")) }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var hasher = SHA256()
        hasher.update("recbench-split-v1\n")
        for row in rows { hasher.update("\(row.0)\t\(row.1)\t\(row.2)\n") }
        return hasher.hexDigest()
    }

    /// The users × items matrix of one part; values are the ratings.
    public func matrix(_ part: [Int], of dataset: Dataset) throws -> CSRMatrix {
        try CSRMatrix(
            rowCount: dataset.userCount, columnCount: dataset.itemCount,
            rows: part.map { dataset.users[$0] }, columns: part.map { dataset.items[$0] },
            values: part.map { dataset.ratings[$0] })
    }
}

/// Per-user random holdout: each user's interactions are shuffled with a generator seeded by
/// (seed, user) and round(n × fraction) of them go to test, keeping at least one in train.
///
/// Seeding per user makes a user's split independent of every other user, so filtering users
/// later does not reshuffle the rest.
public struct UserHoldoutSplitter: Sendable {
    /// How a user's held-out count is made a whole number.
    public enum Rounding: String, Sendable, CaseIterable {
        /// round(f·n), at most n − 1 (recbench's default).
        case nearest
        /// ⌊f·n⌋, raised to 1 when that is 0 and at least 2 interactions would remain before the
        /// cut — RecBole's `int(ratio * tot)` with its fix-up for small groups (`_calcu_split_ids`).
        case down
    }

    public var testFraction: Double
    public var seed: UInt64
    public var rounding: Rounding
    /// Whether `testFraction` counts the user's interactions in the whole dataset rather than in
    /// the part being cut. It matters only when this splitter carves a validation part out of
    /// train: RecBole's 80/10/10 takes ⌊0.1·n⌋ for validation *and* for test of the same n, which
    /// no fraction of what is left after the test cut can give for every n.
    public var fractionOfAll: Bool

    public init(testFraction: Double, seed: UInt64, rounding: Rounding = .nearest, fractionOfAll: Bool = false) {
        precondition(testFraction > 0 && testFraction < 1, "test fraction must be in (0, 1)")
        self.testFraction = testFraction
        self.seed = seed
        self.rounding = rounding
        self.fractionOfAll = fractionOfAll
    }

    public func split(_ dataset: Dataset) -> Split {
        split(dataset, totals: nil)
    }

    /// The held-out count of a user with `available` interactions to cut from, `total` in all.
    func heldOutCount(available: Int, total: Int) -> Int {
        let exact = Double(total) * testFraction
        var count: Int
        switch rounding {
        case .nearest: count = Int(exact.rounded())
        case .down:
            count = Int(exact)
            if count == 0, available >= 2 { count = 1 }
        }
        return max(0, min(count, available - 1))
    }

    /// `totals`: each user's interaction count in the whole dataset, when the fraction counts those
    /// (`fractionOfAll`) and `dataset` is only a part of it.
    func split(_ dataset: Dataset, totals: [Int]?) -> Split {
        var byUser = [[Int]](repeating: [], count: dataset.userCount)
        for k in 0..<dataset.interactionCount { byUser[Int(dataset.users[k])].append(k) }
        var train: [Int] = [], test: [Int] = []
        for (user, interactions) in byUser.enumerated() where !interactions.isEmpty {
            // Start from item order so the result does not depend on file order.
            var order = interactions.sorted { dataset.items[$0] < dataset.items[$1] }
            var generator = SeededGenerator(seed: seed, stream: UInt64(user))
            generator.shuffle(&order)
            let testCount = heldOutCount(available: order.count, total: totals?[user] ?? order.count)
            test += order[..<testCount]
            train += order[testCount...]
        }
        train.sort()
        test.sort()
        return Split(train: train, test: test, method: spec.method)
    }
}

/// K-fold cross-validation over all interactions, as Surprise's `KFold(shuffle=True)` and
/// scikit-learn's: the interactions are shuffled once with the seed and cut into k contiguous
/// folds whose sizes differ by at most one (the first n mod k folds are one larger). Fold f tests on
/// its own chunk and trains on the rest.
public struct KFoldSplitter: Sendable {
    public var folds: Int
    public var seed: UInt64

    public init(folds: Int, seed: UInt64) {
        precondition(folds >= 2, "k-fold needs at least 2 folds")
        self.folds = folds
        self.seed = seed
    }

    public func split(_ dataset: Dataset) -> [Split] {
        // Start from a canonical order (user, item) so the folds do not depend on file order.
        var order = (0..<dataset.interactionCount).sorted {
            (dataset.users[$0], dataset.items[$0]) < (dataset.users[$1], dataset.items[$1])
        }
        var generator = SeededGenerator(seed: seed)
        generator.shuffle(&order)
        let n = order.count, base = n / folds, extra = n % folds
        var start = 0
        return (0..<folds).map { fold in
            let size = base + (fold < extra ? 1 : 0)
            let test = Array(order[start..<(start + size)]).sorted()
            let train = (Array(order[..<start]) + Array(order[(start + size)...])).sorted()
            start += size
            return Split(train: train, test: test, method: "kfold(folds=\(folds), seed=\(seed))", part: "fold \(fold + 1)/\(folds)")
        }
    }
}
