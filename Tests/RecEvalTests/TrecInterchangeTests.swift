import Foundation
import Testing
@testable import RecEval
import RecMath

// TREC run / qrels interchange: round trips, malformed files, and a cross-check of the metrics of
// an exported run against pytrec_eval.

/// A small deterministic problem: 30 users × 50 items from SeededGenerator(seed: 20_241).
/// Per user, each item is a training item with probability 0.2, else a test item with
/// probability 0.8·rate(u), rate(u) = 0.06 + 0.12·(u mod 6), except user 7 (no test items).
/// Scores are multiples of 1/8 plus 3/8 for test items (plenty of ties, decided by item index).
private struct Fixture {
    static let userCount = 30, itemCount = 50, depth = 20

    let userIDs = (0..<userCount).map { "u\(100 + 7 * $0)" }
    let itemIDs = (0..<itemCount).map { "i\(1000 + 3 * $0)" }
    let train: CSRMatrix
    let test: CSRMatrix
    /// scores[u][i], row-major users × items.
    let scores: [[Float]]

    init() throws {
        var generator = SeededGenerator(seed: 20_241)
        var trainRows: [Int32] = [], trainColumns: [Int32] = []
        var testRows: [Int32] = [], testColumns: [Int32] = []
        var isTest = [[Bool]](repeating: [Bool](repeating: false, count: Self.itemCount), count: Self.userCount)
        for u in 0..<Self.userCount {
            let rate = u == 7 ? 0 : 0.06 + 0.12 * Double(u % 6)
            for i in 0..<Self.itemCount {
                let r = generator.nextDouble()
                if r < 0.2 {
                    trainRows.append(Int32(u)); trainColumns.append(Int32(i))
                } else if r < 0.2 + 0.8 * rate {
                    testRows.append(Int32(u)); testColumns.append(Int32(i))
                    isTest[u][i] = true
                }
            }
        }
        train = try CSRMatrix(rowCount: Self.userCount, columnCount: Self.itemCount, rows: trainRows,
                              columns: trainColumns, values: [Float](repeating: 1, count: trainRows.count))
        test = try CSRMatrix(rowCount: Self.userCount, columnCount: Self.itemCount, rows: testRows,
                             columns: testColumns, values: [Float](repeating: 1, count: testRows.count))
        scores = (0..<Self.userCount).map { u in
            (0..<Self.itemCount).map { i in Float(generator.nextInt(below: 8)) / 8 + (isTest[u][i] ? 0.375 : 0) }
        }
    }

    /// Users with at least one test item, ascending.
    var testUsers: [Int32] { (0..<Self.userCount).filter { !test.columns(of: $0).isEmpty }.map(Int32.init) }

    /// The host's top-`depth` list of a user: training items masked, v1 tie rule.
    func ranking(_ user: Int32) -> [Int32] {
        var row = scores[Int(user)]
        for item in train.columns(of: Int(user)) { row[Int(item)] = -.infinity }
        return row.withUnsafeBufferPointer { TopK.select($0, k: Self.depth) }
    }

    /// The same problem through the host's evaluator.
    func evaluate(metrics: [RankingMetric], cutoffs: [Int]) throws -> RankingEvaluator.Result {
        let evaluator = RankingEvaluator(train: train, test: test, metrics: metrics, cutoffs: cutoffs)
        return try evaluator.evaluate(score: { users, out in
            for (row, user) in users.enumerated() {
                for item in 0..<Self.itemCount { out[row * Self.itemCount + item] = scores[Int(user)][item] }
            }
        })
    }

    func runText(scores withScores: Bool = false) throws -> String {
        let users = testUsers
        let rankings = users.map(ranking)
        let listScores: [[Float]]? = withScores
            ? zip(users, rankings).map { user, list in list.map { scores[Int(user)][Int($0)] } } : nil
        return try TrecInterchange.runText(users: users, rankings: rankings, scores: listScores,
                                           userIDs: userIDs, itemIDs: itemIDs, runName: "fixture")
    }
}

/// Means over the 28 test users of the exported fixture run (top 20 per user), printed by
///     RECBENCH_TREC_FIXTURE_DIR=/tmp/trec-fixture swift test --filter TrecInterchangeTests
///     /tmp/trec-venv/bin/python scripts/trec_crosscheck.py /tmp/trec-fixture/run.trec /tmp/trec-fixture/qrels.trec --k 10
/// (the first command writes run.trec and qrels.trec; the other tests may fail meanwhile if the
/// fixture changed) with pytrec_eval-terrier 0.5.11 — P_10, recall_10, ndcg_cut_10 — and, for
/// MAP@10, pytrec_eval's map_cut_10 rescaled per user by |T(u)| / min(|T(u)|, 10) (trec_eval
/// divides AP@K by |T(u)|, recbench v1 by min(|T(u)|, K)); the script's plain-Python column from
/// docs/metrics.md agrees with both.
private let crossCheck: [MetricKey: Double] = [
    MetricKey(.precision, 10): 0.6428571428571429,
    MetricKey(.recall, 10): 0.5326406450387999,
    MetricKey(.ndcg, 10): 0.8352349538767251,
    MetricKey(.map, 10): 0.7484033626678184,
]
/// pytrec_eval's raw map_cut_10 (÷ |T(u)|), which is NOT recbench's MAP@10 (see above).
private let trecEvalMapCut10 = 0.4985451072917516

@Suite("TREC run and qrels interchange")
struct TrecInterchangeTests {
    @Test("export → import round trip gives the host's lists and the host's per-user metrics")
    func roundTrip() throws {
        let fixture = try Fixture()
        let text = try fixture.runText()
        let run = try TrecInterchange.parseRun(text, userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        #expect(run.runName == "fixture")
        #expect(run.usersInRun == fixture.testUsers.count)
        #expect(run.lineCount == fixture.testUsers.count * Fixture.depth)
        #expect(run.droppedSeen == 0)
        for user in 0..<Fixture.userCount {
            let expected = fixture.testUsers.contains(Int32(user)) ? fixture.ranking(Int32(user)) : []
            #expect(run.rankings[user] == expected, "user \(user)")
        }
        // The same values as the evaluator's own pass, bit for bit.
        let metrics = RankingMetric.allCases.filter { !$0.needsScores }, cutoffs = [1, 5, 10, 20]
        let host = try fixture.evaluate(metrics: metrics, cutoffs: cutoffs)
        let imported = run.evaluate(test: fixture.test, metrics: metrics, cutoffs: cutoffs)
        #expect(imported.keys == host.keys)
        #expect(imported.users == host.users)
        #expect(imported.perUser == host.perUser)
        #expect(imported.means == host.means)
    }

    @Test("run lines: original ids, Q0, 1-based ranks, strictly decreasing default scores")
    func runFormat() throws {
        let fixture = try Fixture()
        let lines = try fixture.runText().split(separator: "\n")
        let user = fixture.testUsers[0], list = fixture.ranking(user)
        #expect(lines[0] == "\(fixture.userIDs[Int(user)]) Q0 \(fixture.itemIDs[Int(list[0])]) 1 20 fixture")
        #expect(lines[19] == "\(fixture.userIDs[Int(user)]) Q0 \(fixture.itemIDs[Int(list[19])]) 20 1 fixture")
        // With real scores: the model's scores, ties kept in the host's order on re-import.
        let scored = try fixture.runText(scores: true)
        let first = scored.split(separator: "\n")[0].split(separator: " ")
        #expect(Float(String(first[4])) == fixture.scores[Int(user)][Int(list[0])])
        let run = try TrecInterchange.parseRun(scored, userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        #expect(run.rankings[Int(user)] == list)
    }

    @Test("qrels: one `qid 0 docid 1` line per test entry, users and items ascending")
    func qrelsFormat() throws {
        let fixture = try Fixture()
        let text = try TrecInterchange.qrelsText(test: fixture.test, userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        let lines = text.split(separator: "\n")
        #expect(lines.count == fixture.test.nonZeroCount)
        let user = fixture.testUsers[0], item = fixture.test.columns(of: Int(user)).first!
        #expect(lines[0] == "\(fixture.userIDs[Int(user)]) 0 \(fixture.itemIDs[Int(item)]) 1")
        #expect(!text.contains(fixture.userIDs[7] + " "))   // user 7 has no test items
    }

    @Test("files: write, read back, and (on request) leave the cross-check inputs behind")
    func files() throws {
        let fixture = try Fixture()
        let directory: URL
        if let requested = ProcessInfo.processInfo.environment["RECBENCH_TREC_FIXTURE_DIR"] {
            directory = URL(fileURLWithPath: requested)
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("recbench-trec-\(UUID().uuidString)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            if ProcessInfo.processInfo.environment["RECBENCH_TREC_FIXTURE_DIR"] == nil {
                try? FileManager.default.removeItem(at: directory)
            }
        }
        let runURL = directory.appendingPathComponent("run.trec"), qrelsURL = directory.appendingPathComponent("qrels.trec")
        let users = fixture.testUsers
        try TrecInterchange.writeRun(to: runURL, users: users, rankings: users.map(fixture.ranking),
                                     userIDs: fixture.userIDs, itemIDs: fixture.itemIDs, runName: "fixture")
        try TrecInterchange.writeQrels(to: qrelsURL, test: fixture.test, userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        let run = try TrecInterchange.readRun(from: runURL, userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        for user in users { #expect(run.rankings[Int(user)] == fixture.ranking(user)) }
        #expect(throws: TrecError.self) {
            try TrecInterchange.readRun(from: directory.appendingPathComponent("missing.trec"),
                                        userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        }
    }

    @Test("metrics of the exported run agree with pytrec_eval (scripts/trec_crosscheck.py)")
    func crossCheckWithPytrecEval() throws {
        let fixture = try Fixture()
        let run = try TrecInterchange.parseRun(try fixture.runText(), userIDs: fixture.userIDs, itemIDs: fixture.itemIDs)
        let result = run.evaluate(test: fixture.test, metrics: [.precision, .recall, .ndcg, .map], cutoffs: [10])
        #expect(result.users.count == 28)
        for (key, expected) in crossCheck {
            let value = try #require(result.mean(key))
            #expect(abs(value - expected) <= 1e-9 * abs(expected), "\(key): \(value) vs \(expected)")
        }
        // The fixture has users with more than 10 test items, so trec_eval's MAP really differs.
        #expect(fixture.testUsers.contains { fixture.test.columns(of: Int($0)).count > 10 })
        #expect(abs(result.mean(MetricKey(.map, 10))! - trecEvalMapCut10) > 1e-3)
    }

    @Test("equal scores: file order by default, ascending item index on request; the rank column is ignored")
    func tieBreaking() throws {
        let users = ["a", "b"], items = ["x0", "x1", "x2", "x3"]
        let text = """
            a Q0 x3 1 0.5 r
            a Q0 x1 2 0.5 r
            a Q0 x2 9 0.9 r
            b Q0 x0 1 -1.5e-3 r
            b Q0 x2 2 2 r

            """
        let byFile = try TrecInterchange.parseRun(text, userIDs: users, itemIDs: items)
        #expect(byFile.rankings == [[2, 3, 1], [2, 0]])
        let byIndex = try TrecInterchange.parseRun(text, userIDs: users, itemIDs: items, tieBreak: .itemIndex)
        #expect(byIndex.rankings == [[2, 1, 3], [2, 0]])
    }

    @Test("seen items in an imported run are dropped and counted; absent users get empty lists")
    func seenItems() throws {
        let seen = try CSRMatrix(rowCount: 3, columnCount: 4, rows: [0, 0], columns: [1, 3], values: [1, 1])
        let text = "a Q0 x0 1 4 r\na Q0 x1 2 3 r\r\na Q0 x2 3 2 r\na Q0 x3 4 1 r\nc\tQ0\tx1\t1\t1\tr\n"
        let run = try TrecInterchange.parseRun(text, userIDs: ["a", "b", "c"], itemIDs: ["x0", "x1", "x2", "x3"], seen: seen)
        #expect(run.rankings == [[0, 2], [], [1]])
        #expect(run.droppedSeen == 2)
        #expect(run.usersInRun == 2 && run.lineCount == 5)
    }

    @Test("malformed run files are rejected with the file and line named",
          arguments: [
            ("a Q0 x0 1 0.5 r\na Q0 x1 2 0.4\n", 2, "expected 6 fields"),
            ("a Q0 x0 1 0.5 r\n\nzz Q0 x1 2 0.4 r\n", 3, "unknown user id 'zz'"),
            ("a Q0 x9 1 0.5 r\n", 1, "unknown item id 'x9'"),
            ("a Q0 x0 1 0.5 r\nb Q0 x0 1 0.5 r\na Q0 x0 2 0.4 r\n", 3, "appears again (first on line 1)"),
            ("a Q0 x0 first 0.5 r\n", 1, "rank 'first' is not an integer"),
            ("a Q0 x0 1 high r\n", 1, "score 'high' is not a finite number"),
            ("a Q0 x0 1 nan r\n", 1, "score 'nan' is not a finite number"),
            ("a Q0 x0 1 inf r\n", 1, "score 'inf' is not a finite number"),
            ("a Q0 x0 1 0.5 r\na Q0 x1 2 0.4 other\n", 2, "run name 'other' differs from 'r' on line 1"),
          ])
    func malformed(_ text: String, _ line: Int, _ message: String) throws {
        let error = try #require(throws: TrecError.self) {
            try TrecInterchange.parseRun(text, file: "runs/bad.trec", userIDs: ["a", "b"], itemIDs: ["x0", "x1"])
        }
        #expect(error.file == "runs/bad.trec")
        #expect(error.line == line)
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("runs/bad.trec:\(line): "))
    }

    @Test("ambiguous id lists and an empty file")
    func idsAndEmpty() throws {
        let duplicate = try #require(throws: TrecError.self) {
            try TrecInterchange.parseRun("", file: "f", userIDs: ["a", "a"], itemIDs: ["x"])
        }
        #expect(duplicate.message.contains("user id 'a' belongs to dense ids 0 and 1"))
        let empty = try TrecInterchange.parseRun("\n \n", userIDs: ["a"], itemIDs: ["x"])
        #expect(empty.rankings == [[]] && empty.lineCount == 0 && empty.runName == "")
    }

    @Test("exports a TREC file cannot express are refused")
    func exportErrors() throws {
        let users = ["a", "b"], items = ["x0", "x1", "x2"]
        func export(_ rankings: [[Int32]], scores: [[Float]]? = nil, users u: [String] = users, items i: [String] = items,
                    name: String = "r") throws -> String {
            try TrecInterchange.runText(users: Array(0..<Int32(rankings.count)), rankings: rankings, scores: scores,
                                        userIDs: u, itemIDs: i, runName: name)
        }
        #expect(try export([[0, 2], [1]]) == "a Q0 x0 1 2 r\na Q0 x2 2 1 r\nb Q0 x1 1 1 r\n")
        #expect(try export([[0, 2], []], scores: [[0.5, 0.5], []]) == "a Q0 x0 1 0.5 r\na Q0 x2 2 0.5 r\n")
        #expect(throws: TrecError.self) { try export([[0, 0]]) }                              // item twice
        #expect(throws: TrecError.self) { try export([[5]]) }                                 // no such item
        #expect(throws: TrecError.self) { try export([[0, 1]], scores: [[0.1, 0.2]]) }        // increasing scores
        #expect(throws: TrecError.self) { try export([[0, 1]], scores: [[0.1]]) }             // misaligned
        #expect(throws: TrecError.self) { try export([[0]], scores: [[.nan]]) }               // not finite
        #expect(throws: TrecError.self) { try export([[0]], users: ["user a", "b"]) }          // whitespace in id
        #expect(throws: TrecError.self) { try export([[0]], items: ["", "x1", "x2"]) }         // empty id
        #expect(throws: TrecError.self) { try export([[0]], name: "my run") }                 // whitespace in name
        #expect(throws: TrecError.self) {                                                     // lists ≠ users
            try TrecInterchange.runText(users: [0, 1], rankings: [[0]], userIDs: users, itemIDs: items, runName: "r")
        }
        #expect(throws: TrecError.self) {                                                     // a user twice
            try TrecInterchange.runText(users: [0, 0], rankings: [[0], [1]], userIDs: users, itemIDs: items, runName: "r")
        }
        #expect(throws: TrecError.self) {                                                     // no such user
            try TrecInterchange.runText(users: [2], rankings: [[0]], userIDs: users, itemIDs: items, runName: "r")
        }
    }
}
