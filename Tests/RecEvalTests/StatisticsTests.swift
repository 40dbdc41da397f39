import Foundation
import Testing
@testable import RecEval
import RecMath

// Statistics checked against values computed independently by scipy / statsmodels.
//
// Every vector and expected value below was printed by
//     /tmp/stats-venv/bin/python scripts/statistics_crosscheck.py
// with scipy 1.17.1, numpy 2.4.6, statsmodels 0.15.0 multipletests, python 3.11.7
// and pasted here unchanged. Re-run the script and paste again if a vector changes.
// Comparison: relative tolerance 1e-9 (p-values included); exact zeros, infinities and NaNs
// must match exactly.

private let relativeTolerance = 1e-9

private func close(_ actual: Double, _ expected: Double) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite || expected == 0 { return actual == expected }
    return abs(actual - expected) <= relativeTolerance * abs(expected)
}

private func expectClose(_ actual: Double, _ expected: Double, _ what: @autoclosure () -> String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(close(actual, expected), "\(what()): got \(actual), expected \(expected)", sourceLocation: sourceLocation)
}

private struct PairedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var a, b: [Double]
    /// scipy.stats.ttest_rel(a, b): statistic, df, pvalue
    var t: Double
    var df: Int
    var tP: Double
    /// scipy.stats.wilcoxon(a, b) (defaults) and the method scipy's "auto" used
    var wStatistic: Double
    var wP: Double
    var wMethod: Statistics.WilcoxonSignedRank.Method
    /// scipy.stats.wilcoxon(a, b, correction=True)
    var wPCorrected: Double
    /// mean(d) / std(d, ddof=1), mean(d), std(d, ddof=1) with d = a − b (numpy)
    var cohenD: Double
    var meanDifference: Double
    var sdDifference: Double

    var testDescription: String { name }
}

private let pairedCases: [PairedCase] = [
    PairedCase(name: "exact10",
               a: [0.4736328125, 0.51171875, 0.755859375, 0.951171875, 0.0341796875, 0.1435546875, 0.8232421875, 0.94921875, 0.2490234375, 0.3115234375],
               b: [0.869140625, 0.4228515625, 0.2724609375, 0.828125, 0.2568359375, 0.4091796875, 0.6435546875, 0.5498046875, 0.0849609375, 0.02734375],
               t: 0.9114324700671281, df: 9, tP: 0.38582911011809284,
               wStatistic: 19.0, wP: 0.431640625, wMethod: .exact,
               wPCorrected: 0.431640625,
               cohenD: 0.2882202538845364, meanDifference: 0.08388671875, sdDifference: 0.2910507419912473),
    PairedCase(name: "ties9",
               a: [0.5, 0.75, 0.25, 1.0, 0.5, 0.0, 0.75, 0.5, 0.25],
               b: [0.25, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.0, 0.5],
               t: 1.511857892036909, df: 8, tP: 0.16902020301916992,
               wStatistic: 10.5, wP: 0.17578125, wMethod: .signFlipEnumeration,
               wPCorrected: 0.17578125,
               cohenD: 0.5039526306789697, meanDifference: 0.16666666666666666, sdDifference: 0.3307189138830738),
    PairedCase(name: "zeros12",
               a: [0.1, 0.2, 0.3, 0.0, 0.5, 0.4, 0.3, 0.6, 0.2, 0.1, 0.7, 0.0],
               b: [0.1, 0.0, 0.1, 0.0, 0.2, 0.4, 0.0, 0.3, 0.3, 0.0, 0.4, 0.1],
               t: 2.7020149806676144, df: 11, tP: 0.02058250258549299,
               wStatistic: 3.5, wP: 0.0234375, wMethod: .signFlipEnumeration,
               wPCorrected: 0.0234375,
               cohenD: 0.7800045382214242, meanDifference: 0.12499999999999996, sdDifference: 0.1602554778527654),
    PairedCase(name: "ties30",
               a: [0.8, 0.0, 0.1, 0.2, 0.1, 0.8, 0.9, 0.6, 0.0, 0.1, 0.3, 0.4, 0.6, 0.5, 0.2, 0.1, 0.7, 0.8, 0.0, 0.1, 0.4, 0.4, 0.9, 0.5, 0.4, 0.4, 0.7, 0.6, 0.1, 0.8],
               b: [0.8, 1.0, 0.8, 0.3, 0.3, 0.7, 0.7, 0.7, 0.9, 0.3, 1.0, 0.0, 0.0, 1.0, 1.0, 0.3, 0.1, 0.3, 0.0, 0.9, 0.7, 0.6, 0.2, 0.5, 0.2, 0.8, 0.5, 0.0, 0.2, 0.7],
               t: -1.1498645354336414, df: 29, tP: 0.25959425034416395,
               wStatistic: 148.0, wP: 0.3243498532252095, wMethod: .normal,
               wPCorrected: 0.3302852834788528,
               cohenD: -0.20993558137740126, meanDifference: -0.09999999999999999, sdDifference: 0.476336594987345),
    PairedCase(name: "noties40",
               a: [0.7265625, 0.943115234375, 0.881591796875, 0.51123046875, 0.9404296875, 0.976318359375, 0.970458984375, 0.080810546875, 0.45361328125, 0.607421875, 0.282958984375, 0.37646484375, 0.626953125, 0.802001953125, 0.580810546875, 0.174560546875, 0.676025390625, 0.871826171875, 0.219482421875, 0.5439453125, 0.338134765625, 0.90234375, 0.060546875, 0.47705078125, 0.897705078125, 0.430419921875, 0.139404296875, 0.7890625, 0.964599609375, 0.984375, 0.929931640625, 0.36962890625, 0.732666015625, 0.968994140625, 0.573486328125, 0.92919921875, 0.58935546875, 0.177734375, 0.464111328125, 0.60888671875],
               b: [0.303955078125, 0.704833984375, 0.408203125, 0.94287109375, 0.207763671875, 0.665771484375, 0.090087890625, 0.13330078125, 0.521240234375, 0.497802734375, 0.49853515625, 0.49365234375, 0.855712890625, 0.500244140625, 0.364013671875, 0.958740234375, 0.884033203125, 0.349853515625, 0.20068359375, 0.2236328125, 0.164794921875, 0.52197265625, 0.575927734375, 0.64111328125, 0.899169921875, 0.939208984375, 0.534423828125, 0.58203125, 0.0791015625, 0.267822265625, 0.99658203125, 0.929931640625, 0.02685546875, 0.49169921875, 0.498046875, 0.67578125, 0.115234375, 0.47607421875, 0.36767578125, 0.216796875],
               t: 1.8326172524273778, df: 39, tP: 0.07450245615697601,
               wStatistic: 281.0, wP: 0.08415465162215696, wMethod: .exact,
               wPCorrected: 0.08415465162215696,
               cohenD: 0.2897622298495126, meanDifference: 0.11922607421875, sdDifference: 0.4114617501413825),
    PairedCase(name: "large80",
               a: [0.0, 0.65, 0.0, 0.55, 0.0, 0.0, 0.2, 0.0, 0.25, 0.8, 0.65, 0.65, 0.9, 0.15, 0.1, 0.0, 0.9, 0.0, 0.8, 0.35, 0.0, 0.3, 0.1, 0.6, 0.8, 0.15, 0.3, 0.0, 0.0, 0.9, 0.45, 0.7, 0.25, 0.0, 0.2, 0.65, 0.0, 0.65, 0.85, 0.3, 0.0, 0.15, 0.0, 0.15, 0.6, 0.1, 0.5, 0.4, 0.6, 0.4, 0.0, 0.35, 0.6, 0.3, 0.0, 0.0, 0.35, 0.85, 0.0, 1.0, 0.5, 0.0, 0.8, 0.3, 0.0, 0.0, 0.2, 0.15, 0.0, 0.2, 0.55, 1.0, 0.2, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
               b: [0.0, 0.7000000000000001, 0.0, 0.55, 0.0, 0.0, 0.1, 0.0, 0.0, 0.6000000000000001, 0.6, 0.8, 0.9500000000000001, 0.3, 0.0, 0.0, 0.7, 0.0, 0.9500000000000001, 0.35, 0.0, 0.09999999999999998, 0.2, 0.5499999999999999, 0.8500000000000001, 0.0, 0.25, 0.0, 0.0, 1.0, 0.45, 0.7, 0.15, 0.0, 0.05000000000000002, 0.6, 0.0, 0.8, 0.75, 0.09999999999999998, 0.0, 0.0, 0.0, 0.0, 0.44999999999999996, 0.2, 0.3, 0.35000000000000003, 0.35, 0.4, 0.0, 0.24999999999999997, 0.35, 0.04999999999999999, 0.0, 0.1, 0.5, 0.6499999999999999, 0.0, 1.0, 0.45, 0.0, 0.8500000000000001, 0.44999999999999996, 0.0, 0.0, 0.0, 0.09999999999999999, 0.0, 0.2, 0.55, 0.85, 0.05000000000000002, 0.55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
               t: 2.815659980170314, df: 79, tP: 0.006143855142633662,
               wStatistic: 296.0, wP: 0.012253298186062717, wMethod: .normal,
               wPCorrected: 0.01245055487118475,
               cohenD: 0.3148003558593266, meanDifference: 0.033125, sdDifference: 0.10522542107545273),
    PairedCase(name: "noties60",
               a: [0.445037841796875, 0.5381622314453125, 0.51776123046875, 0.34326171875, 0.9461517333984375, 0.3690643310546875, 0.6577301025390625, 0.3744964599609375, 0.449920654296875, 0.987457275390625, 0.186553955078125, 0.63275146484375, 0.426971435546875, 0.6743316650390625, 0.755706787109375, 0.3299560546875, 0.6722869873046875, 0.6799163818359375, 0.451934814453125, 0.1229705810546875, 0.6175079345703125, 0.051727294921875, 0.8859405517578125, 0.850189208984375, 0.8462677001953125, 0.0088958740234375, 0.97149658203125, 0.9787750244140625, 0.58587646484375, 0.8270111083984375, 0.7675628662109375, 0.78521728515625, 0.1535797119140625, 0.0480804443359375, 0.26519775390625, 0.207427978515625, 0.54833984375, 0.8498687744140625, 0.748046875, 0.4324951171875, 0.54339599609375, 0.627471923828125, 0.7695159912109375, 0.122283935546875, 0.7783203125, 0.1863250732421875, 0.5748138427734375, 0.4972686767578125, 0.8570098876953125, 0.7594757080078125, 0.169342041015625, 0.53985595703125, 0.047943115234375, 0.10687255859375, 0.4718780517578125, 0.8661956787109375, 0.2159881591796875, 0.1396484375, 0.9479827880859375, 0.4396514892578125],
               b: [0.1187896728515625, 0.58685302734375, 0.327239990234375, 0.31915283203125, 0.4278717041015625, 0.418060302734375, 0.8136444091796875, 0.886962890625, 0.2584228515625, 0.454132080078125, 0.6722869873046875, 0.53924560546875, 0.5675506591796875, 0.970489501953125, 0.22979736328125, 0.2759857177734375, 0.759735107421875, 0.8947906494140625, 0.41357421875, 0.361846923828125, 0.783660888671875, 0.312042236328125, 0.47637939453125, 0.8813018798828125, 0.3863677978515625, 0.06549072265625, 0.5182647705078125, 0.8666534423828125, 0.8305816650390625, 0.8277740478515625, 0.772705078125, 0.89471435546875, 0.30950927734375, 0.05975341796875, 0.712982177734375, 0.238800048828125, 0.702789306640625, 0.7751617431640625, 0.4816436767578125, 0.4368438720703125, 0.54412841796875, 0.00531005859375, 0.889495849609375, 0.692626953125, 0.01702880859375, 0.799774169921875, 0.873046875, 0.9736328125, 0.48992919921875, 0.150665283203125, 0.3800811767578125, 0.251953125, 0.9398956298828125, 0.84136962890625, 0.461669921875, 0.091796875, 0.1827392578125, 0.274261474609375, 0.72589111328125, 0.4517669677734375],
               t: -0.00497858804497944, df: 59, tP: 0.9960444736119336,
               wStatistic: 872.0, wP: 0.7515858928967061, wMethod: .normal,
               wPCorrected: 0.7543808532942056,
               cohenD: -0.0006427329528610903, meanDifference: -0.00022913614908854168, sdDifference: 0.35650288050201057),
    PairedCase(name: "identical5",
               a: [0.25, 0.5, 0.0, 1.0, 0.75],
               b: [0.25, 0.5, 0.0, 1.0, 0.75],
               t: .nan, df: 4, tP: .nan,
               wStatistic: 0.0, wP: 1.0, wMethod: .signFlipEnumeration,
               wPCorrected: 1.0,
               cohenD: .nan, meanDifference: 0.0, sdDifference: 0.0),
    PairedCase(name: "identical20",
               a: [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
               b: [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
               t: .nan, df: 19, tP: .nan,
               wStatistic: 0.0, wP: .nan, wMethod: .normal,
               wPCorrected: .nan,
               cohenD: .nan, meanDifference: 0.0, sdDifference: 0.0),
    PairedCase(name: "identical60",
               a: [0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855],
               b: [0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714, 0.7142857142857143, 0.8571428571428571, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855],
               t: .nan, df: 59, tP: .nan,
               wStatistic: 0.0, wP: .nan, wMethod: .normal,
               wPCorrected: .nan,
               cohenD: .nan, meanDifference: 0.0, sdDifference: 0.0),
    PairedCase(name: "constant8",
               a: [0.5, 0.25, 0.75, 0.0, 1.0, 0.5, 0.25, 0.125],
               b: [0.25, 0.0, 0.5, -0.25, 0.75, 0.25, 0.0, -0.125],
               t: .infinity, df: 7, tP: 0.0,
               wStatistic: 0.0, wP: 0.0078125, wMethod: .signFlipEnumeration,
               wPCorrected: 0.0078125,
               cohenD: .infinity, meanDifference: 0.25, sdDifference: 0.0),
]

@Suite("Statistics against scipy / statsmodels")
struct StatisticsTests {
    @Test("the cases cover each Wilcoxon method and the edge cases they are meant to")
    func coverage() {
        let names = Set(pairedCases.map(\.name))
        #expect(names.count == pairedCases.count)
        let methods = Set(pairedCases.map(\.wMethod))
        #expect(methods == [.exact, .signFlipEnumeration, .normal])
        // zeros12 has zero differences, ties9 has tied |d|, ties30 both, with n > 13.
        let zeros12 = pairedCases.first { $0.name == "zeros12" }!
        #expect(zip(zeros12.a, zeros12.b).contains { $0 == $1 })
    }

    @Test("paired t-test = scipy.stats.ttest_rel", arguments: pairedCases)
    fileprivate func pairedTTest(_ c: PairedCase) {
        let result = Statistics.pairedTTest(c.a, c.b)
        expectClose(result.t, c.t, "t")
        #expect(result.degreesOfFreedom == c.df)
        expectClose(result.pValue, c.tP, "p")
        expectClose(result.meanDifference, c.meanDifference, "mean difference")
    }

    @Test("Wilcoxon signed-rank = scipy.stats.wilcoxon defaults", arguments: pairedCases)
    fileprivate func wilcoxon(_ c: PairedCase) {
        let result = Statistics.wilcoxonSignedRank(c.a, c.b)
        #expect(result.method == c.wMethod)
        expectClose(result.statistic, c.wStatistic, "statistic")
        expectClose(result.pValue, c.wP, "p")
        #expect(result.rankSumPositive + result.rankSumNegative
                == Double(result.nonZeroCount * (result.nonZeroCount + 1)) / 2)
        #expect((result.z != nil) == (c.wMethod == .normal))
    }

    @Test("Wilcoxon with continuity correction = scipy.stats.wilcoxon(correction=True)", arguments: pairedCases)
    fileprivate func wilcoxonCorrected(_ c: PairedCase) {
        let result = Statistics.wilcoxonSignedRank(c.a, c.b, continuityCorrection: true)
        expectClose(result.pValue, c.wPCorrected, "p")
    }

    @Test("the test is symmetric: swapping a and b keeps p and the statistic", arguments: pairedCases)
    fileprivate func wilcoxonSymmetric(_ c: PairedCase) {
        let forward = Statistics.wilcoxonSignedRank(c.a, c.b), backward = Statistics.wilcoxonSignedRank(c.b, c.a)
        #expect(close(backward.pValue, forward.pValue) && backward.statistic == forward.statistic)
    }

    @Test("Cohen's d_z and the summary of the differences = numpy", arguments: pairedCases)
    fileprivate func effectSize(_ c: PairedCase) {
        expectClose(Statistics.pairedCohensD(c.a, c.b), c.cohenD, "Cohen's d_z")
        let summary = Statistics.summary(zip(c.a, c.b).map { $0 - $1 })
        #expect(summary.count == c.a.count)
        expectClose(summary.mean, c.meanDifference, "mean")
        expectClose(summary.standardDeviation, c.sdDifference, "sample std")
    }

    @Test("mean ± sample std: small and degenerate inputs")
    func summaryEdges() {
        let three = Statistics.summary([0.30, 0.32, 0.34])
        expectClose(three.mean, 0.32, "mean")
        expectClose(three.standardDeviation, 0.02, "std")
        let one = Statistics.summary([0.5])
        #expect(one.mean == 0.5 && one.standardDeviation.isNaN)
        let none = Statistics.summary([])
        #expect(none.count == 0 && none.mean.isNaN && none.standardDeviation.isNaN)
    }

    @Test("Student t CDF and two-sided tail = scipy.stats.t")
    func studentT() {
        let cases: [(t: Double, df: Double, cdf: Double, twoSided: Double)] = [
            (2.1, 5.0, 0.9551233750577006, 0.08975324988459879),
            (-0.3, 12.0, 0.38465523704412613, 0.7693104740882523),
            (4.5, 29857.0, 0.9999965895103785, 6.820979243033602e-06),
            (-1.96, 1000000.0, 0.024998033792634926, 0.04999606758526985),
            (0.0, 3.0, 0.5, 1.0),
            (12.0, 2.0, 0.9965635331614208, 0.00687293367715846),
            (-7.5, 40.0, 1.905070985310913e-09, 3.810141970621826e-09),
            (2.0, 0.5, 0.7772425549084343, 0.4455148901831313),
        ]
        for c in cases {
            expectClose(Statistics.studentTCDF(c.t, degreesOfFreedom: c.df), c.cdf, "F(\(c.t); \(c.df))")
            expectClose(Statistics.studentTTwoSidedP(c.t, degreesOfFreedom: c.df), c.twoSided, "2·sf(|\(c.t)|; \(c.df))")
        }
        #expect(Statistics.studentTTwoSidedP(.infinity, degreesOfFreedom: 4) == 0)
        #expect(Statistics.studentTTwoSidedP(.nan, degreesOfFreedom: 4).isNaN)
    }

    @Test("regularized incomplete beta = scipy.special.betainc")
    func incompleteBeta() {
        let cases: [(x: Double, a: Double, b: Double, value: Double)] = [
            (0.3, 2.5, 0.5, 0.018927124071945658),
            (0.999, 15000.0, 0.5, 4.288254827500046e-08),
            (0.99995, 15000.0, 0.5, 0.22066943845660023),
            (0.5, 12.0, 7.5, 0.1477013508152079),
            (0.01, 0.7, 3.0, 0.09061554182734631),
            (0.9, 0.5, 0.5, 0.7951672353008665),
            (0.2, 40.0, 60.0, 2.6819257660283732e-06),
            (0.75, 1.0, 1.0, 0.75),
        ]
        for c in cases {
            expectClose(Statistics.regularizedIncompleteBeta(c.x, a: c.a, b: c.b), c.value, "I_\(c.x)(\(c.a), \(c.b))")
        }
        #expect(Statistics.regularizedIncompleteBeta(0, a: 2, b: 3) == 0)
        #expect(Statistics.regularizedIncompleteBeta(1, a: 2, b: 3) == 1)
    }

    @Test("Holm and Benjamini–Hochberg = statsmodels multipletests holm / fdr_bh")
    func adjustments() {
        let cases: [(p: [Double], holm: [Double], bh: [Double])] = [
            ([0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9, 0.5],
             [0.07, 0.2, 0.18, 0.04, 0.6000000000000001, 0.2, 1.0, 1.0],
             [0.04, 0.064, 0.064, 0.04, 0.26666666666666666, 0.064, 0.9, 0.5714285714285714]),
            ([0.5, 0.6, 0.7, 0.8],
             [1.0, 1.0, 1.0, 1.0],
             [0.8, 0.8, 0.8, 0.8]),
            ([0.001, 0.0001, 0.3, 0.02, 0.049, 0.051],
             [0.005, 0.0006000000000000001, 0.3, 0.08, 0.14700000000000002, 0.14700000000000002],
             [0.003, 0.0006000000000000001, 0.3, 0.04, 0.06119999999999999, 0.06119999999999999]),
            ([0.04],
             [0.04],
             [0.04]),
        ]
        for c in cases {
            let holm = Statistics.adjustedPValues(c.p, method: .holm)
            let bh = Statistics.adjustedPValues(c.p, method: .benjaminiHochberg)
            for k in c.p.indices {
                expectClose(holm[k], c.holm[k], "Holm \(c.p) [\(k)]")
                expectClose(bh[k], c.bh[k], "BH \(c.p) [\(k)]")
            }
        }
    }

    @Test("NaN p-values stay NaN and do not count in m (R's p.adjust rule)")
    func adjustmentsWithNaN() {
        let p = [0.01, .nan, 0.04, 0.03]
        for method in Statistics.PValueAdjustment.allCases {
            let adjusted = Statistics.adjustedPValues(p, method: method)
            let withoutNaN = Statistics.adjustedPValues([0.01, 0.04, 0.03], method: method)
            #expect(adjusted[1].isNaN)
            #expect([adjusted[0], adjusted[2], adjusted[3]] == withoutNaN)
        }
        #expect(Statistics.adjustedPValues([], method: .holm).isEmpty)
    }

    @Test("the Python port of SeededGenerator used for the bootstrap check agrees with RecMath")
    func generatorPort() {
        // script output: [1029197146548041518, 14427268137155694693, 1329179038587965441] 1 773652
        var generator = SeededGenerator(seed: 2024)
        #expect([generator.next(), generator.next(), generator.next()] == [1029197146548041518, 14427268137155694693, 1329179038587965441])
        #expect(generator.nextInt(below: 7) == 1)
        #expect(generator.nextInt(below: 1_000_003) == 773652)
    }

    @Test("bootstrap percentile intervals = numpy quantiles over the same SeededGenerator draws")
    func bootstrap() {
        let expected: [(label: String, estimate: Double, lower: Double, upper: Double)] = [
            ("mean large80.a B=2000 seed=42", 0.31, 0.24187499999999998, 0.38249999999999995),
            ("paired large80 a-b B=2000 seed=7", 0.033125, 0.01123437500000002, 0.05626562499999992),
            ("mean exact10.a B=999 90% seed=1", 0.5203125, 0.35896484375000004, 0.6873437499999999),
        ]
        let large80 = pairedCases.first { $0.name == "large80" }!
        let exact10 = pairedCases.first { $0.name == "exact10" }!
        let intervals = [
            Statistics.bootstrapMeanCI(large80.a, resamples: 2000, confidence: 0.95, seed: 42),
            Statistics.bootstrapPairedDifferenceCI(large80.a, large80.b, resamples: 2000, confidence: 0.95, seed: 7),
            Statistics.bootstrapMeanCI(exact10.a, resamples: 999, confidence: 0.90, seed: 1),
        ]
        for (interval, e) in zip(intervals, expected) {
            expectClose(interval.estimate, e.estimate, "\(e.label) estimate")
            expectClose(interval.lower, e.lower, "\(e.label) lower")
            expectClose(interval.upper, e.upper, "\(e.label) upper")
            #expect(interval.lower <= interval.estimate && interval.estimate <= interval.upper)
        }
        // Same seed, same interval; another seed, another interval.
        #expect(Statistics.bootstrapMeanCI(large80.a, resamples: 500, seed: 3)
                == Statistics.bootstrapMeanCI(large80.a, resamples: 500, seed: 3))
        #expect(Statistics.bootstrapMeanCI(large80.a, resamples: 500, seed: 3)
                != Statistics.bootstrapMeanCI(large80.a, resamples: 500, seed: 4))
        #expect(Statistics.bootstrapMeanCI([], seed: 1).lower.isNaN)
    }

    @Test("a large-sample t-test keeps its accuracy (ν = 29,857, the Gowalla user count)")
    func largeDegreesOfFreedom() {
        // d_k = ±1 (alternating) + 0.026 for k < 29,858; script output (t, p):
        let expected = (t: 4.492586337512044, p: 7.062712651782852e-06)
        let n = 29_858, delta = 0.026
        let a = (0..<n).map { ($0 % 2 == 0 ? 1.0 : -1.0) + delta }
        let result = Statistics.pairedTTest(a, [Double](repeating: 0, count: n))
        expectClose(result.t, expected.t, "t")
        expectClose(result.pValue, expected.p, "p")
        #expect(result.degreesOfFreedom == n - 1)
    }
}
