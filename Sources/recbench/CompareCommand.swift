import ArgumentParser
import Foundation
import RecLedger
import RecReport

extension Recbench {
    struct CompareCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Show two experiments side by side: each model's values in both and the difference.",
            discussion: """
                A and B are experiment names (their latest finished execution) or execution ids as \
                `recbench ls` shows them. Models are matched by label and plugin; each value is the \
                mean (± standard deviation) over the model's selected runs, and Δ = B − A. When the two \
                executions did not evaluate on the same rows (different dataset or split fingerprints, \
                or protocol), the output says so before any number.

                Examples:
                  recbench compare quickstart quickstart-tuned
                  recbench compare 12 15 --metric ndcg@10 --metric recall@20
                  recbench compare 12 15 --json
                """)

        @Argument(help: ArgumentHelp("The baseline: an experiment name or an execution id.", valueName: "A"))
        var a: String

        @Argument(help: ArgumentHelp("The other: an experiment name or an execution id.", valueName: "B"))
        var b: String

        @Option(name: .customLong("metric"), help: ArgumentHelp(
            "A metric to compare, such as ndcg@10 or rmse (repeatable). Default: every metric both measured.", valueName: "metric"))
        var metrics: [String] = []

        @Flag(help: "Print the comparison as JSON (and nothing else) on standard output.")
        var json = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            do {
                guard FileManager.default.fileExists(atPath: common.ledgerPath) else {
                    throw ReportErrorMessage("no ledger at \(common.ledgerPath); run an experiment first or pass --ledger FILE")
                }
                let ledger = try Ledger(path: common.ledgerPath)
                let comparison = try Comparison(a: ExperimentReport.load(a, from: ledger), b: ExperimentReport.load(b, from: ledger),
                                                metrics: metrics)
                if json {
                    print(try stableJSON(comparison))
                } else {
                    print(comparison.text(), terminator: "")
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
