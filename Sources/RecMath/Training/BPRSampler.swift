import RecKit

/// How a BPR epoch draws its (user, positive) pairs. Each pair then gets a negative item drawn
/// uniformly from the catalogue (see `NegativeCollision`).
public enum BPRSampling: String, CaseIterable, Sendable {
    /// Every training interaction exactly once per epoch, in a fresh random order: RecBole's
    /// `TrainDataLoader` (and most PyTorch data loaders over the interaction list).
    case interactionShuffled = "interaction-shuffled"
    /// nnz interactions drawn uniformly with replacement: Cornac's BPR (`recom_bpr.pyx`, one
    /// "iteration" = as many draws as training interactions). Active users are drawn more often.
    case interactionWithReplacement = "interaction-with-replacement"
    /// A user drawn uniformly, then one of its positives uniformly, nnz times: the LightGCN
    /// reference code (gusye1234/LightGCN-PyTorch `UniformSample_original_python`, and
    /// kuandeng/LightGCN, NGCF and Microsoft Recommenders' `ImplicitCF.train_loader`, which draw a
    /// batch of users at a time). Every user weighs the same. (That code's optional C++ sampler
    /// gives every user ⌊nnz/users⌋ pairs instead of drawing users.)
    case userUniform = "user-uniform"
}

/// What happens when the uniformly drawn negative is one of the user's positives.
public enum NegativeCollision: String, CaseIterable, Sendable {
    /// Draw again until it is not (Rendle et al. 2009's j ∈ I \ I_u⁺; RecBole, LightGCN).
    case resample
    /// Drop the triple (Cornac's BPR counts it as "skipped"): an epoch then has fewer triples.
    case skip
}

/// One epoch of BPR training triples (u, i⁺, j⁻) in training order.
public struct BPRTriples: Sendable, Equatable {
    public var users: [Int32] = []
    public var positives: [Int32] = []
    public var negatives: [Int32] = []

    public init() {}

    public var count: Int { users.count }

    /// Consecutive batches of at most `size` triples (the last one may be shorter), as index ranges.
    public func batches(of size: Int) -> [Range<Int>] {
        precondition(size > 0, "batch size must be positive")
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    /// The distinct nodes of triples[range] in a users-then-items node numbering (item i is node
    /// `itemOffset + i`), ascending: the rows a graph model's batch reads.
    public func nodes(_ range: Range<Int>, itemOffset: Int) -> [Int32] {
        var nodes = Set<Int32>(minimumCapacity: 3 * range.count)
        for t in range {
            nodes.insert(users[t])
            nodes.insert(Int32(itemOffset) + positives[t])
            nodes.insert(Int32(itemOffset) + negatives[t])
        }
        return nodes.sorted()
    }

    mutating func reserve(_ capacity: Int) {
        users.reserveCapacity(capacity)
        positives.reserveCapacity(capacity)
        negatives.reserveCapacity(capacity)
    }

    mutating func append(_ user: Int32, _ positive: Int32, _ negative: Int32) {
        users.append(user)
        positives.append(positive)
        negatives.append(negative)
    }
}

/// Seeded sampler of BPR triples from a users × items interaction matrix.
///
/// Users with no positive, or with every item positive (no negative exists), are never drawn, and
/// their interactions are left out of the interaction schemes. Negatives are uniform over all
/// `columnCount` items (items without interactions included), never a positive of the user under
/// `.resample`. Everything comes from the one generator passed in, so an epoch is a function of the
/// generator's state.
public struct BPRSampler: Sendable {
    public let scheme: BPRSampling
    public let collision: NegativeCollision
    private let positives: SparseRowMatrix
    /// Users that can be sampled (at least one positive and one negative), ascending.
    private let users: [Int32]
    /// cumulative[k] = number of interactions of users[0..<k]: maps an index into the eligible
    /// interactions to its user (`interaction(at:)`).
    private let cumulative: [Int]

    /// Number of eligible training interactions: the default number of triples per epoch.
    public var interactionCount: Int { cumulative.last ?? 0 }
    public var itemCount: Int { positives.columnCount }

    /// - Parameter interactions: users × items, rows with ascending columns (what `SparseRowMatrix` guarantees).
    public init(_ interactions: SparseRowMatrix, scheme: BPRSampling, collision: NegativeCollision = .resample) throws {
        var users: [Int32] = []
        var cumulative = [0]
        for u in 0..<interactions.rowCount {
            let count = interactions.range(ofRow: u).count
            if count > 0 && count < interactions.columnCount {
                users.append(Int32(u))
                cumulative.append(cumulative[cumulative.count - 1] + count)
            }
        }
        guard !users.isEmpty else {
            throw PluginError("BPR sampling needs a user with at least one interaction and one item without; the training data has none")
        }
        self.positives = interactions
        self.users = users
        self.cumulative = cumulative
        self.scheme = scheme
        self.collision = collision
    }

    /// Draws one epoch: `count` (default: the eligible interaction count) pairs by the scheme, each
    /// with a negative; under `.skip` the colliding ones are dropped. `.interactionShuffled` with a
    /// count other than the interaction count takes the first `count` of a shuffled pass (repeating
    /// passes when larger).
    public func sample(count requested: Int? = nil, using generator: inout SeededGenerator) -> BPRTriples {
        let count = requested ?? interactionCount
        var triples = BPRTriples()
        triples.reserve(count)
        positives.withBuffers { rows in
            let indptr = rows.indptr, items = rows.indices
            switch scheme {
            case .interactionShuffled:
                var remaining = count
                while remaining > 0 {
                    var order = Array(0..<interactionCount)
                    generator.shuffle(&order)
                    for k in order.prefix(remaining) {
                        let (user, entry) = interaction(at: k, indptr)
                        addTriple(user, items[entry], rows, &triples, &generator)
                    }
                    remaining -= min(remaining, interactionCount)
                }
            case .interactionWithReplacement:
                for _ in 0..<count {
                    let (user, entry) = interaction(at: generator.nextInt(below: interactionCount), indptr)
                    addTriple(user, items[entry], rows, &triples, &generator)
                }
            case .userUniform:
                for _ in 0..<count {
                    let user = Int(users[generator.nextInt(below: users.count)])
                    let start = indptr[user], length = indptr[user + 1] - start
                    addTriple(user, items[start + generator.nextInt(below: length)], rows, &triples, &generator)
                }
            }
        }
        return triples
    }

    /// The user and the entry index (into the interaction matrix) of eligible interaction `k`.
    @inline(__always)
    private func interaction(at k: Int, _ indptr: UnsafeBufferPointer<Int>) -> (Int, Int) {
        // The last eligible user whose first eligible interaction is at or before k.
        var low = 0, high = users.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if cumulative[middle] <= k { low = middle } else { high = middle - 1 }
        }
        let user = Int(users[low])
        return (user, indptr[user] + (k - cumulative[low]))
    }

    @inline(__always)
    private func addTriple(_ user: Int, _ positive: Int32, _ rows: SparseRowBuffers, _ triples: inout BPRTriples,
                           _ generator: inout SeededGenerator) {
        let row = UnsafeBufferPointer(rebasing: rows.indices[rows.indptr[user]..<rows.indptr[user + 1]])
        while true {
            let negative = Int32(generator.nextInt(below: rows.columnCount))
            if !Self.contains(row, negative) {
                triples.append(Int32(user), positive, negative)
                return
            }
            if collision == .skip { return }
        }
    }

    /// Binary search in an ascending row.
    @inline(__always)
    static func contains(_ row: UnsafeBufferPointer<Int32>, _ item: Int32) -> Bool {
        var low = 0, high = row.count
        while low < high {
            let middle = (low + high) / 2
            if row[middle] < item { low = middle + 1 } else { high = middle }
        }
        return low < row.count && row[low] == item
    }
}
