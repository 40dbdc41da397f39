/// The rating model of Surprise's SVD and NMF (and SVD++'s prediction, with p_u + z_u as the user
/// vectors), evaluated from a plugin's trained state:
///
///     r̂_ui = μ + b_u + b_i + q_iᵀ p_u        (biased = false: r̂_ui = q_iᵀ p_u)
///
/// An unknown user (item) — no training ratings — contributes neither bias nor factors; unbiased
/// with either unknown gives the global mean (Surprise's `PredictionImpossible` fallback).
/// A value type over the plugin's arrays: building one copies nothing.
public struct BiasedFactorModel {
    public var globalMean: Float
    public var biased: Bool
    public var userBias: [Float]
    public var itemBias: [Float]
    public var userFactors: FactorMatrix
    public var itemFactors: FactorMatrix
    /// Training ratings of each item (0: unknown item).
    public var itemCounts: [Int32]

    public init(globalMean: Float, biased: Bool, userBias: [Float], itemBias: [Float],
                userFactors: FactorMatrix, itemFactors: FactorMatrix, itemCounts: [Int32]) {
        self.globalMean = globalMean
        self.biased = biased
        self.userBias = userBias
        self.itemBias = itemBias
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.itemCounts = itemCounts
    }

    @inline(__always)
    public func estimate(_ data: RatingRows, user u: Int, item i: Int) -> Float {
        let knownUser = data.count(ofRow: u) > 0, knownItem = itemCounts[i] > 0
        let dot = knownUser && knownItem
            ? DenseVector.dot(userFactors.row(u), itemFactors.row(i), count: userFactors.stride) : 0
        guard biased else { return knownUser && knownItem ? dot : globalMean }
        var estimate = globalMean
        if knownUser { estimate += userBias[u] }
        if knownItem { estimate += itemBias[i] }
        return estimate + dot
    }

    /// The regularised squared error the SGD steps descend, per training rating:
    /// (1/|R|) Σ_(u,i)∈R [e_ui² + reg_bu b_u² + reg_bi b_i² + reg_pu ‖p_u‖² + reg_qi ‖q_i‖²], with
    /// e_ui = r_ui − (mean + b_u + b_i + q_iᵀp_u) (`mean` is 0 for an unbiased model).
    public func objective(_ data: RatingRows, mean: Float, regBu: Float, regBi: Float, regPu: Float, regQi: Float) -> Double {
        let width = userFactors.stride
        let users = userFactors.base, itemRows = itemFactors.base
        var squared = 0.0, penalty = 0.0
        data.offsets.withUnsafeBufferPointer { indptr in
            data.columns.withUnsafeBufferPointer { items in
                data.ratings.withUnsafeBufferPointer { ratings in
                    userBias.withUnsafeBufferPointer { bu in
                        itemBias.withUnsafeBufferPointer { bi in
                            for u in 0..<data.rowCount where indptr[u] < indptr[u + 1] {
                                let p = users + u * width
                                var userSquared: Float = 0
                                for k in indptr[u]..<indptr[u + 1] {
                                    let i = Int(items[k])
                                    let error = Float(ratings[k]) - (mean + bu[u] + bi[i] + DenseVector.dot(p, itemRows + i * width, count: width))
                                    userSquared += error * error
                                }
                                squared += Double(userSquared)
                                penalty += Double(indptr[u + 1] - indptr[u])
                                    * Double(regBu * bu[u] * bu[u] + regPu * DenseVector.sumOfSquares(p, count: width))
                            }
                            for i in 0..<data.columnCount where itemCounts[i] > 0 {
                                penalty += Double(itemCounts[i])
                                    * Double(regBi * bi[i] * bi[i] + regQi * DenseVector.sumOfSquares(itemRows + i * width, count: width))
                            }
                        }
                    }
                }
            }
        }
        return (squared + penalty) / Double(max(1, data.nonZeroCount))
    }
}

/// Fills the host's predict and score buffers from one per-(user, item) estimate, so a rating
/// plugin writes its model once and both calls agree by construction.
public enum RatingEstimates {
    public static func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                               into ratings: UnsafeMutableBufferPointer<Float>, _ estimate: (Int, Int) -> Float) {
        for k in 0..<users.count { ratings[k] = estimate(Int(users[k]), Int(items[k])) }
    }

    public static func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                             into scores: UnsafeMutableBufferPointer<Float>, _ estimate: (Int, Int) -> Float) {
        for (row, user) in users.enumerated() {
            for item in 0..<itemCount { scores[row * itemCount + item] = estimate(Int(user), item) }
        }
    }
}

extension RatingRows {
    /// Entries in each column (for a users × items matrix: each item's training ratings).
    public func columnCounts() -> [Int32] {
        var counts = [Int32](repeating: 0, count: columnCount)
        for column in columns { counts[Int(column)] += 1 }
        return counts
    }
}
