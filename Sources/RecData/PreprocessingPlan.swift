/// The preprocessing steps of a dataset, in the order they run: duplicate policy, rating threshold,
/// iterative k-core, single-pass minimum counts (the order of an experiment file's `[dataset]`).
/// `recbench data stats` and `data split` take them as options, so the numbers they show are the
/// numbers after every filter.
public struct PreprocessingPlan: Sendable, Equatable, CustomStringConvertible {
    public var duplicates: DuplicatePolicy?
    public var minRating: Double?
    public var kCore: Int?
    public var minUserInteractions: Int?
    public var minItemInteractions: Int?

    public init(duplicates: DuplicatePolicy? = nil, minRating: Double? = nil, kCore: Int? = nil,
                minUserInteractions: Int? = nil, minItemInteractions: Int? = nil) {
        self.duplicates = duplicates
        self.minRating = minRating
        self.kCore = kCore
        self.minUserInteractions = minUserInteractions
        self.minItemInteractions = minItemInteractions
    }

    public var isEmpty: Bool { description.isEmpty }

    /// "duplicates=last, min_rating=4.0, k_core=5", in the experiment file's words; "" when empty.
    public var description: String {
        var steps: [String] = []
        if let duplicates { steps.append("duplicates=\(duplicates.rawValue)") }
        if let minRating { steps.append("min_rating=\(minRating)") }
        if let kCore { steps.append("k_core=\(kCore)") }
        if let minUserInteractions { steps.append("min_user_interactions=\(minUserInteractions)") }
        if let minItemInteractions { steps.append("min_item_interactions=\(minItemInteractions)") }
        return steps.joined(separator: ", ")
    }

    /// Problems with the values, one message each naming the setting.
    public func validate() throws {
        for (key, value) in [("k_core", kCore), ("min_user_interactions", minUserInteractions), ("min_item_interactions", minItemInteractions)] {
            if let value, value < 1 { throw DatasetInstallError("\(key) must be at least 1, got \(value)") }
        }
        if let minRating, !minRating.isFinite { throw DatasetInstallError("min_rating must be a finite number") }
    }

    /// The dataset after every step, named "<name> [<steps>]" when any applies.
    public func apply(to dataset: Dataset) -> Dataset {
        guard !isEmpty else { return dataset }
        var data = dataset
        if let duplicates { data = data.resolvingDuplicates(duplicates) }
        if let minRating { data = data.ratingThreshold(Float(minRating)) }
        if let kCore { data = data.kCore(users: kCore, items: kCore) }
        if minUserInteractions != nil || minItemInteractions != nil {
            data = data.minimumCounts(users: minUserInteractions ?? 0, items: minItemInteractions ?? 0)
        }
        data.name = "\(dataset.name) [\(description)]"
        return data
    }
}
