import Foundation

/// The main results table: one row per successful model, one column per test metric, each cell
/// the mean over the model's selected runs (± sample standard deviation when it has several);
/// best value per column bold, second underlined. README.md, index.html and table.tex show it.
struct ResultsTable {
    struct Entry {
        var aggregate: ExperimentReport.Aggregate?
        var emphasis: ReportTable.Cell.Emphasis
        /// "†": this best value is significantly better than the second best.
        var significant: Bool
    }

    let report: ExperimentReport
    let models: [ExperimentReport.ModelSummary]
    let columns: [ExperimentReport.Column]
    /// entries[model][column]
    let entries: [[Entry]]
    /// The column whose best value was tested against the second best, if the test was possible.
    let testedColumn: ExperimentReport.Column?

    static let marker = "†"

    init(report: ExperimentReport, significance: Significance? = nil) {
        self.report = report
        let models = report.models.filter(\.succeeded)
        let columns = report.columns
        self.models = models
        self.columns = columns
        var entries = models.map { model in
            columns.map { Entry(aggregate: report.aggregate(model, $0), emphasis: .none, significant: false) }
        }
        for (index, column) in columns.enumerated() {
            let marks = rankEmphasis(entries.map { $0[index].aggregate?.mean }, lowerIsBetter: column.lowerIsBetter)
            for row in entries.indices { entries[row][index].emphasis = marks[row] }
        }
        // The headline's best against its runner-up, from the pairwise tests (both Holm-corrected).
        var tested: ExperimentReport.Column?
        if let significance, let headline = report.headline, let index = columns.firstIndex(of: headline) {
            let best = entries.indices.filter { entries[$0][index].emphasis == .best }
            let second = entries.indices.filter { entries[$0][index].emphasis == .second }
            if best.count == 1, second.count == 1 {
                let a = models[best[0]].label, b = models[second[0]].label
                if let row = significance.rows.first(where: { ($0.a == a && $0.b == b) || ($0.a == b && $0.b == a) }) {
                    tested = headline
                    let direction = row.a == a ? row.meanDifference : -row.meanDifference
                    entries[best[0]][index].significant = direction > 0 && row.tTest < 0.05 && row.wilcoxon < 0.05
                }
            }
        }
        self.entries = entries
        testedColumn = tested
    }

    /// Whether any cell shows a standard deviation.
    var showsSpread: Bool { entries.contains { $0.contains { ($0.aggregate?.n ?? 0) > 1 } } }

    func table() -> ReportTable {
        let rows = zip(models, entries).map { model, row in
            [ReportTable.Cell(model.label)] + row.map { entry -> ReportTable.Cell in
                guard let aggregate = entry.aggregate else { return ReportTable.Cell("-") }
                var suffix = entry.significant ? Self.marker : ""
                if aggregate.n > 1 { suffix += String(format: " ± %.4f", aggregate.std) }
                return ReportTable.Cell(String(format: "%.4f", aggregate.mean), emphasis: entry.emphasis, suffix: suffix)
            }
        }
        return ReportTable(header: ["model"] + columns.map(\.label), rows: rows)
    }

    var significanceNote: String? {
        guard let column = testedColumn else { return nil }
        let marked = entries.contains { $0.contains(where: \.significant) }
        return marked
            ? "\(Self.marker) The best \(column.label) is significantly better than the second best (paired t-test and Wilcoxon signed-rank test over users, both p < 0.05 after Holm correction over all pairs)."
            : "The best \(column.label) is not significantly better than the second best (paired t-test and Wilcoxon signed-rank test over users, Holm-corrected over all pairs, α = 0.05)."
    }
}
