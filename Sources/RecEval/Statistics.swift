import Foundation
import RecMath

/// Statistics between models on per-user metric values (issue 4): paired t-test, Wilcoxon
/// signed-rank test, Holm and Benjamini–Hochberg adjusted p-values, bootstrap confidence intervals,
/// paired effect size, and mean ± sample standard deviation across seeds or folds.
///
/// Pure functions: no I/O, no global state; the bootstrap draws from a `SeededGenerator`, so a
/// seed gives the same interval on every platform.
///
/// Every test is checked against scipy 1.17 / statsmodels 0.15 on fixed vectors
/// (`scripts/statistics_crosscheck.py`, `Tests/RecEvalTests/StatisticsTests.swift`).
/// Paired inputs are two equal-length arrays `a`, `b` (one value per user, same user order);
/// differences are d_i = a_i − b_i, so a positive statistic means `a` scores higher.
public enum Statistics {

    // MARK: - Mean ± sample standard deviation

    public struct Summary: Sendable, Equatable {
        public var count: Int
        /// mean = Σ x_i / n   (NaN when n = 0)
        public var mean: Double
        /// s = sqrt( Σ (x_i − mean)² / (n − 1) )   (sample standard deviation, numpy's `ddof=1`;
        /// NaN when n < 2, as numpy gives)
        public var standardDeviation: Double
    }

    /// Mean ± sample standard deviation, e.g. of one metric across seeds or folds. Two-pass
    /// (the mean first, then the squared deviations from it), both sums compensated (Neumaier),
    /// so tens of thousands of per-user values lose no digits to summation order.
    public static func summary(_ values: [Double]) -> Summary {
        let n = values.count
        guard n > 0 else { return Summary(count: 0, mean: .nan, standardDeviation: .nan) }
        let mean = compensatedSum(values) / Double(n)
        guard n > 1 else { return Summary(count: 1, mean: mean, standardDeviation: .nan) }
        let squares = compensatedSum(values.lazy.map { ($0 - mean) * ($0 - mean) })
        return Summary(count: n, mean: mean, standardDeviation: (squares / Double(n - 1)).squareRoot())
    }

    /// Σ x by Neumaier's variant of Kahan summation (error independent of n to first order).
    static func compensatedSum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
        var sum = 0.0, compensation = 0.0
        for x in values {
            let t = sum + x
            compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
            sum = t
        }
        return sum + compensation
    }

    // MARK: - Paired t-test

    public struct PairedTTest: Sendable, Equatable {
        /// t = mean(d) / ( s_d / √n ), s_d the sample standard deviation of the differences.
        public var t: Double
        /// ν = n − 1 (0 when n ≤ 1).
        public var degreesOfFreedom: Int
        /// Two-sided p = P(|T_ν| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
        public var pValue: Double
        /// mean(d) = mean(a − b).
        public var meanDifference: Double
    }

    /// Paired (dependent-samples) t-test, two-sided, as `scipy.stats.ttest_rel(a, b)`:
    ///
    ///     d_i = a_i − b_i,  t = mean(d) / (s_d / √n),  ν = n − 1,
    ///     p = 2·P(T_ν ≥ |t|) = I_x(ν/2, 1/2) with x = ν / (ν + t²)
    ///
    /// where I_x is the regularized incomplete beta function. Edge cases follow scipy: all
    /// differences equal and non-zero → t = ±∞, p = 0; all differences zero (identical vectors)
    /// → t = NaN, p = NaN; n < 2 → NaN.
    public static func pairedTTest(_ a: [Double], _ b: [Double]) -> PairedTTest {
        precondition(a.count == b.count, "paired samples differ in length")
        let d = zip(a, b).map { $0 - $1 }
        let n = d.count
        let s = summary(d)
        guard n >= 2 else {
            return PairedTTest(t: .nan, degreesOfFreedom: max(n - 1, 0), pValue: .nan, meanDifference: s.mean)
        }
        let t = s.mean / (s.standardDeviation / Double(n).squareRoot())
        let p = t.isNaN ? Double.nan : studentTTwoSidedP(t, degreesOfFreedom: Double(n - 1))
        return PairedTTest(t: t, degreesOfFreedom: n - 1, pValue: p, meanDifference: s.mean)
    }

    /// Two-sided tail probability of Student's t: P(|T_ν| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
    /// Both x = ν/(ν+t²) and 1 − x = t²/(ν+t²) are formed directly, never as a difference, so
    /// small p-values keep their relative accuracy.
    public static func studentTTwoSidedP(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        if t.isInfinite { return 0 }
        let t2 = t * t
        return incompleteBeta(x: nu / (nu + t2), y: t2 / (nu + t2), a: nu / 2, b: 0.5)
    }

    /// Student's t cumulative distribution function: F(t) = ½·I_x(ν/2, ½) for t ≤ 0 and
    /// 1 − ½·I_x(ν/2, ½) for t > 0, x = ν/(ν+t²).
    public static func studentTCDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let tail = studentTTwoSidedP(t, degreesOfFreedom: nu) / 2
        return t <= 0 ? tail : 1 - tail
    }

    // MARK: - Regularized incomplete beta

    /// I_x(a, b) = B(x; a, b) / B(a, b) = (1 / B(a, b)) ∫_0^x t^(a−1) (1 − t)^(b−1) dt.
    ///
    /// Evaluated by the continued fraction BFRAC of DiDonato & Morris (ACM TOMS 708, 1992), which
    /// is written around λ = a − (a+b)·x:
    ///
    ///     I_x(a, b) = x^a y^b / B(a, b) · 1/(β_0 + α_1/(β_1 + α_2/(β_2 + …)))   for λ ≥ 0, y = 1 − x,
    ///     β_0 = a(1 + λ)/(a + 1),
    ///     α_n = (a+n−1)(a+b+n−1)·n(b−n)·x² / (a+2n−1)²,
    ///     β_n = n + n(b−n)x/(a+2n−1) + (a+n)(1 + λ + n(1 + y))/(a+2n+1),
    ///
    /// and by I_x(a, b) = 1 − I_{1−x}(b, a) for λ < 0, so the fraction always runs on the side
    /// where it converges fast and the tail it returns keeps its relative accuracy. The fraction
    /// is evaluated forward (Wallis recurrences, rescaled each step) to a relative change below
    /// 1e-15. Why not Numerical Recipes' `betacf` with Lentz's method: for the t-test with large
    /// ν its first step forms 1 − (a+b)x/(a+1), a difference of numbers near 1 that loses
    /// ≈ log10(ν) digits (relative error 5e-10 at ν = 10⁷, checked against mpmath); here λ is
    /// formed from the smaller of x and 1 − x, without cancellation. Accuracy against mpmath:
    /// about 1e-14 relative for the Student t (b = ½) at ν from 1 to 10⁷; about 1e-12 when a and b
    /// are both in the thousands (the front factor's exponent is then large).
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "the incomplete beta function needs a, b > 0")
        if x.isNaN { return .nan }
        return incompleteBeta(x: x, y: 1 - x, a: a, b: b)
    }

    /// I_x(a, b) given both x and y = 1 − x (so that the caller can form the smaller of the two
    /// without cancellation).
    static func incompleteBeta(x: Double, y: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        // λ = a − (a+b)x, from y when a > b (x is then the number near 1), as TOMS 708's BRATIO.
        let lambda = a > b ? (a + b) * y - b : a - (a + b) * x
        // The front factor x^a y^b / B(a, b); the log of a value near 1 is taken through log1p of
        // its accurately known complement, since a·log x amplifies any error in x.
        let logX = x < 0.5 ? log(x) : log1p(-y)
        let logY = y < 0.5 ? log(y) : log1p(-x)
        let front = exp(a * logX + b * logY - logBeta(a, b))
        if lambda >= 0 {
            return front * betaFraction(a: a, b: b, x: x, y: y, lambda: lambda)
        }
        return 1 - front * betaFraction(a: b, b: a, x: y, y: x, lambda: -lambda)
    }

    /// TOMS 708 BFRAC without its front factor: the continued fraction of I_x(a, b) for
    /// λ = a − (a+b)x ≥ 0, by the forward recurrence A_n = β_n A_{n−1} + α_n A_{n−2} (same for B),
    /// rescaled every step; converged when successive A_n/B_n agree to 1e-15 relatively.
    private static func betaFraction(a: Double, b: Double, x: Double, y: Double, lambda: Double) -> Double {
        let epsilon = 1e-15
        let c = 1 + lambda, c0 = b / a, c1 = 1 + 1 / a, yp1 = y + 1
        var n = 0.0, p = 1.0, s = a + 1
        var an = 0.0, bn = 1.0, anp1 = 1.0, bnp1 = c / c1
        var r = c1 / c
        for _ in 0..<100_000 {
            n += 1
            let t = n / a
            let w = n * (b - n) * x
            var e = a / s
            let alpha = (p * (p + c0) * e * e) * (w * x)
            e = (1 + t) / (c1 + t + t)
            let beta = n + w / s + e * (c + n * yp1)
            p = 1 + t
            s += 2
            var next = alpha * an + beta * anp1
            an = anp1
            anp1 = next
            next = alpha * bn + beta * bnp1
            bn = bnp1
            bnp1 = next
            let previous = r
            r = anp1 / bnp1
            if abs(r - previous) <= epsilon * r { break }
            an /= bnp1
            bn /= bnp1
            anp1 = r
            bnp1 = 1
        }
        return r
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a+b).
    ///
    /// For large arguments the three log-gamma values are huge and nearly cancel (for the t-test
    /// with ν = 30,000, log Γ(15,000) ≈ 1.3e5 while log B ≈ −4); so when L = max(a, b) ≥ 10 the
    /// difference log Γ(L+s) − log Γ(L) (s = min(a, b)) is taken from Stirling's series:
    ///
    ///     log Γ(L+s) − log Γ(L) = (L − ½)·log1p(s/L) + s·log(L+s) − s + δ(L+s) − δ(L),
    ///     δ(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π] = 1/(12z) − 1/(360z³) + 1/(1260z⁵) − …
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b), large = max(a, b)
        if large < 10 { return lgamma(a) + lgamma(b) - lgamma(a + b) }
        let ratio = (large - 0.5) * log1p(small / large) + small * log(large + small) - small
            + stirlingCorrection(large + small) - stirlingCorrection(large)
        return lgamma(small) - ratio
    }

    /// δ(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π] for z ≥ 10 (truncation error < 1e-16).
    private static func stirlingCorrection(_ z: Double) -> Double {
        let r = 1 / z, r2 = r * r
        // Bernoulli-number coefficients B_{2k} / (2k (2k−1)).
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680
            - r2 * (1.0 / 1188 - r2 * (691.0 / 360_360 - r2 * (1.0 / 156)))))))
    }

    // MARK: - Wilcoxon signed-rank test

    public struct WilcoxonSignedRank: Sendable, Equatable {
        /// How the p-value was obtained (chosen as `scipy.stats.wilcoxon(method="auto")` chooses).
        public enum Method: String, Sendable {
            /// Exact null distribution of R+ (no ties, no zero differences, n ≤ 50).
            case exact
            /// Exact enumeration of all 2^n sign assignments of the observed (tied or zero)
            /// differences: scipy's `PermutationMethod`, which is deterministic for n ≤ 13.
            case signFlipEnumeration = "sign-flip-enumeration"
            /// Normal approximation with tie correction (n > 50, or ties/zeros with n > 13).
            case normal
        }
        /// min(R+, R−), scipy's reported statistic for the two-sided test.
        public var statistic: Double
        /// R+ = Σ rank(|d_i|) over d_i > 0; R− over d_i < 0 (average ranks for ties).
        public var rankSumPositive: Double
        public var rankSumNegative: Double
        /// Two-sided p-value (NaN when the normal approximation has no non-zero difference).
        public var pValue: Double
        public var method: Method
        /// Pairs entering the ranks: n minus the zero differences ("wilcox" zero method).
        public var nonZeroCount: Int
        /// z = (R+ − n'(n'+1)/4) / σ (less ½/σ toward zero with the continuity correction), for
        /// the normal approximation only; positive when `a` tends to exceed `b`.
        public var z: Double?
    }

    /// Wilcoxon signed-rank test, two-sided, matching `scipy.stats.wilcoxon(a, b)` with its
    /// defaults in scipy 1.17 (`zero_method="wilcox"`, `correction=False`, `method="auto"`):
    ///
    /// - d_i = a_i − b_i; zero differences are dropped (n' = number of non-zero d_i);
    /// - |d_i| are ranked 1…n' with average ranks for ties; R+ = Σ ranks of positive d_i;
    /// - method (scipy's "auto", where n counts the zero differences too):
    ///   - n > 50 → normal approximation;
    ///   - else no ties and no zeros → exact distribution of R+ (p = 2·min(P(R+ ≤ r), P(R+ ≥ r)),
    ///     capped at 1);
    ///   - else n ≤ 13 → exact enumeration of the 2^n sign flips of the observed differences
    ///     (same formula over that enumerated distribution; scipy's deterministic permutation test);
    ///   - else → normal approximation;
    /// - normal approximation: μ = n'(n'+1)/4, σ² = [n'(n'+1)(2n'+1) − Σ_ties (t³ − t)/2] / 24,
    ///   z = (R+ − μ)/σ, p = 2·Φ(−|z|) = erfc(|z|/√2). scipy applies no continuity correction by
    ///   default; `continuityCorrection: true` gives scipy's `correction=True`, z − sign(z)·½/σ.
    ///
    /// Identical vectors (every d_i = 0): p = 1 for n ≤ 13 (enumeration), NaN for n > 13 (normal
    /// approximation with σ = 0), exactly as scipy. Empty input: NaN.
    public static func wilcoxonSignedRank(_ a: [Double], _ b: [Double], continuityCorrection: Bool = false) -> WilcoxonSignedRank {
        precondition(a.count == b.count, "paired samples differ in length")
        let n = a.count
        guard n > 0 else {
            return WilcoxonSignedRank(statistic: .nan, rankSumPositive: .nan, rankSumNegative: .nan, pValue: .nan,
                                      method: .normal, nonZeroCount: 0, z: nil)
        }
        let differences = zip(a, b).map { $0 - $1 }
        precondition(!differences.contains { $0.isNaN }, "the Wilcoxon test needs values that are not NaN")
        let d = differences.filter { $0 != 0 }
        let m = d.count, zeroCount = n - m

        // Average ranks of |d|, kept doubled so they are integers (ties make halves).
        let order = d.indices.sorted { abs(d[$0]) < abs(d[$1]) }
        var doubledRank = [Int](repeating: 0, count: m)
        var tieSum = 0.0   // Σ (t³ − t) over tie groups
        var hasTies = false
        var start = 0
        while start < m {
            var end = start
            while end + 1 < m, abs(d[order[end + 1]]) == abs(d[order[start]]) { end += 1 }
            // positions start…end (0-based) hold ranks start+1 … end+1; their average, doubled:
            for k in start...end { doubledRank[order[k]] = start + end + 2 }
            let t = Double(end - start + 1)
            tieSum += t * t * t - t
            if end > start { hasTies = true }
            start = end + 1
        }
        var plus2 = 0, minus2 = 0
        for k in 0..<m {
            if d[k] > 0 { plus2 += doubledRank[k] } else { minus2 += doubledRank[k] }
        }
        let rPlus = Double(plus2) / 2, rMinus = Double(minus2) / 2

        let method: WilcoxonSignedRank.Method
        if n > 50 {
            method = .normal
        } else if !hasTies && zeroCount == 0 {
            method = .exact
        } else if n <= 13 {
            method = .signFlipEnumeration
        } else {
            method = .normal
        }

        let p: Double
        var z: Double?
        switch method {
        case .exact, .signFlipEnumeration:
            // Distribution of the doubled R+ over all 2^m equally likely sign assignments
            // (zero differences flip to themselves, which scales every count alike).
            let total = m * (m + 1)   // Σ doubled ranks
            var counts = [Double](repeating: 0, count: total + 1)
            counts[0] = 1
            var reach = 0
            for r in doubledRank {
                for s in stride(from: reach, through: 0, by: -1) where counts[s] != 0 { counts[s + r] += counts[s] }
                reach += r
            }
            let atMost = counts[0...plus2].reduce(0, +)
            let atLeast = counts[plus2...total].reduce(0, +)
            p = min(1, 2 * min(atMost, atLeast) / pow(2, Double(m)))
        case .normal:
            let nn = Double(m)
            let mean = nn * (nn + 1) / 4
            let sigma = ((nn * (nn + 1) * (2 * nn + 1) - tieSum / 2) / 24).squareRoot()
            var score = (rPlus - mean) / sigma
            if continuityCorrection, score != 0 {
                score -= (score > 0 ? 0.5 : -0.5) / sigma
            }
            z = score
            p = erfc(abs(score) / 2.0.squareRoot())
        }
        return WilcoxonSignedRank(statistic: min(rPlus, rMinus), rankSumPositive: rPlus, rankSumNegative: rMinus,
                                  pValue: p, method: method, nonZeroCount: m, z: z)
    }

    // MARK: - Multiple comparisons

    public enum PValueAdjustment: String, Sendable, CaseIterable {
        /// Holm–Bonferroni step-down (controls the family-wise error rate); recbench's default.
        case holm
        /// Benjamini–Hochberg step-up (controls the false discovery rate).
        case benjaminiHochberg = "bh"
    }

    /// Adjusted p-values, as `statsmodels.stats.multitest.multipletests(p, method="holm")` and
    /// `method="fdr_bh"` (and R's `p.adjust`). With p_(1) ≤ … ≤ p_(m) the sorted p-values:
    ///
    ///     Holm: p̃_(i) = min(1, max_{j ≤ i} (m − j + 1)·p_(j))
    ///     BH:   p̃_(i) = min(1, min_{j ≥ i} (m / j)·p_(j))
    ///
    /// returned in the input order. Both are monotone in p and capped at 1; tied p-values get the
    /// same adjusted value. NaN p-values (e.g. a Wilcoxon test of identical vectors) stay NaN and
    /// do not count in m — R's `p.adjust` rule; statsmodels has no NaN handling.
    public static func adjustedPValues(_ pValues: [Double], method: PValueAdjustment) -> [Double] {
        var adjusted = [Double](repeating: .nan, count: pValues.count)
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        let m = order.count
        guard m > 0 else { return adjusted }
        switch method {
        case .holm:
            var running = 0.0
            for (j, index) in order.enumerated() {
                running = max(running, Double(m - j) * pValues[index])
                adjusted[index] = min(1, running)
            }
        case .benjaminiHochberg:
            var running = Double.infinity
            for j in stride(from: m - 1, through: 0, by: -1) {
                let index = order[j]
                running = min(running, Double(m) / Double(j + 1) * pValues[index])
                adjusted[index] = min(1, running)
            }
        }
        return adjusted
    }

    // MARK: - Bootstrap confidence intervals

    public struct ConfidenceInterval: Sendable, Equatable {
        /// The statistic on the original sample (the mean, or the mean difference).
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        /// e.g. 0.95
        public var confidence: Double
        public var resamples: Int
    }

    /// Percentile-bootstrap confidence interval of a mean.
    ///
    /// - B resamples, each n draws with replacement: index = `SeededGenerator(seed:)
    ///   .nextInt(below: n)`, drawn resample by resample, index by index, from one generator; the
    ///   resample mean is the left-to-right sum of the drawn values divided by n.
    /// - The B means are sorted; with α = 1 − confidence the bounds are the α/2 and 1 − α/2
    ///   quantiles by linear interpolation between order statistics (numpy's default
    ///   `np.quantile(method="linear")`, Hyndman–Fan type 7): for probability q, h = (B − 1)·q,
    ///   Q(q) = x_(⌊h⌋) + (h − ⌊h⌋)·(x_(⌊h⌋+1) − x_(⌊h⌋)), order statistics 0-based.
    ///
    /// Cost: B·n draws (10,000 × 30,000 users ≈ 3·10⁸; about a second in a release build).
    /// Empty input gives NaN bounds.
    public static func bootstrapMeanCI(_ values: [Double], resamples: Int = 10_000, confidence: Double = 0.95,
                                       seed: UInt64) -> ConfidenceInterval {
        precondition(resamples > 0, "the bootstrap needs at least one resample")
        precondition(confidence > 0 && confidence < 1, "confidence must lie in (0, 1)")
        let n = values.count
        guard n > 0 else {
            return ConfidenceInterval(estimate: .nan, lower: .nan, upper: .nan, confidence: confidence, resamples: resamples)
        }
        var generator = SeededGenerator(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        values.withUnsafeBufferPointer { sample in
            for b in 0..<resamples {
                var sum = 0.0
                for _ in 0..<n { sum += sample[generator.nextInt(below: n)] }
                means[b] = sum / Double(n)
            }
        }
        means.sort()
        let alpha = 1 - confidence
        return ConfidenceInterval(estimate: compensatedSum(values) / Double(n),
                                  lower: linearQuantile(sorted: means, alpha / 2),
                                  upper: linearQuantile(sorted: means, 1 - alpha / 2),
                                  confidence: confidence, resamples: resamples)
    }

    /// Percentile-bootstrap confidence interval of the paired mean difference mean(a − b): users
    /// are resampled with their pair intact, which is the bootstrap of the differences
    /// d_i = a_i − b_i (same draws and quantile rule as `bootstrapMeanCI`).
    public static func bootstrapPairedDifferenceCI(_ a: [Double], _ b: [Double], resamples: Int = 10_000,
                                                   confidence: Double = 0.95, seed: UInt64) -> ConfidenceInterval {
        precondition(a.count == b.count, "paired samples differ in length")
        return bootstrapMeanCI(zip(a, b).map { $0 - $1 }, resamples: resamples, confidence: confidence, seed: seed)
    }

    /// Quantile of sorted values by linear interpolation (type 7): h = (N − 1)·q.
    static func linearQuantile(sorted x: [Double], _ q: Double) -> Double {
        let h = Double(x.count - 1) * q
        let low = Int(h.rounded(.down))
        let high = min(low + 1, x.count - 1)
        return x[low] + (h - Double(low)) * (x[high] - x[low])
    }

    // MARK: - Effect size

    /// Cohen's d for paired samples, d_z = mean(d) / s_d with d_i = a_i − b_i and s_d the sample
    /// standard deviation (n − 1) of the differences — the standardized mean difference of the
    /// paired t-test (t = d_z·√n). Not the pooled-standard-deviation d of independent samples.
    /// Identical vectors give NaN (0/0); a constant non-zero difference gives ±∞; n < 2 gives NaN.
    public static func pairedCohensD(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "paired samples differ in length")
        let s = summary(zip(a, b).map { $0 - $1 })
        return s.mean / s.standardDeviation
    }
}
