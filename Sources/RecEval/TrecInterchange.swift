import Foundation
import RecMath

/// TREC run and qrels files: the interchange format of trec_eval, pytrec_eval and ranx (issue 4).
///
/// **Run** (one line per recommended (user, item)):
///
///     qid Q0 docid rank score runname
///
/// qid and docid are the ORIGINAL user and item ids (as in the dataset file), rank is 1-based, the
/// run name has no whitespace. **Qrels** (one line per test (user, item)):
///
///     qid 0 docid relevance
///
/// with relevance 1: metric definitions v1 use binary relevance.
///
/// Export: when no scores are given the score column is `list length − rank + 1` (20, 19, …, 1
/// for a list of 20), strictly decreasing with rank. That matters because trec_eval, pytrec_eval
/// and ranx ignore the rank column and re-sort by score — trec_eval breaks equal scores by docid
/// in *descending* string order — so only strictly decreasing scores make every tool evaluate
/// exactly recbench's ranking. Real scores can be written instead (`scores:`); they must be
/// non-increasing along each list, and where they tie, other tools may order the tied items
/// differently from recbench.
///
/// Import (`parseRun`, `readRun`): every line is validated — six whitespace-separated fields, a
/// known user id, a known item id, an integer rank, a finite score, one run name for the whole
/// file, no (qid, docid) pair twice — and a failure names the file and line. Like trec_eval, the
/// rank column is not used for ordering: each user's items are ranked by score, descending; equal
/// scores keep the order of the file (`.fileOrder`, the default: the exporting tool's own
/// ranking) or go by ascending item index (`.itemIndex`: recbench's v1 tie rule, the dense id,
/// i.e. the order of the original ids). Optionally the user's seen (training) items are dropped,
/// as the full-ranking protocol masks them. The result holds per-user ranked lists in dense ids,
/// evaluated by the same `RankingMetric.values` as a model row (`ImportedRun.evaluate`).
public enum TrecInterchange {

    /// How items with equal scores are ordered on import.
    public enum TieBreak: String, Sendable, CaseIterable {
        /// The order of the lines in the file (stable sort by score).
        case fileOrder = "file-order"
        /// Ascending dense item index (recbench's v1 tie rule).
        case itemIndex = "item-index"
    }

    // MARK: - Export

    /// The text of a TREC run file.
    ///
    /// - Parameters:
    ///   - users: dense ids of the users whose lists are written (in this order).
    ///   - rankings: `rankings[k]` is the ranked item list (dense ids, best first) of `users[k]`.
    ///     An empty list writes no line: a TREC run cannot express it.
    ///   - scores: optional scores aligned with `rankings`, non-increasing along each list; nil
    ///     writes `length − rank + 1`.
    ///   - userIDs, itemIDs: original ids indexed by dense id (non-empty, no whitespace).
    ///   - runName: the last column (non-empty, no whitespace).
    public static func runText(users: [Int32], rankings: [[Int32]], scores: [[Float]]? = nil,
                               userIDs: [String], itemIDs: [String], runName: String) throws -> String {
        guard users.count == rankings.count else {
            throw TrecError(message: "\(users.count) users but \(rankings.count) ranked lists")
        }
        if let scores, scores.count != rankings.count || zip(scores, rankings).contains(where: { $0.count != $1.count }) {
            throw TrecError(message: "scores are not aligned with the ranked lists")
        }
        try checkField(runName, "run name")
        try checkIDs(userIDs, "user")
        try checkIDs(itemIDs, "item")
        var text = ""
        text.reserveCapacity(rankings.reduce(0) { $0 + $1.count } * 32)
        var exported = Set<Int32>()
        for (k, user) in users.enumerated() {
            guard user >= 0, Int(user) < userIDs.count else {
                throw TrecError(message: "user \(user) has no original id (\(userIDs.count) users)")
            }
            guard exported.insert(user).inserted else {
                throw TrecError(message: "user \(userIDs[Int(user)]) has two ranked lists")
            }
            let list = rankings[k]
            var written = Set<Int32>()
            for (position, item) in list.enumerated() {
                guard item >= 0, Int(item) < itemIDs.count else {
                    throw TrecError(message: "item \(item) in the list of user \(userIDs[Int(user)]) has no original id (\(itemIDs.count) items)")
                }
                guard written.insert(item).inserted else {
                    throw TrecError(message: "item \(itemIDs[Int(item)]) appears twice in the list of user \(userIDs[Int(user)])")
                }
                let score: String
                if let scores {
                    let value = scores[k][position]
                    guard value.isFinite else {
                        throw TrecError(message: "score \(value) of item \(itemIDs[Int(item)]) for user \(userIDs[Int(user)]) is not finite")
                    }
                    if position > 0, value > scores[k][position - 1] {
                        throw TrecError(message: "scores of user \(userIDs[Int(user)]) increase at rank \(position + 1): a run's scores must not increase with rank")
                    }
                    score = value.description
                } else {
                    score = String(list.count - position)
                }
                text += "\(userIDs[Int(user)]) Q0 \(itemIDs[Int(item)]) \(position + 1) \(score) \(runName)\n"
            }
        }
        return text
    }

    /// The text of a qrels file for a users × items test matrix: one line `qid 0 docid 1` per
    /// test entry, users and items ascending by dense id.
    public static func qrelsText(test: CSRMatrix, userIDs: [String], itemIDs: [String]) throws -> String {
        guard userIDs.count == test.rowCount, itemIDs.count == test.columnCount else {
            throw TrecError(message: "\(userIDs.count) user ids and \(itemIDs.count) item ids for a \(test.rowCount) × \(test.columnCount) test matrix")
        }
        try checkIDs(userIDs, "user")
        try checkIDs(itemIDs, "item")
        var text = ""
        text.reserveCapacity(test.nonZeroCount * 24)
        for user in 0..<test.rowCount {
            for item in test.columns(of: user) {
                text += "\(userIDs[user]) 0 \(itemIDs[Int(item)]) 1\n"
            }
        }
        return text
    }

    /// Writes `runText(...)` to a file.
    public static func writeRun(to url: URL, users: [Int32], rankings: [[Int32]], scores: [[Float]]? = nil,
                                userIDs: [String], itemIDs: [String], runName: String) throws {
        let text = try runText(users: users, rankings: rankings, scores: scores, userIDs: userIDs, itemIDs: itemIDs,
                               runName: runName)
        try Data(text.utf8).write(to: url, options: .atomic)
    }

    /// Writes `qrelsText(...)` to a file.
    public static func writeQrels(to url: URL, test: CSRMatrix, userIDs: [String], itemIDs: [String]) throws {
        try Data(qrelsText(test: test, userIDs: userIDs, itemIDs: itemIDs).utf8).write(to: url, options: .atomic)
    }

    // MARK: - Import

    /// Reads and validates a TREC run file (see the type's documentation).
    public static func readRun(from url: URL, userIDs: [String], itemIDs: [String], tieBreak: TieBreak = .fileOrder,
                               seen: CSRMatrix? = nil) throws -> ImportedRun {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TrecError(file: url.path, message: "cannot read the run file: \(error.localizedDescription)")
        }
        return try parseRun(data, file: url.path, userIDs: userIDs, itemIDs: itemIDs, tieBreak: tieBreak, seen: seen)
    }

    /// Parses and validates run text; `file` names the source in error messages.
    public static func parseRun(_ text: String, file: String = "<run>", userIDs: [String], itemIDs: [String],
                                tieBreak: TieBreak = .fileOrder, seen: CSRMatrix? = nil) throws -> ImportedRun {
        try parseRun(Data(text.utf8), file: file, userIDs: userIDs, itemIDs: itemIDs, tieBreak: tieBreak, seen: seen)
    }

    /// Parses and validates run bytes (UTF-8); `file` names the source in error messages.
    public static func parseRun(_ data: Data, file: String, userIDs: [String], itemIDs: [String],
                                tieBreak: TieBreak = .fileOrder, seen: CSRMatrix? = nil) throws -> ImportedRun {
        let userIndex = try index(userIDs, "user", file: file)
        let itemIndex = try index(itemIDs, "item", file: file)
        if let seen, seen.rowCount != userIDs.count || seen.columnCount != itemIDs.count {
            throw TrecError(file: file, message: "the seen-item matrix is \(seen.rowCount) × \(seen.columnCount), the ids \(userIDs.count) × \(itemIDs.count)")
        }

        struct Entry { var item: Int32; var score: Double; var order: Int }
        var perUser = [[Entry]](repeating: [], count: userIDs.count)
        var firstLine = [Int64: Int]()   // (user << 32 | item) → line of its first occurrence
        var runName: String?
        var runNameLine = 0
        var lineCount = 0

        let bytes = [UInt8](data)
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            defer { start = end + 1 }
            // Fields: maximal runs of bytes other than space, tab and carriage return.
            var fields: [ArraySlice<UInt8>] = []
            var position = start
            while position < end {
                while position < end, isBlank(bytes[position]) { position += 1 }
                let fieldStart = position
                while position < end, !isBlank(bytes[position]) { position += 1 }
                if position > fieldStart { fields.append(bytes[fieldStart..<position]) }
            }
            if fields.isEmpty { continue }   // blank line
            func fail(_ message: String) -> TrecError { TrecError(file: file, line: lineNumber, message: message) }
            guard fields.count == 6 else {
                throw fail("expected 6 fields (qid Q0 docid rank score runname), found \(fields.count)")
            }
            let qid = String(decoding: fields[0], as: UTF8.self)
            let docid = String(decoding: fields[2], as: UTF8.self)
            guard let user = userIndex[qid] else { throw fail("unknown user id '\(qid)'") }
            guard let item = itemIndex[docid] else { throw fail("unknown item id '\(docid)'") }
            let rankText = String(decoding: fields[3], as: UTF8.self)
            guard Int(rankText) != nil else { throw fail("rank '\(rankText)' is not an integer") }
            let scoreText = String(decoding: fields[4], as: UTF8.self)
            guard let score = Double(scoreText), score.isFinite else {
                throw fail("score '\(scoreText)' is not a finite number")
            }
            let name = String(decoding: fields[5], as: UTF8.self)
            if let runName {
                guard name == runName else {
                    throw fail("run name '\(name)' differs from '\(runName)' on line \(runNameLine): one file, one run")
                }
            } else {
                runName = name
                runNameLine = lineNumber
            }
            let key = Int64(user) << 32 | Int64(item)
            if let earlier = firstLine[key] {
                throw fail("user '\(qid)', item '\(docid)' appears again (first on line \(earlier))")
            }
            firstLine[key] = lineNumber
            perUser[Int(user)].append(Entry(item: item, score: score, order: lineCount))
            lineCount += 1
        }

        var rankings = [[Int32]](repeating: [], count: userIDs.count)
        var droppedSeen = 0
        var usersInRun = 0
        for user in perUser.indices where !perUser[user].isEmpty {
            usersInRun += 1
            var entries = perUser[user]
            switch tieBreak {
            case .fileOrder:
                entries.sort { $0.score > $1.score || ($0.score == $1.score && $0.order < $1.order) }
            case .itemIndex:
                entries.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
            }
            var list = entries.map(\.item)
            if let seen {
                let masked = Set(seen.columns(of: user))
                let before = list.count
                list.removeAll { masked.contains($0) }
                droppedSeen += before - list.count
            }
            rankings[user] = list
        }
        return ImportedRun(runName: runName ?? "", rankings: rankings, lineCount: lineCount, usersInRun: usersInRun,
                           droppedSeen: droppedSeen, tieBreak: tieBreak)
    }

    // MARK: - Helpers

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private static func checkField(_ value: String, _ what: String) throws {
        guard !value.isEmpty, !value.contains(where: \.isWhitespace) else {
            throw TrecError(message: "\(what) '\(value)' is empty or contains whitespace, which a TREC file cannot hold")
        }
    }

    private static func checkIDs(_ ids: [String], _ what: String) throws {
        for id in ids { try checkField(id, "\(what) id") }
    }

    private static func index(_ ids: [String], _ what: String, file: String) throws -> [String: Int32] {
        var index = [String: Int32](minimumCapacity: ids.count)
        for (dense, id) in ids.enumerated() {
            if let other = index.updateValue(Int32(dense), forKey: id) {
                throw TrecError(file: file, message: "\(what) id '\(id)' belongs to dense ids \(other) and \(dense)")
            }
        }
        return index
    }
}

/// A run read from a TREC file, in dense ids.
public struct ImportedRun: Sendable, Equatable {
    /// The run name (last column); empty for an empty file.
    public var runName: String
    /// `rankings[u]`: user u's items, best first (dense ids), after dropping seen items; empty for
    /// users absent from the file. Its count is the number of user ids.
    public var rankings: [[Int32]]
    /// Non-blank lines read: (user, item) pairs.
    public var lineCount: Int
    /// Users with at least one line.
    public var usersInRun: Int
    /// Lines dropped because the item was in the user's seen (training) items.
    public var droppedSeen: Int
    public var tieBreak: TrecInterchange.TieBreak

    /// Every metric at every cutoff for each user with at least one test item — the same users,
    /// key order, `RankingMetric.values` call and averaging as `RankingEvaluator`, so an imported
    /// run is a model row like any other. A test user missing from the run has an empty list and
    /// scores 0; a list shorter than a cutoff is treated as the evaluator treats one.
    public func evaluate(test: CSRMatrix, metrics: [RankingMetric], cutoffs: [Int]) -> RankingEvaluator.Result {
        precondition(test.rowCount == rankings.count, "the test matrix has \(test.rowCount) users, the run \(rankings.count)")
        precondition(cutoffs.allSatisfy { $0 > 0 }, "cutoffs must be positive")
        let keys = metrics.sorted().flatMap { metric in cutoffs.sorted().map { MetricKey(metric, $0) } }
        let users = (0..<test.rowCount).filter { test.indptr[$0 + 1] > test.indptr[$0] }.map(Int32.init)
        var perUser = [[Double]](repeating: [], count: keys.count)
        var relevant = [Bool](repeating: false, count: test.columnCount)
        for user in users {
            let truth = test.columns(of: Int(user))
            for item in truth { relevant[Int(item)] = true }
            let values = rankings[Int(user)].withUnsafeBufferPointer {
                RankingMetric.values(ranked: $0, isRelevant: { relevant[Int($0)] }, relevantCount: truth.count, keys: keys)
            }
            for item in truth { relevant[Int(item)] = false }
            for k in keys.indices { perUser[k].append(values[k]) }
        }
        let means = perUser.map { values in values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        return RankingEvaluator.Result(keys: keys, users: users, perUser: perUser, means: means)
    }
}

/// A malformed TREC file or an export that a TREC file cannot express.
public struct TrecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file concerned, when reading.
    public var file: String?
    /// 1-based line number, when the problem is on one line.
    public var line: Int?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// "run.trec:12: unknown item id 'i99'"
    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
