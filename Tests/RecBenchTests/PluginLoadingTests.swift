import Foundation
import RecKit
import RecMath
import Testing

/// Loading plugins through the C contract: good ones, every kind of bad file, and plugins built
/// outside this package (plain C, a separate Swift package) loaded without rebuilding anything here.
@Suite struct PluginLoadingTests {
    /// 3 users × 4 items: u0 {i0: 5, i1: 3}, u1 {i0: 4, i2: 2}, u2 {i1: 4}; i3 never seen.
    static func tinyTrain() throws -> CSRMatrix {
        try CSRMatrix(rowCount: 3, columnCount: 4, rows: [0, 0, 1, 1, 2], columns: [0, 1, 0, 2, 1],
                      values: [5, 3, 4, 2, 4])
    }

    /// Fits a model on `train` and returns the scores of `users`, row-major.
    static func fitAndScore(_ plugin: LoadedPlugin, _ given: [String: ParameterValue] = [:],
                            train: CSRMatrix, users: [Int32]) throws -> [Float] {
        let parameters = try PluginParameters.resolve(given, against: plugin.manifest).parameters
        let model = try plugin.makeModel(parameters)
        try train.withView { try model.fit($0, seed: 1, threadCount: 1) }
        var scores = [Float](repeating: .nan, count: users.count * train.columnCount)
        try users.withUnsafeBufferPointer { users in
            try scores.withUnsafeMutableBufferPointer {
                try model.score(users: users, itemCount: train.columnCount, into: $0)
            }
        }
        return scores
    }

    @Test func inTreePluginsLoadWithTheirManifests() throws {
        let registry = PluginRegistry.discover(PluginSearchPath(entries: [.init(directory: TestSupport.binDirectory, origin: "test")]))
        #expect(registry.problems.isEmpty, "\(registry.problems)")
        let popularity = try #require(registry.plugin(named: "Popularity"))
        #expect(popularity.manifest.contract == 1)
        #expect(popularity.manifest.capabilities == [.implicitRanking])
        #expect(popularity.manifest.parameter(named: "weighting")?.defaultValue == .string("count"))
        let random = try #require(registry.plugin(named: "Random"))
        #expect(random.manifest.parameter(named: "seed")?.type == .int)
    }

    @Test func popularityScoresAreTrainingCounts() throws {
        let plugin = try LoadedPlugin.load(path: TestSupport.binDirectory + "/libPopularity.so")
        // Item counts: i0 in u0,u1 → 2; i1 in u0,u2 → 2; i2 in u1 → 1; i3 → 0. Same row for everyone.
        let counts = try Self.fitAndScore(plugin, train: try Self.tinyTrain(), users: [2, 0])
        #expect(counts == [2, 2, 1, 0, 2, 2, 1, 0])
        // weighting = value sums ratings: i0 5+4 = 9, i1 3+4 = 7, i2 2, i3 0.
        let sums = try Self.fitAndScore(plugin, ["weighting": .string("value")], train: try Self.tinyTrain(), users: [1])
        #expect(sums == [9, 7, 2, 0])
    }

    @Test func randomIsSeededAndIndependentOfBlocks() throws {
        let plugin = try LoadedPlugin.load(path: TestSupport.binDirectory + "/libRandom.so")
        let train = try Self.tinyTrain()
        let together = try Self.fitAndScore(plugin, ["seed": .int(7)], train: train, users: [0, 1, 2])
        let alone = try Self.fitAndScore(plugin, ["seed": .int(7)], train: train, users: [1])
        #expect(Array(together[4..<8]) == alone, "a user's scores must not depend on the block it is scored in")
        let other = try Self.fitAndScore(plugin, ["seed": .int(8)], train: train, users: [1])
        #expect(other != alone)
        #expect(together.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test func aFileThatIsNotALibraryIsReportedAndSkipped() throws {
        let folder = try TestSupport.temporaryDirectory()
        try TestSupport.write("this is text, not ELF\n", to: folder.appendingPathComponent("libBogus.so"))
        let error = #expect(throws: PluginLoadError.self) {
            try LoadedPlugin.load(path: folder.appendingPathComponent("libBogus.so").path)
        }
        #expect(error?.reason.hasPrefix("not a loadable library") == true, "\(String(describing: error))")
        #expect(error?.path.hasSuffix("libBogus.so") == true)
    }

    @Test(arguments: [
        ("no_entry", "no entry symbol recbench_plugin_v1 (not a recbench plugin)"),
        ("wrong_version", "table says contract 2, but this recbench speaks contract 1"),
        ("small_struct", "table is 8 bytes, smaller than the"),
        ("future_only", "built for plugin contract 2, but this recbench speaks contract 1"),
        ("bad_manifest", "manifest is not valid"),
    ])
    func badPluginFilesGiveTheirReason(fixture: String, reason: String) throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = try TestSupport.fixture(fixture, into: folder)
        let error = #expect(throws: PluginLoadError.self) { try LoadedPlugin.load(path: path) }
        #expect(error?.reason.contains(reason) == true, "got: \(String(describing: error))")
        #expect(error?.path == path)
    }

    @Test func discoveryCarriesOnPastBadFilesAndFirstNameWins() throws {
        let folder = try TestSupport.temporaryDirectory()
        for fixture in ["no_entry", "wrong_version", "bad_manifest", "duplicate_a", "duplicate_b"] {
            _ = try TestSupport.fixture(fixture, into: folder)
        }
        try TestSupport.write("garbage", to: folder.appendingPathComponent("libGarbage.so"))
        try TestSupport.write("not a library name", to: folder.appendingPathComponent("notes.txt"))
        let registry = PluginRegistry.discover(PluginSearchPath(entries: [
            .init(directory: folder.path, origin: "--plugin-dir"),
            .init(directory: folder.path, origin: "RECBENCH_PLUGIN_PATH"),  // the same folder twice loads once
            .init(directory: folder.path + "/missing", origin: "--plugin-dir"),
        ]))
        #expect(registry.plugins.map(\.name) == ["Twin"])
        // Files load in name order: libduplicate_a.so (Twin 1.0.0) comes before libduplicate_b.so.
        #expect(registry.plugin(named: "Twin")?.manifest.version == "1.0.0")
        #expect(Set(registry.problems.map { URL(fileURLWithPath: $0.path).lastPathComponent })
                == ["libno_entry.so", "libwrong_version.so", "libbad_manifest.so", "libGarbage.so"])
        #expect(registry.warnings.contains { $0.contains("Twin 2.0.0") && $0.contains("libduplicate_b.so") && $0.contains("found first") })
        #expect(registry.warnings.contains { $0.contains("/missing") && $0.contains("does not exist") })
    }

    @Test(arguments: ["create", "fit", "score"])
    func aPluginErrorNamesThePluginAndTheCall(failAt: String) throws {
        let folder = try TestSupport.temporaryDirectory()
        let plugin = try LoadedPlugin.load(path: try TestSupport.fixture("failing", into: folder))
        let error = #expect(throws: PluginCallError.self) {
            _ = try Self.fitAndScore(plugin, ["fail_at": .string(failAt)], train: try Self.tinyTrain(), users: [0])
        }
        #expect(error?.call == failAt)
        #expect(error?.plugin == "Failing")
        #expect(error?.description == "plugin Failing failed in \(failAt): Failing: \(failAt) refused as asked (fail_at=\(failAt))")
    }

    @Test func theHostRejectsParametersTheSchemaDoesNotAllow() throws {
        let folder = try TestSupport.temporaryDirectory()
        let plugin = try LoadedPlugin.load(path: try TestSupport.fixture("failing", into: folder))
        let error = #expect(throws: ParameterError.self) {
            try PluginParameters.resolve(["fail_at": .string("never")], against: plugin.manifest)
        }
        #expect(error?.message == "parameter \"fail_at\" = \"never\" is not one of: \"none\", \"create\", \"fit\", \"score\"")
    }

    @Test func theCExamplePluginBuildsWithCcAndLoads() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = try TestSupport.compileC("examples/c-plugin/damped_mean.c", name: "DampedMean", into: folder)
        let plugin = try LoadedPlugin.load(path: path)
        #expect(plugin.name == "DampedMean")
        // Global mean C = (5+3+4+2+4)/5 = 3.6. With m = 2: score(i) = (sum_i + 2·3.6) / (n_i + 2):
        // i0 (5+4+7.2)/4 = 4.05, i1 (3+4+7.2)/4 = 3.55, i2 (2+7.2)/3 = 9.2/3, i3 (0+7.2)/2 = 3.6.
        let scores = try Self.fitAndScore(plugin, ["m": .float(2)], train: try Self.tinyTrain(), users: [0])
        let expected: [Float] = [4.05, 3.55, 9.2 / 3, 3.6]
        for (got, want) in zip(scores, expected) { #expect(abs(got - want) < 1e-5) }
        let error = #expect(throws: PluginCallError.self) {
            // The host's schema check is bypassed on purpose: the plugin must defend itself too.
            _ = try plugin.makeModel(PluginParameters(["m": .float(-1)]))
        }
        #expect(error?.call == "create")
        #expect(error?.message.contains("m") == true)
    }

    /// The example plugin package is built on its own, with its own scratch folder, and loaded
    /// into this already-built host — nothing in the main package is rebuilt.
    @Test(.timeLimit(.minutes(10))) func theOutOfTreeSwiftPluginBuildsSeparatelyAndLoads() throws {
        let scratch = TestSupport.repositoryRoot.appendingPathComponent(".build-tests-examples").path
        let build = try TestSupport.run("swift", [
            "build", "--package-path", TestSupport.repositoryRoot.appendingPathComponent("examples/swift-plugin").path,
            "--scratch-path", scratch, "-j", "2",
        ])
        try #require(build.status == 0, "building examples/swift-plugin failed:\n\(build.stdout)\n\(build.stderr)")
        let binPath = try TestSupport.run("swift", [
            "build", "--package-path", TestSupport.repositoryRoot.appendingPathComponent("examples/swift-plugin").path,
            "--scratch-path", scratch, "--show-bin-path",
        ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let library = binPath + "/libCoOccurrence.so"
        let hostBefore = try Data(contentsOf: URL(fileURLWithPath: TestSupport.recbench))

        // Through the built host's command line...
        let listing = try TestSupport.recbench(["plugins", "--plugin-dir", binPath])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("CoOccurrence") && listing.stdout.contains(library))
        let show = try TestSupport.recbench(["plugins", "show", "CoOccurrence", "--plugin-dir", binPath])
        #expect(show.stdout.contains("neighbours = 100"))

        // ...and through the loader, with scores worked out by hand.
        let plugin = try LoadedPlugin.load(path: library)
        // Tiny data: users of i0 = {u0,u1}, i1 = {u0,u2}, i2 = {u1}; co-occurrence i0–i1 = 1 (u0),
        // i0–i2 = 1 (u1), i1–i2 = 0. Cosine: i0–i1 = 1/sqrt(2·2) = 0.5, i0–i2 = 1/sqrt(2·1) = 1/√2.
        // u2 has {i1}: score(j) = S[i1][j] → i0 = 0.5, others 0.
        // u0 has {i0, i1}: i0 = S[i1][i0] = 0.5, i1 = S[i0][i1] = 0.5, i2 = S[i0][i2] = 1/√2, i3 = 0.
        let scores = try Self.fitAndScore(plugin, train: try Self.tinyTrain(), users: [2, 0])
        let expected: [Float] = [0.5, 0, 0, 0, 0.5, 0.5, Float(1 / 2.0.squareRoot()), 0]
        for (got, want) in zip(scores, expected) { #expect(abs(got - want) < 1e-6, "\(scores)") }
        // With one neighbour per item, i0 keeps only i2 (1/√2 beats 0.5): u0's i1 score drops to 0.
        let pruned = try Self.fitAndScore(plugin, ["neighbours": .int(1)], train: try Self.tinyTrain(), users: [0])
        #expect(abs(pruned[1] - 0) < 1e-6 && abs(pruned[2] - Float(1 / 2.0.squareRoot())) < 1e-6, "\(pruned)")

        #expect(try Data(contentsOf: URL(fileURLWithPath: TestSupport.recbench)) == hostBefore, "the host was rebuilt")
    }
}
