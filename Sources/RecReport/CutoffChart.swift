import Foundation

/// metric@K curves: one panel per metric measured at two or more cutoffs, the value against K,
/// one line per model (± one standard deviation over its runs when it has several).
struct CutoffChart {
    static let stem = "chart-cutoffs"
    let report: ExperimentReport

    func chart() -> ChartFile? {
        let models = report.chartModels
        let families = report.metricFamilies(report.columns).filter { $0.columns.count > 1 }
        guard !models.isEmpty, !families.isEmpty else { return nil }
        let spread = report.chartsShowSpread
        let n = models.count
        let layout = Gnuplot.Layout(panels: families.count, panelWidth: 380, panelHeight: 300, legendLabels: models.map(\.label))

        var data: [String] = []
        let header = (["cutoff"] + models.map { Gnuplot.quoted($0.label) } + models.map { Gnuplot.quoted("± " + $0.label) })
            .joined(separator: " ")
        for (index, family) in families.enumerated() {
            var rows = [header]
            for column in family.columns {
                let values = models.map { report.aggregate($0, column) }
                rows.append(([String(column.cutoff)] + values.map { Gnuplot.number($0?.mean) } + values.map { Gnuplot.number($0.map(\.std)) })
                    .joined(separator: " "))
            }
            data += Gnuplot.datablock("k\(index + 1)", rows)
        }

        var body = [
            "set multiplot title \(Gnuplot.quoted("\(report.experiment.name): metrics against the cutoff K")) noenhanced",
            "set lmargin 9", "set rmargin 3", "set tmargin 2.5", "set bmargin 3.5",
            "set xlabel 'K'",
            "set offsets graph 0.04, graph 0.04, graph 0.05, 0",
            "set yrange [0:*]",
            "unset key",
        ]
        for (index, family) in families.enumerated() {
            let cutoffs = family.columns.map { String($0.cutoff) }
            body += layout.place(index)
            body.append("set title \(Gnuplot.quoted(family.metric)) noenhanced")
            body.append("set xtics (\(cutoffs.joined(separator: ", "))) nomirror")
            let style = spread ? "using 1:i:i+\(n) with yerrorlines" : "using 1:i with linespoints"
            body.append("plot for [i=2:\(n + 1)] $k\(index + 1) \(style) lt i-1 title columnheader(i)")
        }
        body += layout.legend(models.enumerated().map { ($1.label, "linespoints", $0 + 1) })
        body.append("unset multiplot")

        return ChartFile(
            stem: Self.stem, title: "Metrics at each cutoff",
            caption: "Each metric measured at several cutoffs, against K; one line per model"
                + (spread ? " (mean over its runs, bars ± one standard deviation)." : "."),
            script: Gnuplot.script(stem: Self.stem, data: data, width: layout.width, height: layout.height, body: body))
    }
}
