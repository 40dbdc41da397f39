import Foundation
import RecMath

/// A MovieLens-like dataset of any size, for scale tests (`recbench data synth`).
///
/// The model, all of it drawn from `SeededGenerator` so the files are byte-identical for a seed:
/// - items 1…M each have a primary genre (drawn by how common the genre is in MovieLens) and up to
///   two more; item popularity is long-tailed (Zipf–Mandelbrot): the item of popularity rank r
///   (ranks assigned to ids by a seeded shuffle) has weight (r + 0.02·M)^−s, s =
///   `popularityExponent` (1.5 by default); the offset flattens the head so that the most popular
///   item is not rated by nearly every user;
/// - `clusters` latent taste clusters each prefer 2–3 genres; each user belongs to one. A user's
///   picks come from the popularity-weighted items of the cluster's genres (`clusterAffinity`, 70%
///   by default), from the whole catalogue by popularity (29%), or uniformly (1%, so that every
///   item is reachable); a user never rates an item twice;
/// - activity is long-tailed too: every user gets `minimumPerUser` interactions (MovieLens's 20, or
///   fewer when there are not enough), the rest is shared in proportion to Pareto(1.5) weights,
///   and no user rates more than 35% of the catalogue (unless that cannot fit all interactions);
/// - ratings: 3.5 + item quality (N(0, 0.6)) + user bias (N(0, 0.4)) + 0.6 for an item of the
///   user's cluster genres (−0.3 otherwise) + noise (N(0, 0.9)), rounded to half stars in 0.5…5
///   (whole stars 1…5 for the `u.data` format);
/// - timestamps: users join in id order between 1995-01-09 and 2015-03-31 (MovieLens 20M's span);
///   each user's ratings follow one another by a short gap (exponential, mean 30 s) or, one time in
///   ten, a long one (mean 30 days), so they increase within every user.
///
/// At MovieLens 100K's size (943 users, 1,682 items, 100,000 ratings, seed 1) the top 10% of items
/// take 49% of the ratings and the Gini coefficient of item counts is 0.61 (MovieLens 100K: 43%
/// and 0.63).
///
/// Rows are written user by user (ascending id), each user's in time order, through a 1 MiB
/// buffer: memory is the model (a few arrays of the item count) and one user's items, whatever
/// the number of rows.
public struct SyntheticDataset: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        /// MovieLens 20M layout: `ratings.csv` (userId,movieId,rating,timestamp) and `movies.csv`
        /// (movieId,title,genres, titles with commas quoted).
        case csv
        /// MovieLens 100K layout: `u.data` (tab-separated, whole-star ratings) and `u.item` (`|`, 19 genre flags).
        case udata
    }

    public var users: Int
    public var items: Int
    public var interactions: Int
    public var seed: UInt64
    public var format: Format = .csv
    public var clusters = 8
    public var popularityExponent = 1.5
    public var clusterAffinity = 0.7
    public var minimumPerUser = 20

    public static let genres = [
        "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ]
    /// How common each genre is, roughly as in MovieLens 20M's movies.csv (Drama and Comedy lead).
    /// The head offset of the popularity law, as a share of the item count.
    static let headOffset = 0.02
    /// The share of picks drawn uniformly from the whole catalogue.
    static let uniformShare = 0.01
    static let genreWeights: [Double] = [35, 22, 10, 11, 84, 27, 24, 132, 14, 3, 26, 10, 15, 41, 17, 42, 12, 7]
    static let firstTimestamp: Int64 = 789_652_009  // 1995-01-09, MovieLens 20M's first rating
    static let lastJoin: Int64 = 1_427_784_002      // 2015-03-31, its last

    public init(users: Int, items: Int, interactions: Int, seed: UInt64, format: Format = .csv) {
        self.users = users
        self.items = items
        self.interactions = interactions
        self.seed = seed
        self.format = format
    }

    /// What was written.
    public struct Summary: Sendable {
        public var files: [(name: String, bytes: Int64)]
        public var users: Int
        public var items: Int
        public var interactions: Int
        public var seconds: Double
    }

    /// Checks the sizes; every problem names the option.
    public func validate() throws {
        func fail(_ message: String) -> DatasetInstallError { DatasetInstallError(message) }
        guard users >= 1 else { throw fail("--users must be at least 1, got \(users)") }
        guard items >= 2 else { throw fail("--items must be at least 2, got \(items)") }
        guard users <= Int(Int32.max) && items <= Int(Int32.max) else { throw fail("--users and --items must fit 32-bit ids") }
        guard interactions >= users else {
            throw fail("--interactions (\(interactions)) must be at least --users (\(users)): every user rates something")
        }
        guard interactions <= users * items else {
            throw fail("--interactions (\(interactions)) exceeds users × items (\(users * items)): a user rates an item once")
        }
        guard clusters >= 1 && clusters <= 64 else { throw fail("clusters must be in 1...64, got \(clusters)") }
        guard popularityExponent >= 0 && popularityExponent <= 4 else { throw fail("popularity exponent must be in 0...4") }
        guard clusterAffinity >= 0 && clusterAffinity <= 0.9 else { throw fail("cluster affinity must be in 0...0.9") }
    }

    /// Writes the files into `folder` (created if needed). Each file is written under a temporary
    /// name and renamed when complete, so an interrupted run leaves no file that looks finished.
    @discardableResult
    public func write(to folder: String) throws -> Summary {
        try validate()
        let started = Date()
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = Model(self)
        var files: [(String, Int64)] = []
        let (ratingsName, itemsName) = format == .csv ? ("ratings.csv", "movies.csv") : ("u.data", "u.item")
        files.append((itemsName, try writeAtomically(folder, itemsName) { try model.writeItems($0, format: format) }))
        files.append((ratingsName, try writeAtomically(folder, ratingsName) { try model.writeRatings($0, format: format) }))
        files.append(("README.txt", try writeAtomically(folder, "README.txt") { try $0.append(readme(model)) }))
        return Summary(files: files, users: users, items: items, interactions: interactions,
                       seconds: Date().timeIntervalSince(started))
    }

    private func writeAtomically(_ folder: String, _ name: String, _ body: (BufferedFileWriter) throws -> Void) throws -> Int64 {
        let final = folder + "/" + name, partial = folder + "/." + name + ".partial"
        InterruptCleanup.register(path: partial)
        defer { InterruptCleanup.unregister(path: partial) }
        do {
            let writer = try BufferedFileWriter(path: partial)
            try body(writer)
            try writer.close()
            if FileManager.default.fileExists(atPath: final) { try FileManager.default.removeItem(atPath: final) }
            try FileManager.default.moveItem(atPath: partial, toPath: final)
            return writer.written
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    private func readme(_ model: Model) -> String {
        """
        Synthetic MovieLens-like data written by `recbench data synth` (SyntheticDataset, model v1).
        Not real ratings. Same parameters, same bytes.

        users \(users), items \(items), interactions \(interactions), seed \(seed), format \(format.rawValue)
        clusters \(clusters), popularity exponent \(popularityExponent), cluster affinity \(clusterAffinity), minimum per user \(minimumPerUser)

        cluster genres:
        \(model.clusterGenres.enumerated().map { "  \($0): \($1.map { Self.genres[$0] }.joined(separator: ", "))" }.joined(separator: "\n"))

        """
    }

    /// The drawn model, for inspection (tests, reports): each item's genres, each cluster's
    /// genres, each user's cluster and interaction count.
    public func model() throws -> (itemGenres: [[String]], clusterGenres: [[String]], userCluster: [Int], userCounts: [Int]) {
        try validate()
        let model = Model(self)
        return (model.itemGenres.map { mask in Self.genres.indices.filter { mask & (1 << $0) != 0 }.map { Self.genres[$0] } },
                model.clusterGenres.map { $0.map { Self.genres[$0] } }, model.userCluster.map(Int.init), model.userCounts.map(Int.init))
    }
}

// MARK: - The model

extension SyntheticDataset {
    /// Everything drawn before the rows: per item, per cluster and per user arrays.
    struct Model {
        let spec: SyntheticDataset
        /// Genre bit masks (bit g = `genres[g]`), per item (index = id − 1).
        var itemGenres: [UInt32] = []
        var itemQuality: [Float] = []
        var itemYear: [Int16] = []
        /// Genre indices each cluster prefers, and their bit masks.
        var clusterGenres: [[Int]] = []
        var clusterMask: [UInt32] = []
        var userCluster: [Int32] = []
        var userCounts: [Int32] = []
        var popularity: AliasTable
        var clusterTables: [(items: [Int32], table: AliasTable)] = []

        init(_ spec: SyntheticDataset) {
            self.spec = spec
            let m = spec.items, n = spec.users
            var generator = SeededGenerator(seed: spec.seed, stream: 0x5EED_0001)
            let genreTable = AliasTable(weights: SyntheticDataset.genreWeights)

            // Items: genres, quality, year, and a popularity rank through a shuffle of the ids.
            itemGenres.reserveCapacity(m)
            for _ in 0..<m {
                var mask = UInt32(1) << UInt32(genreTable.sample(&generator))
                let extra = generator.nextInt(below: 10)
                for _ in 0..<(extra < 5 ? 0 : extra < 8 ? 1 : 2) { mask |= UInt32(1) << UInt32(genreTable.sample(&generator)) }
                itemGenres.append(mask)
                itemQuality.append(Float(generator.nextGaussian(mean: 0, standardDeviation: 0.6)))
                itemYear.append(Int16(1920 + generator.nextInt(below: 96)))
            }
            var rankOf = Array(0..<m)
            generator.shuffle(&rankOf)
            var weights = [Double](repeating: 0, count: m)
            let offset = SyntheticDataset.headOffset * Double(m)
            for item in 0..<m { weights[item] = pow(Double(rankOf[item] + 1) + offset, -spec.popularityExponent) }
            popularity = AliasTable(weights: weights)

            // Clusters: 2–3 distinct genres each, drawn by genre frequency.
            for _ in 0..<spec.clusters {
                var chosen: [Int] = []
                let size = 2 + generator.nextInt(below: 2)
                while chosen.count < size {
                    let genre = genreTable.sample(&generator)
                    if !chosen.contains(genre) { chosen.append(genre) }
                }
                chosen.sort()
                clusterGenres.append(chosen)
                let mask = chosen.reduce(UInt32(0)) { $0 | UInt32(1) << UInt32($1) }
                clusterMask.append(mask)
                var members: [Int32] = [], memberWeights: [Double] = []
                for item in 0..<m where itemGenres[item] & mask != 0 {
                    members.append(Int32(item))
                    memberWeights.append(weights[item])
                }
                if members.isEmpty { // no item has these genres: fall back on the whole catalogue
                    members = (0..<m).map(Int32.init)
                    memberWeights = weights
                }
                clusterTables.append((members, AliasTable(weights: memberWeights)))
            }

            // Users: a cluster each, and a long-tailed number of interactions.
            userCluster = (0..<n).map { _ in Int32(generator.nextInt(below: spec.clusters)) }
            let paretoWeights = (0..<n).map { _ in pow(1 - generator.nextDouble(), -1 / 1.5) }
            userCounts = Self.allocate(spec.interactions, weights: paretoWeights, minimum: spec.minimumPerUser, items: m)
        }

        /// Shares `total` among users: `minimum` each (or total / users when smaller), the rest in
        /// proportion to `weights` by largest remainders, none above the cap.
        static func allocate(_ total: Int, weights: [Double], minimum: Int, items: Int) -> [Int32] {
            let n = weights.count
            let floor = min(minimum, total / n, items)
            var cap = max(floor, Int((0.35 * Double(items)).rounded(.up)))
            if cap * n < total { cap = items }
            var counts = [Int](repeating: floor, count: n)
            var remaining = total - floor * n
            var open = Array(0..<n)
            while remaining > 0 && !open.isEmpty {
                let weightSum = open.reduce(0.0) { $0 + weights[$1] }
                var shares: [(user: Int, fraction: Double)] = []
                var given = 0
                for user in open {
                    let exact = Double(remaining) * weights[user] / weightSum
                    let whole = min(Int(exact), cap - counts[user])
                    counts[user] += whole
                    given += whole
                    shares.append((user, exact - Double(whole)))
                }
                remaining -= given
                // Largest fractional parts first (ties by user) get one more each.
                shares.sort { ($0.fraction, -$0.user) > ($1.fraction, -$1.user) }
                for share in shares where remaining > 0 && counts[share.user] < cap {
                    counts[share.user] += 1
                    remaining -= 1
                }
                open = open.filter { counts[$0] < cap }
            }
            return counts.map { Int32($0) }
        }

        /// The rows of one user, in time order: (item index, rating, timestamp).
        func userRows(_ user: Int, seen: inout [Int32], into rows: inout [(item: Int32, rating: Float, time: Int64)], wholeStars: Bool) {
            rows.removeAll(keepingCapacity: true)
            var generator = SeededGenerator(seed: spec.seed, stream: 0x1000_0000 &+ UInt64(user))
            let count = Int(userCounts[user]), m = spec.items
            let cluster = Int(userCluster[user]), mask = clusterMask[cluster], own = clusterTables[cluster]
            let bias = Float(generator.nextGaussian(mean: 0, standardDeviation: 0.4))
            let joinSpan = Double(SyntheticDataset.lastJoin - SyntheticDataset.firstTimestamp)
            let join = SyntheticDataset.firstTimestamp
                + Int64(joinSpan * (Double(user) + generator.nextDouble()) / Double(spec.users))
            var time = join
            let stamp = Int32(user)
            var attempts = 0
            let patience = 50 * count + 1000
            while rows.count < count {
                var item: Int
                if attempts < patience {
                    attempts += 1
                    let choice = generator.nextDouble()
                    if choice < spec.clusterAffinity {
                        item = Int(own.items[own.table.sample(&generator)])
                    } else if choice < 1 - SyntheticDataset.uniformShare {
                        item = popularity.sample(&generator)
                    } else {
                        item = generator.nextInt(below: m)
                    }
                    if seen[item] == stamp { continue }
                } else {
                    // Out of patience (a user rating most of a small catalogue): the next unseen item.
                    item = generator.nextInt(below: m)
                    while seen[item] == stamp { item = (item + 1) % m }
                }
                seen[item] = stamp
                let affinity: Float = itemGenres[item] & mask != 0 ? 0.6 : -0.3
                let raw = 3.5 + itemQuality[item] + bias + affinity + Float(generator.nextGaussian(mean: 0, standardDeviation: 0.9))
                let rating = wholeStars ? min(5, max(1, raw.rounded())) : min(5, max(0.5, (raw * 2).rounded() / 2))
                let gap = generator.nextInt(below: 10) == 0 ? 30 * 86_400.0 : 30.0
                time += 1 + Int64(-gap * log(1 - generator.nextDouble()))
                rows.append((Int32(item), rating, time))
            }
        }

        func writeRatings(_ out: BufferedFileWriter, format: Format) throws {
            let csv = format == .csv
            if csv { try out.append("userId,movieId,rating,timestamp\n") }
            let separator = UInt8(ascii: csv ? "," : "\t")
            var seen = [Int32](repeating: -1, count: spec.items)
            var rows: [(item: Int32, rating: Float, time: Int64)] = []
            for user in 0..<spec.users {
                userRows(user, seen: &seen, into: &rows, wholeStars: !csv)
                for row in rows {
                    out.append(integer: Int64(user + 1))
                    out.append(byte: separator)
                    out.append(integer: Int64(row.item + 1))
                    out.append(byte: separator)
                    let halves = Int(row.rating * 2)
                    out.append(integer: Int64(halves / 2))
                    if csv {
                        out.append(byte: UInt8(ascii: "."))
                        out.append(byte: halves % 2 == 0 ? UInt8(ascii: "0") : UInt8(ascii: "5"))
                    }
                    out.append(byte: separator)
                    out.append(integer: row.time)
                    out.append(byte: 0x0A)
                    try out.flushIfFull()
                }
            }
        }

        func writeItems(_ out: BufferedFileWriter, format: Format) throws {
            if format == .csv { try out.append("movieId,title,genres\n") }
            for item in 0..<spec.items {
                let id = item + 1
                let names = SyntheticDataset.genres.indices.filter { itemGenres[item] & (1 << $0) != 0 }
                switch format {
                case .csv:
                    // Every 7th title has a comma and every 50th a quote, so readers meet RFC 4180 quoting.
                    var title = id % 7 == 0 ? "Synthetic Movie \(id), The (\(itemYear[item]))" : "Synthetic Movie \(id) (\(itemYear[item]))"
                    if id % 50 == 0 { title = "\"Quoted\" " + title }
                    let field = title.contains(",") || title.contains("\"") ? "\"" + title.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : title
                    try out.append("\(id),\(field),\(names.map { SyntheticDataset.genres[$0] }.joined(separator: "|"))\n")
                case .udata:
                    // u.item: 19 flags in MovieLens 100K's order, which starts with "unknown" and
                    // spells Children's with an apostrophe; otherwise the same genres.
                    let flags = (0..<19).map { $0 > 0 && itemGenres[item] & (1 << ($0 - 1)) != 0 ? "1" : "0" }
                    try out.append("\(id)|Synthetic Movie \(id) (\(itemYear[item]))|01-Jan-\(itemYear[item])||http://example.invalid/\(id)|\(flags.joined(separator: "|"))\n")
                }
                try out.flushIfFull()
            }
        }
    }
}

/// Vose's alias method: O(1) draws from a fixed discrete distribution.
struct AliasTable: Sendable {
    private var probability: [Double]
    private var alias: [Int32]

    init(weights: [Double]) {
        let n = weights.count
        precondition(n > 0, "an alias table needs at least one weight")
        let sum = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(n) / sum }
        probability = [Double](repeating: 1, count: n)
        alias = (0..<n).map(Int32.init)
        var small: [Int] = [], large: [Int] = []
        for (index, value) in scaled.enumerated() {
            if value < 1 { small.append(index) } else { large.append(index) }
        }
        while let s = small.popLast(), let l = large.last {
            probability[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Whatever is left is 1 up to rounding.
    }

    @inline(__always) func sample(_ generator: inout SeededGenerator) -> Int {
        let column = generator.nextInt(below: probability.count)
        return generator.nextDouble() < probability[column] ? column : Int(alias[column])
    }
}

/// Appends bytes to a file through a 1 MiB buffer.
final class BufferedFileWriter {
    private var descriptor: Int32
    private let path: String
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 20
    private var count = 0
    private(set) var written: Int64 = 0

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw DatasetInstallError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if descriptor >= 0 { Foundation.close(descriptor) }
    }

    @inline(__always) func append(byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    /// A decimal integer (room is guaranteed by `flushIfFull` between rows).
    @inline(__always) func append(integer value: Int64) {
        var v = value
        if v < 0 {
            append(byte: UInt8(ascii: "-"))
            v = -v
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[n] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
                n += 1
            } while v > 0
            while n > 0 {
                n -= 1
                buffer[count] = raw[n]
                count += 1
            }
        }
    }

    func append(_ text: String) throws {
        for byte in text.utf8 {
            if count == capacity { try flush() }
            buffer[count] = byte
            count += 1
        }
    }

    /// Flushes when less than 64 KiB of room is left (far more than one row needs).
    @inline(__always) func flushIfFull() throws {
        if count > capacity - (64 << 10) { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < count {
            let done = Foundation.write(descriptor, buffer + offset, count - offset)
            if done < 0 {
                if errno == EINTR { continue }
                throw DatasetInstallError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += done
        }
        written += Int64(count)
        count = 0
    }

    func close() throws {
        try flush()
        guard Foundation.close(descriptor) == 0 else {
            throw DatasetInstallError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = -1
    }
}
