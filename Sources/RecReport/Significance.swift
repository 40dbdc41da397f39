import Foundation
import RecEval
import RecLedger

/// Pairwise comparison of models on one metric, from the per-user values in the ledger.
///
/// For every pair (A, B) of single-fold models that evaluated the same users: the mean difference
/// A − B, a 95% percentile-bootstrap interval of it (2,000 resamples, seed 0, so the report is
/// reproducible), Cohen's d_z, and two-sided p-values of the paired t-test and the Wilcoxon
/// signed-rank test, each Holm-corrected over all pairs.
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

    static let bootstrapResamples = 2_000

    /// nil when fewer than two models have per-user values of `metric@cutoff` over the same users.
    init?(report: ExperimentReport, ledger perUser: [String: PerUserRecord], metric: String) {
        let labels = report.models.filter(\.succeeded).map(\.label).filter { perUser[$0] != nil }
        guard labels.count >= 2, let reference = perUser[labels[0]]?.userIDs,
              labels.allSatisfy({ perUser[$0]!.userIDs == reference }) else { return nil }
        var raw: [(String, String, Double, Statistics.ConfidenceInterval, Double, Double, Double)] = []
        for i in 0..<labels.count {
            for j in (i + 1)..<labels.count {
                let a = perUser[labels[i]]!.userValues, b = perUser[labels[j]]!.userValues
                raw.append((labels[i], labels[j], zip(a, b).map { $0 - $1 }.reduce(0, +) / Double(a.count),
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
        self.metric = metric
        users = reference.count
    }

    func markdown() -> [String] {
        var lines = [
            "### Significance (\(metric), paired over \(grouped(users)) users)",
            "",
            "Mean difference A − B with a 95% bootstrap interval (\(grouped(Self.bootstrapResamples)) resamples of users), "
                + "Cohen's d_z, and two-sided p-values of the paired t-test and the Wilcoxon signed-rank test, "
                + "Holm-corrected over the \(rows.count) pairs; * marks p < 0.05 after correction.",
            "",
            "| A | B | A − B | 95% CI | d_z | t-test p | Wilcoxon p |",
            "|---|---|---:|---|---:|---:|---:|",
        ]
        for row in rows {
            lines.append("| \(row.a) | \(row.b) | \(String(format: "%+.4f", row.meanDifference)) | "
                + "[\(String(format: "%+.4f", row.interval.lower)), \(String(format: "%+.4f", row.interval.upper))] | "
                + "\(String(format: "%.2f", row.effect)) | \(p(row.tTest)) | \(p(row.wilcoxon)) |")
        }
        return lines
    }

    private func p(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let text = value < 1e-4 ? String(format: "%.1e", value) : String(format: "%.4f", value)
        return value < 0.05 ? text + " *" : text
    }
}
