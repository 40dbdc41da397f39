import ArgumentParser
import Foundation
import RecLedger
import RecReport

extension Recbench {
    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List the experiment executions in the ledger, or the runs of one execution.",
            discussion: """
                Without an argument: every execution, newest first, with how its runs went. An \
                execution still marked running was interrupted (or is running now); its finished runs \
                are kept. With an experiment name (its latest finished execution) or an execution id: \
                that execution's runs — model, search point, whether selected, seed, fold, status, the \
                headline metric, fit seconds and whether the run was reused from an earlier execution.

                Examples:
                  recbench ls
                  recbench ls quickstart
                  recbench ls 12 --json
                """)

        @Argument(help: ArgumentHelp("An experiment name or execution id whose runs to list.", valueName: "execution"))
        var execution: String?

        @Flag(help: "Print JSON (and nothing else) on standard output.")
        var json = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            do {
                guard FileManager.default.fileExists(atPath: common.ledgerPath) else {
                    throw ReportErrorMessage("no ledger at \(common.ledgerPath); run an experiment first or pass --ledger FILE")
                }
                let ledger = try Ledger(path: common.ledgerPath)
                if let execution {
                    try listRuns(ExperimentReport.load(execution, from: ledger))
                } else {
                    try listExecutions(ledger.executions())
                }
            } catch {
                throw fail(error)
            }
        }

        struct Execution: Encodable {
            var id: Int64
            var name: String
            var status: String
            var startedAt: String
            var finishedAt: String?
            var dataset: String
            var runs: Int
            var failed: Int
        }

        private func listExecutions(_ executions: [Ledger.ExecutionSummary]) throws {
            if json {
                print(try stableJSON(executions.map {
                    Execution(id: $0.id, name: $0.name, status: $0.status, startedAt: $0.startedAt, finishedAt: $0.finishedAt,
                              dataset: $0.dataset, runs: $0.runs, failed: $0.failed)
                }))
                return
            }
            if executions.isEmpty {
                print("The ledger \(common.ledgerPath) is empty.")
                return
            }
            print("   ID  " + "EXPERIMENT".padding(32) + "STATUS".padding(25) + "RUNS            STARTED               DATASET")
            for execution in executions {
                let runs = execution.failed > 0 ? "\(execution.runs) (\(execution.failed) failed)" : "\(execution.runs)"
                print(String(execution.id).leftPadding(5) + "  " + execution.name.padding(32) + execution.status.padding(25)
                    + runs.padding(16) + execution.startedAt.padding(22) + execution.dataset)
            }
        }

        struct Run: Encodable {
            var id: Int64
            var label: String
            var plugin: String
            var pluginVersion: String
            var params: String
            var point: Int
            var selected: Bool
            var seed: Int64
            var fold: Int
            var status: String
            var error: String?
            var fitSeconds: Double?
            var evalSeconds: Double?
            var epochsRun: Int?
            var bestEpoch: Int?
            var reusedFromRunId: Int64?
            /// Test metrics by label ("ndcg@10"), and the same measured on the validation part.
            var metrics: [String: Double]
            var validation: [String: Double]
        }

        private func listRuns(_ report: ExperimentReport) throws {
            if json {
                let runs = report.runs.map { run in
                    var test: [String: Double] = [:], validation: [String: Double] = [:]
                    for record in report.metrics[run.id!] ?? [] {
                        let label = ExperimentReport.Column(metric: record.metric, cutoff: record.cutoff).label
                        if ExperimentReport.isValidation(record.evaluationProtocol) { validation[label] = record.value } else { test[label] = record.value }
                    }
                    return Run(id: run.id!, label: run.label, plugin: run.plugin, pluginVersion: run.pluginVersion, params: run.params,
                               point: run.point, selected: run.selected, seed: run.seed, fold: run.fold + 1, status: run.status,
                               error: run.error, fitSeconds: run.fitSeconds, evalSeconds: run.evalSeconds, epochsRun: run.epochsRun,
                               bestEpoch: run.bestEpoch, reusedFromRunId: run.reusedFromRunId, metrics: test, validation: validation)
                }
                print(try stableJSON(runs))
                return
            }
            let experiment = report.experiment
            print("#\(experiment.id!) \(experiment.name) (\(experiment.status)), \(experiment.dataset), \(experiment.splitMethod), "
                + "\(experiment.evaluationProtocol): \(report.runs.count) runs")
            let headline = report.chartHeadline
            let labelWidth = min(40, max(5, report.runs.map(\.label.count).max() ?? 0))
            print("")
            print("  RUN  " + "MODEL".padding(labelWidth + 2) + "POINT  SEL  " + "SEED".padding(8) + "FOLD  STATUS  "
                + (headline?.label ?? "").uppercased().padding(12) + "FIT (S)   REUSED")
            for run in report.runs {
                let value = headline.flatMap { report.value(run: run, metric: $0.metric, cutoff: $0.cutoff) }
                let reused = run.reusedFromRunId.map { "from #\($0)" } ?? ""
                print(String(run.id!).leftPadding(5) + "  " + String(run.label.prefix(labelWidth)).padding(labelWidth + 2)
                    + String(run.point).leftPadding(5) + (run.selected ? "    *  " : "       ") + String(run.seed).padding(8)
                    + String(run.fold + 1).leftPadding(4) + "  " + run.status.padding(8)
                    + (value.map { String(format: "%.4f", $0) } ?? "-").padding(12)
                    + (run.fitSeconds.map { String(format: "%.3f", $0) } ?? "-").leftPadding(7) + "   " + reused)
                if let error = run.error, run.status != "ok", let line = error.split(separator: "\n").first {
                    print("       " + line.prefix(120))
                }
            }
        }
    }
}

struct ReportErrorMessage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
