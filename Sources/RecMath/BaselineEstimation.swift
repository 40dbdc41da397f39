import RecKit

/// Baseline estimates b_ui = μ + b_u + b_i (Koren 2010, section 2.1), learned as Surprise 1.1 does
/// (`surprise/prediction_algorithms/optimize_baselines.pyx`). Used by BaselineOnly, KNNBaseline and
/// the pearson_baseline similarity.
///
/// ALS (default), per epoch, items first and then users:
///     b_i = Σ_{u ∈ U_i} (r_ui − μ − b_u) / (reg_i + |U_i|)
///     b_u = Σ_{i ∈ I_u} (r_ui − μ − b_i) / (reg_u + |I_u|)
/// SGD, per epoch, over the ratings user by user (ascending ids; Surprise uses its trainset order):
///     e = r_ui − (μ + b_u + b_i);  b_u += γ (e − λ b_u);  b_i += γ (e − λ b_i)
/// Biases start at 0; users or items without ratings keep b = 0.
public struct BaselineOptions: Sendable, Equatable {
    public enum Method: String, Sendable { case als, sgd }

    public var method: Method
    /// Epochs; Surprise's default depends on the method (ALS 10, SGD 20).
    public var epochs: Int
    /// ALS regularisation of user biases (reg_u) and item biases (reg_i).
    public var regUser: Double
    public var regItem: Double
    /// SGD learning rate (γ) and regularisation (λ).
    public var learningRate: Double
    public var reg: Double

    public init(method: Method = .als, epochs: Int? = nil, regUser: Double = 15, regItem: Double = 10,
                learningRate: Double = 0.005, reg: Double = 0.02) {
        self.method = method
        self.epochs = epochs ?? (method == .als ? 10 : 20)
        self.regUser = regUser
        self.regItem = regItem
        self.learningRate = learningRate
        self.reg = reg
    }

    /// Surprise's `bsl_options` dict as flat plugin parameters, with Surprise's defaults.
    public static let hyperParameters: [HyperParameter] = [
        HyperParameter("bsl_method", .string, default: .string("als"), choices: [.string("als"), .string("sgd")],
                       doc: "baseline estimation: als (alternating least squares) or sgd"),
        HyperParameter("bsl_n_epochs", .int, default: .int(-1), min: -1, max: 100_000,
                       doc: "baseline epochs; -1 = Surprise's default for the method (als 10, sgd 20)"),
        HyperParameter("bsl_reg_i", .float, default: .float(10), min: 0, max: 1e6,
                       doc: "ALS regularisation of item biases"),
        HyperParameter("bsl_reg_u", .float, default: .float(15), min: 0, max: 1e6,
                       doc: "ALS regularisation of user biases"),
        HyperParameter("bsl_learning_rate", .float, default: .float(0.005), min: 0, max: 10, logScale: true,
                       doc: "SGD learning rate"),
        HyperParameter("bsl_reg", .float, default: .float(0.02), min: 0, max: 1e6,
                       doc: "SGD regularisation of both biases"),
    ]

    /// Reads the `bsl_*` parameters of `hyperParameters`.
    public init(parameters: PluginParameters) throws {
        let name = try parameters.string("bsl_method")
        guard let method = Method(rawValue: name) else {
            throw PluginError("bsl_method must be als or sgd, got \(name)")
        }
        let epochs = try parameters.int("bsl_n_epochs")
        self.init(method: method, epochs: epochs < 0 ? nil : epochs,
                  regUser: try parameters.double("bsl_reg_u"), regItem: try parameters.double("bsl_reg_i"),
                  learningRate: try parameters.double("bsl_learning_rate"), reg: try parameters.double("bsl_reg"))
    }
}

/// Learned baselines: b_ui = μ + b_u + b_i.
public struct Baselines: Sendable {
    public let globalMean: Double
    public let user: [Double]
    public let item: [Double]

    public init(globalMean: Double, user: [Double], item: [Double]) {
        self.globalMean = globalMean
        self.user = user
        self.item = item
    }

    @inlinable public func estimate(user u: Int, item i: Int) -> Double { globalMean + user[u] + item[i] }
}

public enum BaselineEstimation {
    /// Learns the biases from `byUser` (users × items) and `byItem` (its transpose).
    ///
    /// Each epoch logs `"epoch e/n loss L"` where L is the training objective divided by the
    /// number of ratings — ALS: (Σ e² + reg_u Σ_u b_u² + reg_i Σ_i b_i²) / n; SGD: Σ (e² + λ(b_u² + b_i²)) / n —
    /// and reports progress as `progress.lowerBound + (epoch / n) × width of progress`, so the host can cancel.
    public static func fit(byUser: RatingRows, byItem: RatingRows, options: BaselineOptions,
                           context: FitContext?, progress: ClosedRange<Double> = 0...1) throws -> Baselines {
        precondition(byUser.rowCount == byItem.columnCount && byUser.columnCount == byItem.rowCount,
                     "byItem must be the transpose of byUser")
        let mu = byUser.mean
        var bu = [Double](repeating: 0, count: byUser.rowCount)
        var bi = [Double](repeating: 0, count: byItem.rowCount)
        let n = options.epochs
        for epoch in stride(from: 1, through: n, by: 1) {
            let loss: Double
            switch options.method {
            case .als:
                alsHalfStep(lists: byItem, own: &bi, other: bu, mu: mu, reg: options.regItem)
                alsHalfStep(lists: byUser, own: &bu, other: bi, mu: mu, reg: options.regUser)
                loss = objective(byUser, bu: bu, bi: bi, mu: mu, regUser: options.regUser, regItem: options.regItem,
                                 perRating: false)
            case .sgd:
                sgdEpoch(byUser, bu: &bu, bi: &bi, mu: mu, lr: options.learningRate, reg: options.reg)
                loss = objective(byUser, bu: bu, bi: bi, mu: mu, regUser: options.reg, regItem: options.reg,
                                 perRating: true)
            }
            if let context {
                let line = "epoch \(epoch)/\(n) loss \(formatLoss(loss))"
                context.log(line)
                let fraction = progress.lowerBound + (progress.upperBound - progress.lowerBound) * Double(epoch) / Double(n)
                try context.progress(fraction, line)
            }
        }
        return Baselines(globalMean: mu, user: bu, item: bi)
    }

    /// own[x] = Σ_{(y, r) in lists[x]} (r − μ − other[y]) / (reg + |lists[x]|).
    private static func alsHalfStep(lists: RatingRows, own: inout [Double], other: [Double], mu: Double, reg: Double) {
        lists.offsets.withUnsafeBufferPointer { offsets in
            lists.columns.withUnsafeBufferPointer { columns in
                lists.ratings.withUnsafeBufferPointer { ratings in
                    other.withUnsafeBufferPointer { other in
                        own.withUnsafeMutableBufferPointer { own in
                            for x in 0..<lists.rowCount {
                                let start = offsets[x], end = offsets[x + 1]
                                var deviation = 0.0
                                for k in start..<end { deviation += ratings[k] - mu - other[Int(columns[k])] }
                                own[x] = deviation / (reg + Double(end - start))
                            }
                        }
                    }
                }
            }
        }
    }

    private static func sgdEpoch(_ byUser: RatingRows, bu: inout [Double], bi: inout [Double], mu: Double,
                                 lr: Double, reg: Double) {
        byUser.offsets.withUnsafeBufferPointer { offsets in
            byUser.columns.withUnsafeBufferPointer { columns in
                byUser.ratings.withUnsafeBufferPointer { ratings in
                    bu.withUnsafeMutableBufferPointer { bu in
                        bi.withUnsafeMutableBufferPointer { bi in
                            for u in 0..<byUser.rowCount {
                                for k in offsets[u]..<offsets[u + 1] {
                                    let i = Int(columns[k])
                                    let error = ratings[k] - (mu + bu[u] + bi[i])
                                    bu[u] += lr * (error - reg * bu[u])
                                    bi[i] += lr * (error - reg * bi[i])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The objective divided by the number of ratings (see `fit`).
    private static func objective(_ byUser: RatingRows, bu: [Double], bi: [Double], mu: Double,
                                  regUser: Double, regItem: Double, perRating: Bool) -> Double {
        guard byUser.nonZeroCount > 0 else { return 0 }
        var total = 0.0
        for u in 0..<byUser.rowCount {
            for k in byUser.offsets[u]..<byUser.offsets[u + 1] {
                let i = Int(byUser.columns[k])
                let error = byUser.ratings[k] - (mu + bu[u] + bi[i])
                total += error * error
                if perRating { total += regUser * bu[u] * bu[u] + regItem * bi[i] * bi[i] }
            }
        }
        if !perRating {
            total += regUser * bu.reduce(0) { $0 + $1 * $1 } + regItem * bi.reduce(0) { $0 + $1 * $1 }
        }
        return total / Double(byUser.nonZeroCount)
    }

    private static func formatLoss(_ value: Double) -> String {
        // Six decimals without Foundation's String(format:).
        let scaled = (value * 1_000_000).rounded()
        guard scaled.isFinite, abs(scaled) < 9e15 else { return "\(value)" }
        let integer = Int64(scaled)
        let sign = integer < 0 ? "-" : ""
        let magnitude = integer.magnitude
        let fraction = String(magnitude % 1_000_000)
        return sign + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
