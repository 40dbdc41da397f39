import Foundation
import RecLedger

/// Learning curves: training loss per epoch (left) and the validation metric at the epochs the
/// host evaluated it (right), one line per selected run in its model's colour, the kept (best)
/// epoch marked. Drawn only when some run trained in epochs.
struct LearningCurveChart {
    static let stem = "chart-learning"
    let report: ExperimentReport

    func chart() -> ChartFile? {
        let models = report.chartModels
        var curves: [(model: Int, label: String, run: RunRecord, epochs: [EpochRecord])] = []
        for (index, model) in models.enumerated() {
            for run in model.runs {
                if let epochs = report.epochs[run.id!], !epochs.isEmpty { curves.append((index, model.label, run, epochs)) }
            }
        }
        guard !curves.isEmpty else { return nil }
        let validated = curves.filter { $0.epochs.contains { $0.value != nil } }
        let metricNames = Set(validated.flatMap { $0.epochs.compactMap(\.metric) }).sorted()
        // A log axis only when the losses span more than a decade (models' losses differ in scale).
        let losses = curves.flatMap { $0.epochs.map(\.loss) }.filter(\.isFinite)
        let logLoss = (losses.min() ?? 0) > 0 && (losses.max() ?? 0) > 10 * (losses.min() ?? 0)

        var data: [String] = []
        var best: [String] = []
        for (index, curve) in curves.enumerated() {
            data += Gnuplot.datablock("loss\(index + 1)", curve.epochs.map { "\($0.epoch) \(Gnuplot.number($0.loss))" })
            let points = curve.epochs.filter { $0.value != nil }
            if !points.isEmpty {
                data += Gnuplot.datablock("val\(index + 1)", points.map { "\($0.epoch) \(Gnuplot.number($0.value))" })
            }
            if let kept = curve.run.bestEpoch, let epoch = curve.epochs.first(where: { $0.epoch == kept }) {
                best.append("\(curve.model + 1) \(epoch.epoch) \(Gnuplot.number(epoch.loss)) \(Gnuplot.number(epoch.value))")
            }
        }
        if !best.isEmpty { data += Gnuplot.datablock("best", best) }

        let lossPlots = curves.enumerated().map { index, curve in
            "$loss\(index + 1) using 1:2 with lines lt \(curve.model + 1) notitle"
        } + (best.isEmpty ? [] : ["$best using 2:3:1 with points pt 7 ps 1.4 lc variable notitle"])
        let validationPlots = curves.enumerated().compactMap { index, curve -> String? in
            guard curve.epochs.contains(where: { $0.value != nil }) else { return nil }
            return "$val\(index + 1) using 1:2 with linespoints lt \(curve.model + 1) pt 7 ps 0.5 notitle"
        } + (best.contains { !$0.hasSuffix("NaN") } ? ["$best using 2:4:1 with points pt 7 ps 1.4 lc variable notitle"] : [])

        // Curves of one model share its colour; the legend names each model once.
        var legendModels: [(label: String, style: String, linetype: Int)] = []
        var seen = Set<Int>()
        for curve in curves where seen.insert(curve.model).inserted { legendModels.append((curve.label, "lines", curve.model + 1)) }
        let layout = Gnuplot.Layout(panels: validationPlots.isEmpty ? 1 : 2, panelWidth: 480, panelHeight: 340,
                                    legendLabels: legendModels.map(\.label))
        var body = [
            "set multiplot title \(Gnuplot.quoted("\(report.experiment.name): learning curves")) noenhanced",
            "set lmargin 10", "set rmargin 3", "set tmargin 2.5", "set bmargin 3.5",
            "set xlabel 'epoch'",
            "unset key",
        ]
        body += layout.place(0)
        body += ["set title 'training loss" + (logLoss ? " (log scale)'" : "'")]
        if logLoss { body.append("set logscale y 10") }
        body.append("plot " + lossPlots.joined(separator: ", \\\n        "))
        if !validationPlots.isEmpty {
            body += layout.place(1)
            body.append("unset logscale y")
            body.append("set title \(Gnuplot.quoted(panelTitle(metricNames))) noenhanced")
            body.append("plot " + validationPlots.joined(separator: ", \\\n        "))
        }
        body += layout.legend(legendModels)
        body.append("unset multiplot")
        return ChartFile(
            stem: Self.stem, title: "Learning curves",
            caption: "Training loss per epoch" + (logLoss ? " (log scale)" : "")
                + (validationPlots.isEmpty ? "" : " and " + (onTest(metricNames) ? "the test metric (a learning curve; it never steered training)" : "the validation metric")
                    + " at the epochs the host evaluated it")
                + ", one line per run in its model's colour" + (best.isEmpty ? "." : "; the large dot marks the epoch the model kept."),
            script: Gnuplot.script(stem: Self.stem, data: data, width: layout.width, height: layout.height, body: body))
    }

    /// Curves of `[models.learning_curve]` are stored as "test <metric>"; early stopping's as "<metric>".
    private func onTest(_ names: [String]) -> Bool { !names.isEmpty && names.allSatisfy { $0.hasPrefix("test ") } }

    private func panelTitle(_ names: [String]) -> String {
        if names.count == 1 { return onTest(names) ? names[0] : "validation \(names[0])" }
        return onTest(names) ? "test metric" : "validation metric"
    }
}
