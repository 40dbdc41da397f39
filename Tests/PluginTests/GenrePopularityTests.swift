import Foundation
import RecKit
import RecMath
import Testing

/// GenrePopularity's weighted rating v/(v+m)·R + m/(v+m)·C and genre restriction, on a dataset
/// small enough to work out by hand.
///
/// Ratings: user 0: item 0 = 5, item 1 = 3; user 1: item 0 = 4, item 2 = 2; user 2: item 1 = 4;
/// user 3: nothing (a new user). Genres: item 0 Comedy; item 1 Drama; item 2 Comedy + Drama;
/// item 3 Horror. m = 2, C = (5 + 3 + 4 + 2 + 4) / 5 = 3.6.
///   item 0: v = 2, R = 4.5 → 2/4·4.5 + 2/4·3.6 = 4.05
///   item 1: v = 2, R = 3.5 → 1.75 + 1.8 = 3.55
///   item 2: v = 1, R = 2   → 1/3·2 + 2/3·3.6 = 3.066667
///   item 3: v = 0          → C = 3.6
/// Liked genres (values ≥ 4, top 1): user 0 Comedy (item 0; item 1's 3 does not count), user 1
/// Comedy (item 0), user 2 Drama (item 1). The in-genre boost is (max − min WR) + 1 = 1.983333.
@Suite struct GenrePopularityTests {
    static let wr: [Double] = [4.05, 3.55, 3.0 + 1.0 / 15, 3.6]
    static let boost = 4.05 - (3.0 + 1.0 / 15) + 1

    static func fitted(_ parameters: [String: ParameterValue], withGenres: Bool = true) throws -> PluginModel {
        let plugin = try PluginHarness.load("GenrePopularity")
        let model = try plugin.makeModel(try PluginParameters.resolve(parameters, against: plugin.manifest).parameters)
        if withGenres {
            // Columns sorted by name, as the host builds them: genre:Comedy, genre:Drama, genre:Horror, year:1995.
            let features = try CSRMatrix(rowCount: 4, columnCount: 4, rows: [0, 0, 1, 2, 2, 3], columns: [0, 3, 1, 0, 1, 2],
                                         values: [1, 1, 1, 1, 1, 1])
            try features.withView { try model.setItemFeatures($0, names: ["genre:Comedy", "genre:Drama", "genre:Horror", "year:1995"]) }
        }
        let train = try PluginHarness.matrix(users: 4, items: 4, [(0, 0, 5), (0, 1, 3), (1, 0, 4), (1, 2, 2), (2, 1, 4)])
        try train.withView { try model.fit($0, seed: 0, threadCount: 1) }
        return model
    }

    static func expectClose(_ got: [Float], _ want: [Double], _ note: String) {
        for (index, (g, w)) in zip(got, want).enumerated() {
            #expect(abs(Double(g) - w) < 1e-4, "\(note): score \(index) is \(g), expected \(w)")
        }
    }

    @Test func likedGenresFirstThenWeightedRating() throws {
        let model = try Self.fitted(["m": .float(2), "top_genres": .int(1), "like_threshold": .float(4)])
        let scores = try PluginHarness.score(model, users: [0, 1, 2, 3], itemCount: 4)
        let (wr, b) = (Self.wr, Self.boost)
        Self.expectClose(Array(scores[0..<4]), [wr[0] + b, wr[1], wr[2] + b, wr[3]], "user 0 (Comedy)")
        Self.expectClose(Array(scores[4..<8]), [wr[0] + b, wr[1], wr[2] + b, wr[3]], "user 1 (Comedy)")
        Self.expectClose(Array(scores[8..<12]), [wr[0], wr[1] + b, wr[2] + b, wr[3]], "user 2 (Drama)")
        Self.expectClose(Array(scores[12..<16]), wr, "new user: plain weighted rating")
    }

    @Test func fixedGenresRestrictEveryone() throws {
        let model = try Self.fitted(["m": .float(2), "genres": .string("Horror")])
        let scores = try PluginHarness.score(model, users: [0, 3], itemCount: 4)
        let (wr, b) = (Self.wr, Self.boost)
        Self.expectClose(scores, [wr[0], wr[1], wr[2], wr[3] + b, wr[0], wr[1], wr[2], wr[3] + b], "Horror")
    }

    /// m = 0 is the plain item mean (R), and an item nobody rated falls back to C.
    @Test func zeroThresholdIsTheItemMean() throws {
        let model = try Self.fitted(["m": .float(0), "like_threshold": .float(100)])
        Self.expectClose(try PluginHarness.score(model, users: [3], itemCount: 4), [4.5, 3.5, 2, 3.6], "m = 0")
    }

    @Test func withoutGenresEveryUserGetsTheWeightedRating() throws {
        let model = try Self.fitted(["m": .float(2)], withGenres: false)
        Self.expectClose(try PluginHarness.score(model, users: [0], itemCount: 4), Self.wr, "no features")
    }

    @Test func anUnknownAskedForGenreIsAnError() throws {
        #expect(throws: PluginCallError.self) { _ = try Self.fitted(["genres": .string("Western")]) }
    }
}
