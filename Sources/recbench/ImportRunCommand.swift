import ArgumentParser
import Foundation
import RecBench
import RecData
import RecKit
import RecEval
import RecLedger
import RecReport

extension Recbench {
    struct ImportRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-run",
            abstract: "Evaluate a TREC run file made elsewhere on an experiment's split and add it as a model row.",
            discussion: """
                The run file (`qid Q0 docid rank score runname`, original user and item ids, as RecBole, \
                Cornac or `recbench run --export-trec` write it) is scored on the split the experiment \
                file defines, with the experiment's cutoffs and metrics (not auc, which needs scores), \
                and recorded in the experiment's latest execution in the ledger as a model labelled \
                --label (plugin "trec-run"); the report is then rewritten. Every line is checked: a user \
                or item id not in the split, a malformed field or a repeated pair stops the import with \
                the file and line, and nothing is recorded. Items the user has in train (or validation) \
                are dropped from its list, as the full-ranking protocol masks them; test users without \
                lines score 0. Each user's items are ranked by score, descending; equal scores keep the \
                file's order unless --tie-break item-index.

                Example:
                  recbench import-run experiments/ml100k-u1.toml recbole-bpr.trec --label "BPR (RecBole)"
                """)

        @Argument(help: ArgumentHelp("The experiment file whose split and metrics to use.", valueName: "file"))
        var file: String

        @Argument(help: ArgumentHelp("The TREC run file.", valueName: "run"))
        var runFile: String

        @Option(help: ArgumentHelp("The model row's name in the report (unique in the execution).", valueName: "name"))
        var label: String

        @Option(help: ArgumentHelp("The fold the run was computed on (1-based).", valueName: "n"))
        var fold = 1

        @Option(name: .customLong("tie-break"), help: ArgumentHelp(
            "Order of equal scores: file-order (the exporting tool's) or item-index (recbench's v1 rule).", valueName: "rule"))
        var tieBreak = "file-order"

        @Flag(name: .customLong("no-report"), help: "Record the run in the ledger but do not rewrite the report.")
        var noReport = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            let console = Console()
            do {
                guard let rule = TrecInterchange.TieBreak(rawValue: tieBreak) else {
                    throw ValidationError("--tie-break must be \(TrecInterchange.TieBreak.allCases.map(\.rawValue).joined(separator: " or "))")
                }
                guard fold >= 1 else { throw ValidationError("--fold is 1-based") }
                guard FileManager.default.fileExists(atPath: common.ledgerPath) else {
                    throw ReportError("no ledger at \(common.ledgerPath); run the experiment first (recbench run FILE) or pass --ledger FILE")
                }
                let experiment = try ExperimentFile.load(path: file)
                let runner = ExperimentRunner(
                    searchPath: common.searchPath, registry: PluginRegistry(),
                    dataDirectory: DataDirectory.resolve(explicit: common.dataDirectory),
                    ledger: try Ledger(path: common.ledgerPath), console: console, isolation: nil)
                let outcome = try RunImporter(runner: runner).importRun(file: experiment, runFile: runFile, label: label,
                                                                        fold: fold - 1, tieBreak: rule)
                let imported = outcome.imported
                console.info("Imported \(runFile) (run name \(imported.runName)): \(imported.lineCount) lines for \(imported.usersInRun) users; "
                    + "\(imported.droppedSeen) seen items dropped; \(outcome.missingUsers) of \(outcome.run.usersEvaluated ?? 0) test users without lines; "
                    + outcome.headline)
                console.info("Recorded as \"\(label)\" (run #\(outcome.run.id!)) in execution #\(outcome.run.experimentId) of \(experiment.name)")
                if !noReport {
                    let folder = try writeReport(name: experiment.name, common: common)
                    console.info("Report: \(folder)/README.md")
                }
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
        }
    }
}
