import RecMath
import Testing
@testable import RecEval

/// RMSE and MAE of the rating protocol, worked out by hand.
@Suite struct RatingEvaluatorTests {
    // Train: u0 {i0: 4, i1: 2}, u1 {i0: 5}; u2 has no training ratings; i2 has none either.
    // Training mean = (4 + 2 + 5) / 3 = 11/3.
    // Test: (u1, i1, 3) known; (u0, i2, 1) unknown item; (u2, i0, 4) unknown user.
    static func evaluator(_ policy: RatingEvaluator.UnknownPairs) throws -> RatingEvaluator {
        let train = try CSRMatrix(rowCount: 3, columnCount: 3, rows: [0, 0, 1], columns: [0, 1, 0], values: [4, 2, 5])
        return RatingEvaluator(train: train, testUsers: [1, 0, 2], testItems: [1, 2, 0], testRatings: [3, 1, 4],
                               scale: 1...5, unknownPairs: policy)
    }

    /// A model that predicts 6 for every pair it is asked about (clipped to 5 by the host).
    static func constantSix(_ users: UnsafeBufferPointer<Int32>, _ items: UnsafeBufferPointer<Int32>,
                            _ out: UnsafeMutableBufferPointer<Float>) {
        for k in 0..<out.count { out[k] = 6 }
    }

    @Test func unknownPairsTakeTheTrainingMean() throws {
        let evaluator = try Self.evaluator(.mean)
        #expect(evaluator.askedPairs == [0])
        let result = try evaluator.evaluate(predict: Self.constantSix)
        // Errors: (u1,i1) 5 − 3 = 2; (u0,i2) 11/3 − 1 = 8/3; (u2,i0) 11/3 − 4 = −1/3.
        // RMSE = sqrt((4 + 64/9 + 1/9) / 3) = sqrt(101/27); MAE = (2 + 8/3 + 1/3) / 3 = 5/3.
        #expect(abs(result.rmse - (101.0 / 27).squareRoot()) < 1e-6)
        #expect(abs(result.mae - 5.0 / 3) < 1e-6)
        #expect(result.unknownPairs == 2 && result.pairs == 3)
    }

    @Test func theModelCanBeAskedForEveryPair() throws {
        let evaluator = try Self.evaluator(.model)
        #expect(evaluator.askedPairs == [0, 1, 2])
        #expect(evaluator.recordedProtocol == "rating:model-fallback")
        let result = try evaluator.evaluate(predict: Self.constantSix)
        // Every prediction 6 → clipped 5: errors 2, 4, 1. RMSE = sqrt(21/3) = sqrt(7); MAE = 7/3.
        #expect(abs(result.rmse - 7.0.squareRoot()) < 1e-9)
        #expect(abs(result.mae - 7.0 / 3) < 1e-9)
        #expect(result.unknownPairs == 2)
    }

    @Test func aNonFinitePredictionIsAnError() throws {
        let evaluator = try Self.evaluator(.mean)
        #expect(throws: EvaluationError.self) {
            try evaluator.evaluate { _, _, out in out[0] = .nan }
        }
    }
}
