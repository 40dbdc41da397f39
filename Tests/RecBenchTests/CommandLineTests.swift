import Foundation
import RecKit
import Testing

/// The built `recbench` executable, end to end: experiment errors, failing plugins, the
/// quickstart on real MovieLens 100K, and report regeneration from the ledger.
@Suite struct CommandLineTests {
    /// An experiment file over ml-100k with the given models, written into `folder`.
    static func experiment(name: String, models: String, in folder: URL, extra: String = "") throws -> String {
        try TestSupport.write("""
            [experiment]
            name = "\(name)"
            seed = 42

            [dataset]
            name = "ml-100k"

            [split]
            method = "user-holdout"
            test_fraction = 0.2

            [evaluation]
            cutoffs = [10]
            metrics = ["ndcg", "precision", "recall", "hr", "map", "mrr"]
            \(extra)
            \(models)
            """, to: folder.appendingPathComponent("\(name).toml"))
    }

    @Test func helpTeachesTheCommands() throws {
        let top = try TestSupport.recbench(["--help"])
        #expect(top.status == 0)
        for word in ["run", "report", "plugins", "recbench run experiments/quickstart.toml"] {
            #expect(top.stdout.contains(word), "recbench --help lacks \(word)")
        }
        let run = try TestSupport.recbench(["run", "--help"])
        for word in ["--plugin-dir", "--data-dir", "--ledger", "RECBENCH_DATA_DIR", "Exit status", "docs/experiment-format.md"] {
            #expect(run.stdout.contains(word), "recbench run --help lacks \(word)")
        }
        let plugins = try TestSupport.recbench(["plugins", "--help"])
        for word in ["RECBENCH_PLUGIN_PATH", "recbench_plugin_v1", "show"] {
            #expect(plugins.stdout.contains(word), "recbench plugins --help lacks \(word)")
        }
        let report = try TestSupport.recbench(["report", "--help"])
        #expect(report.stdout.contains("byte-identical"))
    }

    @Test func pluginsListsAndShows() throws {
        let folder = try TestSupport.temporaryDirectory()
        _ = try TestSupport.fixture("no_entry", into: folder)
        let listing = try TestSupport.recbench(["plugins", "--plugin-dir", folder.path])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("Popularity") && listing.stdout.contains("Random"))
        #expect(listing.stdout.contains("Skipped files:") && listing.stdout.contains("libno_entry.so"))
        #expect(listing.stdout.contains("no entry symbol recbench_plugin_v1"))
        let show = try TestSupport.recbench(["plugins", "show", "Popularity"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("weighting = \"count\""))
        #expect(show.stdout.contains("string, one of \"count\", \"value\""))
        let missing = try TestSupport.recbench(["plugins", "show", "Populrity"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("did you mean \"Popularity\"?"))
    }

    /// 1-based number of the first line of `path` starting with `prefix`.
    static func line(startingWith prefix: String, in path: String) throws -> Int {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(prefix) }) + 1
    }

    @Test func experimentErrorsNameFileLineAndColumn() throws {
        let folder = try TestSupport.temporaryDirectory()
        let typo = try Self.experiment(name: "typo", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let text = try String(contentsOfFile: typo, encoding: .utf8).replacingOccurrences(of: "cutoffs = [10]", with: "cutoff = [10]")
        try TestSupport.write(text, to: URL(fileURLWithPath: typo))
        let result = try TestSupport.recbench(["run", typo, "--ledger", folder.path + "/l.sqlite"])
        #expect(result.status == 1)
        let typoLine = try Self.line(startingWith: "cutoff =", in: typo)
        #expect(result.stderr == "error: \(typo):\(typoLine):1: unknown key \"cutoff\" in [evaluation] (did you mean \"cutoffs\"?)\n")

        let unknownParameter = try Self.experiment(
            name: "param", models: "[[models]]\nplugin = \"Popularity\"\n[models.params]\nweightng = \"count\"", in: folder)
        let paramResult = try TestSupport.recbench(["run", unknownParameter, "--ledger", folder.path + "/l.sqlite"])
        #expect(paramResult.status == 1)
        let paramLine = try Self.line(startingWith: "weightng", in: unknownParameter)
        #expect(paramResult.stderr.contains(
            "\(unknownParameter):\(paramLine):1: model \"Popularity\": Popularity has no parameter \"weightng\" (did you mean \"weighting\"?)"),
            "\(paramResult.stderr)")

        let badValue = try Self.experiment(
            name: "value", models: "[[models]]\nplugin = \"Popularity\"\nparams = { weighting = 3 }", in: folder)
        let valueResult = try TestSupport.recbench(["run", badValue, "--ledger", folder.path + "/l.sqlite"])
        #expect(valueResult.stderr.contains("parameter \"weighting\" must be a string, got int 3"), "\(valueResult.stderr)")

        let unknownPlugin = try Self.experiment(name: "plugin", models: "[[models]]\nplugin = \"Popularty\"", in: folder)
        let pluginResult = try TestSupport.recbench(["run", unknownPlugin, "--ledger", folder.path + "/l.sqlite"])
        #expect(pluginResult.status == 1)
        #expect(pluginResult.stderr.contains("no plugin named \"Popularty\" (did you mean \"Popularity\"?)"))
        // Nothing ran, so nothing was recorded.
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/reports"))
    }

    @Test func aMissingDatasetSaysWhereItLookedAndWhatToDo() throws {
        let folder = try TestSupport.temporaryDirectory()
        let file = try Self.experiment(name: "nodata", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let result = try TestSupport.recbench(["run", file, "--data-dir", folder.path + "/empty", "--ledger", folder.path + "/l.sqlite"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("dataset ml-100k not found"))
        #expect(result.stderr.contains("\(folder.path)/empty/ml-100k/u.data does not exist"))
        #expect(result.stderr.contains("(chosen by --data-dir)"))
        #expect(result.stderr.contains("grouplens.org") && result.stderr.contains("RECBENCH_DATA_DIR"))
    }

    /// The quickstart's path on real data: three plugins (one in C from outside the package, one
    /// that fails), the ledger, and a report regenerated byte for byte.
    @Test(.enabled(if: TestSupport.hasMovieLens, "needs MovieLens 100K: set RECBENCH_DATA_DIR"))
    func quickstartEndToEndOnMovieLens100K() throws {
        let folder = try TestSupport.temporaryDirectory()
        let plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        _ = try TestSupport.compileC("examples/c-plugin/damped_mean.c", name: "DampedMean", into: plugins)
        _ = try TestSupport.fixture("failing", into: plugins)
        let file = try Self.experiment(name: "e2e", models: """
            [[models]]
            plugin = "Popularity"

            [[models]]
            plugin = "Random"

            [[models]]
            plugin = "DampedMean"
            params = { m = 10 }

            [[models]]
            plugin = "Failing"
            label = "Failing at fit"
            params = { fail_at = "fit" }
            """, in: folder)
        let ledger = folder.path + "/results/ledger.sqlite"
        let reports = folder.path + "/reports"
        let result = try TestSupport.recbench(
            ["run", file, "--ledger", ledger, "--reports-dir", reports],
            environment: ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!, "RECBENCH_PLUGIN_PATH": plugins.path])
        // One run failed, so the exit status says so; the others still ran and were recorded.
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("943 users, 1682 items, 100000 interactions"))
        #expect(result.stderr.contains("80000 train / 20000 test"), "\(result.stderr)")

        let csv = try String(contentsOfFile: reports + "/e2e/metrics.csv", encoding: .utf8)
        func value(_ model: String, _ metric: String) throws -> Double {
            let row = try #require(csv.split(separator: "\n").first { $0.hasPrefix(model + ",") && $0.contains(",\(metric),10,") })
            return try #require(Double(row.split(separator: ",").last!))
        }
        // Popularity on a per-user random 80/20 split: NDCG@10 ≈ 0.23 (DESIGN.md / the band).
        let popularity = try value("Popularity", "ndcg")
        #expect(popularity > 0.20 && popularity < 0.26, "Popularity ndcg@10 = \(popularity)")
        // Random: about 20 test items of 1682 per user → precision ≈ 20/1600 ≈ 0.0125; far below.
        let random = try value("Random", "precision")
        #expect(random > 0.005 && random < 0.03, "Random precision@10 = \(random)")
        #expect(try value("DampedMean", "ndcg") > random)
        #expect(csv.contains("Failing at fit,Failing,1.0.0,1,failed"))

        let readme = try String(contentsOfFile: reports + "/e2e/README.md", encoding: .utf8)
        #expect(readme.contains("### Failed runs"))
        #expect(readme.contains("plugin Failing failed in fit: Failing: fit refused as asked (fail_at=fit)"))
        #expect(readme.contains("![metrics chart](chart.svg)"))
        // Per-user values are in the ledger, so the report compares the three successful models pairwise.
        #expect(readme.contains("### Significance (ndcg@10, paired over 943 users)"))
        #expect(readme.contains("Holm-corrected over the 3 pairs"))
        #expect(readme.contains("| Popularity | Random | +"))
        for chart in ["chart.svg", "chart.png"] {
            let size = try FileManager.default.attributesOfItem(atPath: reports + "/e2e/" + chart)[.size] as? Int ?? 0
            #expect(size > 1000, "\(chart) is \(size) bytes")
        }

        // A dry run of the same file now finds the three successful runs in the ledger; the failed one is to do.
        let plan = try TestSupport.recbench(
            ["plan", file, "--ledger", ledger],
            environment: ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!, "RECBENCH_PLUGIN_PATH": plugins.path])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("runs        4 models × 1 fold = 4 runs"))
        #expect(plan.stdout.contains("holds 3 of these 4 runs (same data, split, plugin binary, parameters, seed and evaluation)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("m = 10.0") && plan.stdout.contains("weighting = \"count\"*"))
        #expect(plan.stdout.contains("80000 train / 20000 test"))

        let listing = try TestSupport.recbench(["ls", "--ledger", ledger])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("e2e") && listing.stdout.contains("completed-with-failures")
                && listing.stdout.contains("4 (1 failed)"), "\(listing.stdout)")

        // The report comes from the ledger: regenerating it gives the same bytes.
        let names = ["README.md", "metrics.csv", "chart.gp", "chart.svg", "chart.png"]
        let before = try names.map { try Data(contentsOf: URL(fileURLWithPath: reports + "/e2e/" + $0)) }
        try FileManager.default.removeItem(atPath: reports + "/e2e")
        let regenerated = try TestSupport.recbench(["report", "e2e", "--ledger", ledger, "--reports-dir", reports])
        #expect(regenerated.status == 0, "\(regenerated.stderr)")
        let after = try names.map { try Data(contentsOf: URL(fileURLWithPath: reports + "/e2e/" + $0)) }
        for (index, name) in names.enumerated() { #expect(before[index] == after[index], "\(name) differs after regeneration") }
    }

    /// Each model runs in its own worker process: a crash, a hang past the time limit and an
    /// allocation past the memory limit each fail their own run only.
    @Test(.enabled(if: TestSupport.hasMovieLens, "needs MovieLens 100K: set RECBENCH_DATA_DIR"))
    func crashingHangingAndHungryPluginsFailOnlyTheirOwnRuns() throws {
        let folder = try TestSupport.temporaryDirectory()
        let plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        for fixture in ["crashing", "hanging", "hungry"] { _ = try TestSupport.fixture(fixture, into: plugins) }
        let file = try Self.experiment(name: "isolation", models: """
            [[models]]
            plugin = "Crashing"

            [[models]]
            plugin = "Popularity"

            [[models]]
            plugin = "Hanging"

            [[models]]
            plugin = "Hungry"
            """, in: folder)
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "seed = 42", with: "seed = 42\nrun_time_limit = 20\nrun_memory_limit_mb = 1024")
        try TestSupport.write(text, to: URL(fileURLWithPath: file))
        let reports = folder.path + "/reports"
        let started = Date()
        let result = try TestSupport.recbench(
            ["run", file, "--ledger", folder.path + "/ledger.sqlite", "--reports-dir", reports, "--plugin-dir", plugins.path],
            environment: ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 120, "the hanging plugin was not stopped by its time limit")
        let readme = try String(contentsOfFile: reports + "/isolation/README.md", encoding: .utf8)
        #expect(readme.contains("- **Crashing** (Crashing 1.0.0): the worker died of signal 6 (SIGABRT, abort); last output: Crashing: fit is about to abort() as designed"), "\(readme)")
        #expect(readme.contains("- **Hanging** (Hanging 1.0.0): time limit of 20 s exceeded; the worker was killed; last output: Hanging: fit will now sleep forever"))
        #expect(readme.contains("- **Hungry** (Hungry 1.0.0): plugin Hungry failed in fit: Hungry: could not allocate 2147483648 bytes"))
        // The run between them is unaffected.
        let csv = try String(contentsOfFile: reports + "/isolation/metrics.csv", encoding: .utf8)
        #expect(csv.contains("Popularity,Popularity,1.0.0,1,ok,ndcg,10,full-ranking,1,0.223"))
    }

    @Test(.enabled(if: TestSupport.hasMovieLens, "needs the shared datasets: set RECBENCH_DATA_DIR"))
    func dataListAndStats() throws {
        let environment = ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!]
        let list = try TestSupport.recbench(["data", "list"], environment: environment)
        #expect(list.status == 0)
        #expect(list.stdout.contains("ml-100k          present"))
        #expect(list.stdout.contains("gowalla          present"))
        // ratings.dat of ML-1M is not in the shared folder: listed as missing, with where it belongs.
        #expect(list.stdout.contains("ml-1m            missing"))
        #expect(list.stdout.contains("/ml-1m/ratings.dat"))
        let stats = try TestSupport.recbench(["data", "stats", "ml-100k"], environment: environment)
        #expect(stats.status == 0, "\(stats.stderr)")
        // The dataset's own README: 943 users, 1682 items, 100000 ratings; every user has at least 20.
        for line in ["users         943", "items         1682", "interactions  100000", "per user  min 20,"] {
            #expect(stats.stdout.contains(line), "missing \(line)")
        }
        let unknown = try TestSupport.recbench(["data", "stats", "ml-100"], environment: environment)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("did you mean \"ml-100k\"?"))
    }

    @Test func reportOfAnUnknownExperimentListsTheKnownOnes() throws {
        let folder = try TestSupport.temporaryDirectory()
        let result = try TestSupport.recbench(["report", "nothing", "--ledger", folder.path + "/none.sqlite"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no ledger at \(folder.path)/none.sqlite"))
    }
}
