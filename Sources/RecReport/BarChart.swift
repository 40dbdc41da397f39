import Foundation
import RecLedger

/// Bars of every test metric: one panel per metric (its cutoffs side by side), one bar per
/// successful model, error bars of ± one sample standard deviation over seeds and folds.
/// Panels keep their own scale, so rmse beside mae or precision beside hr stay readable.
struct BarChart {
    static let stem = "chart"
    let report: ExperimentReport

    func chart() -> ChartFile? {
        let models = report.chartModels
        let families = report.metricFamilies(report.columns)
        guard !models.isEmpty, !families.isEmpty else { return nil }
        let spread = report.chartsShowSpread
        let n = models.count
        let widest = families.map(\.columns.count).max()!
        let layout = Gnuplot.Layout(panels: families.count, panelWidth: max(320, 90 + widest * (24 + 14 * n)),
                                    panelHeight: 300, legendLabels: models.map(\.label))

        var data: [String] = []
        let header = (["metric"] + models.map { Gnuplot.quoted($0.label) } + models.map { Gnuplot.quoted("± " + $0.label) })
            .joined(separator: " ")
        for (index, family) in families.enumerated() {
            var rows = [header]
            for column in family.columns {
                let values = models.map { report.aggregate($0, column) }
                rows.append(([Gnuplot.quoted(column.label)] + values.map { Gnuplot.number($0?.mean) }
                             + values.map { Gnuplot.number($0.map(\.std)) }).joined(separator: " "))
            }
            data += Gnuplot.datablock("p\(index + 1)", rows)
        }

        let what = report.experiment.evaluationProtocol
        var title = "\(report.experiment.name): \(report.experiment.dataset), \(what)"
        if spread { title += " — mean ± std over each model's runs" }
        var body = [
            "set multiplot title \(Gnuplot.quoted(title)) noenhanced",
            "set style data histograms",
            spread ? "set style histogram errorbars gap 1 lw 1" : "set style histogram clustered gap 1",
            "set style fill solid 0.85 border -1",
            "set boxwidth 0.9",
            "set yrange [0:*]",
            "set lmargin 9", "set rmargin 2", "set tmargin 2.5", "set bmargin 2.5",
            "set xtics nomirror noenhanced",
            "unset key",
        ]
        for (index, family) in families.enumerated() {
            let lower = family.columns[0].lowerIsBetter
            body += layout.place(index)
            body.append("set title \(Gnuplot.quoted(family.metric + (lower ? " (lower is better)" : ""))) noenhanced")
            body.append("set xrange [-0.5:\(String(format: "%.1f", Double(family.columns.count) - 0.5))]")
            let using = spread ? "using i:i+\(n):xtic(1)" : "using i:xtic(1)"
            body.append("plot for [i=2:\(n + 1)] $p\(index + 1) \(using) title columnheader(i)")
        }
        body += layout.legend(models.enumerated().map { ($1.label, "boxes fill solid 0.85 border -1", $0 + 1) })
        body.append("unset multiplot")

        return ChartFile(
            stem: Self.stem, title: "Metrics",
            caption: "Every test metric, one panel per metric, one bar per model"
                + (spread ? "; mean over the model's runs with ± one standard deviation." : "."),
            script: Gnuplot.script(stem: Self.stem, data: data, width: layout.width, height: layout.height, body: body))
    }
}
