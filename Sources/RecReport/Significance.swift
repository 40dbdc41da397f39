import Foundation
import RecEval
import RecLedger

/// Pairwise comparison of models on one metric, from the per-user values in the ledger.
///
/// For every pair (A, B) of models whose selected runs evaluated the same users on the same folds:
/// the mean difference A − B, a 95% percentile-bootstrap interval of it (2,000 resamples, seed 0,
/// so the report is reproducible), Cohen's d_z, and two-sided p-values of the paired t-test and the
/// Wilcoxon signed-rank test, each Holm-corrected over all pairs. A model with several seeds
/// contributes each user's mean over its seeds; with several folds, each (fold, user) is one pair.
struct Significance {
    struct Row {
        var a: String
        var b: String
        var meanDifference: Double
        var interval: Statistics.ConfidenceInterval
        var effect: Double
        var tTest: Double
        var wilcoxon: Double
    }

    let metric: String
    let rows: [Row]
    let users: Int
    /// Whether the pairs are (fold, user) rather than users.
    let overFolds: Bool
    /// Whether some model's values are means over several seeds.
    let seedsAveraged: Bool

    static let bootstrapResamples = 2_000

    /// nil when fewer than two models have per-user values of the headline over the same users.
    init?(report: ExperimentReport) {
        guard let headline = report.headline else { return nil }
        let models = report.models.compactMap { model in report.perUserValues(model).map { (model.label, $0) } }
        guard models.count >= 2, !models[0].1.keys.isEmpty, models.allSatisfy({ $0.1.keys == models[0].1.keys }) else { return nil }
        var raw: [(String, String, Double, Statistics.ConfidenceInterval, Double, Double, Double)] = []
        for i in 0..<models.count {
            for j in (i + 1)..<models.count {
                let a = models[i].1.values, b = models[j].1.values
                raw.append((models[i].0, models[j].0, zip(a, b).map { $0 - $1 }.reduce(0, +) / Double(a.count),
                            Statistics.bootstrapPairedDifferenceCI(a, b, resamples: Self.bootstrapResamples, seed: 0),
                            Statistics.pairedCohensD(a, b),
                            Statistics.pairedTTest(a, b).pValue, Statistics.wilcoxonSignedRank(a, b).pValue))
            }
        }
        let tAdjusted = Statistics.adjustedPValues(raw.map(\.5), method: .holm)
        let wAdjusted = Statistics.adjustedPValues(raw.map(\.6), method: .holm)
        rows = raw.enumerated().map { index, row in
            Row(a: row.0, b: row.1, meanDifference: row.2, interval: row.3, effect: row.4,
                tTest: tAdjusted[index], wilcoxon: wAdjusted[index])
        }
        overFolds = Set(models[0].1.keys.map { $0 >> 32 }).count > 1
        seedsAveraged = report.models.contains { $0.seeds.count > 1 }
        self.metric = headline.label
        users = models[0].1.keys.count
    }

    func blocks() -> [ReportBlock] {
        let unit = overFolds ? "(fold, user) pairs" : "users"
        let rows = rows.map { row -> [ReportTable.Cell] in
            [.init(row.a), .init(row.b), .init(String(format: "%+.4f", row.meanDifference)),
             .init("[\(String(format: "%+.4f", row.interval.lower)), \(String(format: "%+.4f", row.interval.upper))]"),
             .init(String(format: "%.2f", row.effect)), .init(p(row.tTest)), .init(p(row.wilcoxon))]
        }
        return [
            .heading(level: 3, text: "Significance (\(metric), paired over \(grouped(users)) \(unit))"),
            .paragraph("Mean difference A − B with a 95% bootstrap interval (\(grouped(Self.bootstrapResamples)) resamples of \(overFolds ? "pairs" : "users")), "
                + "Cohen's d_z, and two-sided p-values of the paired t-test and the Wilcoxon signed-rank test, "
                + "Holm-corrected over the \(self.rows.count) pairs; * marks p < 0.05 after correction."
                + (seedsAveraged ? " A model run with several seeds contributes each user's mean over its seeds." : "")),
            .table(ReportTable(header: ["A", "B", "A − B", "95% CI", "d_z", "t-test p", "Wilcoxon p"],
                               alignments: [.left, .left, .right, .left, .right, .right, .right], rows: rows)),
        ]
    }

    private func p(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let text = value < 1e-4 ? String(format: "%.1e", value) : String(format: "%.4f", value)
        return value < 0.05 ? text + " *" : text
    }
}
