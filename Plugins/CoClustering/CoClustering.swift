import RecKit
import RecMath

/// Co-clustering (George & Merugu 2005), as Surprise's `CoClustering`
/// (https://surprise.readthedocs.io/en/stable/co_clustering.html):
///
///     r̂_ui = C̄_ui + (μ_u − C̄_u) + (μ_i − C̄_i)
///
/// with μ_u, μ_i the user's and item's mean training ratings, C̄_u the mean rating of u's user
/// cluster, C̄_i of i's item cluster and C̄_ui of the co-cluster (u's cluster × i's cluster); an empty
/// cluster or co-cluster has the global mean μ. Users and items start in uniformly random clusters;
/// each epoch computes the three kinds of averages, moves every user to the cluster minimising the
/// squared error Σ_i (r_ui − r̂_ui)² of its ratings, then every item likewise (seeing the users' new
/// clusters, with the averages of the epoch's start), ties to the lowest cluster. The averages are
/// computed once more after the last epoch. An unknown user or item gets μ (Surprise's `estimate`
/// returns the global mean as soon as either is unknown).
public final class CoClustering: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "CoClustering",
        version: "1.0.0",
        description: "Co-clustering of users and items; predicts co-cluster mean plus user and item offsets (Surprise's CoClustering).",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: [
            HyperParameter("n_cltr_u", .int, default: .int(3), min: 1, max: 1000, doc: "number of user clusters"),
            HyperParameter("n_cltr_i", .int, default: .int(3), min: 1, max: 1000, doc: "number of item clusters"),
            HyperParameter("n_epochs", .int, default: .int(20), min: 0, max: 100_000,
                           doc: "number of reassignment passes over users and items"),
            HyperParameter(
                "seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                doc: "random seed of the initial cluster assignment; -1 uses the run's seed"),
        ])

    private let userClusterCount: Int
    private let itemClusterCount: Int
    private let epochCount: Int
    private let ownSeed: Int64

    private var globalMean = 0.0
    private var userMeans: [Double] = []
    private var itemMeans: [Double] = []
    private var userKnown: [Bool] = []
    private var itemKnown: [Bool] = []
    private var userClusters: [Int32] = []
    private var itemClusters: [Int32] = []
    private var averages = Averages(userClusters: 0, itemClusters: 0)

    public init(parameters: PluginParameters) throws {
        userClusterCount = try parameters.int("n_cltr_u")
        itemClusterCount = try parameters.int("n_cltr_i")
        epochCount = try parameters.int("n_epochs")
        ownSeed = Int64(try parameters.int("seed"))
    }

    /// Mean rating of every user cluster, item cluster and co-cluster (row-major user × item).
    struct Averages {
        var user: [Double]
        var item: [Double]
        var co: [Double]
        init(userClusters: Int, itemClusters: Int) {
            user = [Double](repeating: 0, count: userClusters)
            item = [Double](repeating: 0, count: itemClusters)
            co = [Double](repeating: 0, count: userClusters * itemClusters)
        }
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let userCount = train.rowCount, itemCount = train.columnCount, nnz = train.nonZeroCount
        guard nnz > 0 else { throw PluginError("CoClustering needs at least one training rating") }
        let ku = userClusterCount, ki = itemClusterCount

        // Working copies (the host's view lives only during fit) in buffers the hot loops index
        // without bounds checks: ratings by user (CSR) and by item (CSC), means, clusters, averages.
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer { for buffer in buffers { buffer.deallocate() } }
        func make<T>(_ count: Int, _ value: T) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(count, 1))
            buffer.initialize(repeating: value)
            buffers.append(UnsafeMutableRawBufferPointer(buffer))
            return buffer
        }
        let rowStart = make(userCount + 1, 0), itemOf = make(nnz, Int32(0)), rating = make(nnz, 0.0)
        let userOf = make(nnz, Int32(0))
        for user in 0...userCount { rowStart[user] = Int(train.indptr[user]) }
        for k in 0..<nnz {
            itemOf[k] = train.indices[k]
            rating[k] = Double(train.values[k])
        }
        for user in 0..<userCount { for k in rowStart[user]..<rowStart[user + 1] { userOf[k] = Int32(user) } }
        let columnStart = make(itemCount + 1, 0), columnUser = make(nnz, Int32(0)), columnRating = make(nnz, 0.0)
        for k in 0..<nnz { columnStart[Int(itemOf[k]) + 1] += 1 }
        for item in 0..<itemCount { columnStart[item + 1] += columnStart[item] }
        let next = make(itemCount, 0)
        for item in 0..<itemCount { next[item] = columnStart[item] }
        for k in 0..<nnz {
            let item = Int(itemOf[k]), slot = next[item]
            columnUser[slot] = userOf[k]
            columnRating[slot] = rating[k]
            next[item] += 1
        }

        // Means: global, per user, per item (an entity without ratings keeps the global mean; it
        // is never used as a known entity).
        var total = 0.0
        for k in 0..<nnz { total += rating[k] }
        let mu = total / Double(nnz)
        let uMean = make(userCount, mu), iMean = make(itemCount, mu)
        for user in 0..<userCount where rowStart[user + 1] > rowStart[user] {
            var sum = 0.0
            for k in rowStart[user]..<rowStart[user + 1] { sum += rating[k] }
            uMean[user] = sum / Double(rowStart[user + 1] - rowStart[user])
        }
        for item in 0..<itemCount where columnStart[item + 1] > columnStart[item] {
            var sum = 0.0
            for k in columnStart[item]..<columnStart[item + 1] { sum += columnRating[k] }
            iMean[item] = sum / Double(columnStart[item + 1] - columnStart[item])
        }

        // Random initial clusters: all users, then all items, uniformly (Surprise: randint).
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        let uCluster = make(userCount, 0), iCluster = make(itemCount, 0)
        for user in 0..<userCount { uCluster[user] = generator.nextInt(below: ku) }
        for item in 0..<itemCount { iCluster[item] = generator.nextInt(below: ki) }

        // Cluster averages; an empty cluster or co-cluster gets μ.
        let avgUser = make(ku, 0.0), avgItem = make(ki, 0.0), avgCo = make(ku * ki, 0.0)
        let countUser = make(ku, 0), countItem = make(ki, 0), countCo = make(ku * ki, 0)
        func computeAverages() {
            avgUser.update(repeating: 0); avgItem.update(repeating: 0); avgCo.update(repeating: 0)
            countUser.update(repeating: 0); countItem.update(repeating: 0); countCo.update(repeating: 0)
            for k in 0..<nnz {
                let uc = uCluster[Int(userOf[k])], ic = iCluster[Int(itemOf[k])], r = rating[k]
                countUser[uc] += 1; avgUser[uc] += r
                countItem[ic] += 1; avgItem[ic] += r
                countCo[uc * ki + ic] += 1; avgCo[uc * ki + ic] += r
            }
            for c in 0..<ku { avgUser[c] = countUser[c] > 0 ? avgUser[c] / Double(countUser[c]) : mu }
            for c in 0..<ki { avgItem[c] = countItem[c] > 0 ? avgItem[c] / Double(countItem[c]) : mu }
            for c in 0..<(ku * ki) { avgCo[c] = countCo[c] > 0 ? avgCo[c] / Double(countCo[c]) : mu }
        }
        /// r̂ = C̄_ui + μ_u − C̄_u + μ_i − C̄_i, summed left to right as Surprise does, so exact ties
        /// in the cluster errors resolve the same way.
        @inline(__always) func estimate(_ uc: Int, _ ic: Int, _ userMean: Double, _ itemMean: Double) -> Double {
            avgCo[uc * ki + ic] + userMean - avgUser[uc] + itemMean - avgItem[ic]
        }
        /// The first cluster with the smallest error (numpy's argmin).
        @inline(__always) func argmin(_ errors: UnsafeMutableBufferPointer<Double>, _ count: Int) -> Int {
            var best = 0
            for c in 1..<max(count, 1) where errors[c] < errors[best] { best = c }
            return best
        }

        let errors = make(max(ku, ki), 0.0)
        for epoch in 0..<epochCount {
            computeAverages()
            // Users: the cluster minimising the squared error of the user's ratings.
            for user in 0..<userCount where rowStart[user + 1] > rowStart[user] {
                for c in 0..<ku { errors[c] = 0 }
                let userMean = uMean[user]
                for k in rowStart[user]..<rowStart[user + 1] {
                    let item = Int(itemOf[k]), ic = iCluster[item], r = rating[k], itemMean = iMean[item]
                    for uc in 0..<ku {
                        let error = r - estimate(uc, ic, userMean, itemMean)
                        errors[uc] += error * error
                    }
                }
                uCluster[user] = argmin(errors, ku)
            }
            // Items: likewise, seeing the users' new clusters and the same averages.
            var squaredError = 0.0
            for item in 0..<itemCount where columnStart[item + 1] > columnStart[item] {
                for c in 0..<ki { errors[c] = 0 }
                let itemMean = iMean[item]
                for k in columnStart[item]..<columnStart[item + 1] {
                    let user = Int(columnUser[k]), uc = uCluster[user], r = columnRating[k], userMean = uMean[user]
                    for ic in 0..<ki {
                        let error = r - estimate(uc, ic, userMean, itemMean)
                        errors[ic] += error * error
                    }
                }
                let best = argmin(errors, ki)
                iCluster[item] = best
                squaredError += errors[best]
            }
            // The squared error of the training ratings with the new clusters and the epoch's averages.
            context.log("epoch \(epoch + 1)/\(epochCount) sse \(squaredError) rmse \((squaredError / Double(nnz)).squareRoot())")
            try context.progress(Double(epoch + 1) / Double(epochCount), "epoch \(epoch + 1)/\(epochCount)")
        }
        computeAverages()
        averages.user = Array(avgUser.prefix(ku))
        averages.item = Array(avgItem.prefix(ki))
        averages.co = Array(avgCo.prefix(ku * ki))
        globalMean = mu
        userMeans = Array(uMean.prefix(userCount))
        itemMeans = Array(iMean.prefix(itemCount))
        userClusters = uCluster.prefix(userCount).map { Int32($0) }
        itemClusters = iCluster.prefix(itemCount).map { Int32($0) }
        userKnown = (0..<userCount).map { rowStart[$0 + 1] > rowStart[$0] }
        itemKnown = (0..<itemCount).map { columnStart[$0 + 1] > columnStart[$0] }
    }

    /// r̂_ui as in `fit`, or μ when the user or the item has no training ratings.
    @inline(__always)
    private func estimate(user: Int, item: Int) -> Float {
        guard userKnown[user], itemKnown[item] else { return Float(globalMean) }
        let uc = Int(userClusters[user]), ic = Int(itemClusters[item])
        return Float(averages.co[uc * itemClusterCount + ic] + userMeans[user] - averages.user[uc]
            + itemMeans[item] - averages.item[ic])
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        RatingEstimates.predict(users: users, items: items, into: ratings) { estimate(user: $0, item: $1) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        RatingEstimates.score(users: users, itemCount: itemCount, into: scores) { estimate(user: $0, item: $1) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: CoClustering.self)
}
