import Foundation
import Testing
@testable import RecData

// `recbench data split --export`: split methods named with options, and the exported files. The
// expected files are written out by hand from the eight rows below; expected fingerprints are the
// SHA-256 (by `sha256sum`) of the canonical text spelled out here, not recbench's own.

// Row: user item rating timestamp. Time order: 100 (0), 120 (5), 150 (3), 200 (1), 250 (4), 300 (2),
// 350 (7), 400 (6).
private let tinyRows: [(String, String, Float, Int64)] = [
    ("u1", "i1", 4, 100), ("u1", "i2", 3, 200), ("u1", "i3", 5, 300), ("u2", "i1", 2, 150),
    ("u2", "i4", 1, 250), ("u3", "i2", 4, 120), ("u3", "i3", 3, 400), ("u3", "i4", 5, 350),
]

private func tinyDataset() -> Dataset {
    let users = ["u1", "u2", "u3"], items = ["i1", "i2", "i3", "i4"]
    return Dataset(name: "tiny", userIDs: users, itemIDs: items,
                   users: tinyRows.map { Int32(users.firstIndex(of: $0.0)!) }, items: tinyRows.map { Int32(items.firstIndex(of: $0.1)!) },
                   ratings: tinyRows.map(\.2), timestamps: tinyRows.map(\.3),
                   itemTitles: Array(repeating: "", count: 4), itemGenres: Array(repeating: [], count: 4))
}

private func freshFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("recbench-export-\(UUID().uuidString)", isDirectory: true)
}

private func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

private func json(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Suite("split methods by name")
struct SplitMethodTests {
    @Test("each method with its options")
    func parse() throws {
        #expect(try SplitMethod(name: "user-holdout", options: ["test_fraction": "0.2"]) == .userHoldout(testFraction: 0.2))
        #expect(try SplitMethod(name: "stratified", options: ["train_ratio": "0.75"]) == .stratified(byItem: true, trainRatio: 0.75))
        #expect(try SplitMethod(name: "stratified", options: ["train_ratio": "0.75", "by": "user"]) == .stratified(byItem: false, trainRatio: 0.75))
        #expect(try SplitMethod(name: "temporal", options: ["cutoff": "1000"]) == .temporal(.cutoff(1000)))
        #expect(try SplitMethod(name: "user-temporal", options: ["test_count": "2"]) == .userTemporal(.count(2)))
        #expect(try SplitMethod(name: "leave-one-out", options: [:]) == .leaveOneOut(random: false))
        #expect(try SplitMethod(name: "kfold", options: ["folds": "5"]) == .kFold(folds: 5))
        #expect(try SplitMethod(name: "predefined", options: ["set": "u1-u5"]) == .predefined(set: "u1-u5"))
        #expect(try SplitMethod(compact: "random-holdout(test_fraction=0.1)") == .randomHoldout(testFraction: 0.1))
        #expect(try SplitMethod(compact: " user-temporal( test_count = 1 ) ") == .userTemporal(.count(1)))
        #expect(try SplitMethod(compact: "leave-one-out") == .leaveOneOut(random: false))
    }

    @Test("mistakes name the option")
    func mistakes() {
        func message(_ body: () throws -> SplitMethod) -> String {
            do {
                _ = try body()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { try SplitMethod(name: "stratifed", options: [:]) }.contains("did you mean \"stratified\"?"))
        #expect(message { try SplitMethod(name: "kfold", options: ["folds": "5", "seed_x": "1"]) } == "seed_x does not apply to kfold, which takes folds")
        #expect(message { try SplitMethod(name: "kfold", options: [:]) } == "kfold needs folds")
        #expect(message { try SplitMethod(name: "kfold", options: ["folds": "1"]) }.contains("folds must be an integer in 2...100"))
        #expect(message { try SplitMethod(name: "user-holdout", options: ["test_fraction": "1.5"]) }.contains("strictly between 0 and 1"))
        #expect(message { try SplitMethod(name: "temporal", options: [:]) } == "temporal takes exactly one of test_fraction and cutoff")
        #expect(message { try SplitMethod(name: "temporal", options: ["cutoff": "soon"]) }.contains("Unix timestamp"))
        #expect(message { try SplitMethod(name: "leave-one-out", options: ["pick": "first"]) }.contains("\"last\" or \"random\""))
        #expect(message { try SplitMethod(compact: "kfold(folds)") }.contains("not key=value"))
        #expect(message { try SplitMethod(compact: "kfold(folds=3") }.contains("method(key=value, ...)"))
    }
}

@Suite("split export")
struct SplitExportTests {
    @Test("temporal 25%: the files by hand, the fingerprint of the canonical rows, the spec's SHA-256")
    func temporal() throws {
        let dataset = tinyDataset()
        let out = freshFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let splits = try SplitMethod.temporal(.fraction(0.25)).threeWaySplits(of: dataset, seed: 42)
        let exported = try SplitExporter.export(splits, of: dataset, seed: 42, preprocessing: "", temporalScope: .global,
                                                to: out.path, replace: false)
        // 8 rows, round(8 × 0.25) = 2 latest to test: rows 7 (350) and 6 (400).
        #expect(try text(out.appendingPathComponent("train.tsv")) == """
            user\titem\trating\ttimestamp
            u1\ti1\t4.0\t100
            u1\ti2\t3.0\t200
            u1\ti3\t5.0\t300
            u2\ti1\t2.0\t150
            u2\ti4\t1.0\t250
            u3\ti2\t4.0\t120

            """)
        #expect(try text(out.appendingPathComponent("test.tsv")) == "user\titem\trating\ttimestamp\nu3\ti3\t3.0\t400\nu3\ti4\t5.0\t350\n")
        #expect(try text(out.appendingPathComponent("valid.tsv")) == "user\titem\trating\ttimestamp\n")
        let canonical = "recbench-split-v1\nu1\ti1\tR\nu1\ti2\tR\nu1\ti3\tR\nu2\ti1\tR\nu2\ti4\tR\nu3\ti2\tR\nu3\ti3\tT\nu3\ti4\tT\n"
        let fingerprint = try TestTools.sha256(Data(canonical.utf8))
        #expect(exported.count == 1 && exported[0].fingerprint == fingerprint)
        let record = try json(out.appendingPathComponent("split.json"))
        #expect(record["fingerprint"] as? String == fingerprint)
        #expect(record["spec"] as? String == "temporal(test_fraction=0.25)")
        #expect(record["spec_sha256"] as? String == (try TestTools.sha256(Data("recbench-split-spec-v1\ntemporal(test_fraction=0.25)".utf8))))
        #expect(record["counts"] as? [String: Int] == ["train": 6, "valid": 0, "test": 2])
        #expect(record["seed"] as? Int == 42)
        let files = try #require(record["files"] as? [String: String])
        for name in ["train.tsv", "valid.tsv", "test.tsv"] {
            #expect(files[name] == (try TestTools.sha256(Data(contentsOf: out.appendingPathComponent(name)))), "\(name)")
        }
        #expect((record["lint"] as? [String])?.first == "6 train / 2 test interactions of 8 (split temporal, global)")
        #expect(TestTools.tree(out) == ["split.json", "test.tsv", "train.tsv", "valid.tsv"])
        #expect(TestTools.tree(out.deletingLastPathComponent()).filter { $0.contains(out.lastPathComponent) && $0.contains("partial") }.isEmpty)
    }

    @Test("a validation part carved out of train: each user's latest train row")
    func validation() throws {
        let dataset = tinyDataset()
        let out = freshFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let splits = try SplitMethod.temporal(.fraction(0.25)).threeWaySplits(of: dataset, seed: 1, validation: .userTemporal(.count(1)))
        _ = try SplitExporter.export(splits, of: dataset, seed: 1, preprocessing: "", temporalScope: .global, to: out.path, replace: false)
        // Train rows 0–5: u1's latest is row 2 (300), u2's row 4 (250); u3 has one train row and keeps it.
        #expect(try text(out.appendingPathComponent("valid.tsv")) == "user\titem\trating\ttimestamp\nu1\ti3\t5.0\t300\nu2\ti4\t1.0\t250\n")
        #expect(try text(out.appendingPathComponent("train.tsv"))
            == "user\titem\trating\ttimestamp\nu1\ti1\t4.0\t100\nu1\ti2\t3.0\t200\nu2\ti1\t2.0\t150\nu3\ti2\t4.0\t120\n")
        let canonical = "recbench-split3-v1\nu1\ti1\tR\nu1\ti2\tR\nu1\ti3\tV\nu2\ti1\tR\nu2\ti4\tV\nu3\ti2\tR\nu3\ti3\tT\nu3\ti4\tT\n"
        let record = try json(out.appendingPathComponent("split.json"))
        #expect(record["fingerprint"] as? String == (try TestTools.sha256(Data(canonical.utf8))))
        #expect(record["spec"] as? String == "temporal(test_fraction=0.25);validation=user-temporal(test_count=1)")
        #expect(throws: SplitMethodError.self) {
            try SplitMethod.temporal(.fraction(0.25)).threeWaySplits(of: dataset, seed: 1, validation: .kFold(folds: 2))
        }
    }

    @Test("k folds: one folder each; the test parts partition the rows")
    func folds() throws {
        let dataset = tinyDataset()
        let out = freshFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let splits = try SplitMethod.kFold(folds: 4).threeWaySplits(of: dataset, seed: 3)
        let exported = try SplitExporter.export(splits, of: dataset, seed: 3, preprocessing: "", temporalScope: .none, to: out.path, replace: false)
        #expect(exported.map(\.spec) == (1...4).map { "kfold(folds=4,seed=3)[fold=\($0)/4]" })
        #expect(TestTools.tree(out).filter { !$0.contains("/") } == ["fold-1", "fold-2", "fold-3", "fold-4"])
        var tested: [String] = []
        for fold in 1...4 {
            let lines = try text(out.appendingPathComponent("fold-\(fold)/test.tsv")).split(separator: "\n").dropFirst()
            #expect(lines.count == 2, "8 rows in 4 folds of 2")
            tested += lines.map(String.init)
        }
        #expect(tested.sorted() == tinyRows.map { "\($0.0)\t\($0.1)\t\(Float($0.2))\t\($0.3)" }.sorted())
    }

    @Test("the same seed exports the same files; another seed another split")
    func deterministic() throws {
        let dataset = tinyDataset()
        let a = freshFolder(), b = freshFolder(), c = freshFolder()
        defer { for url in [a, b, c] { try? FileManager.default.removeItem(at: url) } }
        for (folder, seed) in [(a, UInt64(5)), (b, 5), (c, 6)] {
            let splits = try SplitMethod.randomHoldout(testFraction: 0.5).threeWaySplits(of: dataset, seed: seed)
            _ = try SplitExporter.export(splits, of: dataset, seed: seed, preprocessing: "", temporalScope: .none, to: folder.path, replace: false)
        }
        let fingerprint = { (url: URL) in try json(url.appendingPathComponent("split.json"))["fingerprint"] as? String }
        #expect(try fingerprint(a) == (try fingerprint(b)))
        #expect(try text(a.appendingPathComponent("test.tsv")) == (try text(b.appendingPathComponent("test.tsv"))))
        // Seeds 5 and 6 draw different halves: the 70 ways to pick 4 of 8 make a tie unlikely, and
        // this pair was checked not to tie.
        #expect(try fingerprint(a) != (try fingerprint(c)))
    }

    @Test("an existing folder is kept unless replacing; replacing leaves only the new files")
    func existing() throws {
        let dataset = tinyDataset()
        let out = freshFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: out.appendingPathComponent("notes.txt"))
        let splits = try SplitMethod.leaveOneOut(random: false).threeWaySplits(of: dataset, seed: 1)
        let error = try #require(throws: DatasetInstallError.self) {
            try SplitExporter.export(splits, of: dataset, seed: 1, preprocessing: "", temporalScope: .perUser, to: out.path, replace: false)
        }
        #expect(error.description.contains("--force"))
        #expect(TestTools.tree(out) == ["notes.txt"])
        _ = try SplitExporter.export(splits, of: dataset, seed: 1, preprocessing: "", temporalScope: .perUser, to: out.path, replace: true)
        #expect(TestTools.tree(out) == ["split.json", "test.tsv", "train.tsv", "valid.tsv"])
        // Leave-one-out (last): u1 row 2 (300), u2 row 4 (250), u3 row 6 (400).
        #expect(try text(out.appendingPathComponent("test.tsv"))
            == "user\titem\trating\ttimestamp\nu1\ti3\t5.0\t300\nu2\ti4\t1.0\t250\nu3\ti3\t3.0\t400\n")
    }

    @Test("the MovieLens 100K u1–u5 folds export as five folders of 80,000 / 20,000",
          .enabled(if: ReaderTestData.has("ml-100k/u1.base"), "needs the shared datasets"))
    func predefined() throws {
        let directory = DataDirectory(path: ReaderTestData.directory, origin: "test")
        let dataset = try MovieLens100K.load(from: directory)
        let out = freshFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let splits = try SplitMethod.predefined(set: "u1-u5").threeWaySplits(of: dataset, seed: 0, directory: directory)
        let exported = try SplitExporter.export(splits, of: dataset, seed: 0, preprocessing: "", temporalScope: .none, to: out.path, replace: false)
        #expect(exported.map(\.counts.train) == Array(repeating: 80_000, count: 5))
        #expect(exported.map(\.counts.test) == Array(repeating: 20_000, count: 5))
        #expect(exported[0].spec == "predefined(set=u1-u5)[fold=1/5]")
        // u1.test's first line is "1	6	5	887431973"; the export lists rows in u.data order, so check membership.
        let test = try text(out.appendingPathComponent("fold-1/test.tsv"))
        #expect(test.contains("\n1\t6\t5.0\t887431973\n"))
    }
}

@Suite("preprocessing plan")
struct PreprocessingPlanTests {
    @Test("steps in the experiment file's order and words")
    func plan() throws {
        let plan = PreprocessingPlan(duplicates: .last, minRating: 3, kCore: 2)
        #expect(plan.description == "duplicates=last, min_rating=3.0, k_core=2")
        #expect(PreprocessingPlan().isEmpty)
        #expect(throws: DatasetInstallError.self) { try PreprocessingPlan(kCore: 0).validate() }
        // On the tiny rows: ratings ≥ 3 keep rows 0, 1, 2, 5, 6, 7 (u1: i1 i2 i3; u3: i2 i3 i4). The
        // 2-core then drops i1 and i4 (one row each), leaving u1: i2 i3 and u3: i2 i3 — every user and
        // item with two rows. u2 has no row left and leaves with the filter.
        let result = plan.apply(to: tinyDataset())
        #expect(result.name == "tiny [duplicates=last, min_rating=3.0, k_core=2]")
        #expect(result.userIDs == ["u1", "u3"] && result.itemIDs == ["i2", "i3"])
        #expect(result.interactionCount == 4)
        #expect(Set(result.ratings) == [1])
    }
}
