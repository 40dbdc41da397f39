import Foundation

/// How the headline metric spreads over users: one box plot per model of its per-user values
/// (each user's mean over seeds; with folds, every (fold, user) counts once).
///
/// The script holds the box statistics, not the values, so it stays small for 100,000 users.
struct UserDistributionChart {
    static let stem = "chart-users"
    let report: ExperimentReport

    func chart() -> ChartFile? {
        guard let column = report.headline else { return nil }
        let boxes = report.chartModels.enumerated().compactMap { index, model -> (Int, String, BoxStatistics)? in
            guard let values = report.perUserValues(model), let box = BoxStatistics(values.values) else { return nil }
            return (index, model.label, box)
        }
        guard !boxes.isEmpty else { return nil }
        let data = Gnuplot.datablock("boxes", boxes.enumerated().map { row, entry in
            let box = entry.2
            return ([String(row + 1)] + [box.lowerWhisker, box.firstQuartile, box.median, box.thirdQuartile, box.upperWhisker, box.mean]
                .map { Gnuplot.number($0) } + [Gnuplot.quoted(Gnuplot.short(entry.1, 32)), String(box.count)]).joined(separator: " ")
        })
        let counts = Set(boxes.map(\.2.count))
        let who = counts.count == 1 ? "\(grouped(counts.first!)) \(report.foldCount > 1 ? "(fold, user) pairs" : "users") each" : "users"
        let plots = boxes.enumerated().map { row, entry in
            "$boxes every ::\(row)::\(row) using 1:3:2:6:5:xtic(8) with candlesticks lt \(entry.0 + 1) whiskerbars 0.5 fill solid 0.55 border lc rgb '#333333' notitle"
        } + [
            "$boxes using 1:4:4:4:4 with candlesticks lt -1 lw 2 notitle",
            "$boxes using 1:7 with points pt 13 ps 1.3 lc rgb '#222222' notitle",
        ]
        let width = max(520, 140 + 70 * boxes.count)
        let body = [
            "set title \(Gnuplot.quoted("\(report.experiment.name): per-user \(column.label) (\(who); diamond = mean)")) noenhanced",
            "set ylabel \(Gnuplot.quoted("per-user " + column.label)) noenhanced",
            "set xrange [0.4:\(String(format: "%.1f", Double(boxes.count) + 0.6))]",
            "set yrange [0:*]",
            "set boxwidth 0.6",
            "set xtics rotate by 35 right nomirror noenhanced",
            "set bmargin \(min(12, 2 + boxes.map { Gnuplot.short($0.1, 32).count }.max()! / 4))",
            "set lmargin 10",
            "unset key",
            "plot " + plots.joined(separator: ", \\\n        "),
        ]
        return ChartFile(
            stem: Self.stem, title: "Per-user distribution",
            caption: "Per-user \(column.label), one box per model: the box spans the first to the third quartile, the black line is the median, "
                + "whiskers reach the most extreme values within 1.5 × IQR, the diamond is the mean"
                + (report.chartModels.contains { $0.seeds.count > 1 } ? "; each user's value is the mean over the model's seeds." : "."),
            script: Gnuplot.script(stem: Self.stem, data: data, width: width, height: 480, body: body))
    }
}
