/// Plugin side of the `rb_components_v1` and `rb_interaction_times_v1` extensions: what a hybrid
/// model sees of the models it combines, and the training interactions' times.

/// Another plugin's model handed to a hybrid by the host (a component named in the experiment
/// file). The hybrid fits it on a matrix of its choosing and scores through it; the host created
/// it with checked parameters and destroys it after the hybrid.
public struct Component: @unchecked Sendable {
    /// The component's label in the experiment file.
    public let name: String
    /// Its plugin's name.
    public let plugin: String
    private let raw: rb_component_v1

    init(_ raw: rb_component_v1) throws {
        guard raw.struct_size >= UInt32(MemoryLayout<rb_component_v1>.size), raw.fit != nil, raw.score != nil else {
            throw PluginError("a component table is older than this RecKit or lacks fit/score")
        }
        self.raw = raw
        name = raw.name.map { String(cString: $0) } ?? "?"
        plugin = raw.plugin.map { String(cString: $0) } ?? "?"
    }

    /// Fits (or refits from scratch) the component on `train`.
    public func fit(_ train: CSRView, seed: UInt64) throws {
        var error = [CChar](repeating: 0, count: 4096)
        let status = train.withRaw { matrix in
            error.withUnsafeMutableBufferPointer { raw.fit!(raw.ctx, matrix, seed, $0.baseAddress, $0.count) }
        }
        try check(status, error, "fit")
    }

    /// Scores `users` against all `itemCount` items into `scores` (row-major), like `Recommender.score`.
    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        precondition(scores.count >= users.count * itemCount, "score buffer too small")
        var error = [CChar](repeating: 0, count: 4096)
        let status = error.withUnsafeMutableBufferPointer {
            raw.score!(raw.ctx, users.baseAddress, Int64(users.count), Int64(itemCount), scores.baseAddress, $0.baseAddress, $0.count)
        }
        try check(status, error, "score")
    }

    private func check(_ status: Int32, _ error: [CChar], _ call: String) throws {
        guard status != RB_OK else { return }
        if status == RB_CANCELLED { throw PluginCancelled() }
        var bytes = error
        bytes[bytes.count - 1] = 0
        let message = bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw PluginError("component \"\(name)\" (\(plugin)) failed in \(call): \(message.isEmpty ? "status \(status)" : message)")
    }
}

/// A hybrid: the host hands it the components the experiment file names, before `fit`.
/// Conforming types export the `rb_components_v1` extension automatically.
public protocol ComposingRecommender: Recommender {
    /// In the experiment file's order. Throw to refuse (too few, too many, wrong kinds).
    func setComponents(_ components: [Component]) throws
}

/// A model that uses when each training interaction happened. Conforming types export the
/// `rb_interaction_times_v1` extension; the host calls this before `fit` when the data has times.
public protocol InteractionTimesConsumer: Recommender {
    /// `times[k]`: Unix time of the training matrix's k-th stored entry (CSR order). Valid only
    /// during the call: copy it.
    func setInteractionTimes(_ times: UnsafeBufferPointer<Int64>) throws
}

extension PluginContract {
    public static let componentsExtension = "rb_components_v1"
    public static let interactionTimesExtension = "rb_interaction_times_v1"
}
