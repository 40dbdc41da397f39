import Foundation
import RecKit
import RecLedger
import RecMath
import RecBench
import Testing

/// The experiment engine beyond one run per model: the epoch contract and early stopping, seeds,
/// grid search with validation selection, resuming after a kill, and two processes on one ledger.
@Suite struct EngineTests {
    static func epochsPlugin(in folder: URL) throws -> LoadedPlugin {
        try LoadedPlugin.load(path: try TestSupport.fixture("epochs", into: folder))
    }

    /// Fits the Epochs fixture (after epoch e it scores every item e) with an observer that answers
    /// `answers[e]` (default proceed) and records what it saw; returns the final score and the log.
    static func fitEpochs(_ plugin: LoadedPlugin, epochs: Int, evaluateEvery: Int,
                          answers: [Int: PluginModel.EpochObserver.Answer]) throws -> (score: Float, seen: [String]) {
        let parameters = try PluginParameters.resolve(["epochs": .int(Int64(epochs))], against: plugin.manifest).parameters
        let model = try plugin.makeModel(parameters)
        let train = try CSRMatrix(rowCount: 2, columnCount: 3, rows: [0, 1], columns: [0, 2], values: [1, 1])
        final class Log: @unchecked Sendable { var lines: [String] = [] }
        let log = Log()
        func scoreNow() throws -> Float {
            var out = [Float](repeating: .nan, count: 3)
            try [Int32(0)].withUnsafeBufferPointer { users in
                try out.withUnsafeMutableBufferPointer { try model.score(users: users, itemCount: 3, into: $0) }
            }
            return out[0]
        }
        let observer = PluginModel.EpochObserver(
            willEvaluate: { $0 % evaluateEvery == 0 },
            epochEnded: { epoch, loss in
                // Scoring from inside the callback is allowed: the model must show this epoch's state.
                let seen = epoch % evaluateEvery == 0 ? (try? scoreNow()).map { "\($0)" } ?? "error" : "-"
                log.lines.append("\(epoch):\(String(format: "%.3f", loss)):\(seen)")
                return answers[epoch] ?? .proceed
            })
        try train.withView { try model.fit($0, seed: 1, threadCount: 1, epochs: observer) }
        return (try scoreNow(), log.lines)
    }

    @Test func theEpochContractCheckpointsStopsAndRestores() throws {
        let plugin = try Self.epochsPlugin(in: try TestSupport.temporaryDirectory())
        // Checkpoints at 1 and 2, stop at 4: the fitted model is epoch 2's.
        let stopped = try Self.fitEpochs(plugin, epochs: 6, evaluateEvery: 1, answers: [1: .checkpoint, 2: .checkpoint, 4: .stop])
        #expect(stopped.seen == ["1:1.000:1.0", "2:0.500:2.0", "3:0.333:3.0", "4:0.250:4.0"])
        #expect(stopped.score == 2)
        // Never stopped, best at 3: fit still ends on the kept epoch, not the last.
        let ran = try Self.fitEpochs(plugin, epochs: 5, evaluateEvery: 1, answers: [3: .checkpoint])
        #expect(ran.seen.count == 5)
        #expect(ran.score == 3)
        // Evaluating every second epoch only: the others are not scored.
        let sparse = try Self.fitEpochs(plugin, epochs: 4, evaluateEvery: 2, answers: [:])
        #expect(sparse.seen == ["1:1.000:-", "2:0.500:2.0", "3:0.333:-", "4:0.250:4.0"])
        #expect(sparse.score == 4)
    }

    @Test func aPluginWithoutTheEpochExtensionIsToldSo() throws {
        let plugin = try LoadedPlugin.load(path: TestSupport.binDirectory + "/libPopularity.so")
        let model = try plugin.makeModel(try PluginParameters.resolve([:], against: plugin.manifest).parameters)
        #expect(!model.trainsInEpochs)
        let train = try CSRMatrix(rowCount: 1, columnCount: 2, rows: [0], columns: [1], values: [1])
        let observer = PluginModel.EpochObserver(willEvaluate: { _ in true }, epochEnded: { _, _ in .proceed })
        #expect(throws: PluginCallError.self) { try train.withView { try model.fit($0, seed: 1, threadCount: 1, epochs: observer) } }
    }

    static func ledgerRuns(_ path: String) throws -> [RunRecord] {
        let ledger = try Ledger(path: path)
        return try ledger.executions().reversed().flatMap { try ledger.runs(experimentID: $0.id) }
    }

    /// On ml-100k: a model whose validation metric never improves after epoch 1 stops after
    /// exactly `patience` more evaluations, and the curve is in the ledger.
    @Test(.enabled(if: TestSupport.dataDirectory != nil)) func earlyStoppingStopsAfterPatienceAndStoresTheCurve() throws {
        let folder = try TestSupport.temporaryDirectory()
        _ = try TestSupport.fixture("epochs", into: folder)
        let file = try CommandLineTests.experiment(name: "stopping", models: """
            [[models]]
            plugin = "Epochs"
            params = { epochs = 50 }
            [models.early_stopping]
            metric = "ndcg@10"
            patience = 3
            every = 2
            """, in: folder, extra: "")
        try Self.addValidation(to: file)
        let result = try TestSupport.recbench(["run", file, "--plugin-dir", folder.path, "--ledger", folder.path + "/l.sqlite",
                                               "--no-report", "--data-dir", TestSupport.dataDirectory!])
        #expect(result.status == 0, "\(result.stderr)")
        let run = try #require(try Self.ledgerRuns(folder.path + "/l.sqlite").first)
        // Every item scores the same at every epoch, so validation NDCG never rises after the first
        // evaluation (epoch 2): evaluations at 4, 6, 8 bring no gain and training stops at epoch 8.
        #expect(run.bestEpoch == 2)
        #expect(run.epochsRun == 8)
        let curve = try Ledger(path: folder.path + "/l.sqlite").epochs(runID: run.id!)
        #expect(curve.map(\.epoch) == Array(1...8))
        #expect(curve.filter { $0.value != nil }.map(\.epoch) == [2, 4, 6, 8])
        #expect(abs(curve[3].loss - 0.25) < 1e-12)
    }

    /// A learning curve scores the test part at every `every` epochs and never changes training:
    /// all epochs run, nothing is kept, and the last curve point is the run's own test value.
    @Test(.enabled(if: TestSupport.dataDirectory != nil)) func aLearningCurveRecordsTestValuesWithoutSteering() throws {
        let folder = try TestSupport.temporaryDirectory()
        _ = try TestSupport.fixture("epochs", into: folder)
        let file = try CommandLineTests.experiment(name: "curve", models: """
            [[models]]
            plugin = "Epochs"
            params = { epochs = 6 }
            [models.learning_curve]
            metric = "ndcg@10"
            every = 2
            """, in: folder, extra: "")
        let result = try TestSupport.recbench(["run", file, "--plugin-dir", folder.path, "--ledger", folder.path + "/l.sqlite",
                                               "--no-report", "--data-dir", TestSupport.dataDirectory!])
        #expect(result.status == 0, "\(result.stderr)")
        let ledger = try Ledger(path: folder.path + "/l.sqlite")
        let run = try #require(try Self.ledgerRuns(folder.path + "/l.sqlite").first)
        #expect(run.epochsRun == 6)
        #expect(run.bestEpoch == nil)
        let curve = try ledger.epochs(runID: run.id!)
        #expect(curve.filter { $0.value != nil }.map(\.epoch) == [2, 4, 6])
        #expect(curve.compactMap(\.metric) == ["test ndcg@10", "test ndcg@10", "test ndcg@10"])
        let test = try #require(try ledger.metrics(runID: run.id!).first {
            $0.metric == "ndcg" && $0.cutoff == 10 && $0.evaluationProtocol == "full-ranking"
        })
        #expect(curve.last?.value == test.value)
    }

    @Test func aLearningCurveWithEarlyStoppingOrAnUnevaluatedMetricIsRefused() throws {
        let folder = try TestSupport.temporaryDirectory()
        let both = try CommandLineTests.experiment(name: "both", models: """
            [[models]]
            plugin = "Popularity"
            [models.early_stopping]
            metric = "ndcg@10"
            [models.learning_curve]
            metric = "ndcg@10"
            """, in: folder, extra: "")
        try Self.addValidation(to: both)
        #expect(throws: ExperimentError.self) { try ExperimentFile.load(path: both) }
        let unknown = try CommandLineTests.experiment(name: "unknown", models: """
            [[models]]
            plugin = "Popularity"
            [models.learning_curve]
            metric = "recall@50"
            """, in: folder, extra: "")
        do {
            _ = try ExperimentFile.load(path: unknown)
            Issue.record("a curve metric the file does not evaluate was accepted")
        } catch let error as ExperimentError {
            #expect(String(describing: error).contains("learning_curve metric \"recall@50\" is not evaluated"))
            #expect(error.line != nil)
        }
    }

    /// Appends a validation part to an experiment file's [split] table.
    static func addValidation(to file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "test_fraction = 0.2\n", with: "test_fraction = 0.2\n[split.validation]\nmethod = \"user-holdout\"\ntest_fraction = 0.1\n")
        try TestSupport.write(text, to: URL(fileURLWithPath: file))
    }

    @Test(.enabled(if: TestSupport.dataDirectory != nil)) func gridSearchSelectsTheBestValidationPointPerSeed() throws {
        let folder = try TestSupport.temporaryDirectory()
        let file = try CommandLineTests.experiment(name: "grid", models: """
            [[models]]
            plugin = "Popularity"
            [models.grid]
            weighting = ["count", "value"]

            [[models]]
            plugin = "Random"
            """, in: folder, extra: "select_by = \"ndcg@10\"")
        try Self.addValidation(to: file)
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "seed = 42\n", with: "seed = 42\nseeds = [1, 2]\n")
        try TestSupport.write(text, to: URL(fileURLWithPath: file))
        let ledgerPath = folder.path + "/l.sqlite"
        let result = try TestSupport.recbench(["run", file, "--ledger", ledgerPath, "--no-report", "--data-dir", TestSupport.dataDirectory!])
        #expect(result.status == 0, "\(result.stderr)")
        let runs = try Self.ledgerRuns(ledgerPath)
        // Popularity: 2 seeds × 2 points; Random (no search): 2 seeds, always selected.
        #expect(runs.count == 6)
        #expect(Set(runs.filter { $0.plugin == "Random" }.map(\.seed)) == [1, 2])
        #expect(runs.filter { $0.plugin == "Random" }.allSatisfy { $0.selected })
        let ledger = try Ledger(path: ledgerPath)
        for seed in [Int64(1), 2] {
            let points = runs.filter { $0.plugin == "Popularity" && $0.seed == seed }
            #expect(points.count == 2 && points.filter(\.selected).count == 1)
            let validation = try points.map { run in
                try #require(try ledger.metrics(runID: run.id!).first {
                    $0.metric == "ndcg" && $0.cutoff == 10 && $0.evaluationProtocol == "validation:full-ranking"
                }).value
            }
            let best = validation[0] >= validation[1] ? 0 : 1
            #expect(points[best].selected, "the selected point must have the higher validation NDCG@10: \(validation)")
        }
        // A search without a validation part is refused before anything runs, saying what to add.
        let bare = try CommandLineTests.experiment(name: "bare", models: "[[models]]\nplugin = \"Popularity\"\n[models.grid]\nweighting = [\"count\"]",
                                                   in: folder)
        let refused = try TestSupport.recbench(["run", bare, "--ledger", ledgerPath])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("[split.validation]"))
    }

    /// kill -9 in the middle of an experiment, then `recbench run` again: exactly the missing runs
    /// are computed, the finished ones reused, and the ledger is sound.
    @Test(.enabled(if: TestSupport.dataDirectory != nil)) func aKilledExperimentResumesWithExactlyTheMissingRuns() throws {
        let folder = try TestSupport.temporaryDirectory()
        _ = try TestSupport.fixture("epochs", into: folder)
        let models = (1...4).map { "[[models]]\nplugin = \"Epochs\"\nlabel = \"slow \($0)\"\nparams = { epochs = \($0), sleep_ms = 700 }" }
        let file = try CommandLineTests.experiment(name: "killed", models: models.joined(separator: "\n\n"), in: folder)
        let ledgerPath = folder.path + "/l.sqlite"
        let arguments = ["run", file, "--plugin-dir", folder.path, "--ledger", ledgerPath, "--no-report", "--in-process",
                         "--data-dir", TestSupport.dataDirectory!]

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/recbench")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until two runs are recorded, then kill without warning.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: ledgerPath), (try? Self.ledgerRuns(ledgerPath).count) ?? 0 >= 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = try Self.ledgerRuns(ledgerPath)
        #expect(before.count >= 2 && before.count < 4, "the kill should land mid-experiment; \(before.count) runs were recorded")

        let again = try TestSupport.recbench(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let ledger = try Ledger(path: ledgerPath)
        #expect(try ledger.integrityCheck() == "ok")
        let latest = try #require(try ledger.executions().first)
        let runs = try ledger.runs(experimentID: latest.id)
        #expect(runs.map(\.label) == ["slow 1", "slow 2", "slow 3", "slow 4"])
        #expect(runs.filter { $0.reusedFromRunId != nil }.count == before.count)
        #expect(Set(runs.compactMap(\.reusedFromRunId)) == Set(before.compactMap(\.id)))
        #expect(Set(runs.map(\.identity)).count == 4)
    }

    /// A second `recbench run` reuses every finished run; with --recompute it computes them all
    /// again (new runs, new times) with the same values.
    @Test(.enabled(if: TestSupport.dataDirectory != nil)) func recomputeRunsAgainInsteadOfReusing() throws {
        let folder = try TestSupport.temporaryDirectory()
        let file = try CommandLineTests.experiment(name: "again", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let ledgerPath = folder.path + "/l.sqlite"
        let arguments = ["run", file, "--ledger", ledgerPath, "--no-report", "--data-dir", TestSupport.dataDirectory!]
        for extra in [[], [], ["--recompute"]] {
            let result = try TestSupport.recbench(arguments + extra)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let ledger = try Ledger(path: ledgerPath)
        let executions = try ledger.executions()
        #expect(executions.count == 3)
        let runsByExecution = try executions.map { try ledger.runs(experimentID: $0.id) }
        // executions() lists the newest first.
        let (recomputed, reused, first) = (runsByExecution[0], runsByExecution[1], runsByExecution[2])
        #expect(reused.count == 1 && reused[0].reusedFromRunId == first[0].id)
        #expect(recomputed.count == 1 && recomputed[0].reusedFromRunId == nil && recomputed[0].id != first[0].id)
        #expect(recomputed[0].identity == first[0].identity)
        let values = { (run: RunRecord) in try ledger.metrics(runID: run.id!).map(\.value) }
        #expect(try values(recomputed[0]) == values(first[0]))
    }

    /// Two `recbench run` processes writing one ledger at the same time lose no rows.
    @Test(.enabled(if: TestSupport.dataDirectory != nil)) func twoConcurrentRunsOnOneLedgerLoseNothing() throws {
        let folder = try TestSupport.temporaryDirectory()
        let ledgerPath = folder.path + "/l.sqlite"
        var processes: [Process] = []
        for name in ["left", "right"] {
            let file = try CommandLineTests.experiment(name: name, models: """
                [[models]]
                plugin = "Popularity"
                [[models]]
                plugin = "Random"
                [[models]]
                plugin = "Popularity"
                label = "Popularity by value"
                params = { weighting = "value" }
                """, in: folder)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/recbench")
            process.arguments = ["run", file, "--ledger", ledgerPath, "--no-report", "--in-process", "--data-dir", TestSupport.dataDirectory!]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            processes.append(process)
        }
        for process in processes { try process.run() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let ledger = try Ledger(path: ledgerPath)
        #expect(try ledger.integrityCheck() == "ok")
        let executions = try ledger.executions()
        #expect(Set(executions.map(\.name)) == ["left", "right"])
        #expect(executions.allSatisfy { $0.runs == 3 && $0.failed == 0 })
        for execution in executions {
            for run in try ledger.runs(experimentID: execution.id) {
                #expect(try !ledger.metrics(runID: run.id!).isEmpty)
            }
        }
    }
}

/// Random search draws: deterministic given the seed, inside their ranges, log-uniform where asked.
@Suite struct RandomSearchTests {
    static let file = """
        [experiment]
        name = "random"
        [dataset]
        name = "ml-100k"
        [split]
        method = "user-holdout"
        test_fraction = 0.2
        [split.validation]
        method = "user-holdout"
        test_fraction = 0.1
        [evaluation]
        cutoffs = [10]
        [[models]]
        plugin = "Popularity"
        [models.random]
        draws = 400
        seed = 9
        rate = { min = 0.001, max = 10.0, log = true }
        factors = { min = 8, max = 64, integer = true }
        weighting = ["count", "value"]
        """

    @Test func drawsAreSeededBoundedAndLogUniform() throws {
        let spec = try ExperimentFile.parse(Self.file, path: "random.toml").models[0]
        let points = spec.points
        #expect(points.count == 400)
        func canonical(_ points: [[String: ParameterValue]]) -> [String] {
            points.map { point in point.keys.sorted().map { "\($0)=\(point[$0]!)" }.joined(separator: ",") }
        }
        #expect(canonical(points) == canonical(spec.points), "the same seed must give the same draws")
        var rates: [Double] = [], factors: [Int64] = [], counts = 0
        for point in points {
            guard case .float(let rate)? = point["rate"], case .int(let k)? = point["factors"], case .string(let w)? = point["weighting"] else {
                Issue.record("a draw lacks a parameter: \(point)")
                return
            }
            rates.append(rate)
            factors.append(k)
            if w == "count" { counts += 1 }
        }
        #expect(rates.allSatisfy { $0 >= 0.001 && $0 <= 10 })
        #expect(factors.allSatisfy { $0 >= 8 && $0 <= 64 })
        // Log-uniform over four decades: about a quarter of the draws in each decade, so far more
        // below 1 than a uniform draw on [0.001, 10] would give (which puts 90% above 1).
        let belowOne = rates.filter { $0 < 1 }.count
        #expect(belowOne > 250 && belowOne < 350, "\(belowOne) of 400 log-uniform draws below 1 (expected ≈ 300)")
        #expect(counts > 150 && counts < 250, "\(counts) of 400 choices were \"count\" (expected ≈ 200)")
        let other = Self.file.replacingOccurrences(of: "seed = 9", with: "seed = 10")
        #expect(canonical(try ExperimentFile.parse(other, path: "random.toml").models[0].points) != canonical(points))
    }

    @Test func aBadRangeIsLocated() throws {
        let bad = Self.file.replacingOccurrences(of: "min = 0.001, max = 10.0, log = true", with: "min = 0.0, max = 10.0, log = true")
        #expect {
            _ = try ExperimentFile.parse(bad, path: "random.toml")
        } throws: { error in
            "\(error)".hasPrefix("random.toml:18:8: the range of \"rate\" needs min < max and min > 0 (log scale)")
        }
    }
}
