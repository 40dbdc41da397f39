import RecKit

/// Slope One (Lemire & Maclachlan 2005), as Surprise's `SlopeOne`
/// (https://surprise.readthedocs.io/en/stable/slope_one.html):
///
///     dev(i, j) = (1/|U_ij|) Σ_{u ∈ U_ij} (r_ui − r_uj)        U_ij: users who rated both i and j
///     r̂_ui      = μ_u + (1/|R_i(u)|) Σ_{j ∈ R_i(u)} dev(i, j)
///
/// where μ_u is u's mean training rating and R_i(u) the items j rated by u that share at least one
/// user with i (|U_ij| > 0); with R_i(u) empty, r̂_ui = μ_u. An unknown user or item (no training
/// ratings) gets the global mean, Surprise's default prediction. No parameters.
///
/// The model is two dense items × items matrices (Float deviations, Int32 counts), filled from
/// each user's rating list: 1682 items of MovieLens 100K take 11 MB each.
public final class SlopeOne: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "SlopeOne",
        version: "1.0.0",
        description: "Slope One: the user's mean plus the mean rating deviation to the items they rated (Surprise's SlopeOne).",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: [])

    private var itemCount = 0
    /// dev(i, j) at i * itemCount + j; antisymmetric, 0 on the diagonal and where |U_ij| = 0.
    private var deviations: [Float] = []
    /// |U_ij| at i * itemCount + j; the diagonal holds the item's number of ratings.
    private var supports: [Int32] = []
    private var userMeans: [Double] = []
    private var globalMean = 0.0
    // The training matrix's rows (copied: the host's view lives only during fit).
    private var indptr: [Int] = []
    private var indices: [Int32] = []

    public init(parameters: PluginParameters) throws {}

    public func fit(_ train: CSRView, context: FitContext) throws {
        let n = train.columnCount, userCount = train.rowCount
        itemCount = n
        indptr = train.indptr.map { Int($0) }
        indices = Array(train.indices)
        // Sums of r_ui − r_uj over the upper triangle (i < j), in Double; counts on both sides.
        var sums = [Double](repeating: 0, count: n * n)
        var counts = [Int32](repeating: 0, count: n * n)
        var means = [Double](repeating: 0, count: userCount)
        var total = 0.0
        sums.withUnsafeMutableBufferPointer { sums in
            counts.withUnsafeMutableBufferPointer { counts in
                for user in 0..<userCount {
                    let start = indptr[user], end = indptr[user + 1]
                    var userSum = 0.0
                    // Columns within a row ascend, so item a < item b whenever position a < b.
                    for a in start..<end {
                        let i = Int(train.indices[a]), ri = Double(train.values[a])
                        userSum += ri
                        counts[i * n + i] += 1
                        let row = i * n
                        for b in (a + 1)..<end {
                            let j = Int(train.indices[b])
                            counts[row + j] += 1
                            sums[row + j] += ri - Double(train.values[b])
                        }
                    }
                    total += userSum
                    if end > start { means[user] = userSum / Double(end - start) }
                }
            }
        }
        globalMean = train.nonZeroCount > 0 ? total / Double(train.nonZeroCount) : 0
        // Empty users are never asked about (the host predicts them with the training mean), and
        // score gives them the global mean.
        for user in 0..<userCount where indptr[user + 1] == indptr[user] { means[user] = globalMean }
        userMeans = means
        var devs = [Float](repeating: 0, count: n * n)
        devs.withUnsafeMutableBufferPointer { devs in
            counts.withUnsafeMutableBufferPointer { counts in
                for i in 0..<n {
                    for j in (i + 1)..<n where counts[i * n + j] > 0 {
                        let count = counts[i * n + j]
                        let deviation = Float(sums[i * n + j] / Double(count))
                        devs[i * n + j] = deviation
                        devs[j * n + i] = -deviation
                        counts[j * n + i] = count
                    }
                }
            }
        }
        deviations = devs
        supports = counts
    }

    /// r̂_ui for a user and item that both have training ratings.
    @inline(__always)
    private func estimate(user: Int, item: Int, devs: UnsafeBufferPointer<Float>, supports: UnsafeBufferPointer<Int32>,
                          indices: UnsafeBufferPointer<Int32>) -> Float {
        let row = item * itemCount
        var sum = 0.0, relevant = 0
        for position in indptr[user]..<indptr[user + 1] {
            let j = row + Int(indices[position])
            if supports[j] > 0 {
                sum += Double(devs[j])
                relevant += 1
            }
        }
        return Float(relevant > 0 ? userMeans[user] + sum / Double(relevant) : userMeans[user])
    }

    private func withModel<R>(_ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) -> R) -> R {
        deviations.withUnsafeBufferPointer { devs in
            supports.withUnsafeBufferPointer { supports in
                indices.withUnsafeBufferPointer { indices in body(devs, supports, indices) }
            }
        }
    }

    /// An item is known when it has training ratings: its diagonal count is positive.
    @inline(__always)
    private func knows(item: Int, _ supports: UnsafeBufferPointer<Int32>) -> Bool {
        supports[item * itemCount + item] > 0
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        withModel { devs, supports, indices in
            for k in 0..<users.count {
                let user = Int(users[k]), item = Int(items[k])
                let known = indptr[user + 1] > indptr[user] && knows(item: item, supports)
                ratings[k] = known ? estimate(user: user, item: item, devs: devs, supports: supports, indices: indices)
                    : Float(globalMean)
            }
        }
    }

    /// All items of a user at once. By antisymmetry dev(i, j) = −dev(j, i) and |U_ij| = |U_ji|, so
    /// walking the rows j of the user's items visits the same terms as `estimate` (same values, same
    /// order: bit-identical results), but through contiguous memory.
    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        var sums = [Double](repeating: 0, count: itemCount)
        var relevant = [Int32](repeating: 0, count: itemCount)
        withModel { devs, supports, indices in
            sums.withUnsafeMutableBufferPointer { sums in
                relevant.withUnsafeMutableBufferPointer { relevant in
                    for (row, user) in users.enumerated() {
                        let user = Int(user), out = row * itemCount
                        guard indptr[user + 1] > indptr[user] else {
                            for item in 0..<itemCount { scores[out + item] = Float(globalMean) }
                            continue
                        }
                        sums.update(repeating: 0)
                        relevant.update(repeating: 0)
                        for position in indptr[user]..<indptr[user + 1] {
                            let base = Int(indices[position]) * itemCount
                            // Branch-free: dev is +0 wherever |U_ij| = 0, and adding ±0 to a sum
                            // that starts at +0 changes nothing, so every item can take the term.
                            for item in 0..<itemCount {
                                sums[item] += Double(-devs[base + item])
                                relevant[item] &+= supports[base + item] > 0 ? 1 : 0
                            }
                        }
                        let mean = userMeans[user]
                        for item in 0..<itemCount {
                            scores[out + item] = !knows(item: item, supports) ? Float(globalMean)
                                : Float(relevant[item] > 0 ? mean + sums[item] / Double(relevant[item]) : mean)
                        }
                    }
                }
            }
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: SlopeOne.self)
}
