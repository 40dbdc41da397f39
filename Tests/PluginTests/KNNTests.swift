import RecKit
import RecMath
import Testing

/// KNNBasic, KNNWithMeans, KNNWithZScore and KNNBaseline on a matrix small enough to work by hand,
/// and the similarity kernel (RecMath's `RatingSimilarity`) they share.
///
///          i0  i1  i2  i3  i4
///     u0    4   2   ·   5   ·      μ_u0 = 11/3   σ_u0 = √14/3
///     u1    5   1   3   ·   ·      μ_u1 = 3      σ_u1 = √(8/3)
///     u2    2   4   1   ·   ·      μ_u2 = 7/3    σ_u2 = √14/3
///     u3    ·   ·   4   2   ·      μ_u3 = 3      σ_u3 = 1
///
///     μ_i0 = 11/3, μ_i1 = 7/3, μ_i2 = 8/3, μ_i3 = 7/2;  σ_i0 = σ_i1 = σ_i2 = √14/3, σ_i3 = 3/2
///     (σ is the population standard deviation, e.g. σ_u0² = ((1/3)² + (5/3)² + (4/3)²)/3 = 14/9.)
///
/// Item i4 has no ratings. Global mean μ = 33/11 = 3. Every prediction below is for (u0, i2).
///
/// User-based, the raters of i2 are u1 (r = 3), u2 (r = 1), u3 (r = 4); similarity to u0 over the
/// co-rated items (u0–u1 and u0–u2 share i0, i1; u0–u3 share i3):
///     msd:     u1: 1/((1² + 1²)/2 + 1) = 1/2    u2: 1/((2² + 2²)/2 + 1) = 1/5    u3: 1/(3²/1 + 1) = 1/10
///     cosine:  u1: (4·5 + 2·1)/√((16+4)(25+1)) = 22/√520 ≈ 0.964764
///              u2: (4·2 + 2·4)/√((16+4)(4+16)) = 16/20 = 0.8                  u3: 5·2/√(25·4) = 1
///     pearson: u1: co-rated means 3, 3; deviations (1, −1), (2, −2) → 4/√(2·8) = 1
///              u2: deviations (1, −1), (−1, 1) → −2/√(2·2) = −1   (dropped: not positive)
///              u3: one common item → zero denominator → 0      (dropped)
/// Item-based, u0 rated i0 (r = 4), i1 (r = 2), i3 (r = 5); similarity to i2 (raters u1: 3, u2: 1, u3: 4):
///     msd:     i0: 1/(((3−5)² + (1−2)²)/2 + 1) = 1/3.5 = 2/7   i1: 1/((2² + 3²)/2 + 1) = 2/15   i3: 1/(2² + 1) = 1/5
///     cosine:  i0: (3·5 + 1·2)/√(10·29) = 17/√290 ≈ 0.998274  i1: (3·1 + 1·4)/√(10·17) = 7/√170 ≈ 0.536875
///              i3: 4·2/√(16·4) = 1
///     pearson: i0: deviations (1, −1), (1.5, −1.5) → 1;  i1: (1, −1), (−1.5, 1.5) → −1;  i3: one common user → 0
///
/// KNNBaseline runs one ALS epoch with reg_i = reg_u = 1 (bsl_n_epochs 1, bsl_reg_i 1, bsl_reg_u 1):
///     items (b_u = 0):  b_i0 = (1 + 2 − 1)/(1+3) = 1/2    b_i1 = (−1 − 2 + 1)/4 = −1/2
///                       b_i2 = (0 − 2 + 1)/4 = −1/4       b_i3 = (2 − 1)/(1+2) = 1/3      b_i4 = 0
///     users:            b_u0 = ((1 − 1/2) + (−1 + 1/2) + (2 − 1/3))/(1+3) = (5/3)/4 = 5/12
///                       b_u1 = ((2 − 1/2) + (−2 + 1/2) + (0 + 1/4))/4 = 1/16
///                       b_u2 = ((−1 − 1/2) + (1 + 1/2) + (−2 + 1/4))/4 = −7/16
///                       b_u3 = ((1 + 1/4) + (−1 − 1/3))/(1+2) = −1/36
///     b_u0,i2 = 3 + 5/12 − 1/4 = 19/6
@Suite("KNN")
struct KNNTests {
    static let triples: [(Int32, Int32, Float)] = [
        (0, 0, 4), (0, 1, 2), (0, 3, 5),
        (1, 0, 5), (1, 1, 1), (1, 2, 3),
        (2, 0, 2), (2, 1, 4), (2, 2, 1),
        (3, 2, 4), (3, 3, 2),
    ]

    static func train() throws -> CSRMatrix { try PluginHarness.matrix(users: 4, items: 5, triples) }

    static let baselineOptions: [String: ParameterValue] = [
        "bsl_n_epochs": .int(1), "bsl_reg_i": .float(1), "bsl_reg_u": .float(1),
    ]

    static func predict(_ name: String, _ parameters: [String: ParameterValue], _ pairs: [(Int32, Int32)]) throws -> [Float] {
        var given = parameters
        if name == "KNNBaseline" { given.merge(baselineOptions) { own, _ in own } }
        let fitted = try PluginHarness.fit(try PluginHarness.load(name), given, train: train())
        return try PluginHarness.predict(fitted.model, pairs)
    }

    // MARK: - Similarities (RecMath), checked by hand

    static func rows() throws -> (byUser: RatingRows, byItem: RatingRows) {
        let byUser = try train().withView { RatingRows($0) }
        return (byUser, byUser.transposed())
    }

    @Test("msd, cosine and pearson similarities between users and between items")
    func similaritiesByHand() throws {
        let (byUser, byItem) = try Self.rows()
        func users(_ measure: SimilarityMeasure, minSupport: Int = 1) throws -> SimilarityMatrix {
            try RatingSimilarity.compute(measure, xMajor: byUser, yMajor: byItem, minSupport: minSupport)
        }
        func items(_ measure: SimilarityMeasure) throws -> SimilarityMatrix {
            try RatingSimilarity.compute(measure, xMajor: byItem, yMajor: byUser, minSupport: 1)
        }
        let expectations: [(Double, Double)] = [
            // users, as in the suite's comment
            (try users(.msd)[0, 1], 1.0 / 2), (try users(.msd)[0, 2], 1.0 / 5), (try users(.msd)[3, 0], 1.0 / 10),
            (try users(.cosine)[0, 1], 22 / (520.0).squareRoot()), (try users(.cosine)[2, 0], 0.8),
            (try users(.cosine)[0, 3], 1),
            (try users(.pearson)[0, 1], 1), (try users(.pearson)[0, 2], -1), (try users(.pearson)[0, 3], 0),
            // u1–u2 share i0, i1, i2: (5, 1, 3) and (2, 4, 1)
            //   msd: (3² + 3² + 2²)/3 = 22/3 → 1/(22/3 + 1) = 3/25
            //   pearson: n = 3, Σxy = 10 + 4 + 3 = 17, Σx = 9, Σy = 7, Σx² = 35, Σy² = 21
            //            (3·17 − 9·7)/√((3·35 − 81)(3·21 − 49)) = −12/√336 ≈ −0.654654
            (try users(.msd)[1, 2], 3.0 / 25), (try users(.pearson)[2, 1], -12 / (336.0).squareRoot()),
            // u0 and u3 share only i3: with min_support 2 they get 0; u0–u3 never co-rate i4 (nobody does)
            (try users(.msd, minSupport: 2)[0, 3], 0), (try users(.msd, minSupport: 2)[0, 1], 1.0 / 2),
            // the diagonal is 1 (Surprise's convention), even for a measure that would give 0 there
            (try users(.pearson)[3, 3], 1),
            // items, as in the suite's comment
            (try items(.msd)[2, 0], 2.0 / 7), (try items(.msd)[2, 1], 2.0 / 15), (try items(.msd)[2, 3], 1.0 / 5),
            (try items(.cosine)[2, 0], 17 / (290.0).squareRoot()), (try items(.cosine)[1, 2], 7 / (170.0).squareRoot()),
            (try items(.pearson)[2, 0], 1), (try items(.pearson)[2, 1], -1), (try items(.pearson)[2, 3], 0),
            // i0–i1 share u0, u1, u2: (4, 5, 2) and (2, 1, 4)
            //   msd: (2² + 4² + 2²)/3 = 8 → 1/9;  cosine: (8 + 5 + 8)/√(45·21) = 21/√945 ≈ 0.683130
            (try items(.msd)[0, 1], 1.0 / 9), (try items(.cosine)[1, 0], 21 / (945.0).squareRoot()),
            // i4 has no ratings: similarity 0 to everything
            (try items(.msd)[4, 0], 0), (try items(.cosine)[2, 4], 0),
        ]
        for (got, want) in expectations { #expect(abs(got - want) < 1e-12, "got \(got), want \(want)") }
    }

    /// pearson_baseline between u1 and u2 (common i0, i1, i2) with the one-epoch baselines of the
    /// suite's comment (μ = 3, b_u1 = 1/16, b_u2 = −7/16, b_i0 = 1/2, b_i1 = −1/2, b_i2 = −1/4):
    ///     residuals r − (μ + b_u + b_i), in sixteenths:
    ///       u1: 5 − 57/16 = 23/16,  1 − 41/16 = −25/16,  3 − 45/16 = 3/16
    ///       u2: 2 − 49/16 = −17/16, 4 − 33/16 = 31/16,   1 − 37/16 = −21/16
    ///     Σ products = (−391 − 775 − 63)/256 = −1229/256;  Σ squares 1163/256 and 1691/256
    ///     ρ = −1229/√(1163·1691) ≈ −0.876375;  shrunk: ρ · (3 − 1)/(3 − 1 + 100) ≈ −0.0171838
    /// u0–u3 share one item: below pearson_baseline's minimum support of 2 even with min_support 1.
    @Test("pearson_baseline with shrinkage, and its minimum support of 2")
    func pearsonBaselineByHand() throws {
        let (byUser, byItem) = try Self.rows()
        let baselines = (globalMean: 3.0, x: [5.0 / 12, 1.0 / 16, -7.0 / 16, -1.0 / 36], y: [0.5, -0.5, -0.25, 1.0 / 3, 0])
        let shrunk = try RatingSimilarity.compute(.pearsonBaseline, xMajor: byUser, yMajor: byItem, minSupport: 1,
                                                  shrinkage: 100, baselines: baselines)
        let plain = try RatingSimilarity.compute(.pearsonBaseline, xMajor: byUser, yMajor: byItem, minSupport: 1,
                                                 shrinkage: 0, baselines: baselines)
        let rho = -1229 / (1163.0 * 1691).squareRoot()
        #expect(abs(plain[1, 2] - rho) < 1e-12)
        #expect(abs(shrunk[2, 1] - rho * 2 / 102) < 1e-12)
        #expect(shrunk[0, 3] == 0)
    }

    @Test("a similarity matrix too large for memory is refused with a clear error")
    func refusesHugeMatrix() throws {
        let n = RatingSimilarity.maximumCount + 1
        let xMajor = RatingRows(rowCount: n, columnCount: 1, offsets: [Int](repeating: 0, count: n + 1),
                                columns: [], ratings: [])
        #expect(throws: PluginError.self) {
            try RatingSimilarity.compute(.msd, xMajor: xMajor, yMajor: xMajor.transposed(), minSupport: 1)
        }
    }

    // MARK: - Predictions for (u0, i2), worked by hand

    struct Case: Sendable, CustomTestStringConvertible {
        var plugin: String
        var parameters: [String: ParameterValue]
        var expected: Double
        var testDescription: String {
            "\(plugin) " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    static let msdUser: [String: ParameterValue] = ["sim_name": .string("msd")]
    static let cosineUser: [String: ParameterValue] = ["sim_name": .string("cosine")]
    static let pearsonUser: [String: ParameterValue] = ["sim_name": .string("pearson")]
    static let msdItem: [String: ParameterValue] = ["sim_name": .string("msd"), "user_based": .bool(false)]
    static let cosineItem: [String: ParameterValue] = ["sim_name": .string("cosine"), "user_based": .bool(false)]
    static let pearsonItem: [String: ParameterValue] = ["sim_name": .string("pearson"), "user_based": .bool(false)]

    static let c = 22 / (520.0).squareRoot()   // cosine(u0, u1)
    static let a = 17 / (290.0).squareRoot()   // cosine(i2, i0)
    static let b = 7 / (170.0).squareRoot()    // cosine(i2, i1)
    static let r14 = (14.0).squareRoot()

    static let cases: [Case] = [
        // ---- user-based; neighbours u1, u2, u3 ----
        // KNNBasic, msd: (½·3 + ⅕·1 + ⅒·4)/(½ + ⅕ + ⅒) = 2.1/0.8 = 2.625
        Case(plugin: "KNNBasic", parameters: msdUser, expected: 2.625),
        // KNNBasic, cosine: (3c + 0.8·1 + 1·4)/(c + 1.8) ≈ 2.782983
        Case(plugin: "KNNBasic", parameters: cosineUser, expected: (3 * c + 4.8) / (c + 1.8)),
        // KNNBasic, pearson: only u1 (sim 1) → 3
        Case(plugin: "KNNBasic", parameters: pearsonUser, expected: 3),
        // KNNWithMeans, msd: r − μ_v = 0, −4/3, 1 → 11/3 + (0 − 4/15 + 1/10)/0.8 = 11/3 − 5/24 = 83/24 ≈ 3.458333
        Case(plugin: "KNNWithMeans", parameters: msdUser, expected: 83.0 / 24),
        // KNNWithMeans, cosine: 11/3 + (0 + 0.8·(−4/3) + 1)/(c + 1.8) = 11/3 − (1/15)/(c + 1.8) ≈ 3.642554
        Case(plugin: "KNNWithMeans", parameters: cosineUser, expected: 11.0 / 3 - (1.0 / 15) / (c + 1.8)),
        // KNNWithMeans, pearson: 11/3 + 1·0/1 = 11/3
        Case(plugin: "KNNWithMeans", parameters: pearsonUser, expected: 11.0 / 3),
        // KNNWithZScore, msd: z_v = 0, (−4/3)/(√14/3) = −4/√14, 1/1 = 1
        //   11/3 + (√14/3)(−0.8/√14 + 0.1)/0.8 = 11/3 − 1/3 + √14/24 = 10/3 + √14/24 ≈ 3.489236
        Case(plugin: "KNNWithZScore", parameters: msdUser, expected: 10.0 / 3 + r14 / 24),
        // KNNWithZScore, cosine: 11/3 + (√14/3)(0.8·(−4/√14) + 1)/(c + 1.8) = 11/3 + (√14 − 3.2)/3/(c + 1.8) ≈ 3.731972
        Case(plugin: "KNNWithZScore", parameters: cosineUser, expected: 11.0 / 3 + (r14 - 3.2) / 3 / (c + 1.8)),
        // KNNWithZScore, pearson: 11/3 + σ_u0 · 0 = 11/3
        Case(plugin: "KNNWithZScore", parameters: pearsonUser, expected: 11.0 / 3),
        // KNNBaseline: residuals r − b_vi2: u1 3 − (3 + 1/16 − 1/4) = 3/16; u2 1 − (3 − 7/16 − 1/4) = −21/16;
        //   u3 4 − (3 − 1/36 − 1/4) = 23/18
        // msd: 19/6 + (3/32 − 21/80 + 23/180)/0.8 = 19/6 + (−59/1440)/0.8 = 19/6 − 59/1152 ≈ 3.115451
        Case(plugin: "KNNBaseline", parameters: msdUser, expected: 19.0 / 6 - 59.0 / 1152),
        // cosine: 19/6 + (3c/16 − 0.8·21/16 + 23/18)/(c + 1.8) ≈ 3.314481
        Case(plugin: "KNNBaseline", parameters: cosineUser,
             expected: 19.0 / 6 + (3 * c / 16 - 0.8 * 21 / 16 + 23.0 / 18) / (c + 1.8)),
        // pearson: 19/6 + 3/16 = 161/48 ≈ 3.354167
        Case(plugin: "KNNBaseline", parameters: pearsonUser, expected: 161.0 / 48),

        // ---- item-based; neighbours i0 (r = 4), i1 (r = 2), i3 (r = 5); Σ msd sims = 2/7 + 2/15 + 1/5 = 13/21 ----
        // KNNBasic, msd: (8/7 + 4/15 + 1)/(13/21) = (253/105)/(65/105) = 253/65 ≈ 3.892308
        Case(plugin: "KNNBasic", parameters: msdItem, expected: 253.0 / 65),
        // KNNBasic, cosine: (4a + 2b + 5)/(a + b + 1) ≈ 3.970909
        Case(plugin: "KNNBasic", parameters: cosineItem, expected: (4 * a + 2 * b + 5) / (a + b + 1)),
        // KNNBasic, pearson: only i0 (sim 1) → 4
        Case(plugin: "KNNBasic", parameters: pearsonItem, expected: 4),
        // KNNWithMeans: r_u0j − μ_j = 4 − 11/3 = 1/3, 2 − 7/3 = −1/3, 5 − 7/2 = 3/2; base μ_i2 = 8/3
        // msd: 8/3 + (2/21 − 2/45 + 3/10)/(13/21) = 8/3 + (221/630)(21/13) = 8/3 + 17/30 = 97/30 ≈ 3.233333
        Case(plugin: "KNNWithMeans", parameters: msdItem, expected: 97.0 / 30),
        // cosine: 8/3 + (a/3 − b/3 + 3/2)/(a + b + 1) ≈ 3.319015
        Case(plugin: "KNNWithMeans", parameters: cosineItem, expected: 8.0 / 3 + (a / 3 - b / 3 + 1.5) / (a + b + 1)),
        // pearson: 8/3 + 1/3 = 3
        Case(plugin: "KNNWithMeans", parameters: pearsonItem, expected: 3),
        // KNNWithZScore: z_j = (1/3)/(√14/3) = 1/√14, −1/√14, (3/2)/(3/2) = 1; base 8/3 + σ_i2·(…), σ_i2 = √14/3
        // msd: 8/3 + (√14/3)((2/7 − 2/15)/√14 + 1/5)(21/13) = 8/3 + (16/315 + √14/15)(21/13) = 8/3 + 16/195 + 7√14/65 ≈ 3.151666
        Case(plugin: "KNNWithZScore", parameters: msdItem, expected: 8.0 / 3 + 16.0 / 195 + 7 * r14 / 65),
        // cosine: 8/3 + (√14/3)((a − b)/√14 + 1)/(a + b + 1) = 8/3 + (a − b + √14)/3/(a + b + 1) ≈ 3.219304
        Case(plugin: "KNNWithZScore", parameters: cosineItem, expected: 8.0 / 3 + (a - b + r14) / 3 / (a + b + 1)),
        // pearson: 8/3 + (√14/3)(1/√14) = 3
        Case(plugin: "KNNWithZScore", parameters: pearsonItem, expected: 3),
        // KNNBaseline: r_u0j − b_u0j = 4 − (3 + 5/12 + 1/2) = 1/12, 2 − (3 + 5/12 − 1/2) = −11/12, 5 − (3 + 5/12 + 1/3) = 5/4
        // msd: 19/6 + (1/42 − 11/90 + 1/4)/(13/21) = 19/6 + (191/1260)(21/13) = 19/6 + 191/780 ≈ 3.411538
        Case(plugin: "KNNBaseline", parameters: msdItem, expected: 19.0 / 6 + 191.0 / 780),
        // cosine: 19/6 + (a/12 − 11b/12 + 5/4)/(a + b + 1) ≈ 3.498424
        Case(plugin: "KNNBaseline", parameters: cosineItem,
             expected: 19.0 / 6 + (a / 12 - 11 * b / 12 + 1.25) / (a + b + 1)),
        // pearson: 19/6 + 1/12 = 13/4
        Case(plugin: "KNNBaseline", parameters: pearsonItem, expected: 3.25),

        // ---- k = 2 keeps the two most similar: msd, user-based, u1 (½) and u2 (⅕) ----
        // KNNBasic: (½·3 + ⅕·1)/0.7 = 17/7 ≈ 2.428571
        Case(plugin: "KNNBasic", parameters: msdUser.merging(["k": .int(2)]) { $1 }, expected: 17.0 / 7),

        // ---- fewer than min_k neighbours: each variant's fallback ----
        // min_k 4, msd (3 neighbours): KNNBasic → global mean 3; WithMeans/ZScore → μ_u0 = 11/3 (μ_i2 = 8/3
        // item-based); KNNBaseline → b_u0,i2 = 19/6
        Case(plugin: "KNNBasic", parameters: msdUser.merging(["min_k": .int(4)]) { $1 }, expected: 3),
        Case(plugin: "KNNWithMeans", parameters: msdUser.merging(["min_k": .int(4)]) { $1 }, expected: 11.0 / 3),
        Case(plugin: "KNNWithZScore", parameters: msdUser.merging(["min_k": .int(4)]) { $1 }, expected: 11.0 / 3),
        Case(plugin: "KNNBaseline", parameters: msdUser.merging(["min_k": .int(4)]) { $1 }, expected: 19.0 / 6),
        Case(plugin: "KNNBasic", parameters: msdItem.merging(["min_k": .int(4)]) { $1 }, expected: 3),
        Case(plugin: "KNNWithMeans", parameters: msdItem.merging(["min_k": .int(4)]) { $1 }, expected: 8.0 / 3),
        Case(plugin: "KNNWithZScore", parameters: msdItem.merging(["min_k": .int(4)]) { $1 }, expected: 8.0 / 3),
        Case(plugin: "KNNBaseline", parameters: msdItem.merging(["min_k": .int(4)]) { $1 }, expected: 19.0 / 6),
        // min_k 2, pearson, item-based: three rated items but only i0 has a positive similarity → fallback
        // (with i0 alone they would give 4, 3, 3 and 13/4)
        Case(plugin: "KNNBasic", parameters: pearsonItem.merging(["min_k": .int(2)]) { $1 }, expected: 3),
        Case(plugin: "KNNWithMeans", parameters: pearsonItem.merging(["min_k": .int(2)]) { $1 }, expected: 8.0 / 3),
        Case(plugin: "KNNWithZScore", parameters: pearsonItem.merging(["min_k": .int(2)]) { $1 }, expected: 8.0 / 3),
        Case(plugin: "KNNBaseline", parameters: pearsonItem.merging(["min_k": .int(2)]) { $1 }, expected: 19.0 / 6),
    ]

    @Test("prediction for (u0, i2) worked by hand", arguments: cases)
    func prediction(_ example: Case) throws {
        let got = try Self.predict(example.plugin, example.parameters, [(0, 2)])[0]
        #expect(abs(Double(got) - example.expected) < 1e-5, "got \(got), want \(example.expected)")
    }

    @Test("equal similarities: the neighbour earlier in the item's list (lower id) is kept, as heapq.nlargest does")
    func tieGoesToEarlierNeighbour() throws {
        // u0: i0 = 3;  u1: i0 = 3, i1 = 5;  u2: i0 = 3, i1 = 1.  msd(u0, u1) = msd(u0, u2) = 1/(0 + 1) = 1.
        // k = 1 keeps u1 → r̂(u0, i1) = 5 (u2 alone would give 1, both 3).
        let train = try PluginHarness.matrix(users: 3, items: 2, [(0, 0, 3), (1, 0, 3), (1, 1, 5), (2, 0, 3), (2, 1, 1)])
        let fitted = try PluginHarness.fit(try PluginHarness.load("KNNBasic"), ["k": .int(1)], train: train)
        #expect(try PluginHarness.predict(fitted.model, [(0, 1)]) == [5])
    }

    @Test("score: the pair as predict; an item without ratings gets the variant's fallback", arguments: [
        ("KNNBasic", 3.0), ("KNNWithMeans", 3.0), ("KNNWithZScore", 3.0), ("KNNBaseline", 3 + 5.0 / 12),
    ])
    func score(plugin: String, unknownItem: Double) throws {
        var parameters: [String: ParameterValue] = [:]
        if plugin == "KNNBaseline" { parameters = Self.baselineOptions }
        let model = try PluginHarness.fit(try PluginHarness.load(plugin), parameters, train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [0, 3], itemCount: 5)
        // (u0, i4): i4 has no ratings → Surprise's PredictionImpossible → global mean 3, except KNNBaseline:
        // μ + b_u0 + 0 = 3 + 5/12.
        #expect(abs(Double(scores[4]) - unknownItem) < 1e-5)
        var pairs: [(Int32, Int32)] = []
        for user: Int32 in [0, 3] { for item: Int32 in 0..<5 { pairs.append((user, item)) } }
        #expect(try PluginHarness.predict(model, pairs) == scores)
    }

    @Test("manifests: Surprise's names and the defaults of k, min_k, sim_options and bsl_options",
          arguments: ["KNNBasic", "KNNWithMeans", "KNNWithZScore", "KNNBaseline"])
    func manifest(plugin: String) throws {
        let manifest = try PluginHarness.load(plugin).manifest
        #expect(manifest.name == plugin)
        #expect(manifest.version == "1.0.0")
        #expect(Set(manifest.capabilities) == [.ratingPrediction, .implicitRanking])
        // Defaults as the host resolves them (the manifest's JSON writes a float 10.0 as 10).
        let defaults = try PluginParameters.resolve([:], against: manifest).parameters.values
        #expect(defaults == [
            "k": .int(40), "min_k": .int(1),
            "sim_name": .string("msd"), "user_based": .bool(true), "min_support": .int(1), "shrinkage": .float(100),
            "bsl_method": .string("als"), "bsl_n_epochs": .int(-1), "bsl_reg_i": .float(10), "bsl_reg_u": .float(15),
            "bsl_learning_rate": .float(0.005), "bsl_reg": .float(0.02),
        ])
    }

    @Test("KNNBaseline logs one line per baseline epoch (ALS: 10 by default), with a non-increasing loss")
    func baselineEpochsLogged() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("KNNBaseline"), train: Self.train())
        let epochs = fitted.log.filter { $0.hasPrefix("epoch ") }
        #expect(epochs.count == 10)
        #expect(epochs.first?.hasPrefix("epoch 1/10 loss ") == true)
        let losses = BaselineOnlyTests.losses(epochs)
        for (before, after) in zip(losses, losses.dropFirst()) { #expect(after <= before + 1e-12) }
    }
}
