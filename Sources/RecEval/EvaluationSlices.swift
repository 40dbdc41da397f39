import RecMath

/// Buckets of a count (a user's training interactions, an item's training popularity) cut at
/// ascending edges: edges [1, 5, 20] make the buckets 0, 1–4, 5–19 and ≥ 20.
public struct SliceBuckets: Sendable, Hashable, Codable {
    /// Lower bounds of every bucket after the first (which starts at 0), strictly ascending, > 0.
    public let edges: [Int]

    public init(edges: [Int]) {
        precondition(!edges.isEmpty && edges.allSatisfy { $0 > 0 } && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 },
                     "bucket edges must be positive and strictly ascending")
        self.edges = edges
    }

    public var count: Int { edges.count + 1 }

    /// The bucket of a count: the number of edges ≤ count.
    public func bucket(of value: Int) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if edges[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// "0", "1–4", "5–19", "≥20".
    public func label(_ bucket: Int) -> String {
        let lower = bucket == 0 ? 0 : edges[bucket - 1]
        guard bucket < edges.count else { return "≥\(lower)" }
        let upper = edges[bucket] - 1
        return upper == lower ? "\(lower)" : "\(lower)–\(upper)"
    }
}

/// One metric on one slice of the evaluated users or test items.
public struct SliceValue: Sendable, Equatable {
    /// `EvaluationSlices.userActivity` or `.itemPopularity`.
    public var dimension: String
    public var bucket: String
    /// Bucket order within its dimension.
    public var index: Int
    public var metric: String
    public var cutoff: Int
    public var value: Double
    /// Users whose values are averaged.
    public var users: Int
}

/// Metrics by slice (docs/metrics.md, *Slices*), from what an evaluation already produced.
///
/// - **User activity**: users bucketed by their number of training interactions; each metric's
///   value on a bucket is the mean of its per-user values over the bucket's evaluated users (so the
///   bucket means, weighted by their user counts, give the overall mean). The first default bucket,
///   0, holds cold-start users.
/// - **Item popularity**: test items bucketed by their number of training interactions (bucket 0:
///   items unseen in training). For user u and bucket b with T_b(u) = T(u) ∩ b non-empty,
///   recall_b@K(u) = |L_K(u) ∩ T_b(u)| / |T_b(u)| and hr_b@K(u) = [L_K(u) ∩ T_b(u) ≠ ∅]; a bucket's
///   value is the mean over users with T_b(u) non-empty.
public enum EvaluationSlices {
    public static let userActivity = "user-activity"
    public static let itemPopularity = "item-popularity"
    public static let defaultUserActivity = SliceBuckets(edges: [1, 5, 10, 20, 50, 100])
    public static let defaultItemPopularity = SliceBuckets(edges: [1, 5, 20, 100])

    /// Every metric of `result` per user-activity bucket (buckets without users are left out).
    public static func byUserActivity(result: RankingEvaluator.Result, train: CSRMatrix, buckets: SliceBuckets) -> [SliceValue] {
        var members = [[Int]](repeating: [], count: buckets.count)
        for (position, user) in result.users.enumerated() {
            let activity = Int(train.indptr[Int(user) + 1] - train.indptr[Int(user)])
            members[buckets.bucket(of: activity)].append(position)
        }
        var out: [SliceValue] = []
        for (bucket, positions) in members.enumerated() where !positions.isEmpty {
            for (k, key) in result.keys.enumerated() {
                let sum = positions.reduce(0.0) { $0 + result.perUser[k][$1] }
                out.append(SliceValue(dimension: userActivity, bucket: buckets.label(bucket), index: bucket, metric: key.metric.rawValue,
                                      cutoff: key.cutoff, value: sum / Double(positions.count), users: positions.count))
            }
        }
        return out
    }

    /// Recall and hit rate at each cutoff per item-popularity bucket, from the kept lists
    /// (`result.lists`, at least max(cutoffs) deep where candidates allowed).
    public static func byItemPopularity(result: RankingEvaluator.Result, train: CSRMatrix, test: CSRMatrix, buckets: SliceBuckets,
                                        cutoffs: [Int]) -> [SliceValue] {
        guard let lists = result.lists else { preconditionFailure("the evaluation did not keep its lists") }
        var popularity = [Int](repeating: 0, count: train.columnCount)
        for item in train.indices { popularity[Int(item)] += 1 }
        let itemBucket = popularity.map { buckets.bucket(of: $0) }
        let cutoffs = cutoffs.sorted()
        // sums[bucket][cutoff index] of recall and hr, and the users counted per bucket.
        var recall = [[Double]](repeating: [Double](repeating: 0, count: cutoffs.count), count: buckets.count)
        var hits = recall
        var users = [Int](repeating: 0, count: buckets.count)
        var relevantBucket = [Int](repeating: -1, count: train.columnCount)
        for (position, user) in result.users.enumerated() {
            let truth = test.columns(of: Int(user))
            var sizes = [Int](repeating: 0, count: buckets.count)
            for item in truth {
                relevantBucket[Int(item)] = itemBucket[Int(item)]
                sizes[itemBucket[Int(item)]] += 1
            }
            let list = lists[position]
            for (c, cutoff) in cutoffs.enumerated() {
                var found = [Int](repeating: 0, count: buckets.count)
                for item in list.prefix(cutoff) where relevantBucket[Int(item)] >= 0 { found[relevantBucket[Int(item)]] += 1 }
                for bucket in 0..<buckets.count where sizes[bucket] > 0 {
                    recall[bucket][c] += Double(found[bucket]) / Double(sizes[bucket])
                    hits[bucket][c] += found[bucket] > 0 ? 1 : 0
                }
            }
            for bucket in 0..<buckets.count where sizes[bucket] > 0 { users[bucket] += 1 }
            for item in truth { relevantBucket[Int(item)] = -1 }
        }
        var out: [SliceValue] = []
        for bucket in 0..<buckets.count where users[bucket] > 0 {
            for (c, cutoff) in cutoffs.enumerated() {
                for (name, sums) in [("recall", recall), ("hr", hits)] {
                    out.append(SliceValue(dimension: itemPopularity, bucket: buckets.label(bucket), index: bucket, metric: name, cutoff: cutoff,
                                          value: sums[bucket][c] / Double(users[bucket]), users: users[bucket]))
                }
            }
        }
        return out
    }
}
