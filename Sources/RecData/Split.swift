import RecMath

/// A train/test partition of a dataset's interactions, by interaction index.
public struct Split: Sendable {
    public var train: [Int]
    public var test: [Int]
    /// Human-readable description of how it was made, e.g. "user-holdout(test_fraction=0.2, seed=42)".
    public var method: String

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
    public var testFraction: Double
    public var seed: UInt64

    public init(testFraction: Double, seed: UInt64) {
        precondition(testFraction > 0 && testFraction < 1, "test fraction must be in (0, 1)")
        self.testFraction = testFraction
        self.seed = seed
    }

    public func split(_ dataset: Dataset) -> Split {
        var byUser = [[Int]](repeating: [], count: dataset.userCount)
        for k in 0..<dataset.interactionCount { byUser[Int(dataset.users[k])].append(k) }
        var train: [Int] = [], test: [Int] = []
        for (user, interactions) in byUser.enumerated() where !interactions.isEmpty {
            // Start from item order so the result does not depend on file order.
            var order = interactions.sorted { dataset.items[$0] < dataset.items[$1] }
            var generator = SeededGenerator(seed: seed, stream: UInt64(user))
            generator.shuffle(&order)
            let testCount = min(Int((Double(order.count) * testFraction).rounded()), order.count - 1)
            test += order[..<testCount]
            train += order[testCount...]
        }
        train.sort()
        test.sort()
        return Split(train: train, test: test,
                     method: "user-holdout(test_fraction=\(testFraction), seed=\(seed))")
    }
}
