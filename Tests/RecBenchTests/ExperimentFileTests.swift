import Foundation
import RecBench
import RecData
import RecKit
import Testing

@Suite struct ExperimentFileTests {
    static let minimal = """
        [experiment]
        name = "tiny"

        [dataset]
        name = "ml-100k"

        [split]
        method = "user-holdout"
        test_fraction = 0.25

        [evaluation]
        cutoffs = [10, 5, 10]

        [[models]]
        plugin = "Popularity"

        [[models]]
        plugin = "Random"
        label = "Random 7"
        seed = 7
        [models.params]
        seed = 3
        """

    @Test func parsesWithDefaults() throws {
        let file = try ExperimentFile.parse(Self.minimal, path: "tiny.toml")
        #expect(file.name == "tiny")
        #expect(file.seed == 42)
        #expect(file.split.seed == 42, "the split takes the experiment seed when it has none")
        guard case .userHoldout(let testFraction, _, _) = file.split.method else {
            Issue.record("expected a user-holdout split, got \(file.split.method)")
            return
        }
        #expect(testFraction == 0.25)
        #expect(file.evaluation.cutoffs == [10, 5], "repeated cutoffs are dropped, order kept")
        #expect(file.evaluation.metrics == [.precision, .recall, .ndcg, .hr, .map, .mrr], "no metrics key means the six classic ones")
        #expect(file.models.map(\.label) == ["Popularity", "Random 7"])
        #expect(file.models.map(\.seed) == [42, 7])
        #expect(file.models[1].params == ["seed": .int(3)])
        #expect(file.models[1].paramPositions["seed"]?.line == 22)
    }

    static let rating = """
        [experiment]
        name = "surprise"

        [dataset]
        name = "ml-100k"

        [split]
        method = "kfold"
        folds = 5

        [evaluation]
        protocol = "rating"

        [[models]]
        plugin = "SVD"

        [[reference]]
        model = "SVD"
        metric = "rmse"
        value = 0.934
        tolerance = 0.005
        source = "Surprise benchmark"
        """

    @Test func parsesTheRatingProtocolFoldsAndReferences() throws {
        let file = try ExperimentFile.parse(Self.rating, path: "surprise.toml")
        #expect(file.evaluation.isRating)
        #expect(file.evaluation.ratingMetrics == [.rmse, .mae])
        #expect(file.evaluation.ratingScale == 1...5)
        guard case .kFold(let folds) = file.split.method else {
            Issue.record("expected k-fold, got \(file.split.method)")
            return
        }
        #expect(folds == 5)
        #expect(file.references.count == 1)
        #expect(file.references[0].metric == "rmse" && file.references[0].value == 0.934 && file.references[0].tolerance == 0.005)
    }

    @Test(arguments: [
        ("protocol = \"rating\"", "protocol = \"rating\"\ncutoffs = [10]",
         "surprise.toml:13:11: cutoffs apply to ranking protocols; the rating protocol measures rmse and mae over all test pairs"),
        ("model = \"SVD\"", "model = \"SVDD\"", "surprise.toml:18:9: reference to model \"SVDD\", which is not a label in this file (did you mean \"SVD\"?)"),
        ("metric = \"rmse\"", "metric = \"ndcg@10\"", "surprise.toml:19:10: reference metric \"ndcg@10\" is not evaluated by this experiment; it evaluates: rmse, mae"),
        ("folds = 5", "folds = 1", "surprise.toml:9:9: folds must be between 2 and 100, got 1"),
        ("method = \"kfold\"\nfolds = 5", "method = \"predefined\"\nset = \"u1-u6\"", "surprise.toml:9:7: unknown set \"u1-u6\" (did you mean \"u1-u5\"?); this version knows: u1-u5, ua-ub"),
    ])
    func ratingMistakesAreLocated(original: String, replacement: String, message: String) throws {
        let text = Self.rating.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.rating)
        let error = #expect(throws: ExperimentError.self) { try ExperimentFile.parse(text, path: "surprise.toml") }
        #expect(error?.description == message)
    }

    @Test func everyCommittedExperimentFileParses() throws {
        let folder = TestSupport.repositoryRoot.appendingPathComponent("experiments")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }
        #expect(names.contains("reproduce-surprise-ml100k.toml"))
        for name in names {
            let file = try ExperimentFile.load(path: folder.appendingPathComponent(name).path)
            #expect(!file.models.isEmpty, "\(name)")
        }
        let surprise = try ExperimentFile.load(path: folder.appendingPathComponent("reproduce-surprise-ml100k.toml").path)
        #expect(surprise.references.count == 20)
        #expect(surprise.timingReferences.count == 11)
        #expect(surprise.evaluation.unknownPairs == .model)
    }

    @Test(arguments: [
        ("method = \"user-holdout\"\ntest_fraction = 0.1\nrounding = \"down\"\nfraction_of = \"all\"",
         "userHoldout(testFraction: 0.1, rounding: RecData.UserHoldoutSplitter.Rounding.down, fractionOfAll: true)"),
        ("method = \"random-holdout\"\ntest_fraction = 0.1", "randomHoldout(testFraction: 0.1)"),
        ("method = \"stratified\"\ntrain_ratio = 0.75", "stratified(byItem: true, trainRatio: 0.75, numpyShuffle: false)"),
        ("method = \"stratified\"\nby = \"user\"\ntrain_ratio = 0.8", "stratified(byItem: false, trainRatio: 0.8, numpyShuffle: false)"),
        ("method = \"temporal\"\ntest_fraction = 0.2", "temporal(testFraction: Optional(0.2), cutoff: nil)"),
        ("method = \"temporal\"\ncutoff = 890000000", "temporal(testFraction: nil, cutoff: Optional(890000000))"),
        ("method = \"user-temporal\"\ntest_count = 2", "userTemporal(testFraction: nil, testCount: Optional(2))"),
        ("method = \"leave-one-out\"", "leaveOneOut(random: false)"),
        ("method = \"leave-one-out\"\npick = \"random\"", "leaveOneOut(random: true)"),
        ("method = \"user-kfold\"\nfolds = 3", "userKFold(folds: 3)"),
    ])
    func everySplitMethodParses(split: String, expected: String) throws {
        let text = Self.minimal.replacingOccurrences(of: "method = \"user-holdout\"\ntest_fraction = 0.25", with: split)
        let file = try ExperimentFile.parse(text, path: "tiny.toml")
        #expect(String(describing: file.split.method) == expected)
    }

    @Test func preprocessingIsDeclaredAndApplied() throws {
        let text = Self.minimal.replacingOccurrences(of: "name = \"ml-100k\"",
                                                     with: "name = \"ml-100k\"\nduplicates = \"last\"\nmin_rating = 4\nk_core = 2")
        let file = try ExperimentFile.parse(text, path: "tiny.toml")
        #expect(file.dataset.preprocessing == PreprocessingPlan(duplicates: .last, minRating: 4, kCore: 2))
        #expect(file.dataset.preprocessing.description == "duplicates=last, min_rating=4.0, k_core=2")
        // A 3-user × 3-item toy: ratings ≥ 4 keep (u0,i0) (u0,i1) (u1,i0) (u1,i1) (u2,i2); the 2-core then drops
        // u2 and i2 (one interaction each), leaving the 2 × 2 block.
        let toy = Dataset(name: "toy", userIDs: ["1", "2", "3"], itemIDs: ["1", "2", "3"],
                          users: [0, 0, 0, 1, 1, 2], items: [0, 1, 2, 0, 1, 2], ratings: [5, 4, 2, 4, 5, 5],
                          timestamps: [1, 2, 3, 4, 5, 6], itemTitles: ["a", "b", "c"], itemGenres: [[], [], []])
        let processed = file.dataset.preprocessing.apply(to: toy)
        #expect(processed.name == "toy [duplicates=last, min_rating=4.0, k_core=2]")
        #expect(processed.userIDs == ["1", "2"] && processed.itemIDs == ["1", "2"])
        #expect(processed.interactionCount == 4)
        #expect(processed.ratings.allSatisfy { $0 == 1 }, "the threshold turns ratings into implicit interactions")

        let bad = Self.minimal.replacingOccurrences(of: "name = \"ml-100k\"", with: "name = \"ml-100k\"\nk_core = 0")
        let error = #expect(throws: ExperimentError.self) { try ExperimentFile.parse(bad, path: "tiny.toml") }
        #expect(error?.description == "tiny.toml:6:10: k_core must be at least 1, got 0")
    }

    @Test func temporalNeedsExactlyOneBoundary() {
        let text = Self.minimal.replacingOccurrences(of: "method = \"user-holdout\"\ntest_fraction = 0.25",
                                                     with: "method = \"temporal\"\ntest_fraction = 0.2\ncutoff = 5")
        let error = #expect(throws: ExperimentError.self) { try ExperimentFile.parse(text, path: "tiny.toml") }
        #expect(error?.description == "tiny.toml:10:10: temporal takes exactly one of test_fraction and cutoff")
    }

    @Test func theQuickstartFileParses() throws {
        let path = TestSupport.repositoryRoot.appendingPathComponent("experiments/quickstart.toml").path
        let file = try ExperimentFile.load(path: path)
        #expect(file.name == "quickstart")
        #expect(file.models.map(\.plugin) == ["Popularity", "Random", "CoOccurrence", "DampedMean"])
    }

    /// Each mistake, and the exact message and location a user sees.
    @Test(arguments: [
        ("name = \"tiny\"", "name = \"tiny\"\nnmae = \"x\"", "tiny.toml:3:1: unknown key \"nmae\" in [experiment] (did you mean \"name\"?)"),
        ("test_fraction = 0.25", "test_fraction = 1.5", "tiny.toml:9:17: test_fraction must be between 0 and 1 (exclusive), got 1.5"),
        ("test_fraction = 0.25", "test_fraction = \"0.2\"", "tiny.toml:9:17: test_fraction must be a number, not string"),
        ("method = \"user-holdout\"", "method = \"user-holdot\"", "tiny.toml:8:10: unknown method \"user-holdot\" (did you mean \"user-holdout\"?); this version knows: user-holdout, kfold, predefined, random-holdout, stratified, temporal, user-temporal, leave-one-out, user-kfold, parts-file"),
        ("name = \"ml-100k\"", "name = \"ml-100\"", "tiny.toml:5:8: unknown name \"ml-100\" (did you mean \"ml-100k\"?); this version knows: ml-100k, ml-1m, ml-10m, ml-latest-small, ml-20m, ml-25m, ml-32m, ml-latest, gowalla, yelp2018, amazon-book"),
        ("cutoffs = [10, 5, 10]", "cutoffs = [10, 0]", "tiny.toml:12:16: cutoffs must be positive integers (at most 10000)"),
        ("cutoffs = [10, 5, 10]", "cutoffs = [10]\nmetrics = [\"ndcg\", \"recal\"]", "tiny.toml:13:20: unknown ranking metric \"recal\" (did you mean \"recall\"?); known: precision, recall, ndcg, hr, map, mrr, f1, auc, map_all"),
        ("label = \"Random 7\"", "label = \"Popularity\"", "tiny.toml:19:9: two models are labelled \"Popularity\"; give each a distinct label = \"...\""),
        ("[split]", "[splitt]", "tiny.toml:7:2: unknown key \"splitt\" in the experiment file (did you mean \"split\"?)"),
        ("test_fraction = 0.25", "test_fraction = 0.25\nrounding = \"floor\"", "tiny.toml:10:12: unknown rounding \"floor\"; this version knows: nearest, down"),
        ("seed = 7", "seed = -1", "tiny.toml:20:8: seed must be a non-negative integer, got -1"),
        ("[[models]]\nplugin = \"Popularity\"", "[[models]]\nplugn = \"Popularity\"", "tiny.toml:15:1: unknown key \"plugn\" in [[models]] (did you mean \"plugin\"?)"),
    ])
    func mistakesAreLocated(original: String, replacement: String, message: String) throws {
        let text = Self.minimal.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.minimal)
        let error = #expect(throws: ExperimentError.self) { try ExperimentFile.parse(text, path: "tiny.toml") }
        #expect(error?.description == message)
    }

    @Test func aTOMLSyntaxErrorIsLocated() {
        let text = Self.minimal.replacingOccurrences(of: "test_fraction = 0.25", with: "test_fraction = ")
        let error = #expect(throws: ExperimentError.self) { try ExperimentFile.parse(text, path: "tiny.toml") }
        #expect(error?.line == 9)
        #expect(error?.description.hasPrefix("tiny.toml:9:") == true)
    }

    @Test func suggestionsCatchTyposButNotStrangers() {
        #expect(Suggest.closest(to: "lrr", among: ["factors", "lr", "epochs"]) == "lr")
        #expect(Suggest.closest(to: "factros", among: ["factors", "lr", "epochs"]) == "factors")
        #expect(Suggest.closest(to: "Epochs", among: ["factors", "lr", "epochs"]) == "epochs")
        #expect(Suggest.closest(to: "banana", among: ["factors", "lr", "epochs"]) == nil)
        #expect(Suggest.closest(to: "k", among: ["lr"]) == nil, "one letter is not a typo of two different ones")
        #expect(Suggest.editDistance("kitten", "sitting") == 3)
    }

    @Test func parametersAreCheckedAgainstTheSchema() throws {
        let manifest = PluginManifest(
            name: "Toy", version: "1.0.0", description: "a toy", capabilities: [.implicitRanking],
            parameters: [
                HyperParameter("factors", .int, default: .int(64), min: 1, max: 1024, doc: "latent size"),
                HyperParameter("lr", .float, default: .float(0.01), min: 0, logScale: true, doc: "learning rate"),
                HyperParameter("loss", .string, default: .string("bpr"), choices: [.string("bpr"), .string("warp")], doc: "loss"),
            ])
        let (resolved, defaulted) = try PluginParameters.resolve(["lr": .int(1), "factors": .float(32)], against: manifest)
        #expect(resolved.values == ["factors": .int(32), "lr": .float(1), "loss": .string("bpr")])
        #expect(defaulted == ["loss"])
        #expect(resolved.json == #"{"factors":32,"loss":"bpr","lr":1}"#)
        #expect(try PluginParameters(json: resolved.json).double("lr") == 1)

        let cases: [([String: ParameterValue], String)] = [
            (["factor": .int(3)], "Toy has no parameter \"factor\" (did you mean \"factors\"?)"),
            (["factors": .int(0)], "parameter \"factors\" = 0 is below its minimum 1"),
            (["factors": .float(2.5)], "parameter \"factors\" must be an int, got float 2.5"),
            (["lr": .string("fast")], "parameter \"lr\" must be a float, got string \"fast\""),
            (["loss": .string("hinge")], "parameter \"loss\" = \"hinge\" is not one of: \"bpr\", \"warp\""),
        ]
        for (given, message) in cases {
            let error = #expect(throws: ParameterError.self) { try PluginParameters.resolve(given, against: manifest) }
            #expect(error?.message == message)
        }
    }

    @Test func manifestsRoundTripAndAreValidated() throws {
        let manifest = PluginManifest(
            name: "Toy", version: "1.0.0", description: "a toy", capabilities: [.implicitRanking, Capability(rawValue: "future-thing")],
            parameters: [HyperParameter("k", .int, default: .int(5), min: 1, doc: "neighbours")])
        #expect(try PluginManifest.parse(json: manifest.jsonString()) == manifest)
        let badDefault = #"{"name":"X","version":"1","contract":1,"description":"d","capabilities":["implicit-ranking"],"parameters":[{"name":"k","type":"int","default":0,"min":1,"doc":"d"}]}"#
        let error = #expect(throws: ManifestError.self) { try PluginManifest.parse(json: badDefault) }
        #expect(error?.message == "manifest of X: default of parameter \"k\" = 0 is below its minimum 1")
        let missing = #"{"name":"X","version":"1","contract":1,"capabilities":["implicit-ranking"],"parameters":[]}"#
        let missingError = #expect(throws: ManifestError.self) { try PluginManifest.parse(json: missing) }
        #expect(missingError?.message == "manifest is not valid: missing field \"description\"")
    }
}
