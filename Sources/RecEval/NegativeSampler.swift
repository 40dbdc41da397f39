import Foundation
import RecMath

/// The sampled ranking protocol's settings: `negatives` items per test user, drawn `sampler`-wise
/// with `seed`. Its name ("sampled:uniform-100") is stored with every value it produced.
public struct SampledProtocol: Sendable, Hashable, Codable {
    public enum Sampler: String, CaseIterable, Sendable, Codable {
        /// Every candidate equally likely.
        case uniform
        /// Candidates drawn with probability proportional to their training interaction count.
        case popularity
    }

    public var negatives: Int
    public var sampler: Sampler
    public var seed: UInt64

    public init(negatives: Int, sampler: Sampler, seed: UInt64) {
        precondition(negatives > 0, "a sampled protocol needs at least one negative")
        self.negatives = negatives
        self.sampler = sampler
        self.seed = seed
    }

    /// "sampled:uniform-100": the protocol name stored beside every value (the seed is not part of
    /// the name; it is part of the candidates' fingerprint and the run identity).
    public var name: String { "sampled:\(sampler.rawValue)-\(negatives)" }
}

/// The negatives of every evaluated user, drawn once per (split, protocol, seed) and stored, so
/// that a sampled evaluation can be repeated exactly. Negatives are kept sorted by item index.
public struct SampledCandidates: Sendable, Equatable {
    public var protocolName: String
    public var seed: UInt64
    /// Users with at least one test item, ascending (the evaluator's users).
    public var users: [Int32]
    /// `negatives[offsets[k]..<offsets[k + 1]]` are the negatives of `users[k]`.
    public var offsets: [Int]
    public var negatives: [Int32]

    public init(protocolName: String, seed: UInt64, users: [Int32], offsets: [Int], negatives: [Int32]) {
        precondition(offsets.count == users.count + 1 && offsets.last == negatives.count, "offsets do not fit the negatives")
        self.protocolName = protocolName
        self.seed = seed
        self.users = users
        self.offsets = offsets
        self.negatives = negatives
    }

    public func negatives(at position: Int) -> ArraySlice<Int32> { negatives[offsets[position]..<offsets[position + 1]] }

    /// The bytes a fingerprint is taken over: a header line (format, protocol, seed, user count),
    /// then per user its dense id and negatives as little-endian Int32, each list preceded by its
    /// length. Two equal byte strings mean the same candidates for the same users.
    public var canonicalBytes: Data {
        var data = Data("recbench-sampled-candidates-v1 \(protocolName) seed=\(seed) users=\(users.count)\n".utf8)
        data.reserveCapacity(data.count + 8 * users.count + 4 * negatives.count)
        func append(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        for (k, user) in users.enumerated() {
            append(user)
            append(Int32(offsets[k + 1] - offsets[k]))
            for item in negatives(at: k) { append(item) }
        }
        return data
    }
}

/// Draws each test user's negatives for a sampled protocol.
///
/// For user u the candidates are the items that are neither relevant test items T(u) nor masked
/// (train, and validation for a test evaluation). From them N = `negatives` items are drawn
/// without replacement; when N or fewer candidates exist, all of them are taken.
///
/// - uniform: every N-subset of the candidates is equally likely.
/// - popularity: successive draws, each picking a remaining candidate with probability proportional
///   to its weight (its training interaction count). Candidates of weight 0 are drawn only once
///   every positive-weight candidate is taken, uniformly among themselves.
///
/// Each user draws from its own stream, `SeededGenerator(seed:, stream: user)`, so the result
/// depends only on the inputs and the seed — not on the process, the thread or the order in which
/// users are drawn.
public enum NegativeSampler {
    public static func sample(_ settings: SampledProtocol, mask: CSRMatrix, test: CSRMatrix, itemWeights: [Int]) -> SampledCandidates {
        precondition(mask.rowCount == test.rowCount && mask.columnCount == test.columnCount, "mask and test shapes differ")
        precondition(itemWeights.count == test.columnCount, "one weight per item")
        precondition(itemWeights.allSatisfy { $0 >= 0 }, "weights must be non-negative")
        let users = (0..<test.rowCount).filter { test.indptr[$0 + 1] > test.indptr[$0] }.map(Int32.init)
        var cumulative = [Double](repeating: 0, count: itemWeights.count)
        var total = 0.0
        for (item, weight) in itemWeights.enumerated() {
            total += Double(weight)
            cumulative[item] = total
        }
        let positiveItems = itemWeights.filter { $0 > 0 }.count
        var excluded = [Bool](repeating: false, count: test.columnCount)
        var offsets = [0]
        offsets.reserveCapacity(users.count + 1)
        var negatives: [Int32] = []
        negatives.reserveCapacity(users.count * settings.negatives)
        var chosen: [Int32] = []
        for user in users {
            let masked = mask.columns(of: Int(user)), truth = test.columns(of: Int(user))
            var excludedCount = 0, excludedWeight = 0.0, excludedPositive = 0
            for item in [masked, truth].joined() where !excluded[Int(item)] {
                excluded[Int(item)] = true
                excludedCount += 1
                excludedWeight += Double(itemWeights[Int(item)])
                if itemWeights[Int(item)] > 0 { excludedPositive += 1 }
            }
            var generator = SeededGenerator(seed: settings.seed, stream: UInt64(UInt32(bitPattern: user)))
            chosen.removeAll(keepingCapacity: true)
            do {   // the draw's view of `excluded` ends here, before the flags are cleared
                let context = Draw(excluded: excluded, weights: itemWeights, cumulative: cumulative, total: total,
                                   available: excluded.count - excludedCount, eligibleWeight: total - excludedWeight,
                                   eligiblePositive: positiveItems - excludedPositive, want: settings.negatives)
                switch settings.sampler {
                case .uniform: context.uniform(into: &chosen, generator: &generator)
                case .popularity: context.popularity(into: &chosen, generator: &generator)
                }
            }
            for item in masked { excluded[Int(item)] = false }
            for item in truth { excluded[Int(item)] = false }
            chosen.sort()
            negatives += chosen
            offsets.append(negatives.count)
        }
        return SampledCandidates(protocolName: settings.name, seed: settings.seed, users: users, offsets: offsets, negatives: negatives)
    }

    /// One user's draw. `excluded` flags T(u) ∪ masked items; chosen items are tracked in a set of
    /// their own so the flags are left as found.
    private struct Draw {
        let excluded: [Bool]
        let weights: [Int]
        let cumulative: [Double]
        let total: Double
        /// Candidates, their total weight and how many have a positive weight.
        let available: Int
        let eligibleWeight: Double
        let eligiblePositive: Int
        let want: Int

        /// Candidates (optionally only those of positive / zero weight), ascending.
        func candidates(weight filter: ((Int) -> Bool)? = nil, skipping taken: Set<Int32> = []) -> [Int32] {
            var list: [Int32] = []
            for item in excluded.indices where !excluded[item] && (filter?(weights[item]) ?? true) && !taken.contains(Int32(item)) {
                list.append(Int32(item))
            }
            return list
        }

        /// Uniform N-subset of `pool` (all of it when it has N or fewer): partial Fisher–Yates.
        func uniformSubset(of pool: [Int32], count: Int, generator: inout SeededGenerator) -> [Int32] {
            guard pool.count > count else { return pool }
            var pool = pool
            for i in 0..<count {
                let j = i + generator.nextInt(below: pool.count - i)
                pool.swapAt(i, j)
            }
            return Array(pool[0..<count])
        }

        func uniform(into chosen: inout [Int32], generator: inout SeededGenerator) {
            // Sparse case (few excluded, few wanted): rejection over the whole catalogue is exact
            // (each accepted draw is uniform over the candidates not yet taken) and avoids
            // building the candidate list.
            if available > 4 * want {
                var taken = Set<Int32>(minimumCapacity: want)
                while taken.count < want {
                    let item = generator.nextInt(below: excluded.count)
                    if !excluded[item], taken.insert(Int32(item)).inserted { chosen.append(Int32(item)) }
                }
            } else {
                chosen = uniformSubset(of: candidates(), count: want, generator: &generator)
            }
        }

        func popularity(into chosen: inout [Int32], generator: inout SeededGenerator) {
            var taken = Set<Int32>(minimumCapacity: want)
            if eligiblePositive <= want {
                // Every positive-weight candidate, then zero-weight ones uniformly.
                let positive = candidates(weight: { $0 > 0 })
                chosen = positive
                chosen += uniformSubset(of: candidates(weight: { $0 == 0 }), count: want - positive.count, generator: &generator)
                return
            }
            // Successive weighted draws by rejection from the catalogue-wide cumulative weights:
            // a draw that hits an excluded or taken item is repeated, which leaves each accepted
            // draw proportional to weight among the remaining candidates. When rejection would be
            // slow (little eligible weight) or takes too long, the remaining draws are made
            // exactly by exponential keys (Efraimidis–Spirakis), which continue the same process.
            var attempts = 0
            let budget = 64 * want + 1024
            if eligibleWeight >= total / 4 {
                while taken.count < want && attempts < budget {
                    attempts += 1
                    let target = generator.nextDouble() * total
                    let item = upperBound(target)
                    if item < excluded.count, !excluded[item], weights[item] > 0, taken.insert(Int32(item)).inserted {
                        chosen.append(Int32(item))
                    }
                }
            }
            guard taken.count < want else { return }
            // Exponential keys: key_i = −ln(U_i) / w_i; the candidates with the smallest keys, in key
            // order, are distributed as successive weighted draws without replacement.
            var keyed: [(key: Double, item: Int32)] = []
            for item in excluded.indices where !excluded[item] && weights[item] > 0 && !taken.contains(Int32(item)) {
                let u = 1 - generator.nextDouble()   // in (0, 1]
                keyed.append((-log(u) / Double(weights[item]), Int32(item)))
            }
            keyed.sort { $0.key < $1.key || ($0.key == $1.key && $0.item < $1.item) }
            for entry in keyed.prefix(want - taken.count) { chosen.append(entry.item) }
        }

        /// The first item whose cumulative weight exceeds `target` (binary search).
        private func upperBound(_ target: Double) -> Int {
            var low = 0, high = cumulative.count
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }
}
