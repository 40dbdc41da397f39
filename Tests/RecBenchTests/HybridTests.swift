import Foundation
import RecBench
import RecData
import RecKit
import RecMath
import Testing

/// Hybrid composition (rb_components_v1) through the real C boundary: the Hybrid plugin's fusion
/// arithmetic and switching on components whose scores are a fixed table (the "Table" fixture).
/// Every expected number below was worked out by hand and checked with a few lines of Python
/// (the formulas in docs/writing-a-plugin.md, "Hybrid models"), never read off the plugin.
@Suite struct HybridTests {
    /// Two users × four items. User 0 has item 3 in training, user 1 nothing.
    static let tableA = "4 2 0 10; 1 1 1 1"
    static let tableB = "0 3 6 100; 3 1 2 0"

    static func train() throws -> CSRMatrix {
        try CSRMatrix(rowCount: 2, columnCount: 4, rows: [0], columns: [3], values: [5])
    }

    /// A Hybrid with the two Table components, fitted on `train()`; its scores of both users.
    static func hybridScores(_ parameters: [String: ParameterValue], tables: [String] = [tableA, tableB],
                             train: CSRMatrix? = nil) throws -> [Float] {
        let folder = try TestSupport.temporaryDirectory()
        let table = try LoadedPlugin.load(path: try TestSupport.fixture("table", into: folder))
        let hybrid = try LoadedPlugin.load(path: TestSupport.binDirectory + "/libHybrid.so")
        let model = try hybrid.makeModel(try PluginParameters.resolve(parameters, against: hybrid.manifest).parameters)
        let components = try tables.enumerated().map { index, scores in
            PluginModel.ComponentModel(
                label: "c\(index)",
                model: try table.makeModel(try PluginParameters.resolve(["scores": .string(scores)], against: table.manifest).parameters),
                threadCount: 1)
        }
        try model.setComponents(components)
        let matrix = try train ?? Self.train()
        try matrix.withView { try model.fit($0, seed: 1, threadCount: 2) }
        var out = [Float](repeating: .nan, count: 2 * 4)
        let users: [Int32] = [0, 1]
        try users.withUnsafeBufferPointer { users in
            try out.withUnsafeMutableBufferPointer { try model.score(users: users, itemCount: 4, into: $0) }
        }
        return out
    }

    static func expectClose(_ got: [Float], _ want: [Double], _ note: String) {
        #expect(got.count == want.count, "\(note): \(got.count) scores")
        for (index, (g, w)) in zip(got, want).enumerated() {
            #expect(abs(Double(g) - w) < 1e-4, "\(note): score \(index) is \(g), expected \(w)")
        }
    }

    /// Min–max over each user's unseen items, weights 2 and 1.
    /// User 0, unseen items 0–2: A [4,2,0] → (s−0)/4 = [1, .5, 0] (item 3: 10/4 = 2.5);
    /// B [0,3,6] → s/6 = [0, .5, 1] (item 3: 100/6). 2A + B = [2, 1.5, 1, 5 + 16.6667].
    /// User 1: A is constant → 0; B [3,1,2,0] → s/3. Sum = [1, 1/3, 2/3, 0].
    @Test func weightedMinMaxFusion() throws {
        let scores = try Self.hybridScores(["mode": .string("weighted"), "normalization": .string("minmax"), "weights": .string("2,1")])
        Self.expectClose(scores, [2, 1.5, 1, 21.666667, 1, 1.0 / 3, 2.0 / 3, 0], "min-max")
    }

    /// Z-score with the population std over unseen items, weights 1 and 2.
    /// User 0: A [4,2,0] mean 2, std √(8/3) → [1.224745, 0, −1.224745], item 3: 8/√(8/3) = 4.898979;
    /// B [0,3,6] mean 3, std √6 → [−1.224745, 0, 1.224745], item 3: 97/√6 = 39.600084.
    /// A + 2B = [−1.224745, 0, 1.224745, 84.099148].
    /// User 1: A constant → 0; B [3,1,2,0] mean 1.5, std √1.25 → 2·[1.341641, −0.447214, 0.447214, −1.341641].
    @Test func weightedZScoreFusion() throws {
        let scores = try Self.hybridScores(["mode": .string("weighted"), "normalization": .string("zscore"), "weights": .string("1,2")])
        Self.expectClose(scores, [-1.224745, 0, 1.224745, 84.099148, 2.683282, -0.894427, 0.894427, -2.683282], "z-score")
    }

    /// Reciprocal-rank fusion with k = 60, equal weights. User 0 ranks unseen items only:
    /// A: item 0 → 1, item 1 → 2, item 2 → 3; B: item 2 → 1, item 1 → 2, item 0 → 3.
    /// Items 0 and 2: 1/61 + 1/63 = 0.0322664; item 1: 2/62 = 0.0322581; item 3 (seen): 0.
    /// User 1: A's ties go by item id (ranks 1–4), B [3,1,2,0] ranks items 0,2,1,3:
    /// item 0: 2/61, item 1: 1/62 + 1/63, item 2: 1/63 + 1/62, item 3: 2/64.
    @Test func reciprocalRankFusion() throws {
        let scores = try Self.hybridScores(["mode": .string("rrf"), "rrf_k": .float(60)])
        Self.expectClose(scores, [1.0 / 61 + 1.0 / 63, 2.0 / 62, 1.0 / 61 + 1.0 / 63, 0,
                                  2.0 / 61, 1.0 / 62 + 1.0 / 63, 1.0 / 62 + 1.0 / 63, 2.0 / 64], "rrf k=60")
        // k = 0 and weights 1, 3: user 0 item 2 = 1/3 + 3/1; user 1 item 1 = 1/2 + 3/3.
        let weighted = try Self.hybridScores(["mode": .string("rrf"), "rrf_k": .float(0), "weights": .string("1,3")])
        Self.expectClose(weighted, [1 + 3.0 / 3, 0.5 + 3.0 / 2, 1.0 / 3 + 3, 0, 1 + 3, 0.5 + 1, 1.0 / 3 + 1.5, 0.25 + 0.75], "rrf k=0")
    }

    /// Switching: user 0 has 1 training interaction, user 1 none. With threshold 1 only user 1 is
    /// cold (second component's row); with threshold 2 both are.
    @Test func switchingPicksTheComponentByUserActivity() throws {
        let one = try Self.hybridScores(["mode": .string("switching"), "switch_threshold": .int(1)])
        Self.expectClose(one, [4, 2, 0, 10, 3, 1, 2, 0], "threshold 1")
        let two = try Self.hybridScores(["mode": .string("switching"), "switch_threshold": .int(2)])
        Self.expectClose(two, [0, 3, 6, 100, 3, 1, 2, 0], "threshold 2")
    }

    /// TwoStage's first stage: with candidates = 1 each Table component proposes its best unseen
    /// item — for user 0 (item 3 seen) A's item 0 and B's item 2; for user 1 both propose item 0 —
    /// and only those are scored (finite); every other item is −∞, never recommended.
    @Test func twoStageScoresOnlyTheMergedCandidates() throws {
        let folder = try TestSupport.temporaryDirectory()
        let table = try LoadedPlugin.load(path: try TestSupport.fixture("table", into: folder))
        let twoStage = try LoadedPlugin.load(path: TestSupport.binDirectory + "/libTwoStage.so")
        func make(_ parameters: [String: ParameterValue]) throws -> PluginModel {
            let model = try twoStage.makeModel(try PluginParameters.resolve(parameters, against: twoStage.manifest).parameters)
            try model.setComponents(try [Self.tableA, Self.tableB].enumerated().map { index, scores in
                .init(label: "c\(index)", model: try table.makeModel(try PluginParameters.resolve(["scores": .string(scores)], against: table.manifest).parameters),
                      threadCount: 1)
            })
            return model
        }
        let model = try make(["candidates": .int(1), "rounds": .int(2)])
        try model.setInteractionTimes([1_000])
        try Self.train().withView { try model.fit($0, seed: 1, threadCount: 1) }
        var out = [Float](repeating: .nan, count: 8)
        let users: [Int32] = [0, 1]
        try users.withUnsafeBufferPointer { users in try out.withUnsafeMutableBufferPointer { try model.score(users: users, itemCount: 4, into: $0) } }
        #expect(out.enumerated().filter { $0.element.isFinite }.map(\.offset) == [0, 2, 4], "\(out)")
        #expect(out.allSatisfy { $0.isFinite || $0 == -.infinity })
        // The pairwise objective ranks the same candidate set.
        let pairwise = try make(["candidates": .int(1), "rounds": .int(2), "objective": .string("rank:pairwise")])
        try pairwise.setInteractionTimes([1_000])
        try Self.train().withView { try pairwise.fit($0, seed: 1, threadCount: 1) }
        try users.withUnsafeBufferPointer { users in try out.withUnsafeMutableBufferPointer { try pairwise.score(users: users, itemCount: 4, into: $0) } }
        #expect(out.enumerated().filter { $0.element.isFinite }.map(\.offset) == [0, 2, 4], "\(out)")

        // An ablation naming a feature that does not exist is refused when the components arrive.
        #expect(throws: PluginCallError.self) { _ = try make(["drop_features": .string("score:c0,item_popularity")]) }
        _ = try make(["drop_features": .string("score:c0,item_recent")])
    }

    @Test func switchingWantsExactlyTwoComponents() throws {
        #expect(throws: PluginCallError.self) {
            _ = try Self.hybridScores(["mode": .string("switching")], tables: [Self.tableA, Self.tableB, Self.tableA])
        }
        #expect(throws: PluginCallError.self) { _ = try Self.hybridScores(["weights": .string("1,2,3")]) }
    }
}
