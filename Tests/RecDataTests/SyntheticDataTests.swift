import Foundation
import RecMath
import Testing
@testable import RecData

// `recbench data synth`. Exact values (the allocation of interactions, the alias table) are worked
// out by hand in the comments; the statistical properties (long tail, taste clusters) are checked
// against bounds derived from the model's own mixture weights, which a uniform or cluster-blind
// generator would miss by a wide margin.

private func freshFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("recbench-synth-\(UUID().uuidString)", isDirectory: true)
}

@Suite("synthetic data")
struct SyntheticDataTests {
    @Test("interactions are shared: the minimum first, then by weight with largest remainders, under a cap")
    func allocation() {
        typealias Model = SyntheticDataset.Model
        // 10 over weights 1:1:2, minimum 2: 2 each (6), the other 4 as 1, 1, 2 exactly.
        #expect(Model.allocate(10, weights: [1, 1, 2], minimum: 2, items: 100) == [3, 3, 4])
        // 7 over three equal weights, no minimum: 2.33 each → 2, 2, 2 and the last one to user 0 (ties by user).
        #expect(Model.allocate(7, weights: [1, 1, 1], minimum: 0, items: 100) == [3, 2, 2])
        // 9 over 100:1:1, minimum 1, 10 items: cap ⌈3.5⌉ = 4. After the minimum, 6 remain: user 0's
        // 5.88 is cut to 3 (cap); users 1 and 2 (0.06 each) get one each by remainder; the last unit,
        // shared 0.5/0.5 between them, goes to user 1.
        #expect(Model.allocate(9, weights: [100, 1, 1], minimum: 1, items: 10) == [4, 3, 2])
        // When the cap cannot hold everything (2 users × 4 < 10), it becomes the item count.
        #expect(Model.allocate(10, weights: [100, 1], minimum: 1, items: 10) == [9, 1])
    }

    @Test("the alias table draws with the given probabilities")
    func aliasTable() {
        // Weights 1:3 → scaled 0.5, 1.5; column 0 keeps itself with probability 0.5 and aliases to 1.
        let table = AliasTable(weights: [1, 3])
        var generator = SeededGenerator(seed: 7)
        var zeros = 0
        let draws = 100_000
        for _ in 0..<draws where table.sample(&generator) == 0 { zeros += 1 }
        // P(0) = ½ · 0.5 = 0.25; the standard deviation of the share is √(0.25 · 0.75 / 10⁵) ≈ 0.0014.
        #expect(abs(Double(zeros) / Double(draws) - 0.25) < 0.007)
    }

    @Test("the same options write the same bytes; another seed other bytes")
    func deterministic() throws {
        let a = freshFolder(), b = freshFolder(), c = freshFolder()
        defer { for url in [a, b, c] { try? FileManager.default.removeItem(at: url) } }
        try SyntheticDataset(users: 50, items: 200, interactions: 2_000, seed: 3).write(to: a.path)
        try SyntheticDataset(users: 50, items: 200, interactions: 2_000, seed: 3).write(to: b.path)
        try SyntheticDataset(users: 50, items: 200, interactions: 2_000, seed: 4).write(to: c.path)
        for file in ["ratings.csv", "movies.csv", "README.txt"] {
            let (x, y) = (try Data(contentsOf: a.appendingPathComponent(file)), try Data(contentsOf: b.appendingPathComponent(file)))
            #expect(try TestTools.sha256(x) == (try TestTools.sha256(y)), "\(file)")
        }
        #expect(try Data(contentsOf: a.appendingPathComponent("ratings.csv")) != (try Data(contentsOf: c.appendingPathComponent("ratings.csv"))))
        #expect(TestTools.tree(a) == ["README.txt", "movies.csv", "ratings.csv"], "no partial files left")
    }

    @Test("ratings.csv reads back as MovieLens CSV with the requested counts and MovieLens's rules")
    func readsBack() throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = SyntheticDataset(users: 300, items: 1_000, interactions: 30_000, seed: 11)
        try spec.write(to: folder.path)
        let dataset = try MovieLensCSV.load(folder: folder.path, name: "synth")
        #expect(dataset.userCount == 300)
        #expect(dataset.itemCount == 1_000, "movies.csv lists every item")
        #expect(dataset.interactionCount == 30_000)
        #expect(dataset.userIDs == (1...300).map(String.init))
        // One rating per pair, half stars in 0.5…5.
        var pairs = Set<Int64>()
        for k in 0..<dataset.interactionCount { pairs.insert(Int64(dataset.users[k]) << 32 | Int64(dataset.items[k])) }
        #expect(pairs.count == 30_000)
        #expect(dataset.ratings.allSatisfy { $0 >= 0.5 && $0 <= 5 && ($0 * 2).rounded() == $0 * 2 })
        // Every user has at least min(20, 30000 / 300) = 20 and at most ⌈0.35 · 1000⌉ = 350.
        var perUser = [Int](repeating: 0, count: 300)
        for user in dataset.users { perUser[Int(user)] += 1 }
        #expect(perUser.min()! >= 20 && perUser.max()! <= 350)
        #expect(perUser.max()! >= 3 * perUser.sorted()[150], "activity is long-tailed")
        // Rows come user by user, each user's in increasing time.
        for k in 1..<dataset.interactionCount where dataset.users[k] == dataset.users[k - 1] {
            #expect(dataset.timestamps[k] > dataset.timestamps[k - 1])
        }
        #expect(dataset.timestamps.min()! >= 789_652_009)
        // Titles with commas and quotes survived the CSV round trip: item 7 (dense 6) and item 50 (dense 49).
        #expect(dataset.itemTitles[6].hasPrefix("Synthetic Movie 7, The ("))
        #expect(dataset.itemTitles[49].hasPrefix("\"Quoted\" Synthetic Movie 50 ("))
        #expect(dataset.itemGenres.allSatisfy { !$0.isEmpty && $0.count <= 3 })
    }

    @Test("long-tail popularity: the top 10% of items take far more than a tenth of the interactions")
    func longTail() throws {
        func topShare(_ exponent: Double) throws -> Double {
            let folder = freshFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            var spec = SyntheticDataset(users: 300, items: 1_000, interactions: 30_000, seed: 5)
            spec.popularityExponent = exponent
            try spec.write(to: folder.path)
            let dataset = try MovieLensCSV.load(folder: folder.path, name: "synth")
            var perItem = [Int](repeating: 0, count: dataset.itemCount)
            for item in dataset.items { perItem[Int(item)] += 1 }
            return Double(perItem.sorted(by: >).prefix(100).reduce(0, +)) / Double(dataset.interactionCount)
        }
        // Under exponent 1.5 the top 100 of 1,000 popularity ranks hold
        // Σ_{r≤100} (r + 20)^−1.5 / Σ_{r≤1000} (r + 20)^−1.5 ≈ 0.26 / 0.38 ≈ 68% of the popularity
        // weight; no user rates an item twice, which caps the head at 300 ratings per item, so the
        // share ends lower, but far from a uniform catalogue's 10%. With exponent 0 only the genre
        // structure separates items.
        let longTailed = try topShare(1.5), flat = try topShare(0)
        #expect(longTailed > 0.35)
        #expect(longTailed > flat + 0.2)
    }

    @Test("taste clusters: users favour their cluster's genres and rate them higher")
    func clusters() throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = SyntheticDataset(users: 300, items: 1_000, interactions: 30_000, seed: 9)
        try spec.write(to: folder.path)
        let model = try spec.model()
        let dataset = try MovieLensCSV.load(folder: folder.path, name: "synth")
        // Dense ids equal id − 1 for both users and items (ids 1…n, every one present).
        func inCluster(_ item: Int, _ user: Int) -> Bool {
            !Set(model.itemGenres[item]).isDisjoint(with: model.clusterGenres[model.userCluster[user]])
        }
        var excess = 0.0
        var inSum = 0.0, inCount = 0.0, outSum = 0.0, outCount = 0.0
        var rows = [[Int]](repeating: [], count: 300)
        for k in 0..<dataset.interactionCount { rows[Int(dataset.users[k])].append(k) }
        for user in 0..<300 {
            let base = Double((0..<1_000).count { inCluster($0, user) }) / 1_000
            let share = Double(rows[user].count { inCluster(Int(dataset.items[$0]), user) }) / Double(rows[user].count)
            excess += (share - base) / 300
            for k in rows[user] {
                if inCluster(Int(dataset.items[k]), user) {
                    inSum += Double(dataset.ratings[k]); inCount += 1
                } else {
                    outSum += Double(dataset.ratings[k]); outCount += 1
                }
            }
        }
        // 70% of picks come from the cluster's genres, so the share exceeds the catalogue's base rate
        // p by about 0.7 (1 − p): ≥ 0.25 for any p ≤ 0.64. A cluster-blind generator gives ≈ 0.
        #expect(excess > 0.25)
        // The model adds +0.6 in-cluster and −0.3 otherwise: 0.9 apart before rounding and clipping.
        #expect(inSum / inCount - outSum / outCount > 0.5)
        #expect(Set(model.userCounts) .count > 10)
        #expect(model.userCounts.reduce(0, +) == 30_000)
    }

    @Test("the u.data format reads as MovieLens 100K: whole stars, 19 genre flags")
    func udata() throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try SyntheticDataset(users: 40, items: 120, interactions: 1_500, seed: 2, format: .udata).write(to: folder.path)
        #expect(TestTools.tree(folder) == ["README.txt", "u.data", "u.item"])
        let dataset = try MovieLens100K.load(ratingsFile: folder.appendingPathComponent("u.data").path,
                                             itemFile: folder.appendingPathComponent("u.item").path)
        #expect(dataset.userCount == 40 && dataset.itemCount == 120 && dataset.interactionCount == 1_500)
        #expect(Set(dataset.ratings).isSubset(of: [1, 2, 3, 4, 5]))
        #expect(dataset.itemGenres.allSatisfy { !$0.isEmpty && !$0.contains("unknown") })
    }

    @Test("impossible sizes are refused, naming the option")
    func validation() {
        let cases: [(SyntheticDataset, String)] = [
            (SyntheticDataset(users: 0, items: 10, interactions: 10, seed: 1), "--users"),
            (SyntheticDataset(users: 10, items: 1, interactions: 10, seed: 1), "--items"),
            (SyntheticDataset(users: 10, items: 10, interactions: 5, seed: 1), "at least --users"),
            (SyntheticDataset(users: 2, items: 3, interactions: 7, seed: 1), "exceeds users × items (6)"),
        ]
        for (spec, text) in cases {
            let error = #expect(throws: DatasetInstallError.self) { try spec.validate() }
            #expect(error?.description.contains(text) == true, "\(text)")
        }
        // The largest possible: every user rates every item.
        #expect(throws: Never.self) { try SyntheticDataset(users: 2, items: 3, interactions: 6, seed: 1).validate() }
    }

    @Test("a full catalogue still ends: every user rates every item")
    func saturated() throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try SyntheticDataset(users: 5, items: 30, interactions: 150, seed: 1).write(to: folder.path)
        let dataset = try MovieLensCSV.load(folder: folder.path, name: "synth")
        #expect(dataset.interactionCount == 150)
        var pairs = Set<Int64>()
        for k in 0..<150 { pairs.insert(Int64(dataset.users[k]) << 32 | Int64(dataset.items[k])) }
        #expect(pairs.count == 150)
    }
}
