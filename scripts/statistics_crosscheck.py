#!/usr/bin/env python3
"""Expected values for Tests/RecEvalTests/StatisticsTests.swift, computed independently of recbench.

    python3 scripts/statistics_crosscheck.py          # needs numpy, scipy; statsmodels optional

Prints Swift literals (the test vectors and the expected values) that the Swift test hard-codes.
References: scipy.stats.ttest_rel, scipy.stats.wilcoxon (defaults: zero_method="wilcox",
correction=False, method="auto"), scipy.special.betainc / scipy.stats.t.cdf,
statsmodels.stats.multitest.multipletests ("holm", "fdr_bh"; if statsmodels is missing, the same
formulas are computed here by hand and the output says so), numpy.quantile (method="linear") over
bootstrap resamples drawn with a Python re-implementation of RecMath's SeededGenerator
(SplitMix64-seeded xoshiro256**, Lemire's unbiased bounded integers).
"""

import math
import sys
import warnings

import numpy as np
import scipy
import scipy.special
import scipy.stats

warnings.simplefilter("ignore")

M64 = (1 << 64) - 1


# --- RecMath.SeededGenerator, bit for bit ---------------------------------------------------------

class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class SeededGenerator:
    def __init__(self, seed):
        mixer = SplitMix64(seed)
        self.s = [mixer.next() for _ in range(4)]

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & M64, 7) * 9) & M64
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_int_below(self, bound):
        product = self.next() * bound
        low = product & M64
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & M64
        return product >> 64


def bootstrap_ci(values, resamples, confidence, seed):
    """Percentile bootstrap of the mean: resample-by-resample, index-by-index draws, left-to-right
    sums (as Statistics.bootstrapMeanCI), then numpy's linear quantiles."""
    g = SeededGenerator(seed)
    n = len(values)
    means = []
    for _ in range(resamples):
        s = 0.0
        for _ in range(n):
            s += values[g.next_int_below(n)]
        means.append(s / n)
    alpha = 1 - confidence
    lower, upper = np.quantile(np.array(means), [alpha / 2, 1 - alpha / 2], method="linear")
    return float(np.mean(values)), float(lower), float(upper)


# --- multiple comparisons -------------------------------------------------------------------------

try:
    from statsmodels.stats.multitest import multipletests
    import statsmodels
    MULTITEST_SOURCE = f"statsmodels {statsmodels.__version__} multipletests"

    def adjust(p, method):
        return list(multipletests(p, method={"holm": "holm", "bh": "fdr_bh"}[method])[1])
except ImportError:
    MULTITEST_SOURCE = "hand-computed Holm/BH (statsmodels not installed)"

    def adjust(p, method):
        p = np.asarray(p, dtype=float)
        m = len(p)
        order = np.argsort(p)
        ps = p[order]
        if method == "holm":
            adj = np.maximum.accumulate(ps * np.arange(m, 0, -1))
        else:
            adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
        adj = np.minimum(adj, 1)
        out = np.empty(m)
        out[order] = adj
        return list(out)


# --- test vectors ---------------------------------------------------------------------------------

def grid(rng, n, denominator, low=0, high=None):
    """n values k/denominator, k uniform in [low, high)."""
    high = denominator + 1 if high is None else high
    return [int(k) / denominator for k in rng.integers(low, high, size=n)]


def distinct_abs_differences(seed, n, denominator):
    """Vectors on a 1/denominator grid whose differences are non-zero with distinct |d|."""
    rng = np.random.default_rng(seed)
    while True:
        a = grid(rng, n, denominator)
        b = grid(rng, n, denominator)
        d = [x - y for x, y in zip(a, b)]
        if 0 not in d and len({abs(x) for x in d}) == n:
            return a, b


def ndcg_like(seed, n):
    """Per-user values like ndcg@10: a third of users 0 for both models, the rest on a 1/20 grid
    (ties and zero differences)."""
    rng = np.random.default_rng(seed)
    a, b = [], []
    for _ in range(n):
        if rng.random() < 0.3:
            a.append(0.0)
            b.append(0.0)
        else:
            x = int(rng.integers(0, 21)) / 20
            a.append(x)
            b.append(min(1.0, max(0.0, x - int(rng.integers(-3, 6)) / 20)))
    return a, b


cases = {}
cases["exact10"] = distinct_abs_differences(1, 10, 1024)
cases["ties9"] = ([0.5, 0.75, 0.25, 1.0, 0.5, 0.0, 0.75, 0.5, 0.25],
                  [0.25, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.0, 0.5])
cases["zeros12"] = ([0.1, 0.2, 0.3, 0.0, 0.5, 0.4, 0.3, 0.6, 0.2, 0.1, 0.7, 0.0],
                    [0.1, 0.0, 0.1, 0.0, 0.2, 0.4, 0.0, 0.3, 0.3, 0.0, 0.4, 0.1])
rng = np.random.default_rng(3)
cases["ties30"] = (grid(rng, 30, 10), grid(rng, 30, 10))
cases["noties40"] = distinct_abs_differences(4, 40, 4096)
cases["large80"] = ndcg_like(5, 80)
cases["noties60"] = distinct_abs_differences(6, 60, 65536)
cases["identical5"] = ([0.25, 0.5, 0.0, 1.0, 0.75],) * 2
cases["identical20"] = ([k / 20 for k in range(20)],) * 2
cases["identical60"] = ([(k % 7) / 7 for k in range(60)],) * 2
cases["constant8"] = ([0.5, 0.25, 0.75, 0.0, 1.0, 0.5, 0.25, 0.125],
                      [0.25, 0.0, 0.5, -0.25, 0.75, 0.25, 0.0, -0.125])


def r(x):
    """A Swift Double literal that round-trips exactly."""
    x = float(x)
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".infinity" if x > 0 else "-.infinity"
    return repr(x)


def swift_array(values):
    return "[" + ", ".join(r(v) for v in values) + "]"


def method_name(a, b):
    """scipy 1.17's choice under method="auto" (see scipy/stats/_wilcoxon.py)."""
    d = np.asarray(a) - np.asarray(b)
    n = len(d)
    nz = d[d != 0]
    ties = len(set(np.abs(nz))) < len(nz)
    if n > 50:
        return "normal"
    if not ties and len(nz) == n:
        return "exact"
    return "signFlipEnumeration" if n <= 13 else "normal"


print(f"// scipy {scipy.__version__}, numpy {np.__version__}, {MULTITEST_SOURCE}, python {sys.version.split()[0]}")
print()
print("// Paired cases: vectors, ttest_rel, wilcoxon (defaults and correction=True), Cohen's d_z, mean ± std of d.")
for name, (a, b) in cases.items():
    a, b = list(a), list(b)
    tt = scipy.stats.ttest_rel(a, b)
    w = scipy.stats.wilcoxon(a, b)
    wc = scipy.stats.wilcoxon(a, b, correction=True)
    d = np.asarray(a) - np.asarray(b)
    sd = float(np.std(d, ddof=1))
    mean = float(np.mean(d))
    cohen = mean / sd if sd != 0 else (float("nan") if mean == 0 else math.copysign(math.inf, mean))
    print(f"PairedCase(name: \"{name}\",")
    print(f"           a: {swift_array(a)},")
    print(f"           b: {swift_array(b)},")
    print(f"           t: {r(tt.statistic)}, df: {int(tt.df)}, tP: {r(tt.pvalue)},")
    print(f"           wStatistic: {r(w.statistic)}, wP: {r(w.pvalue)}, wMethod: .{method_name(a, b)},")
    print(f"           wPCorrected: {r(wc.pvalue)},")
    print(f"           cohenD: {r(cohen)}, meanDifference: {r(mean)}, sdDifference: {r(sd)}),")
print()

print("// Student t CDF (scipy.stats.t.cdf) and two-sided tail 2·t.sf(|t|): (t, df, cdf, twoSided)")
for t, df in [(2.1, 5), (-0.3, 12), (4.5, 29857), (-1.96, 1e6), (0.0, 3), (12.0, 2), (-7.5, 40), (2.0, 0.5)]:
    print(f"({r(t)}, {r(df)}, {r(scipy.stats.t.cdf(t, df))}, {r(2 * scipy.stats.t.sf(abs(t), df))}),")
print()

print("// Regularized incomplete beta (scipy.special.betainc): (x, a, b, value)")
for x, a, b in [(0.3, 2.5, 0.5), (0.999, 15000, 0.5), (0.99995, 15000, 0.5), (0.5, 12, 7.5),
                (0.01, 0.7, 3), (0.9, 0.5, 0.5), (0.2, 40, 60), (0.75, 1, 1)]:
    print(f"({r(x)}, {r(a)}, {r(b)}, {r(scipy.special.betainc(a, b, x))}),")
print()

print("// Adjusted p-values: (p, holm, bh)")
for p in [[0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9, 0.5],
          [0.5, 0.6, 0.7, 0.8],
          [0.001, 0.0001, 0.3, 0.02, 0.049, 0.051],
          [0.04]]:
    print(f"({swift_array(p)},")
    print(f" {swift_array(adjust(p, 'holm'))},")
    print(f" {swift_array(adjust(p, 'bh'))}),")
print()

print("// Bootstrap percentile CIs: (label, estimate, lower, upper)")
a80, b80 = cases["large80"]
d80 = [x - y for x, y in zip(a80, b80)]
for label, values, resamples, confidence, seed in [
        ("mean large80.a B=2000 seed=42", a80, 2000, 0.95, 42),
        ("paired large80 a-b B=2000 seed=7", d80, 2000, 0.95, 7),
        ("mean exact10.a B=999 90% seed=1", cases["exact10"][0], 999, 0.90, 1)]:
    est, lo, hi = bootstrap_ci(values, resamples, confidence, seed)
    print(f"(\"{label}\", {r(est)}, {r(lo)}, {r(hi)}),")
print()

n, delta = 29858, 0.026
big = scipy.stats.ttest_rel([(1.0 if k % 2 == 0 else -1.0) + delta for k in range(n)], [0.0] * n)
print("// ttest_rel on d_k = ±1 (alternating) + 0.026, n = 29,858 (the Gowalla user count): (t, p)")
print(f"({r(big.statistic)}, {r(big.pvalue)})")
print()

g = SeededGenerator(2024)
print("// SeededGenerator(seed: 2024): first three next() and nextInt(below: 7), (below: 1_000_003)")
print([g.next() for _ in range(3)], g.next_int_below(7), g.next_int_below(1_000_003))
