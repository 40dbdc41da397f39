import RecKit

/// The k-nearest-neighbour aggregation shared by KNNBasic, KNNWithMeans, KNNWithZScore and
/// KNNBaseline, as in Surprise 1.1 (`surprise/prediction_algorithms/knns.py`).
///
/// With x the side similarities are computed for and y the other (user-based: x = user u, y = item i;
/// item-based: x = item i, y = user u), a prediction for (x, y) looks at every x' that rated y, keeps
/// the k with the largest sim(x, x') (Surprise's `heapq.nlargest`: ties go to the earlier x' in y's
/// list; here lists are in ascending id order, Surprise's in order of appearance in its trainset),
/// drops those with sim ≤ 0, and returns
///
///     Σ sim(x, x') · d(x', y)  and  Σ sim(x, x')   over the kept x',  and actual_k = how many were kept,
///
/// where d(x', y) is what each algorithm averages: r (KNNBasic), r − μ_x' (KNNWithMeans),
/// (r − μ_x') / σ_x' (KNNWithZScore), r − b_x'y (KNNBaseline). Each plugin combines the sums with its
/// own fallback when actual_k < min_k.
public struct NeighbourhoodOptions: Sendable, Equatable {
    public var k: Int
    public var minK: Int

    public init(k: Int = 40, minK: Int = 1) {
        self.k = k
        self.minK = minK
    }

    public static let hyperParameters: [HyperParameter] = [
        HyperParameter("k", .int, default: .int(40), min: 1, max: 1e9,
                       doc: "largest number of neighbours aggregated"),
        HyperParameter("min_k", .int, default: .int(1), min: 1, max: 1e9,
                       doc: "fewest neighbours (with positive similarity) for a neighbour-based estimate; else the fallback"),
    ]

    public init(parameters: PluginParameters) throws {
        self.init(k: try parameters.int("k"), minK: try parameters.int("min_k"))
    }
}

/// What the aggregation found for one (user, item) pair.
public struct NeighbourAggregate: Sendable {
    public var user: Int
    public var item: Int
    /// The pair in similarity orientation: (user, item) when user-based, (item, user) when item-based.
    public var x: Int
    public var y: Int
    /// Whether the user and the item both have training ratings (Surprise's knows_user and knows_item).
    public var isKnown: Bool
    /// Σ sim · d over the kept neighbours, Σ sim, and how many were kept (Surprise's actual_k).
    public var weightedSum: Double
    public var similaritySum: Double
    public var count: Int

    /// Σ sim · d / Σ sim when at least `minK` neighbours were kept, else nil (Surprise: "Not enough
    /// neighbors" — KNNBasic's PredictionImpossible, the other variants' zero neighbour term).
    @inlinable public func average(minK: Int) -> Double? {
        guard isKnown, count >= minK, count > 0, similaritySum > 0 else { return nil }
        return weightedSum / similaritySum
    }
}

/// Training state every KNN variant starts from: both orientations of the ratings, the baselines
/// when needed (KNNBaseline, or any variant with the pearson_baseline similarity), and the
/// similarity matrix.
public struct NeighbourhoodTraining: Sendable {
    public let byUser: RatingRows
    public let byItem: RatingRows
    public let globalMean: Double
    public let baselines: Baselines?
    public let similarity: SimilarityMatrix
    public let userBased: Bool

    /// The lists of the compared side (x) and of the other side (y).
    public var xMajor: RatingRows { userBased ? byUser : byItem }
    public var yMajor: RatingRows { userBased ? byItem : byUser }

    public init(_ train: CSRView, similarity options: SimilarityOptions, baseline: BaselineOptions,
                needsBaselines: Bool, context: FitContext) throws {
        let byUser = RatingRows(train)
        let byItem = byUser.transposed()
        let userBased = options.userBased
        let withBaselines = needsBaselines || options.measure == .pearsonBaseline
        var baselines: Baselines?
        if withBaselines {
            context.log("estimating baselines (\(baseline.method.rawValue), \(baseline.epochs) epochs)")
            baselines = try BaselineEstimation.fit(byUser: byUser, byItem: byItem, options: baseline, context: context,
                                                   progress: 0...0.5)
        }
        let xMajor = userBased ? byUser : byItem, yMajor = userBased ? byItem : byUser
        context.log("computing \(options.measure.rawValue) similarities between \(xMajor.rowCount) \(userBased ? "users" : "items")")
        try context.progress(withBaselines ? 0.5 : 0, "similarities")
        let biases = baselines.map { (globalMean: $0.globalMean, x: userBased ? $0.user : $0.item, y: userBased ? $0.item : $0.user) }
        similarity = try RatingSimilarity.compute(options.measure, xMajor: xMajor, yMajor: yMajor,
                                                  minSupport: options.minSupport, shrinkage: options.shrinkage,
                                                  baselines: biases)
        self.byUser = byUser
        self.byItem = byItem
        self.globalMean = byUser.mean
        self.userBased = userBased
        self.baselines = baselines
        try context.progress(1, "similarities done")
    }
}

/// A fitted neighbourhood: the similarity matrix plus, for every y, its raters x' with d(x', y).
public struct NeighbourhoodModel: Sendable {
    public let userBased: Bool
    public let k: Int
    let similarity: SimilarityMatrix
    /// y-major: row y lists the x' that rated y, with d(x', y) in place of the rating.
    let deviations: RatingRows
    let xHasRatings: [Bool]
    let longestList: Int

    /// `deviation(x', y, r)` is the d each neighbour contributes (see the type's documentation).
    public init(_ training: NeighbourhoodTraining, k: Int,
                deviation: (_ neighbour: Int, _ y: Int, _ rating: Double) -> Double) {
        userBased = training.userBased
        self.k = k
        similarity = training.similarity
        let lists = training.yMajor.mapRatings { y, neighbour, rating in deviation(neighbour, y, rating) }
        let xMajor = training.xMajor
        deviations = lists
        xHasRatings = (0..<xMajor.rowCount).map { xMajor.count(ofRow: $0) > 0 }
        longestList = (0..<lists.rowCount).map { lists.count(ofRow: $0) }.max() ?? 0
    }

    /// `ratings[k] = estimate(aggregate for (users[k], items[k]))`.
    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>,
                        estimate: (NeighbourAggregate) -> Double) {
        withKernel { kernel in
            for index in 0..<users.count {
                ratings[index] = Float(estimate(kernel.aggregate(user: Int(users[index]), item: Int(items[index]))))
            }
        }
    }

    /// `scores[row * itemCount + i] = estimate(aggregate for (users[row], i))` for every item i.
    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>,
                      estimate: (NeighbourAggregate) -> Double) {
        withKernel { kernel in
            for row in 0..<users.count {
                let user = Int(users[row])
                for item in 0..<itemCount {
                    scores[row * itemCount + item] = Float(estimate(kernel.aggregate(user: user, item: item)))
                }
            }
        }
    }

    private func withKernel(_ body: (Kernel) -> Void) {
        similarity.values.withUnsafeBufferPointer { sim in
            deviations.offsets.withUnsafeBufferPointer { offsets in
                deviations.columns.withUnsafeBufferPointer { neighbours in
                    deviations.ratings.withUnsafeBufferPointer { values in
                        xHasRatings.withUnsafeBufferPointer { xHasRatings in
                            let kernel = Kernel(model: self, sim: sim, offsets: offsets, neighbours: neighbours,
                                                values: values, xHasRatings: xHasRatings)
                            defer { kernel.release() }
                            body(kernel)
                        }
                    }
                }
            }
        }
    }

    /// The hot loop, over borrowed buffers and scratch space allocated once per call.
    private struct Kernel {
        let userBased: Bool
        let k: Int
        let n: Int
        let sim: UnsafeBufferPointer<Double>
        let offsets: UnsafeBufferPointer<Int>
        let neighbours: UnsafeBufferPointer<Int32>
        let values: UnsafeBufferPointer<Double>
        let xHasRatings: UnsafeBufferPointer<Bool>
        /// Neighbours with positive similarity, in list order.
        let candidateSim: UnsafeMutablePointer<Double>
        let candidateValue: UnsafeMutablePointer<Double>
        /// A min-heap of candidate positions: the root is the worst kept neighbour.
        let heap: UnsafeMutablePointer<Int>

        init(model: NeighbourhoodModel, sim: UnsafeBufferPointer<Double>, offsets: UnsafeBufferPointer<Int>,
             neighbours: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Double>,
             xHasRatings: UnsafeBufferPointer<Bool>) {
            userBased = model.userBased
            k = model.k
            n = model.similarity.count
            self.sim = sim
            self.offsets = offsets
            self.neighbours = neighbours
            self.values = values
            self.xHasRatings = xHasRatings
            let capacity = max(model.longestList, 1)
            candidateSim = .allocate(capacity: capacity)
            candidateValue = .allocate(capacity: capacity)
            heap = .allocate(capacity: max(min(model.k, capacity), 1))
        }

        func release() {
            candidateSim.deallocate()
            candidateValue.deallocate()
            heap.deallocate()
        }

        func aggregate(user: Int, item: Int) -> NeighbourAggregate {
            let x = userBased ? user : item, y = userBased ? item : user
            var result = NeighbourAggregate(user: user, item: item, x: x, y: y, isKnown: false,
                                            weightedSum: 0, similaritySum: 0, count: 0)
            let yCount = offsets.count - 1
            guard x >= 0, x < n, xHasRatings[x], y >= 0, y < yCount, offsets[y] < offsets[y + 1] else { return result }
            result.isKnown = true
            let row = sim.baseAddress! + x * n
            var m = 0
            // Branch-free compaction: every neighbour is written at m, which advances only for sim > 0.
            for q in offsets[y]..<offsets[y + 1] {
                let s = row[Int(neighbours[q])]
                candidateSim[m] = s
                candidateValue[m] = values[q]
                m &+= s > 0 ? 1 : 0
            }
            var weighted = 0.0, total = 0.0
            if m <= k {
                for c in 0..<m {
                    weighted += candidateSim[c] * candidateValue[c]
                    total += candidateSim[c]
                }
                result.count = m
            } else {
                selectBest(m)
                for h in 0..<k {
                    let c = heap[h]
                    weighted += candidateSim[c] * candidateValue[c]
                    total += candidateSim[c]
                }
                result.count = k
            }
            result.weightedSum = weighted
            result.similaritySum = total
            return result
        }

        /// Leaves in `heap[0..<k]` the k best of the m candidates: larger similarity first, equal
        /// similarities to the earlier candidate (what `heapq.nlargest` keeps).
        private func selectBest(_ m: Int) {
            for c in 0..<k { heap[c] = c }
            var start = k / 2 - 1
            while start >= 0 {
                siftDown(start)
                start -= 1
            }
            // Later candidates lose ties, so only a strictly larger similarity displaces the root.
            for c in k..<m where candidateSim[c] > candidateSim[heap[0]] {
                heap[0] = c
                siftDown(0)
            }
        }

        /// a is a worse neighbour than b.
        @inline(__always) private func worse(_ a: Int, _ b: Int) -> Bool {
            candidateSim[a] < candidateSim[b] || (candidateSim[a] == candidateSim[b] && a > b)
        }

        private func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1, right = left + 1
                var worst = parent
                if left < k, worse(heap[left], heap[worst]) { worst = left }
                if right < k, worse(heap[right], heap[worst]) { worst = right }
                if worst == parent { return }
                let swap = heap[parent]
                heap[parent] = heap[worst]
                heap[worst] = swap
                parent = worst
            }
        }
    }
}
