import Foundation
import RecBench
import RecEval
import RecLedger
import Testing

/// `[evaluation] protocols` and `[evaluation.sampled]` in experiment files.
@Suite struct SampledProtocolFileTests {
    static func file(_ evaluation: String) -> String {
        """
        [experiment]
        name = "sampled"
        seed = 5

        [dataset]
        name = "ml-100k"

        [split]
        method = "user-holdout"
        test_fraction = 0.2

        [evaluation]
        \(evaluation)

        [[models]]
        plugin = "Popularity"
        """
    }

    @Test func readsTheSampledProtocolWithDefaults() throws {
        let plain = try ExperimentFile.parse(Self.file("cutoffs = [10]"), path: "s.toml")
        #expect(plain.evaluation.sampled == nil)
        let defaults = try ExperimentFile.parse(Self.file("cutoffs = [10]\nprotocols = [\"full-ranking\", \"sampled\"]"), path: "s.toml")
        #expect(defaults.evaluation.sampled == SampledProtocol(negatives: 100, sampler: .uniform, seed: 5))
        #expect(defaults.evaluation.sampled?.name == "sampled:uniform-100")
        let set = try ExperimentFile.parse(Self.file("""
            cutoffs = [10]
            protocols = ["full-ranking", "sampled"]
            [evaluation.sampled]
            negatives = 50
            sampler = "popularity"
            seed = 9
            """), path: "s.toml")
        #expect(set.evaluation.sampled == SampledProtocol(negatives: 50, sampler: .popularity, seed: 9))
        #expect(set.evaluation.sampled?.name == "sampled:popularity-50")
    }

    @Test func readsSliceEdges() throws {
        let plain = try ExperimentFile.parse(Self.file("cutoffs = [10]"), path: "s.toml")
        #expect(plain.evaluation.userActivityBuckets.edges == [1, 5, 10, 20, 50, 100])
        #expect(plain.evaluation.itemPopularityBuckets.edges == [1, 5, 20, 100])
        let set = try ExperimentFile.parse(Self.file("cutoffs = [10]\n[evaluation.slices]\nuser_activity = [3, 30]\nitem_popularity = [2]"),
                                           path: "s.toml")
        #expect(set.evaluation.userActivityBuckets.edges == [3, 30] && set.evaluation.itemPopularityBuckets.edges == [2])
        #expect(throws: ExperimentError.self) {
            _ = try ExperimentFile.parse(Self.file("cutoffs = [10]\n[evaluation.slices]\nuser_activity = [5, 5]"), path: "s.toml")
        }
        #expect(throws: ExperimentError.self) {
            _ = try ExperimentFile.parse(Self.file("cutoffs = [10]\n[evaluation.slices]\nusers = [5]"), path: "s.toml")
        }
    }

    @Test(arguments: [
        ("cutoffs = [10]\nprotocols = [\"full-ranking\", \"sampled\"]\n[evaluation.sampled]\nnegative = 5",
         "s.toml:16:1: unknown key \"negative\" in [evaluation.sampled] (did you mean \"negatives\"?)"),
        ("cutoffs = [10]\n[evaluation.sampled]\nnegatives = 5",
         "[evaluation.sampled] needs protocols = [\"full-ranking\", \"sampled\"]"),
        ("cutoffs = [10]\nprotocols = [\"sampled\"]", "protocols must include \"full-ranking\""),
        ("cutoffs = [10]\nprotocol = \"full-ranking\"\nprotocols = [\"full-ranking\"]", "give either protocol or protocols"),
        ("cutoffs = [10]\nprotocols = [\"full-ranking\", \"sample\"]", "unknown protocol \"sample\" in protocols (did you mean \"sampled\"?)"),
        ("cutoffs = [10]\nprotocols = [\"full-ranking\", \"sampled\"]\n[evaluation.sampled]\nsampler = \"pop\"", "sampler"),
        ("cutoffs = [10]\nprotocols = [\"full-ranking\", \"sampled\"]\n[evaluation.sampled]\nnegatives = 0", "negatives must be between 1 and 100000"),
    ])
    func refusesBadSampledSettings(evaluation: String, message: String) throws {
        do {
            _ = try ExperimentFile.parse(Self.file(evaluation), path: "s.toml")
            Issue.record("accepted: \(evaluation)")
        } catch let error as ExperimentError {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.line != nil, "the error is located: \(error)")
        }
    }
}

/// The acceptance checks of issue 4 on real MovieLens 100K data, through the built executable:
/// sampled protocol stored and reused, TREC export cross-checked by pytrec_eval or ranx, import.
@Suite(.serialized) struct TrecAcceptanceTests {
    /// A Python with pytrec_eval or ranx: RECBENCH_PYTHON, the cross-check venv, or python3.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["RECBENCH_PYTHON"], "/tmp/trec-venv/bin/python", "python3"]
        return candidates.compactMap { $0 }.first { python in
            let probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('pytrec_eval') or importlib.util.find_spec('ranx') else 1)"
            return (try? TestSupport.run(python, ["-c", probe]).status) == 0
        }
    }()

    static let experiment = """
        [experiment]
        name = "trec-u1"
        seed = 3

        [dataset]
        name = "ml-100k"

        [split]
        method = "predefined"
        set = "u1-u5"

        [evaluation]
        protocols = ["full-ranking", "sampled"]
        cutoffs = [10]
        metrics = ["precision", "recall", "ndcg", "map"]

        [evaluation.sampled]
        negatives = 100
        sampler = "popularity"
        seed = 11

        [[models]]
        plugin = "EASE"
        """

    struct Setup {
        var folder: URL
        var ledger: String
        var experimentFile: String
        var trec: URL
        var environment: [String: String]
    }

    static func runExperiment() throws -> Setup {
        let folder = try TestSupport.temporaryDirectory("trec-acceptance")
        let file = folder.appendingPathComponent("u1.toml")
        try Self.experiment.write(to: file, atomically: true, encoding: .utf8)
        let setup = Setup(folder: folder, ledger: folder.appendingPathComponent("l.sqlite").path, experimentFile: file.path,
                          trec: folder.appendingPathComponent("trec"), environment: ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!])
        let run = try TestSupport.recbench(["run", file.path, "--ledger", setup.ledger, "--reports-dir", folder.appendingPathComponent("reports").path,
                                            "--export-trec", setup.trec.path, "--quiet"], environment: setup.environment)
        #expect(run.status == 0, "\(run.stderr)")
        return setup
    }

    @Test(.enabled(if: TestSupport.hasMovieLens && python != nil, "needs ml-100k and a Python with pytrec_eval or ranx (RECBENCH_PYTHON)"))
    func exportedRunsAgreeWithPytrecEvalAndImportBackIdentically() throws {
        let setup = try Self.runExperiment()
        for fold in 1...5 {
            let files = [setup.trec.appendingPathComponent("EASE-fold\(fold).run").path, setup.trec.appendingPathComponent("qrels-fold\(fold).txt").path]
            #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        }
        // The acceptance check on fold u1: the tool's P, Recall, nDCG and (rescaled) MAP @10 equal the ledger's to 1e-6.
        let script = TestSupport.repositoryRoot.appendingPathComponent("scripts/trec_crosscheck.py").path
        let check = try TestSupport.run(Self.python!, [script, setup.trec.appendingPathComponent("EASE-fold1.run").path,
                                                       setup.trec.appendingPathComponent("qrels-fold1.txt").path, "--k", "10",
                                                       "--ledger", setup.ledger, "--label", "EASE", "--fold", "1"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ACCEPTED"), "\(check.stdout)")

        // Importing the exported run of fold 1 gives the original run's values exactly.
        let imported = try TestSupport.recbench(["import-run", setup.experimentFile, setup.trec.appendingPathComponent("EASE-fold1.run").path,
                                                 "--label", "EASE (TREC)", "--fold", "1", "--ledger", setup.ledger, "--no-report"],
                                                environment: setup.environment)
        #expect(imported.status == 0, "\(imported.stderr)")
        let ledger = try Ledger(path: setup.ledger)
        let execution = try #require(try ledger.latestExperiment(named: "trec-u1"))
        let runs = try ledger.runs(experimentID: execution.id!)
        let original = try #require(runs.first { $0.label == "EASE" && $0.fold == 0 })
        let copy = try #require(runs.first { $0.label == "EASE (TREC)" })
        #expect(copy.plugin == "trec-run" && copy.fold == 0 && copy.splitFingerprint == original.splitFingerprint)
        let full = { (id: Int64) in try ledger.metrics(runID: id).filter { $0.evaluationProtocol == "full-ranking" && ["precision", "recall", "ndcg", "map"].contains($0.metric) } }
        let originalValues = Dictionary(uniqueKeysWithValues: try full(original.id!).map { ("\($0.metric)@\($0.cutoff)", $0.value) })
        let importedValues = Dictionary(uniqueKeysWithValues: try full(copy.id!).map { ("\($0.metric)@\($0.cutoff)", $0.value) })
        #expect(originalValues.count == 4 && originalValues == importedValues)

        // A run file naming an item that is not in the split is refused with its line; nothing is recorded.
        let bad = setup.folder.appendingPathComponent("bad.run")
        try "1 Q0 174 1 2 other\n1 Q0 9999 2 1 other\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try TestSupport.recbench(["import-run", setup.experimentFile, bad.path, "--label", "bad", "--ledger", setup.ledger, "--no-report"],
                                               environment: setup.environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bad.run:2: unknown item id '9999'"), "\(refused.stderr)")
        #expect(try ledger.runs(experimentID: execution.id!).count == runs.count)

        // The sampled protocol: values stored under its name, negatives stored under the fingerprint each run names.
        for run in runs where run.label == "EASE" {
            let fingerprint = try #require(run.candidatesFingerprint)
            let stored = try #require(try ledger.sampledCandidates(fingerprint: fingerprint))
            #expect(stored.evaluationProtocol == "sampled:popularity-100" && stored.seedValue == 11)
            #expect(stored.userCount == run.usersEvaluated && stored.negativeCount == 100 * stored.userCount,
                    "every ML-100K user has more than 100 candidates")
            #expect(stored.splitFingerprint == run.splitFingerprint)
            let sampled = try ledger.metrics(runID: run.id!).filter { $0.evaluationProtocol == "sampled:popularity-100" }
            #expect(Set(sampled.map(\.metric)) == ["precision", "recall", "ndcg", "map"])
            let ndcg = try #require(try ledger.metrics(runID: run.id!).first { $0.metric == "ndcg" && $0.evaluationProtocol == "full-ranking" })
            // Ranking among ~100 candidates is easier than among all 1,682 items.
            #expect(sampled.first { $0.metric == "ndcg" }!.value > ndcg.value)
        }

        // Slices: the user-activity buckets of ndcg@10, weighted by their users, give the overall mean;
        // the item-popularity buckets hold recall@10 and hr@10 for users with test items in them.
        let slices = try ledger.slices(runIDs: [original.id!])[original.id!] ?? []
        let byActivity = slices.filter { $0.dimension == "user-activity" && $0.metric == "ndcg" && $0.cutoff == 10 }
        #expect(byActivity.reduce(0) { $0 + $1.users } == original.usersEvaluated)
        let weighted = byActivity.reduce(0.0) { $0 + Double($1.users) * $1.value } / Double(original.usersEvaluated ?? 1)
        #expect(abs(weighted - originalValues["ndcg@10"]!) < 1e-12)
        #expect(Set(slices.filter { $0.dimension == "item-popularity" }.map(\.metric)) == ["recall", "hr"])
        let report = try String(contentsOf: setup.folder.appendingPathComponent("reports/trec-u1/README.md"), encoding: .utf8)
        #expect(report.contains("### Slices") && report.contains("### Protocol sampled:popularity-100"))

        // Running the file again reuses every run: the negatives, and so the identities, are the same.
        let again = try TestSupport.recbench(["run", setup.experimentFile, "--ledger", setup.ledger, "--no-report"], environment: setup.environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("5 of 5 runs were already in the ledger") || again.stderr.contains("5 of 5 runs were already in the ledger"),
                "\(again.stdout)")
    }
}
