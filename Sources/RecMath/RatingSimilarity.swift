import RecKit

/// Similarity between all pairs of users (or of items) over their co-rated items (or users), as
/// Surprise 1.1 computes it (`surprise/similarities.pyx`). With x the compared side and y the other,
/// I_xx' the y's rated by both, and only pairs with |I_xx'| ≥ min_support getting a non-zero value:
///
///   msd:      1 / (Σ (r_xy − r_x'y)² / |I_xx'| + 1)
///   cosine:   Σ r_xy r_x'y / √(Σ r_xy² · Σ r_x'y²)
///   pearson:  (n Σ r_xy r_x'y − Σ r_xy Σ r_x'y) / √((n Σ r_xy² − (Σ r_xy)²)(n Σ r_x'y² − (Σ r_x'y)²)),
///             n = |I_xx'|, all sums over I_xx' (so the means are the co-rated means); 0 if the root is 0
///   pearson_baseline: cosine of the residuals r_xy − (μ + b_x + b_y), times
///             (|I_xx'| − 1) / (|I_xx'| − 1 + shrinkage); min_support is raised to at least 2
///
/// The diagonal is 1. Where Surprise would divide by zero (a zero norm) the similarity is 0.
public enum SimilarityMeasure: String, Sendable, CaseIterable {
    case msd, cosine, pearson
    case pearsonBaseline = "pearson_baseline"
}

/// Surprise's `sim_options` dict as flat plugin parameters.
public struct SimilarityOptions: Sendable, Equatable {
    public var measure: SimilarityMeasure
    public var userBased: Bool
    public var minSupport: Int
    public var shrinkage: Double

    public init(measure: SimilarityMeasure = .msd, userBased: Bool = true, minSupport: Int = 1, shrinkage: Double = 100) {
        self.measure = measure
        self.userBased = userBased
        self.minSupport = minSupport
        self.shrinkage = shrinkage
    }

    public static let hyperParameters: [HyperParameter] = [
        HyperParameter("sim_name", .string, default: .string("msd"),
                       choices: SimilarityMeasure.allCases.map { .string($0.rawValue) },
                       doc: "similarity measure between users (or items) over co-rated items (or users)"),
        HyperParameter("user_based", .bool, default: .bool(true),
                       doc: "true: similarities between users; false: between items"),
        HyperParameter("min_support", .int, default: .int(1), min: 1, max: 1e9,
                       doc: "fewest common ratings for a non-zero similarity"),
        HyperParameter("shrinkage", .float, default: .float(100), min: 0, max: 1e9,
                       doc: "pearson_baseline only: shrinks a similarity by (n-1)/(n-1+shrinkage), n = common ratings"),
    ]

    public init(parameters: PluginParameters) throws {
        let name = try parameters.string("sim_name")
        guard let measure = SimilarityMeasure(rawValue: name) else {
            throw PluginError("sim_name must be one of msd, cosine, pearson, pearson_baseline; got \(name)")
        }
        self.init(measure: measure, userBased: try parameters.bool("user_based"),
                  minSupport: try parameters.int("min_support"), shrinkage: try parameters.double("shrinkage"))
    }
}

/// A dense symmetric n × n similarity matrix, row-major.
public struct SimilarityMatrix: Sendable {
    public let count: Int
    public let values: [Double]

    public init(count: Int, values: [Double]) {
        precondition(values.count == count * count, "a similarity matrix needs count² values")
        self.count = count
        self.values = values
    }

    @inlinable public subscript(a: Int, b: Int) -> Double { values[a * count + b] }
}

public enum RatingSimilarity {
    /// Largest n for which a dense n × n matrix is built (20 000² doubles = 3.2 GB).
    public static let maximumCount = 20_000

    /// Similarities between the rows of `xMajor` (x = users for user-based, items for item-based),
    /// from `yMajor`, its transpose (`xMajor.transposed()`). `baselines` are needed for
    /// pearson_baseline: (μ, b_x per x, b_y per y).
    ///
    /// Cost: one step per co-rating pair (x, x') with x < x' — Surprise visits each pair twice,
    /// accumulating into six dense n × n buffers; here the sums of one row x live in n-long
    /// buffers that are reset after the row is finished, so memory is the result matrix plus O(n).
    public static func compute(
        _ measure: SimilarityMeasure, xMajor: RatingRows, yMajor: RatingRows, minSupport: Int,
        shrinkage: Double = 100, baselines: (globalMean: Double, x: [Double], y: [Double])? = nil
    ) throws -> SimilarityMatrix {
        let n = xMajor.rowCount
        guard xMajor.columnCount == yMajor.rowCount, yMajor.columnCount == n,
              xMajor.nonZeroCount == yMajor.nonZeroCount else {
            throw PluginError("similarity: yMajor is not the transpose of xMajor")
        }
        guard n <= maximumCount else {
            let gigabytes = Double(n) * Double(n) * 8 / 1e9
            throw PluginError("a dense \(n) × \(n) similarity matrix would need \((gigabytes * 10).rounded() / 10) GB; "
                              + "similarities are computed for at most \(maximumCount) users or items — "
                              + "switch user_based or use a model without a full similarity matrix")
        }
        // Values the sums run over: the ratings, or for pearson_baseline their baseline residuals.
        var values = yMajor.ratings
        var support = minSupport
        if measure == .pearsonBaseline {
            guard let baselines, baselines.x.count == n, baselines.y.count == yMajor.rowCount else {
                throw PluginError("pearson_baseline needs baselines for every user and item")
            }
            values = yMajor.mapRatings { y, x, r in r - (baselines.globalMean + baselines.y[y] + baselines.x[x]) }.ratings
            support = max(2, minSupport)
        }

        var sim = [Double](repeating: 0, count: n * n)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 5 * max(n, 1))
        sums.initialize(repeating: 0, count: 5 * max(n, 1))
        let freq = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
        freq.initialize(repeating: 0, count: max(n, 1))
        defer {
            sums.deallocate()
            freq.deallocate()
        }
        // prods[x'] = Σ r_x r_x', sqi = Σ r_x², sqj = Σ r_x'², si = Σ r_x, sj = Σ r_x'; msd uses prods for Σ (r_x − r_x')².
        let prods = sums, sqi = sums + n, sqj = sums + 2 * n, si = sums + 3 * n, sj = sums + 4 * n
        // cursor[y]: position of the current x in y's list. Rows x are visited in ascending order and
        // every y's list is sorted by x, so the entries after the cursor are exactly the x' > x.
        var cursor = Array(yMajor.offsets.dropLast())

        xMajor.offsets.withUnsafeBufferPointer { xOffsets in
        xMajor.columns.withUnsafeBufferPointer { xColumns in
        yMajor.offsets.withUnsafeBufferPointer { yOffsets in
        yMajor.columns.withUnsafeBufferPointer { yColumns in
        values.withUnsafeBufferPointer { values in
        cursor.withUnsafeMutableBufferPointer { cursor in
        sim.withUnsafeMutableBufferPointer { sim in
            for x in 0..<n {
                for k in xOffsets[x]..<xOffsets[x + 1] {
                    let y = Int(xColumns[k])
                    let p = cursor[y]
                    cursor[y] = p + 1
                    let ri = values[p]
                    let end = yOffsets[y + 1]
                    guard p + 1 < end else { continue }
                    switch measure {
                    case .msd:
                        for q in (p + 1)..<end {
                            let other = Int(yColumns[q]), d = ri - values[q]
                            freq[other] &+= 1
                            prods[other] += d * d
                        }
                    case .cosine, .pearsonBaseline:
                        for q in (p + 1)..<end {
                            let other = Int(yColumns[q]), rj = values[q]
                            freq[other] &+= 1
                            prods[other] += ri * rj
                            sqi[other] += ri * ri
                            sqj[other] += rj * rj
                        }
                    case .pearson:
                        for q in (p + 1)..<end {
                            let other = Int(yColumns[q]), rj = values[q]
                            freq[other] &+= 1
                            prods[other] += ri * rj
                            sqi[other] += ri * ri
                            sqj[other] += rj * rj
                            si[other] += ri
                            sj[other] += rj
                        }
                    }
                }
                sim[x * n + x] = 1
                for other in (x + 1)..<n {
                    let f = Int(freq[other])
                    var value = 0.0
                    if f >= support {
                        switch measure {
                        case .msd:
                            value = 1 / (prods[other] / Double(f) + 1)
                        case .cosine:
                            let denominator = (sqi[other] * sqj[other]).squareRoot()
                            value = denominator == 0 ? 0 : prods[other] / denominator
                        case .pearson:
                            let nf = Double(f)
                            let numerator = nf * prods[other] - si[other] * sj[other]
                            let denominator = ((nf * sqi[other] - si[other] * si[other])
                                               * (nf * sqj[other] - sj[other] * sj[other])).squareRoot()
                            value = denominator == 0 ? 0 : numerator / denominator
                        case .pearsonBaseline:
                            let denominator = (sqi[other] * sqj[other]).squareRoot()
                            value = denominator == 0 ? 0
                                : prods[other] / denominator * (Double(f - 1) / (Double(f - 1) + shrinkage))
                        }
                    }
                    sim[x * n + other] = value
                    sim[other * n + x] = value
                    freq[other] = 0
                    prods[other] = 0
                    sqi[other] = 0
                    sqj[other] = 0
                    si[other] = 0
                    sj[other] = 0
                }
            }
        }}}}}}}
        return SimilarityMatrix(count: n, values: sim)
    }
}
