import Foundation

/// Accuracy against training time: one point per model at (mean fit seconds of one run, its
/// headline metric), fit time on a log scale.
struct TimeChart {
    static let stem = "chart-time"
    /// Times below this are drawn at it: a log axis has no zero, and under a millisecond is "instant".
    static let floorSeconds = 0.001
    let report: ExperimentReport

    func chart() -> ChartFile? {
        guard let column = report.chartHeadline else { return nil }
        let points = report.chartModels.enumerated().compactMap { index, model -> (Int, String, Double, ExperimentReport.Aggregate)? in
            guard let seconds = model.meanFitSeconds, let value = report.aggregate(model, column) else { return nil }
            return (index, model.label, max(seconds, Self.floorSeconds), value)
        }
        guard !points.isEmpty else { return nil }
        let spread = points.contains { $0.3.n > 1 }
        let data = Gnuplot.datablock("points", points.map { _, label, seconds, value in
            [Gnuplot.number(seconds), Gnuplot.number(value.mean), Gnuplot.number(value.std), Gnuplot.quoted(label)].joined(separator: " ")
        })
        let legendWidth = Gnuplot.Layout(panels: 1, panelWidth: 1, panelHeight: 1, legendLabels: points.map(\.1)).legendWidth
        let style = spread ? "using 1:2:3 with yerrorbars" : "using 1:2 with points"
        let plots = points.enumerated().map { row, point in
            "$points every ::\(row)::\(row) \(style) lt \(point.0 + 1) pt 7 ps 1.6 title \(Gnuplot.quoted(Gnuplot.short(point.1)))"
        }
        let body = [
            "set title \(Gnuplot.quoted("\(report.experiment.name): \(column.label) against training time")) noenhanced",
            "set logscale x 10",
            "set format x '%g'",
            "set xlabel 'fit time of one run (s, log scale)'",
            "set ylabel \(Gnuplot.quoted(ExperimentReport.axisLabel(column))) noenhanced",
            "set grid xtics ytics lc rgb '#d0d0d0'",
            "set offsets graph 0.08, graph 0.08, graph 0.08, " + (column.lowerIsBetter ? "graph 0.08" : "0"),
            column.lowerIsBetter ? "set autoscale y" : "set yrange [0:*]",
            "set key outside right top vertical Left reverse samplen 1 spacing 1.2 noenhanced",
            "plot " + plots.joined(separator: ", \\\n        "),
        ]
        return ChartFile(
            stem: Self.stem, title: "Accuracy against training time",
            caption: "\(column.label) against the mean fit time of one run, on a log scale (times under 1 ms drawn at 1 ms)"
                + (spread ? "; bars ± one standard deviation of the metric over the model's runs." : "."),
            script: Gnuplot.script(stem: Self.stem, data: data, width: 760 + legendWidth, height: 460, body: body))
    }
}
