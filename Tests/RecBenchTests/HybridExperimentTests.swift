import Foundation
import RecBench
import RecData
import RecKit
import RecLedger
import RecMath
import Testing

/// Hybrids and the genre filter end to end: components declared in the experiment file, bad
/// component configurations refused with their position, TwoStage's re-ranker never trained on a
/// test interaction, the genre filter applied by the host, and XGBoost installed by the set-up.
@Suite struct HybridExperimentTests {
    static let header = """
        [experiment]
        name = "hybrid-test"

        [dataset]
        name = "ml-100k"

        [split]
        method = "temporal"
        test_fraction = 0.2
        [split.validation]
        method = "temporal"
        test_fraction = 0.1

        [evaluation]
        cutoffs = [10]

        [[models]]
        plugin = "iALS"
        params = { factors = 8, iterations = 2 }

        [[models]]
        plugin = "EASE"
        [models.grid]
        l2 = [100.0, 500.0]

        """

    static func parseError(_ models: String) -> String {
        do {
            _ = try ExperimentFile.parse(header + models, path: "h.toml")
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func componentsAreReadFromLabelsAndInlineTables() throws {
        let file = try ExperimentFile.parse(Self.header + """
            [[models]]
            plugin = "Hybrid"
            components = ["iALS", { plugin = "GenrePopularity", label = "genre-pop", params = { m = 20 } }]
            """, path: "h.toml")
        let hybrid = file.models[2]
        #expect(hybrid.components.map { $0.label } == ["iALS", "genre-pop"])
        #expect(hybrid.components.map { $0.plugin } == ["iALS", "GenrePopularity"])
        #expect(hybrid.components[0].params["factors"] == ParameterValue.int(8), "a referenced model's parameters are reused")
        #expect(hybrid.components[1].params["m"] == ParameterValue.int(20))
    }

    @Test func badComponentsAreRefusedWithTheirPosition() {
        // Line numbers: the header has 24 lines, so the model starts on line 25.
        let unknown = Self.parseError("""
            [[models]]
            plugin = "Hybrid"
            components = ["iAL", "EASE"]
            """)
        #expect(unknown.hasPrefix("h.toml:27:"), "\(unknown)")
        #expect(unknown.contains("component \"iAL\" is not the label") && unknown.contains("did you mean \"iALS\"?"), "\(unknown)")

        let searched = Self.parseError("""
            [[models]]
            plugin = "Hybrid"
            components = ["iALS", "EASE"]
            """)
        #expect(searched.hasPrefix("h.toml:27:") && searched.contains("component \"EASE\" searches parameters"), "\(searched)")

        let badKey = Self.parseError("""
            [[models]]
            plugin = "Hybrid"
            components = [{ plugin = "iALS", parms = { factors = 4 } }]
            """)
        #expect(badKey.hasPrefix("h.toml:27:") && badKey.contains("unknown key \"parms\"") && badKey.contains("did you mean \"params\"?"),
                "\(badKey)")

        let itself = Self.parseError("""
            [[models]]
            plugin = "Hybrid"
            label = "H"
            components = ["H"]
            """)
        #expect(itself.contains("cannot be its own component"), "\(itself)")

        let twice = Self.parseError("""
            [[models]]
            plugin = "Hybrid"
            components = ["iALS", "iALS"]
            """)
        #expect(twice.contains("names the component \"iALS\" twice"), "\(twice)")

        let nested = Self.parseError("""
            [[models]]
            plugin = "Hybrid"
            label = "inner"
            components = ["iALS"]

            [[models]]
            plugin = "Hybrid"
            label = "outer"
            components = ["inner"]
            """)
        #expect(nested.contains("hybrids do not nest"), "\(nested)")
    }

    /// What only the plugins know is checked by `recbench plan`, before any data is read.
    @Test func componentPluginsAndParametersAreChecked() throws {
        let folder = try TestSupport.temporaryDirectory()
        func plan(_ models: String) throws -> TestSupport.Output {
            let file = try TestSupport.write(Self.header + models, to: folder.appendingPathComponent("h.toml"))
            return try TestSupport.recbench(["plan", file, "--ledger", folder.path + "/l.sqlite", "--data-dir", TestSupport.dataDirectory ?? folder.path])
        }
        // `plugins show` says which plugins take components.
        let shown = try TestSupport.recbench(["plugins", "show", "Hybrid"])
        #expect(shown.stdout.contains("extensions: rb_components_v1"), "\(shown.stdout)")
        #expect(try !TestSupport.recbench(["plugins", "show", "Popularity"]).stdout.contains("rb_components_v1"))

        let notHybrid = try plan("""
            [[models]]
            plugin = "Popularity"
            components = ["iALS"]
            """)
        #expect(notHybrid.status != 0)
        #expect(notHybrid.stderr.contains("h.toml:27:") && notHybrid.stderr.contains("Popularity does not combine other models"), "\(notHybrid.stderr)")

        let badParameter = try plan("""
            [[models]]
            plugin = "Hybrid"
            components = [{ plugin = "iALS", params = { factorz = 4 } }]
            """)
        #expect(badParameter.status != 0)
        #expect(badParameter.stderr.contains("h.toml:27:") && badParameter.stderr.contains("component \"iALS\"")
                && badParameter.stderr.contains("factorz"), "\(badParameter.stderr)")

        let unknownPlugin = try plan("""
            [[models]]
            plugin = "Hybrid"
            components = [{ plugin = "iALZ" }]
            """)
        #expect(unknownPlugin.status != 0)
        #expect(unknownPlugin.stderr.contains("h.toml:27:") && unknownPlugin.stderr.contains("no plugin named \"iALZ\"")
                && unknownPlugin.stderr.contains("did you mean \"iALS\"?"), "\(unknownPlugin.stderr)")
    }

    /// A component's parameters are part of the hybrid's run identity: after one run, the same
    /// file is fully in the ledger, and the file with one component parameter changed is not.
    @Test(.enabled(if: TestSupport.hasMovieLens)) func aChangedComponentIsADifferentRun() throws {
        let folder = try TestSupport.temporaryDirectory()
        func file(_ weighting: String) throws -> String {
            try CommandLineTests.experiment(name: "identity", models: """
                [[models]]
                plugin = "Popularity"

                [[models]]
                plugin = "Hybrid"
                components = ["Popularity", { plugin = "Popularity", label = "by-value", params = { weighting = "\(weighting)" } }]
                """, in: folder)
        }
        let ledger = folder.path + "/l.sqlite"
        let first = try file("count")
        let run = try TestSupport.recbench(["run", first, "--ledger", ledger, "--no-report", "--data-dir", TestSupport.dataDirectory!])
        #expect(run.status == 0, "\(run.stderr)")
        let same = try TestSupport.recbench(["plan", first, "--ledger", ledger, "--data-dir", TestSupport.dataDirectory!])
        #expect(same.stdout.contains("holds 2 of these 2 runs"), "\(same.stdout)")
        #expect(same.stdout.contains("component by-value [Popularity 1.0.0]: weighting = \"count\""), "\(same.stdout)")
        let changed = try TestSupport.recbench(["plan", try file("value"), "--ledger", ledger, "--data-dir", TestSupport.dataDirectory!])
        #expect(changed.stdout.contains("holds 1 of these 2 runs"), "\(changed.stdout)")
    }

    /// (user, item) pairs of a part of a split, keyed as user << 32 | item (dense ids).
    static func pairs(_ part: [Int], of dataset: Dataset) -> Set<Int64> {
        Set(part.map { Int64(dataset.users[$0]) << 32 | Int64(dataset.items[$0]) })
    }

    /// The rows TwoStage wrote (user, item, label): the positives, keyed as above.
    static func positives(in path: String) throws -> (rows: Int, positives: Set<Int64>) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        var positives = Set<Int64>()
        for line in lines {
            let fields = line.split(separator: "\t").compactMap { Int64($0) }
            if fields[2] == 1 { positives.insert(fields[0] << 32 | fields[1]) }
        }
        return (lines.count, positives)
    }

    /// The acceptance test of TwoStage: its re-ranker's training rows (written through
    /// `training_rows_file`) are built from the training part only — no positive is a test
    /// interaction, every positive is a training one, and they are the latest 10% of train. And the
    /// check has teeth: fitting the same plugin on train ∪ test (the leak the host must prevent)
    /// makes the same check find test interactions among the positives.
    @Test(.enabled(if: TestSupport.hasMovieLens)) func theReRankerNeverTrainsOnTestInteractions() throws {
        let folder = try TestSupport.temporaryDirectory()
        let rowsFile = folder.path + "/rows.tsv"
        let file = try TestSupport.write("""
            [experiment]
            name = "leak"

            [dataset]
            name = "ml-100k"

            [split]
            method = "temporal"
            test_fraction = 0.2

            [evaluation]
            cutoffs = [10]

            [[models]]
            plugin = "Popularity"

            [[models]]
            plugin = "TwoStage"
            components = ["Popularity", { plugin = "GenrePopularity" }]
            params = { candidates = 30, rounds = 5, training_rows_file = "\(rowsFile)" }
            """, to: folder.appendingPathComponent("leak.toml"))
        let result = try TestSupport.recbench(["run", file, "--ledger", folder.path + "/l.sqlite", "--no-report",
                                               "--data-dir", TestSupport.dataDirectory!])
        #expect(result.status == 0, "\(result.stderr)")

        let dataset = try DatasetRegistry.named("ml-100k")!.load(from: DataDirectory(path: TestSupport.dataDirectory!, origin: "test")).dataset
        let split = TemporalSplitter(.fraction(0.2)).split(dataset)
        let test = Self.pairs(split.test, of: dataset), train = Self.pairs(split.train, of: dataset)
        let written = try Self.positives(in: rowsFile)
        #expect(written.rows > 1000 && written.positives.count > 100, "rows \(written.rows), positives \(written.positives.count)")
        #expect(written.positives.isDisjoint(with: test), "\(written.positives.intersection(test).count) test interactions trained the re-ranker")
        #expect(written.positives.isSubset(of: train))
        // The positives are among the latest 10% of train by time.
        let times = split.train.map { dataset.timestamps[$0] }.sorted()
        let boundary = times[times.count - Int((Double(times.count) * 0.1).rounded())]
        let timeOf = Dictionary(split.train.map { (Int64(dataset.users[$0]) << 32 | Int64(dataset.items[$0]), dataset.timestamps[$0]) },
                                uniquingKeysWith: max)
        #expect(written.positives.allSatisfy { timeOf[$0]! >= boundary }, "a positive is older than the latest 10% of train")

        // The leak, made on purpose outside the host: the same check must catch it.
        let leakyRows = folder.path + "/leaky.tsv"
        let everything = (split.train + split.test).sorted { (dataset.users[$0], dataset.items[$0]) < (dataset.users[$1], dataset.items[$1]) }
        let matrix = try CSRMatrix(rowCount: dataset.userCount, columnCount: dataset.itemCount, rows: everything.map { dataset.users[$0] },
                                   columns: everything.map { dataset.items[$0] }, values: everything.map { dataset.ratings[$0] })
        func load(_ name: String) throws -> LoadedPlugin { try LoadedPlugin.load(path: TestSupport.binDirectory + "/lib\(name).so") }
        let twoStage = try load("TwoStage")
        let model = try twoStage.makeModel(try PluginParameters.resolve(
            ["candidates": .int(30), "rounds": .int(5), "training_rows_file": .string(leakyRows)], against: twoStage.manifest).parameters)
        let components = try ["Popularity", "GenrePopularity"].map { name -> PluginModel.ComponentModel in
            let plugin = try load(name)
            return .init(label: name, model: try plugin.makeModel(try PluginParameters.resolve([:], against: plugin.manifest).parameters), threadCount: 1)
        }
        try model.setComponents(components)
        try model.setInteractionTimes(everything.map { dataset.timestamps[$0] })
        try matrix.withView { try model.fit($0, seed: 1, threadCount: 1) }
        let leaked = try Self.positives(in: leakyRows)
        #expect(!leaked.positives.isDisjoint(with: test), "the leak check found nothing on a leaky fit: it has no teeth")
    }

    /// `[evaluation] genres`: every recommended and every relevant item carries one of the genres,
    /// and exactly the test users with a relevant item in them are evaluated (counted here from the
    /// split itself).
    @Test(.enabled(if: TestSupport.hasMovieLens)) func theGenreFilterRestrictsRecommendationsAndRelevance() throws {
        let folder = try TestSupport.temporaryDirectory()
        let genres = ["Film-Noir", "Documentary"]
        let file = try CommandLineTests.experiment(name: "genres", models: """
            [[models]]
            plugin = "Popularity"
            """, in: folder, extra: "genres = [\"Film-Noir\", \"Documentary\"]")
        let trec = folder.path + "/trec"
        let result = try TestSupport.recbench(["run", file, "--ledger", folder.path + "/l.sqlite", "--no-report", "--export-trec", trec,
                                               "--data-dir", TestSupport.dataDirectory!])
        #expect(result.status == 0, "\(result.stderr)")

        let dataset = try DatasetRegistry.named("ml-100k")!.load(from: DataDirectory(path: TestSupport.dataDirectory!, origin: "test")).dataset
        let denseItem = Dictionary(uniqueKeysWithValues: dataset.itemIDs.enumerated().map { ($1, $0) })
        func inGenres(_ id: Substring) -> Bool { dataset.itemGenres[denseItem[String(id)]!].contains { genres.contains($0) } }
        let run = try String(contentsOfFile: trec + "/Popularity.run", encoding: .utf8).split(separator: "\n")
        let qrels = try String(contentsOfFile: trec + "/qrels.txt", encoding: .utf8).split(separator: "\n")
        #expect(!run.isEmpty && !qrels.isEmpty)
        #expect(run.allSatisfy { inGenres($0.split(separator: " ")[2]) }, "a recommended item is outside the genres")
        #expect(qrels.allSatisfy { inGenres($0.split(separator: " ")[2]) }, "a relevant item is outside the genres")

        let split = UserHoldoutSplitter(testFraction: 0.2, seed: 42).split(dataset)
        let expectedUsers = Set(split.test.filter { dataset.itemGenres[Int(dataset.items[$0])].contains { genres.contains($0) } }
            .map { dataset.users[$0] }).count
        let runs = try Ledger(path: folder.path + "/l.sqlite").executions().flatMap { try Ledger(path: folder.path + "/l.sqlite").runs(experimentID: $0.id) }
        #expect(runs.first?.usersEvaluated == expectedUsers, "evaluated \(runs.first?.usersEvaluated ?? -1), expected \(expectedUsers)")
        #expect(expectedUsers > 10 && expectedUsers < 900)

        // A genre the dataset lacks is an error at the key's line, with a suggestion.
        let typo = try CommandLineTests.experiment(name: "typo", models: "[[models]]\nplugin = \"Popularity\"", in: folder,
                                                   extra: "genres = [\"Comdy\"]")
        let refused = try TestSupport.recbench(["run", typo, "--ledger", folder.path + "/l2.sqlite", "--no-report",
                                                "--data-dir", TestSupport.dataDirectory!])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("typo.toml:15:") && refused.stderr.contains("unknown genre \"Comdy\"")
                && refused.stderr.contains("did you mean \"Comedy\"?"), "\(refused.stderr)")
    }

    /// The project's set-up installs XGBoost, and only the TwoStage plugin links it.
    @Test func theSetUpInstallsXGBoostForTwoStage() throws {
        let script = try String(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("scripts/install-deps.sh"), encoding: .utf8)
        let packages = script.split(separator: "\n").first { $0.hasPrefix("packages=(") } ?? ""
        #expect(packages.contains("libxgboost-dev"), "scripts/install-deps.sh does not install libxgboost-dev")
        func needed(_ library: String) throws -> String {
            try TestSupport.run("readelf", ["-d", TestSupport.binDirectory + "/lib\(library).so"]).stdout
        }
        #expect(try needed("TwoStage").contains("libxgboost"))
        #expect(try !needed("Hybrid").contains("libxgboost"))
        #expect(try !needed("iALS").contains("libxgboost"))
    }
}
