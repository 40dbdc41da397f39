import RecKit
import RecMath

/// Rating-prediction metrics, definition version 1 (docs/metrics.md):
///
/// - RMSE = sqrt( Σ (r̂ − r)² / N ) over all N test pairs (pairs weighted equally, not users);
/// - MAE  = Σ |r̂ − r| / N.
///
/// Protocol "rating/v1": by default a pair whose user or item has no training rating is predicted
/// with the training mean without asking the model, and counted (`unknown_pairs = "mean"`);
/// `unknown_pairs = "model"` asks the model for every pair, as Surprise does. Every prediction is
/// clipped to the dataset's rating scale [low, high].
public enum RatingMetric: String, CaseIterable, Codable, Sendable {
    case rmse, mae
    public static let definitionVersion = 1
}

public struct RatingEvaluator: Sendable {
    public static let protocolName = "rating"

    /// The recorded name of the protocol variant: "rating", or "rating:model-fallback" when the
    /// model predicts pairs with an unknown user or item.
    public var recordedProtocol: String { unknownPolicy == .model ? "rating:model-fallback" : Self.protocolName }
    public let unknownPolicy: UnknownPairs

    public let scale: ClosedRange<Float>
    public let testUsers: [Int32]
    public let testItems: [Int32]
    public let testRatings: [Float]
    /// Test pairs the model is asked about: those whose user and item both appear in training, or
    /// every pair when unknown pairs are left to the model.
    public let askedPairs: [Int]
    /// Test pairs whose user or item has no training rating.
    public let unknownCount: Int
    public let trainMean: Float

    /// Who predicts a test pair whose user or item has no training rating.
    public enum UnknownPairs: String, Sendable, CaseIterable {
        /// The host predicts the training mean and never asks the model (DESIGN §7, the default).
        case mean
        /// The model is asked for every pair and applies its own fallback — what Surprise does
        /// (e.g. SVD predicts μ + b_u for an unknown item).
        case model
    }

    public init(train: CSRMatrix, testUsers: [Int32], testItems: [Int32], testRatings: [Float], scale: ClosedRange<Float>,
                unknownPairs: UnknownPairs = .mean) {
        precondition(testUsers.count == testItems.count && testItems.count == testRatings.count, "test arrays differ in length")
        self.scale = scale
        self.unknownPolicy = unknownPairs
        self.testUsers = testUsers
        self.testItems = testItems
        self.testRatings = testRatings
        var itemKnown = [Bool](repeating: false, count: train.columnCount)
        for item in train.indices { itemKnown[Int(item)] = true }
        let known = testUsers.indices.filter { k in
            train.indptr[Int(testUsers[k]) + 1] > train.indptr[Int(testUsers[k])] && itemKnown[Int(testItems[k])]
        }
        unknownCount = testUsers.count - known.count
        askedPairs = unknownPairs == .model ? Array(testUsers.indices) : known
        trainMean = train.values.isEmpty ? (scale.lowerBound + scale.upperBound) / 2
            : Float(train.values.reduce(0.0) { $0 + Double($1) } / Double(train.values.count))
    }

    public struct Result: Sendable {
        public var rmse: Double
        public var mae: Double
        /// Test pairs predicted with the training mean because the user or item was unknown.
        public var unknownPairs: Int
        public var pairs: Int

        public func value(_ metric: RatingMetric) -> Double {
            switch metric {
            case .rmse: rmse
            case .mae: mae
            }
        }
    }

    /// `predict` receives the (users, items) of `askedPairs` in blocks and fills their predictions.
    public func evaluate(
        blockSize: Int = 65_536,
        predict: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) throws -> Void
    ) throws -> Result {
        var predictions = [Float](repeating: trainMean, count: testRatings.count)
        var start = 0
        while start < askedPairs.count {
            let block = askedPairs[start..<min(start + blockSize, askedPairs.count)]
            let users = block.map { testUsers[$0] }, items = block.map { testItems[$0] }
            var out = [Float](repeating: .nan, count: block.count)
            try users.withUnsafeBufferPointer { users in
                try items.withUnsafeBufferPointer { items in
                    try out.withUnsafeMutableBufferPointer { try predict(users, items, $0) }
                }
            }
            for (offset, k) in block.enumerated() {
                guard out[offset].isFinite else {
                    throw EvaluationError("the model predicted \(out[offset]) for user \(testUsers[k]), item \(testItems[k])")
                }
                predictions[k] = out[offset]
            }
            start += block.count
        }
        return Self.measure(predictions: predictions, truth: testRatings, scale: scale, unknownPairs: unknownCount)
    }

    /// RMSE and MAE of predictions (clipped to `scale`) against the truth.
    public static func measure(predictions: [Float], truth: [Float], scale: ClosedRange<Float>, unknownPairs: Int = 0) -> Result {
        precondition(predictions.count == truth.count, "prediction and truth counts differ")
        var squared = 0.0, absolute = 0.0
        for k in predictions.indices {
            let error = Double(min(max(predictions[k], scale.lowerBound), scale.upperBound)) - Double(truth[k])
            squared += error * error
            absolute += abs(error)
        }
        let n = Double(max(truth.count, 1))
        return Result(rmse: (squared / n).squareRoot(), mae: absolute / n, unknownPairs: unknownPairs, pairs: truth.count)
    }
}
