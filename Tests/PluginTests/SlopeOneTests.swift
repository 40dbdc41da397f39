import RecKit
import Testing

/// SlopeOne on a matrix small enough to work by hand.
///
///          i0  i1  i2  i3  i4  i5
///     u0    5   3   2   ·   ·   ·      μ_u0 = 10/3
///     u1    3   4   ·   ·   ·   ·      μ_u1 = 7/2
///     u2    ·   2   5   ·   ·   ·      μ_u2 = 7/2
///     u3    ·   1   ·   4   ·   ·      μ_u3 = 5/2
///     u4    ·   ·   ·   ·   ·   2      μ_u4 = 2
///
/// Item i4 has no ratings. Global mean μ = (5+3+2+3+4+2+5+1+4+2)/10 = 31/10 = 3.1.
/// Deviations over common users (dev(j, i) = −dev(i, j)):
///     dev(0,1) = ((5−3) + (3−4))/2 = 1/2      (u0, u1)
///     dev(0,2) = (5−2)/1 = 3                  (u0)
///     dev(1,2) = ((3−2) + (2−5))/2 = −1       (u0, u2)
///     dev(1,3) = (1−4)/1 = −3                 (u3)
/// and no common user for (0,3), (2,3) or any pair with i5.
@Suite("SlopeOne")
struct SlopeOneTests {
    static func fitted() throws -> PluginHarness.Fitted {
        let train = try PluginHarness.matrix(users: 5, items: 6, [
            (0, 0, 5), (0, 1, 3), (0, 2, 2),
            (1, 0, 3), (1, 1, 4),
            (2, 1, 2), (2, 2, 5),
            (3, 1, 1), (3, 3, 4),
            (4, 5, 2),
        ])
        return try PluginHarness.fit(try PluginHarness.load("SlopeOne"), train: train)
    }

    @Test("manifest: Surprise's name, no parameters, both capabilities")
    func manifest() throws {
        let plugin = try PluginHarness.load("SlopeOne")
        #expect(plugin.manifest.name == "SlopeOne")
        #expect(plugin.manifest.version == "1.0.0")
        #expect(plugin.manifest.parameters.isEmpty)
        #expect(Set(plugin.manifest.capabilities) == [.ratingPrediction, .implicitRanking])
    }

    @Test("predictions worked by hand")
    func predictions() throws {
        let model = try Self.fitted().model
        let predicted = try PluginHarness.predict(model, [(1, 2), (2, 0), (3, 0), (3, 2), (2, 3), (0, 5)])
        let expected: [Float] = [
            // (u1, i2): R = {i0, i1}; dev(2,0) = −3, dev(2,1) = 1 → 7/2 + (−3 + 1)/2 = 2.5
            2.5,
            // (u2, i0): R = {i1, i2}; dev(0,1) = 1/2, dev(0,2) = 3 → 7/2 + 3.5/2 = 5.25 (not clipped: the host clips)
            5.25,
            // (u3, i0): u3 rated {i1, i3} but i0 and i3 share no user, so R = {i1} → 5/2 + 1/2 = 3
            // (averaging over both items would give 5/2 + (1/2 + 0)/2 = 2.75)
            3.0,
            // (u3, i2): R = {i1} (i2, i3 share no user); dev(2,1) = 1 → 5/2 + 1 = 3.5
            3.5,
            // (u2, i3): u2 rated {i1, i2}; only i1 shares a user with i3; dev(3,1) = 3 → 7/2 + 3 = 6.5
            6.5,
            // (u0, i5): i5's only rater is u4, so R is empty → μ_u0 = 10/3
            10.0 / 3,
        ]
        for (got, want) in zip(predicted, expected) { #expect(abs(got - want) < 1e-5, "got \(got), want \(want)") }
    }

    @Test("score: known pairs as predict, the user's own item with dev(i,i) = 0, unknown item gets the global mean")
    func score() throws {
        let model = try Self.fitted().model
        let scores = try PluginHarness.score(model, users: [0, 4], itemCount: 6)
        // (u0, i0), a training pair: R = {i0, i1, i2}; dev 0, 1/2, 3 → 10/3 + 3.5/3 = 27/6 = 4.5
        #expect(abs(scores[0] - 4.5) < 1e-5)
        // (u0, i4): i4 has no ratings → global mean 3.1
        #expect(abs(scores[4] - 3.1) < 1e-5)
        // (u4, i0): u4 rated only i5, which shares no user with i0 → μ_u4 = 2
        #expect(abs(scores[6 + 0] - 2) < 1e-5)
        // (u4, i5): R = {i5}, dev 0 → 2
        #expect(abs(scores[6 + 5] - 2) < 1e-5)
        // Every score equals predict on the same pair.
        var pairs: [(Int32, Int32)] = []
        for user: Int32 in [0, 4] { for item: Int32 in 0..<6 { pairs.append((user, item)) } }
        #expect(try PluginHarness.predict(model, pairs) == scores)
    }
}
