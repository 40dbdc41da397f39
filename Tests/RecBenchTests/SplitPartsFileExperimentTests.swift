import Foundation
import RecBench
import RecData
import RecLedger
import Testing

// `[split] method = "parts-file"` in experiment files: the path is the experiment file's folder's,
// a file with a validation part serves early stopping without [split.validation], and the method
// is refused where it cannot apply.

@Suite struct SplitPartsFileExperimentTests {
    /// A folder holding `splits/<name>` with `parts` and returns the folder.
    private func folder(parts: String, name: String = "draw.parts") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("partsexp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("splits"), withIntermediateDirectories: true)
        try parts.write(to: folder.appendingPathComponent("splits/\(name)"), atomically: true, encoding: .utf8)
        return folder
    }

    private func experiment(split: String, stopping: Bool) -> String {
        """
        [experiment]
        name = "parts"

        [dataset]
        name = "ml-100k"

        [split]
        \(split)

        [evaluation]
        cutoffs = [10]

        [[models]]
        plugin = "BPR"
        \(stopping ? "[models.early_stopping]\nmetric = \"mrr@10\"\npatience = 3" : "")
        """
    }

    @Test("the file is found next to the experiment file and its validation part serves early stopping")
    func resolvesAndServesValidation() throws {
        let base = try folder(parts: "RVTR\n")
        let path = base.appendingPathComponent("exp.toml").path
        let file = try ExperimentFile.parse(experiment(split: "method = \"parts-file\"\nfile = \"splits/draw.parts\"", stopping: true), path: path)
        guard case .partsFile(let resolved, let written) = file.split.method else {
            Issue.record("expected a parts-file split, got \(file.split.method)")
            return
        }
        #expect(resolved == base.appendingPathComponent("splits/draw.parts").standardizedFileURL.path)
        #expect(written == "splits/draw.parts")
        #expect(file.split.cacheSpec(fold: 0).kind == "parts-file")
        #expect(file.split.cacheSpec(fold: 0).parameters == ["file": "draw.parts"], "where the clone lies must not change the key")
    }

    @Test("without a validation part in the file, early stopping still asks for [split.validation]")
    func noValidationPart() throws {
        let base = try folder(parts: "RRTR\n")
        let path = base.appendingPathComponent("exp.toml").path
        #expect(throws: ExperimentError.self) {
            try ExperimentFile.parse(experiment(split: "method = \"parts-file\"\nfile = \"splits/draw.parts\"", stopping: true), path: path)
        }
        _ = try ExperimentFile.parse(experiment(split: "method = \"parts-file\"\nfile = \"splits/draw.parts\"", stopping: false), path: path)
    }

    @Test("a missing file is named at its key; parts-file cannot carve validation, add a second one, nor be repeated")
    func refusals() throws {
        let base = try folder(parts: "RVTR\n")
        let path = base.appendingPathComponent("exp.toml").path
        func message(_ split: String) -> String {
            do { _ = try ExperimentFile.parse(experiment(split: split, stopping: false), path: path) } catch { return "\(error)" }
            return "no error"
        }
        let missing = message("method = \"parts-file\"\nfile = \"splits/nope.parts\"")
        #expect(missing.contains("exp.toml:9:8:") && missing.contains("splits/nope.parts does not exist"), "\(missing)")
        let inValidation = message("method = \"user-holdout\"\ntest_fraction = 0.1\n[split.validation]\nmethod = \"parts-file\"\nfile = \"splits/draw.parts\"")
        #expect(inValidation.contains("[split.validation] takes a single-split method"), "\(inValidation)")
        let twice = message("method = \"parts-file\"\nfile = \"splits/draw.parts\"\n[split.validation]\nmethod = \"user-holdout\"\ntest_fraction = 0.1")
        #expect(twice.contains("exp.toml:11:10:") && twice.contains("already has a validation part"), "\(twice)")
        let repeated = message("method = \"parts-file\"\nfile = \"splits/draw.parts\"\nrepeats = 3")
        #expect(repeated.contains("repeats draws a seeded split again"), "\(repeated)")
    }

    /// A real run on the committed RecBole split: the ledger's fold is exactly the file's rows
    /// (fingerprint computed here from the file, by RecData, not by the runner), and changing one
    /// letter gives another fold fingerprint and a new split cache entry rather than a stale one.
    @Test(.enabled(if: TestSupport.hasMovieLens, "needs ml-100k"))
    func runsOnTheCommittedRecBoleSplit() throws {
        let folder = try TestSupport.temporaryDirectory("parts-run")
        let committed = TestSupport.repositoryRoot.appendingPathComponent("experiments/splits/recbole-1.0.0-ml100k-seed2020.parts")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("splits"), withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("splits/draw.parts")
        try FileManager.default.copyItem(at: committed, to: copy)
        let file = try TestSupport.write(experiment(split: "method = \"parts-file\"\nfile = \"splits/draw.parts\"", stopping: false)
            .replacingOccurrences(of: "plugin = \"BPR\"", with: "plugin = \"Popularity\""), to: folder.appendingPathComponent("exp.toml"))
        let ledgerPath = folder.appendingPathComponent("l.sqlite").path
        let environment = ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!]
        func run() throws -> RunRecord {
            let result = try TestSupport.recbench(["run", file, "--ledger", ledgerPath, "--no-report", "--quiet"], environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            let ledger = try Ledger(path: ledgerPath)
            let experiment = try #require(try ledger.latestExperiment(named: "parts"))
            return try #require(try ledger.runs(experimentID: experiment.id!).first)
        }
        let dataset = try MovieLens100K.load(from: DataDirectory.resolve(explicit: TestSupport.dataDirectory!, environment: [:]))
        let expected = try SplitPartsFile.load(path: copy.path, dataset: dataset)
        let first = try run()
        #expect(first.trainCount == 80808 && first.testCount == 9596)
        #expect(first.splitFingerprint == expected.fingerprint(of: dataset))

        // Swap the first letter (T, a test row) with the first R: same counts, other rows.
        var text = try String(contentsOf: copy, encoding: .utf8)
        let body = try #require(text.range(of: "\nT"))
        text.replaceSubrange(text.index(after: body.lowerBound)..<body.upperBound, with: "R")
        let firstR = try #require(text.range(of: "R", range: body.upperBound..<text.endIndex))
        text.replaceSubrange(firstR, with: "T")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let second = try run()
        #expect(second.trainCount == 80808 && second.testCount == 9596)
        #expect(second.splitFingerprint != first.splitFingerprint)
    }
}
