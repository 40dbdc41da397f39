import Foundation
import RecLedger
import Testing

/// `recbench run` and the split cache: the parent materializes each split once, the workers and
/// later runs read it by key, a damaged entry is made again with a warning; and
/// `recbench run --skip-bad-rows` on a dataset with a malformed row.
@Suite struct SplitCacheRunTests {
    /// A tiny MovieLens 100K folder: 4 users × 5 items, every user rating every item (20 rows),
    /// with `bad` written over line `badLine`'s rating when given.
    static func tinyDataDirectory(in folder: URL, badLine: Int? = nil) throws -> String {
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("ml-100k"), withIntermediateDirectories: true)
        var lines: [String] = []
        for user in 1...4 {
            for item in 1...5 { lines.append("\(user)\t\(item)\t\((user + item) % 5 + 1)\t\(880_000_000 + 10 * lines.count)") }
        }
        if let badLine {
            let fields = lines[badLine - 1].split(separator: "\t")
            lines[badLine - 1] = "\(fields[0])\t\(fields[1])\tbad\t\(fields[3])"
        }
        try TestSupport.write(lines.joined(separator: "\n") + "\n", to: data.appendingPathComponent("ml-100k/u.data"))
        return data.path
    }

    static func run(_ file: String, ledger: String, dataDirectory: String, _ extra: [String] = []) throws -> TestSupport.Output {
        try TestSupport.recbench(["run", file, "--ledger", ledger, "--no-report", "--data-dir", dataDirectory] + extra)
    }

    /// `sha256sum` (coreutils) of the text.
    static func sha256(_ text: String) throws -> String {
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("text")
        try TestSupport.write(text, to: file)
        return String(try TestSupport.run("/usr/bin/sha256sum", [file.path]).stdout.prefix(64))
    }

    /// The entry folders of a split cache.
    static func entries(_ cache: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cache).sorted()
    }

    @Test func aSecondRunLoadsTheSplitFromTheCacheAndReusesItsRuns() throws {
        let folder = try TestSupport.temporaryDirectory()
        let data = try Self.tinyDataDirectory(in: folder)
        let file = try CommandLineTests.experiment(name: "cached", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let ledger = folder.path + "/results/l.sqlite"
        let cache = folder.path + "/results/splits"

        let first = try Self.run(file, ledger: ledger, dataDirectory: data, ["--verbose"])
        #expect(first.status == 0, "\(first.stderr)")
        // Beside the ledger by default, one entry: made by the parent, read by the worker.
        let keys = try Self.entries(cache)
        #expect(keys.count == 1 && keys[0].count == 64)
        #expect(first.stderr.contains("Split: made and stored in the split cache, \(cache)/\(keys[0])"))
        #expect(first.stderr.contains("worker: fold 1 read from the split cache entry \(keys[0])"))
        let meta = URL(fileURLWithPath: cache).appendingPathComponent(keys[0]).appendingPathComponent("meta.txt")
        let madeAt = try FileManager.default.attributesOfItem(atPath: meta.path)[.modificationDate] as? Date

        let second = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("Split: loaded from the split cache, \(cache)/\(keys[0])"))
        #expect(second.stderr.contains("already in the ledger"))
        #expect(try Self.entries(cache) == keys)
        #expect(try FileManager.default.attributesOfItem(atPath: meta.path)[.modificationDate] as? Date == madeAt)
        let runs = try EngineTests.ledgerRuns(ledger)
        #expect(runs.count == 2 && Set(runs.map(\.splitFingerprint)).count == 1)

        // Another seed is another spec: a second entry.
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "test_fraction = 0.2\n", with: "test_fraction = 0.2\nseed = 7\n")
        try TestSupport.write(text, to: URL(fileURLWithPath: file))
        let reseeded = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(reseeded.status == 0, "\(reseeded.stderr)")
        #expect(reseeded.stderr.contains("made and stored in the split cache"))
        #expect(try Self.entries(cache).count == 2)

        // Changed data (one rating) is another key too.
        let ratings = data + "/ml-100k/u.data"
        let changed = try String(contentsOfFile: ratings, encoding: .utf8).replacingOccurrences(of: "1\t1\t3\t", with: "1\t1\t4\t")
        try TestSupport.write(changed, to: URL(fileURLWithPath: ratings))
        let rerated = try Self.run(file, ledger: ledger, dataDirectory: data, ["--split-cache", folder.path + "/elsewhere"])
        #expect(rerated.status == 0, "\(rerated.stderr)")
        #expect(rerated.stderr.contains("made and stored in the split cache, \(folder.path)/elsewhere/"))
        #expect(try Self.entries(folder.path + "/elsewhere").count == 1)
        #expect(try !Self.entries(cache).contains(try Self.entries(folder.path + "/elsewhere")[0]))
    }

    /// `[split] repeats = 3` with seed 7: three folds, each the split a plain file with seed 7, 8
    /// or 9 makes (same fingerprints), one cache entry each.
    @Test func repeatsDrawTheSplitOncePerSeed() throws {
        let folder = try TestSupport.temporaryDirectory()
        let data = try Self.tinyDataDirectory(in: folder)
        let file = try CommandLineTests.experiment(name: "repeated", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try TestSupport.write(text.replacingOccurrences(of: "test_fraction = 0.2\n", with: "test_fraction = 0.2\nseed = 7\nrepeats = 3\n"),
                              to: URL(fileURLWithPath: file))
        let ledger = folder.path + "/results/l.sqlite"
        let repeated = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(repeated.status == 0, "\(repeated.stderr)")
        let folds = try EngineTests.ledgerRuns(ledger).sorted { $0.fold < $1.fold }
        #expect(folds.map(\.fold) == [0, 1, 2])
        #expect(try Self.entries(folder.path + "/results/splits").count == 3)

        for (index, seed) in [7, 8, 9].enumerated() {
            let single = folder.appendingPathComponent("single-\(seed)")
            try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
            let plain = try CommandLineTests.experiment(name: "single", models: "[[models]]\nplugin = \"Popularity\"", in: single)
            try TestSupport.write(text.replacingOccurrences(of: "test_fraction = 0.2\n", with: "test_fraction = 0.2\nseed = \(seed)\n"),
                                  to: URL(fileURLWithPath: plain))
            let singleLedger = single.path + "/l.sqlite"
            let result = try Self.run(plain, ledger: singleLedger, dataDirectory: data)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try EngineTests.ledgerRuns(singleLedger).map(\.splitFingerprint) == [folds[index].splitFingerprint])
        }
        #expect(Set(folds.map(\.splitFingerprint)).count == 3)

        // A method with folds of its own takes no repeats.
        try TestSupport.write(text.replacingOccurrences(of: "method = \"user-holdout\"\ntest_fraction = 0.2\n", with: "method = \"kfold\"\nfolds = 2\nrepeats = 2\n"),
                              to: URL(fileURLWithPath: file))
        let refused = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("repeats draws a seeded split again with other seeds; kfold has no seed to vary"), "\(refused.stderr)")
    }

    @Test func aDamagedCacheEntryIsMadeAgainWithAWarning() throws {
        let folder = try TestSupport.temporaryDirectory()
        let data = try Self.tinyDataDirectory(in: folder)
        let file = try CommandLineTests.experiment(name: "damaged", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let ledger = folder.path + "/l.sqlite"
        #expect(try Self.run(file, ledger: ledger, dataDirectory: data).status == 0)
        let key = try #require(try Self.entries(folder.path + "/splits").first)
        let test = URL(fileURLWithPath: folder.path + "/splits/\(key)/test.bin")
        let original = try Data(contentsOf: test)
        var damaged = original
        damaged[0] ^= 1 // another row index, same size
        try damaged.write(to: test)

        let again = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("warning: the cached split at \(folder.path)/splits/\(key) was damaged and has been made again"))
        #expect(again.stderr.contains("(field content)"))
        #expect(again.stderr.contains("made and stored in the split cache"))
        #expect(try Data(contentsOf: test) == original)
        // The same rows as before the damage, so the first run is reused.
        #expect(again.stderr.contains("already in the ledger"))
        #expect(try Self.entries(folder.path + "/splits") == [key])
    }

    @Test func skipBadRowsRunsAndRecordsTheCountWithoutItTheRunStops() throws {
        let folder = try TestSupport.temporaryDirectory()
        let data = try Self.tinyDataDirectory(in: folder, badLine: 7)
        let file = try CommandLineTests.experiment(name: "badrows", models: "[[models]]\nplugin = \"Popularity\"", in: folder)
        let ledger = folder.path + "/l.sqlite"

        let refused = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("error: \(data)/ml-100k/u.data:7 (field rating): \"bad\" is not a finite number"), "\(refused.stderr)")
        let executions = FileManager.default.fileExists(atPath: ledger) ? try Ledger(path: ledger).executions() : []
        #expect(executions.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/splits"))

        let skipped = try Self.run(file, ledger: ledger, dataDirectory: data, ["--skip-bad-rows"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect(skipped.stderr.contains("warning: skipped 1 bad row (u.data: 1)"))
        #expect(skipped.stderr.contains("  \(data)/ml-100k/u.data:7 (field rating): \"bad\" is not a finite number"))
        // 19 rows left: 4 users with 5, 5, 4, 5 rows.
        #expect(skipped.stderr.contains("4 users, 5 items, 19 interactions"))
        let record = try #require(try Ledger(path: ledger).latestExperiment(named: "badrows"))
        let environment = try #require(try JSONSerialization.jsonObject(with: Data(record.environment.utf8)) as? [String: Any])
        #expect(environment["skippedBadRows"] as? Int == 1)
        #expect((environment["skippedBadRowsPerFile"] as? [String: Int])?["\(data)/ml-100k/u.data"] == 1)

        // The same 19 rows without a bad one: the plain fingerprint, so the skipped run is not reused.
        let ratings = data + "/ml-100k/u.data"
        let lines = try String(contentsOfFile: ratings, encoding: .utf8).split(separator: "\n").filter { !$0.contains("bad") }
        try TestSupport.write(lines.joined(separator: "\n") + "\n", to: URL(fileURLWithPath: ratings))
        let clean = try Self.run(file, ledger: ledger, dataDirectory: data)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stderr.contains("already in the ledger"))
        let cleanRecord = try #require(try Ledger(path: ledger).latestExperiment(named: "badrows"))
        #expect(cleanRecord.datasetFingerprint != record.datasetFingerprint)
        let cleanEnvironment = try JSONSerialization.jsonObject(with: Data(cleanRecord.environment.utf8)) as? [String: Any]
        #expect(cleanEnvironment?["skippedBadRows"] == nil)
        // The skipped run's fingerprint is the rows' fingerprint hashed with the counts.
        let expected = try Self.sha256("recbench-dataset-skipped-rows-v1\n\(cleanRecord.datasetFingerprint)\nskipped 1\nu.data 1\n")
        #expect(record.datasetFingerprint == expected)
    }
}
