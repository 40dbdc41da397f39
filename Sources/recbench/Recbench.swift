import ArgumentParser
import Foundation
import RecBench
import RecData
import RecKit
import RecLedger
import RecReport

@main
struct Recbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recbench",
        abstract: "A recommender-systems workbench: compare recommenders on the same split, scored by the same code.",
        discussion: """
            Recommenders are plugins: shared libraries loaded at run time through one versioned C \
            contract. The host owns data, splits, masking of seen items, top-K selection, metrics and \
            the results ledger; plugins only learn and score.

            Start here:
              recbench plugins          list plugins, and where each was found
              recbench plan FILE        what a run would do, without running it
              recbench run FILE         run an experiment, write its report
              recbench report NAME      rebuild reports/NAME/ from the ledger
              recbench data list        datasets, and which are present
              recbench ls               experiments in the ledger

            Example:
              recbench run experiments/quickstart.toml
            """,
        version: ExperimentRunner.hostVersion,
        subcommands: [Run.self, PlanCommand.self, Report.self, CompareCommand.self, ListCommand.self, Plugins.self, DataCommand.self, ImportRun.self, Bench.self, WorkerCommand.self]
    )
}

/// Options every command that touches plugins, data or results shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp(
        "A folder to search for plugins (repeatable). Searched before RECBENCH_PLUGIN_PATH and the recbench executable's folder.",
        valueName: "dir"))
    var pluginDirectories: [String] = []

    @Option(name: .customLong("data-dir"), help: ArgumentHelp(
        "Where datasets live. Default: RECBENCH_DATA_DIR, else ~/.cache/recbench/datasets.", valueName: "dir"))
    var dataDirectory: String?

    @Option(name: .customLong("ledger"), help: ArgumentHelp(
        "The SQLite results ledger.", valueName: "file"))
    var ledgerPath: String = "results/recbench.sqlite"

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp(
        "Where reports are written, one folder per experiment.", valueName: "dir"))
    var reportsDirectory: String = "reports"

    var searchPath: PluginSearchPath { .standard(pluginDirectories: pluginDirectories) }

    func registry(console: Console) -> PluginRegistry {
        let registry = PluginRegistry.discover(searchPath)
        for warning in registry.warnings { console.warning(warning) }
        return registry
    }
}

/// Prints an error the way every command does and exits non-zero.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(1)
}

extension Recbench {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run an experiment file, record every run in the ledger, and write its report.",
            discussion: """
                The file (TOML; see docs/experiment-format.md) names a dataset, a split, the cutoffs and \
                metrics, and a list of models (plugin, label, params). Every parameter is checked against \
                the plugin's schema before any data is read. Each model is trained on the same training \
                rows, scores every item for each test user, and the host masks the user's training \
                items, picks the top K and computes the metrics.

                Each model runs in its own worker process with the time and memory limits of the \
                file's [experiment] table; a model that fails, crashes, hangs or runs out of memory \
                is recorded as a failed run with the reason; the others still run.
                With --check, every published value the file lists ([[reference]]) must be reproduced \
                within its tolerance.
                Exit status: 0 all runs succeeded, 1 the experiment could not run, 2 some runs failed, \
                3 (with --check) some published value was not reproduced.

                Example:
                  RECBENCH_DATA_DIR=../shared/datasets recbench run experiments/quickstart.toml
                """)

        @Argument(help: ArgumentHelp("The experiment file.", valueName: "file"))
        var file: String

        @OptionGroup var common: CommonOptions

        @Flag(name: .customLong("no-report"), help: "Record results in the ledger but do not write the report.")
        var noReport = false

        @Flag(name: .shortAndLong, help: "Print only warnings and errors.")
        var quiet = false

        @Flag(name: .shortAndLong, help: "Also print the plugins' own log lines (per-epoch losses and the like).")
        var verbose = false

        @Flag(help: "Fail (exit 3) when a published value listed in the file is not reproduced within its tolerance.")
        var check = false

        @Option(name: .customLong("export-trec"), help: ArgumentHelp(
            "Also write every computed run's ranked test lists as a TREC run file (<label>.run) and the test set as qrels (qrels.txt) in this folder, for trec_eval, pytrec_eval or ranx.",
            valueName: "dir"))
        var exportTrec: String?

        @Flag(name: .customLong("in-process"), help: ArgumentHelp(
            "Run models inside this process instead of one worker process per run (for debugging a plugin; a crashing plugin then stops everything)."))
        var inProcess = false

        @Flag(name: .customLong("skip-bad-rows"), help: ArgumentHelp(
            "Skip malformed rows of the dataset's files instead of stopping at the first; how many (per file, the first few in full) is printed, recorded with the experiment, and part of the dataset fingerprint."))
        var skipBadRows = false

        @Flag(help: ArgumentHelp(
            "Compute every run again even when the ledger already holds an identical finished run (by default such runs are reused). For timing: the values come out the same, the fit and evaluation times are new."))
        var recompute = false

        @Option(name: .customLong("split-cache"), help: ArgumentHelp(
            "Where each split is materialized once and read back by every worker and later run. Default: the folder splits beside the ledger.",
            valueName: "dir"))
        var splitCache: String?

        func run() throws {
            let console = Console(quiet: quiet)
            console.verbose = verbose
            do {
                let experiment = try ExperimentFile.load(path: file)
                let searchPath = common.searchPath
                let isolation = inProcess ? nil : WorkerIsolation(
                    executable: PluginSearchPath.executableDirectory()! + "/recbench",
                    timeLimit: experiment.runTimeLimit, memoryLimitMB: experiment.runMemoryLimitMB)
                var runner = ExperimentRunner(
                    searchPath: searchPath, registry: common.registry(console: console),
                    dataDirectory: DataDirectory.resolve(explicit: common.dataDirectory),
                    ledger: try Ledger(path: common.ledgerPath), console: console, isolation: isolation)
                runner.skipBadRows = skipBadRows
                runner.recompute = recompute
                runner.splitCache = SplitCache(directory: splitCache ?? Self.defaultSplitCache(ledger: common.ledgerPath))
                runner.trecExportDirectory = exportTrec.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                let outcome = try runner.run(experiment)
                console.info("Recorded experiment execution #\(outcome.experiment.id!) in \(common.ledgerPath)")
                if !noReport {
                    let folder = try writeReport(name: experiment.name, common: common)
                    console.info("Report: \(folder)/README.md")
                }
                if outcome.runs.contains(where: { $0.status != "ok" }) { throw ExitCode(2) }
                if check {
                    let checks = try ExperimentReport.load(experiment: experiment.name, from: Ledger(path: common.ledgerPath)).referenceChecks
                    let failed = checks.filter { !$0.passed }
                    for failure in failed {
                        let measured = failure.measured.map { String(format: "%.4f", $0) } ?? "no value"
                        console.warning("not reproduced: \(failure.model) \(failure.metric) = \(measured), published \(failure.published) ± \(failure.tolerance)")
                    }
                    console.info("Reproduction: \(checks.count - failed.count) of \(checks.count) published values within tolerance")
                    if !failed.isEmpty { throw ExitCode(3) }
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail(error)
            }
        }

        /// `splits/` in the ledger's folder: splits belong with the results made from them, and the
        /// data directory may be shared or read-only.
        static func defaultSplitCache(ledger: String) -> String {
            URL(fileURLWithPath: ledger).deletingLastPathComponent().appendingPathComponent("splits").path
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Regenerate an experiment's report from the ledger.",
            discussion: """
                Reads the latest finished execution of the named experiment from the ledger and writes \
                <reports-dir>/<name>/: README.md (results table, significance, reproduction checks, \
                search, setup, fingerprints, models, the experiment file), results.csv (every run and \
                metric), metrics.csv, table.tex (booktabs), a self-contained index.html, and gnuplot \
                charts, each as .gp, .svg and .png: chart (a bar panel per metric), chart-cutoffs \
                (metric@K), chart-time (accuracy against fit time), chart-users (per-user box plots) and \
                chart-learning (loss and validation metric per epoch), each when the data allows. The \
                same ledger always gives byte-identical files.

                Examples:
                  recbench report quickstart
                  recbench report quickstart --json
                """)

        @Argument(help: ArgumentHelp("The experiment name (the name key of its [experiment] table).", valueName: "name"))
        var name: String

        @Flag(help: "Print a JSON summary (folder, files, each model's values) and nothing else on standard output.")
        var json = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            do {
                guard json else {
                    let folder = try writeReport(name: name, common: common)
                    print("\(folder)/README.md")
                    return
                }
                guard FileManager.default.fileExists(atPath: common.ledgerPath) else {
                    throw ReportError("no ledger at \(common.ledgerPath); run an experiment first (recbench run FILE) or pass --ledger FILE")
                }
                let report = try ExperimentReport.load(experiment: name, from: Ledger(path: common.ledgerPath))
                let folder = URL(fileURLWithPath: common.reportsDirectory).appendingPathComponent(name)
                let files = try ReportWriter().write(report, to: folder, command: "recbench report \(name)")
                print(try stableJSON(ReportSummary(report: report, folder: folder.relativePath, files: files.map(\.lastPathComponent))))
            } catch {
                throw fail(error)
            }
        }
    }
}

func writeReport(name: String, common: CommonOptions) throws -> String {
    guard FileManager.default.fileExists(atPath: common.ledgerPath) else {
        throw ReportError("no ledger at \(common.ledgerPath); run an experiment first (recbench run FILE) or pass --ledger FILE")
    }
    let ledger = try Ledger(path: common.ledgerPath)
    let report = try ExperimentReport.load(experiment: name, from: ledger)
    let folder = URL(fileURLWithPath: common.reportsDirectory).appendingPathComponent(name)
    _ = try ReportWriter().write(report, to: folder, command: "recbench report \(name)")
    return folder.relativePath
}

extension Recbench {
    /// The child process of an isolated run; started by `recbench run`, not by people.
    struct WorkerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worker", abstract: "Run one model on one fold for `recbench run` (internal).",
            shouldDisplay: false)

        @Argument(help: "The request file written by the parent process.")
        var request: String

        func run() throws {
            let status = Worker.main(requestPath: request)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

extension Recbench {
    struct PlanCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Dry run: check an experiment file and show what `recbench run` would do.",
            discussion: """
                Prints the fully resolved configuration (every model parameter, defaults marked with *), \
                the dataset after preprocessing and the first fold's split sizes and lint warnings, the \
                run matrix (models × folds), and how many of those runs the ledger already holds with \
                the same parameters, seed and split. Nothing is trained or written.
                """)

        @Argument(help: ArgumentHelp("The experiment file.", valueName: "file"))
        var file: String

        @OptionGroup var common: CommonOptions

        @Flag(name: .customLong("skip-bad-rows"), help: "Skip malformed rows of the dataset's files, as `recbench run --skip-bad-rows` does.")
        var skipBadRows = false

        func run() throws {
            let console = Console()
            do {
                let experiment = try ExperimentFile.load(path: file)
                let ledger = FileManager.default.fileExists(atPath: common.ledgerPath) ? try Ledger(path: common.ledgerPath) : nil
                var runner = ExperimentRunner(
                    searchPath: common.searchPath, registry: common.registry(console: console),
                    dataDirectory: DataDirectory.resolve(explicit: common.dataDirectory),
                    ledger: ledger, console: console, isolation: nil)
                runner.skipBadRows = skipBadRows
                for line in try ExperimentPlan(file: experiment, runner: runner).lines { print(line) }
            } catch {
                throw fail(error)
            }
        }
    }
}
