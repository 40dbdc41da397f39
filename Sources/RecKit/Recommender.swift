@_exported import RecPluginABI

/// The contract version this build of RecKit speaks.
public enum PluginContract {
    public static let version = Int(RB_ABI_VERSION)
    public static let entrySymbol = "recbench_plugin_v1"
}

/// What a plugin author implements. `PluginExport.table(for:)` turns a conforming type into the C
/// table the host loads; nothing Swift-typed crosses the library boundary.
///
/// A plugin only learns and scores: the host owns data, splits, masking of seen items, top-K
/// selection and metrics.
public protocol Recommender: AnyObject {
    static var manifest: PluginManifest { get }
    /// `parameters` holds every parameter of the manifest, already checked and defaulted by the host.
    init(parameters: PluginParameters) throws
    func fit(_ train: CSRView, context: FitContext) throws
    /// Writes `scores[u * itemCount + i]` for every `users[u]` and item `i`; higher is better.
    func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws
}

/// An error a plugin reports to the host; its message is shown to the user as is.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A read-only view of a CSR matrix owned by someone else (the host, during a call).
public struct CSRView: @unchecked Sendable {
    public let rowCount: Int
    public let columnCount: Int
    public let indptr: UnsafeBufferPointer<Int64>
    public let indices: UnsafeBufferPointer<Int32>
    public let values: UnsafeBufferPointer<Float>

    public init(rowCount: Int, columnCount: Int, indptr: UnsafeBufferPointer<Int64>,
                indices: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.indptr = indptr
        self.indices = indices
        self.values = values
    }

    /// Wraps a C matrix after checking that its arrays are present and consistent in size.
    public init(_ raw: rb_csr_v1) throws {
        guard raw.n_rows >= 0, raw.n_cols >= 0, raw.nnz >= 0 else {
            throw PluginError("training matrix has negative dimensions")
        }
        guard let indptr = raw.indptr, raw.nnz == 0 || (raw.indices != nil && raw.values != nil) else {
            throw PluginError("training matrix is missing its arrays")
        }
        let rows = Int(raw.n_rows), nnz = Int(raw.nnz)
        self.init(
            rowCount: rows, columnCount: Int(raw.n_cols),
            indptr: UnsafeBufferPointer(start: indptr, count: rows + 1),
            indices: UnsafeBufferPointer(start: raw.indices, count: nnz),
            values: UnsafeBufferPointer(start: raw.values, count: nnz))
        guard indptr[0] == 0, indptr[rows] == raw.nnz else {
            throw PluginError("training matrix indptr does not span 0..<nnz")
        }
    }

    public var nonZeroCount: Int { indices.count }

    /// Column indices of row `row`.
    @inlinable public func columns(of row: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(rebasing: indices[Int(indptr[row])..<Int(indptr[row + 1])])
    }

    @inlinable public func values(of row: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: values[Int(indptr[row])..<Int(indptr[row + 1])])
    }

    /// Calls `body` with the C struct describing this view.
    public func withRaw<R>(_ body: (UnsafePointer<rb_csr_v1>) throws -> R) rethrows -> R {
        var raw = rb_csr_v1(
            n_rows: Int64(rowCount), n_cols: Int64(columnCount), nnz: Int64(nonZeroCount),
            indptr: indptr.baseAddress, indices: indices.baseAddress, values: values.baseAddress)
        return try withUnsafePointer(to: &raw, body)
    }
}

/// What the host offers during `fit`: the run's seed, a thread budget, logging and progress.
public struct FitContext {
    public let seed: UInt64
    public let threadCount: Int
    private let host: UnsafePointer<rb_host_v1>?
    private let epochs: EpochHook?

    public init(seed: UInt64, threadCount: Int, host: UnsafePointer<rb_host_v1>?) {
        self.init(seed: seed, threadCount: threadCount, host: host, epochs: nil)
    }

    init(seed: UInt64, threadCount: Int, host: UnsafePointer<rb_host_v1>?, epochs: EpochHook?) {
        self.seed = seed
        self.threadCount = max(1, threadCount)
        if let host, host.pointee.struct_size >= UInt32(MemoryLayout<rb_host_v1>.size) {
            self.host = host
        } else {
            self.host = nil
        }
        self.epochs = epochs
    }

    /// Call at the end of every epoch (numbered from 1) with the epoch's mean training loss; the host
    /// records the learning curve and may evaluate the model on validation data right here.
    ///
    /// `prepareScoring` runs first, and only when the host is about to score the model at this epoch
    /// (it calls `score` re-entrantly before this returns): bring cached scoring state, such as
    /// propagated embeddings, up to date there. Returns `.stop` when the host's early stopping has
    /// decided to stop; the model's best checkpoint (see `EpochCheckpointing`) is then already
    /// restored. Without a host that watches epochs this returns `.proceed` and costs nothing.
    public func endEpoch(_ epoch: Int, loss: Double, prepareScoring: () throws -> Void = {}) throws -> EpochDecision {
        guard let epochs else { return .proceed }
        // This epoch moved the parameters away from any kept checkpoint.
        if epochs.hasCheckpoint { epochs.checkpointPending = true }
        if let willEvaluate = epochs.host.will_evaluate, willEvaluate(epochs.host.ctx, Int64(epoch)) != 0 {
            try prepareScoring()
        }
        guard let end = epochs.host.epoch_end else { return .proceed }
        switch end(epochs.host.ctx, Int64(epoch), loss) {
        case RB_EPOCH_CHECKPOINT:
            epochs.model?.keepCheckpoint()
            epochs.hasCheckpoint = true
            // Nothing to restore at the end unless the model trains on past this epoch.
            epochs.checkpointPending = false
            return .proceed
        case RB_EPOCH_STOP:
            epochs.finish()
            return .stop
        default:
            return .proceed
        }
    }

    /// The seed a plugin uses: its own `seed` parameter when that is ≥ 0, else the run's seed.
    public func seed(overriddenBy own: Int64) -> UInt64 { own >= 0 ? UInt64(own) : seed }

    public enum LogLevel: Int32 { case debug = 0, info = 1, warning = 2 }

    public func log(_ message: String, level: LogLevel = .info) {
        guard let host, let log = host.pointee.log else { return }
        message.withCString { log(host.pointee.ctx, level.rawValue, $0) }
    }

    /// Reports progress in [0, 1]. Throws `PluginCancelled` when the host asks the plugin to stop.
    public func progress(_ fraction: Double, _ message: String = "") throws {
        guard let host, let progress = host.pointee.progress else { return }
        let stop = message.withCString { progress(host.pointee.ctx, fraction, $0) }
        if stop != 0 { throw PluginCancelled() }
    }
}

/// A model that uses item side information (genres, year, title words, tags). Conforming types
/// export the `rb_item_features_v1` extension automatically; the host calls this before `fit`
/// when the dataset has side information.
public protocol ItemFeatureConsumer: Recommender {
    /// `features`: items × features (row i = item i, the training matrix's column i); `names[f]`
    /// names column f ("genre:Comedy", "year:1995", "title:toy", "tag:pixar"). The view is only
    /// valid during the call: copy what you keep.
    func setItemFeatures(_ features: CSRView, names: [String]) throws
}

/// What the host decided at the end of an epoch.
public enum EpochDecision: Sendable { case proceed, stop }

/// A model that trains in epochs and can copy its parameters aside and go back to them: what the
/// host's early stopping needs to keep the best epoch. Conforming types export the `rb_epochs_v1`
/// extension automatically; they call `FitContext.endEpoch` after every epoch.
public protocol EpochCheckpointing: Recommender {
    /// Copies the current parameters (and whatever scoring needs) aside as the best so far.
    func keepCheckpoint()
    /// Goes back to the parameters last kept; does nothing if none were.
    func restoreCheckpoint()
}

/// The epoch host installed through `rb_epochs_v1`, with the model it checkpoints.
final class EpochHook {
    let host: rb_epoch_host_v1
    weak var model: (any EpochCheckpointing)?
    /// A checkpoint was kept and the model has moved on since: fit must end by restoring it.
    var checkpointPending = false
    var hasCheckpoint = false

    init(host: rb_epoch_host_v1, model: (any EpochCheckpointing)?) {
        self.host = host
        self.model = model
    }

    /// Called when the plugin's fit returns: the fitted model is the best checkpoint, if any.
    func finish() {
        if checkpointPending { model?.restoreCheckpoint() }
        checkpointPending = false
    }
}

/// Thrown by `FitContext.progress` when the host cancels; becomes `RB_CANCELLED`.
public struct PluginCancelled: Error {}

/// A recommender that also predicts explicit ratings (capability `rating-prediction`).
/// Exported automatically as the `rb_rating_v1` extension table.
public protocol RatingPredictor: Recommender {
    /// Writes `ratings[k]`, the predicted rating of `items[k]` by `users[k]`. The host only asks for
    /// pairs whose user and item both appear in training, and clips results to the rating scale.
    func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                 into ratings: UnsafeMutableBufferPointer<Float>) throws
}

extension PluginContract {
    public static let ratingExtension = "rb_rating_v1"
    public static let epochsExtension = "rb_epochs_v1"
    public static let itemFeaturesExtension = "rb_item_features_v1"
}
