import RecMath

// Temporal splitters (global and per user) and leave-one-out. Time order everywhere is ascending
// (timestamp, interaction index): among equal timestamps the row later in the file counts as later.

/// Temporal global split. `.fraction(f)`: all interactions in (timestamp, index) order, the last
/// round(n × f) (halves away from zero, at most n − 1) go to test, so a group of equal timestamps at
/// the boundary is cut by index. `.cutoff(t)`: timestamp < t is train, timestamp ≥ t is test, with
/// no minimum on either side.
public struct TemporalSplitter: Splitter {
    public enum Boundary: Sendable, Hashable {
        case fraction(Double)
        case cutoff(Int64)
    }

    public var boundary: Boundary

    public init(_ boundary: Boundary) {
        if case .fraction(let f) = boundary { precondition(f > 0 && f < 1, "test fraction must be in (0, 1)") }
        self.boundary = boundary
    }

    public var spec: SplitSpec {
        switch boundary {
        case .fraction(let f): SplitSpec("temporal", ["test_fraction": "\(f)"])
        case .cutoff(let t): SplitSpec("temporal", ["cutoff": "\(t)"])
        }
    }

    public var temporalScope: TemporalScope { .global }

    public func split(_ dataset: Dataset) -> Split {
        switch boundary {
        case .fraction(let f):
            let n = dataset.interactionCount
            let order = dataset.timeOrdered(Array(0..<n))
            let testCount = max(0, min(roundedCount(n, f), n - 1))
            return Split(train: order[..<(n - testCount)].sorted(), test: order[(n - testCount)...].sorted(), method: spec.method)
        case .cutoff(let t):
            var train: [Int] = [], test: [Int] = []
            for k in 0..<dataset.interactionCount {
                if dataset.timestamps[k] < t { train.append(k) } else { test.append(k) }
            }
            return Split(train: train, test: test, method: spec.method)
        }
    }
}

/// Temporal split per user: each user's interactions in (timestamp, index) order, the latest
/// round(n × f) (`.fraction`, halves away from zero) or the latest `c` (`.count`) go to test, always
/// leaving at least one in train, so a user with a single interaction keeps it in train.
public struct UserTemporalSplitter: Splitter {
    public enum Holdout: Sendable, Hashable {
        case fraction(Double)
        case count(Int)
    }

    public var holdout: Holdout

    public init(_ holdout: Holdout) {
        switch holdout {
        case .fraction(let f): precondition(f > 0 && f < 1, "test fraction must be in (0, 1)")
        case .count(let c): precondition(c >= 1, "test count must be at least 1")
        }
        self.holdout = holdout
    }

    public var spec: SplitSpec {
        switch holdout {
        case .fraction(let f): SplitSpec("user-temporal", ["test_fraction": "\(f)"])
        case .count(let c): SplitSpec("user-temporal", ["test_count": "\(c)"])
        }
    }

    public var temporalScope: TemporalScope { .perUser }

    public func split(_ dataset: Dataset) -> Split {
        var train: [Int] = [], test: [Int] = []
        for rows in dataset.rowsGrouped() where !rows.isEmpty {
            let order = dataset.timeOrdered(rows), n = order.count
            let wanted = switch holdout {
            case .fraction(let f): roundedCount(n, f)
            case .count(let c): c
            }
            let testCount = min(wanted, n - 1)
            train += order[..<(n - testCount)]
            test += order[(n - testCount)...]
        }
        return Split(train: train.sorted(), test: test.sorted(), method: spec.method)
    }
}

/// Leave-one-out per user: `.last` holds out each user's latest interaction by (timestamp, index),
/// so of several at the latest timestamp the one with the highest index; `.random(seed:)` holds out
/// one drawn uniformly with a generator seeded by (seed, user) over the user's rows in (item,
/// timestamp, index) order. A user with a single interaction keeps it in train.
public struct LeaveOneOutSplitter: Splitter {
    public enum Choice: Sendable, Hashable {
        case last
        case random(seed: UInt64)
    }

    public var choice: Choice

    public init(_ choice: Choice) { self.choice = choice }

    public var spec: SplitSpec {
        switch choice {
        case .last: SplitSpec("leave-one-out", ["mode": "last"])
        case .random(let seed): SplitSpec("leave-one-out", ["mode": "random", "seed": "\(seed)"], order: ["mode", "seed"])
        }
    }

    public var temporalScope: TemporalScope { choice == .last ? .perUser : .none }

    public func split(_ dataset: Dataset) -> Split {
        var isTest = [Bool](repeating: false, count: dataset.interactionCount)
        for (user, rows) in dataset.rowsGrouped().enumerated() where rows.count >= 2 {
            switch choice {
            case .last:
                let t = dataset.timestamps
                isTest[rows.max { (t[$0], $0) < (t[$1], $1) }!] = true
            case .random(let seed):
                var generator = SeededGenerator(seed: seed, stream: UInt64(user))
                isTest[dataset.canonicalOrdered(rows)[generator.nextInt(below: rows.count)]] = true
            }
        }
        let all = 0..<dataset.interactionCount
        return Split(train: all.filter { !isTest[$0] }, test: all.filter { isTest[$0] }, method: spec.method)
    }
}
