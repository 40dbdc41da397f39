import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file on the plugin path was skipped.
public struct PluginLoadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A failure inside a plugin call (create, fit, score), with the plugin's own message.
public struct PluginCallError: Error, CustomStringConvertible, Sendable {
    public var plugin: String
    public var call: String
    public var message: String
    public var cancelled = false
    public var description: String { "plugin \(plugin) failed in \(call): \(message)" }
}

/// Host side of the contract: a loaded library and its checked table.
///
/// Libraries are never unloaded: unloading a Swift library while the runtime still holds its
/// metadata crashes later, so a handle stays open for the life of the process.
public final class LoadedPlugin: @unchecked Sendable {
    public let path: String
    public let manifest: PluginManifest
    private let table: UnsafePointer<rb_plugin_v1>

    public var name: String { manifest.name }

    /// Opens a library and checks its entry symbol, contract version, table size and manifest.
    public static func load(path: String) throws -> LoadedPlugin {
        func fail(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }
        // RTLD_DEEPBIND: a plugin's references bind to its own copy of RecKit, never the host's.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) else {
            let detail = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw fail("not a loadable library (\(detail))")
        }
        guard let symbol = dlsym(handle, PluginContract.entrySymbol) else {
            for version in 2...9 where dlsym(handle, "recbench_plugin_v\(version)") != nil {
                throw fail("built for plugin contract \(version), but this recbench speaks contract \(PluginContract.version); rebuild the plugin against this version or upgrade recbench")
            }
            throw fail("no entry symbol \(PluginContract.entrySymbol) (not a recbench plugin)")
        }
        let entry = unsafeBitCast(symbol, to: rb_entry_v1_fn.self)
        guard let table = entry() else { throw fail("\(PluginContract.entrySymbol)() returned NULL") }
        guard table.pointee.abi_version == RB_ABI_VERSION else {
            throw fail("table says contract \(table.pointee.abi_version), but this recbench speaks contract \(RB_ABI_VERSION)")
        }
        guard table.pointee.struct_size >= UInt32(MemoryLayout<rb_plugin_v1>.size) else {
            throw fail("table is \(table.pointee.struct_size) bytes, smaller than the \(MemoryLayout<rb_plugin_v1>.size) of contract 1")
        }
        guard table.pointee.manifest_json != nil, table.pointee.create != nil, table.pointee.fit != nil,
              table.pointee.score != nil, table.pointee.destroy != nil else {
            throw fail("table lacks one of manifest_json, create, fit, score, destroy")
        }
        guard let json = table.pointee.manifest_json(table.pointee.plugin_ctx) else {
            throw fail("manifest_json() returned NULL")
        }
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest.parse(json: String(cString: json))
        } catch {
            throw fail(String(describing: error))
        }
        guard manifest.contract == PluginContract.version else {
            throw fail("manifest says contract \(manifest.contract), but this recbench speaks contract \(PluginContract.version)")
        }
        return LoadedPlugin(path: path, manifest: manifest, table: table)
    }

    private init(path: String, manifest: PluginManifest, table: UnsafePointer<rb_plugin_v1>) {
        self.path = path
        self.manifest = manifest
        self.table = table
    }

    /// Creates a model from resolved parameters (see `PluginParameters.resolve`).
    public func makeModel(_ parameters: PluginParameters) throws -> PluginModel {
        var error = ErrorBuffer()
        let handle = parameters.json.withCString { config in
            error.call { table.pointee.create(table.pointee.plugin_ctx, config, $0, $1) }
        }
        guard let handle else {
            throw PluginCallError(plugin: name, call: "create", message: error.message(orElse: "create returned NULL"))
        }
        return PluginModel(plugin: self, table: table, handle: handle)
    }

    /// The optional extension table `name`, or nil if the plugin does not offer it.
    public func extensionTable(named extensionName: String) -> UnsafeRawPointer? {
        guard let get = table.pointee.get_extension else { return nil }
        return extensionName.withCString { get(table.pointee.plugin_ctx, $0) }
    }
}

/// A model created by a plugin. Destroyed when this object goes away.
public final class PluginModel {
    public let plugin: LoadedPlugin
    private let table: UnsafePointer<rb_plugin_v1>
    let handle: UnsafeMutableRawPointer
    /// What must outlive this model's handle: a hybrid's components (released after `destroy`,
    /// because a deinit body runs before stored properties are released).
    var retained: [AnyObject] = []

    init(plugin: LoadedPlugin, table: UnsafePointer<rb_plugin_v1>, handle: UnsafeMutableRawPointer) {
        self.plugin = plugin
        self.table = table
        self.handle = handle
    }

    deinit { table.pointee.destroy(handle) }

    /// Host callbacks for one fit call. `progress` returns true to ask the plugin to stop.
    public struct Callbacks {
        public var log: (Int32, String) -> Void
        public var progress: (Double, String) -> Bool
        public init(log: @escaping (Int32, String) -> Void = { _, _ in },
                    progress: @escaping (Double, String) -> Bool = { _, _ in false }) {
            self.log = log
            self.progress = progress
        }
    }

    /// Watches a fit epoch by epoch (through the plugin's `rb_epochs_v1` extension).
    public struct EpochObserver {
        public enum Answer: Sendable { case proceed, checkpoint, stop }
        /// Whether the host will score the model at the end of this epoch.
        public var willEvaluate: (Int) -> Bool
        /// Called after each epoch with its mean loss; may score the model; says what to do next.
        public var epochEnded: (Int, Double) -> Answer
        public init(willEvaluate: @escaping (Int) -> Bool, epochEnded: @escaping (Int, Double) -> Answer) {
            self.willEvaluate = willEvaluate
            self.epochEnded = epochEnded
        }
    }

    /// Whether the plugin uses item side information (the `rb_item_features_v1` extension).
    public var usesItemFeatures: Bool { itemFeaturesTable != nil }

    private var itemFeaturesTable: UnsafePointer<rb_item_features_v1>? {
        guard let raw = plugin.extensionTable(named: PluginContract.itemFeaturesExtension) else { return nil }
        let table = raw.assumingMemoryBound(to: rb_item_features_v1.self)
        guard table.pointee.struct_size >= UInt32(MemoryLayout<rb_item_features_v1>.size), table.pointee.set_item_features != nil else { return nil }
        return table
    }

    /// Hands the model its item side information (items × features, and a name per feature) before `fit`.
    public func setItemFeatures(_ features: CSRView, names: [String]) throws {
        guard let table = itemFeaturesTable else {
            throw PluginCallError(plugin: plugin.name, call: "set_item_features", message: "the plugin does not use item features (no rb_item_features_v1 extension)")
        }
        precondition(names.count == features.columnCount, "one name per feature column")
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var error = ErrorBuffer()
        let status = features.withRaw { raw in
            cNames.map { $0.map { UnsafePointer<CChar>($0) } }.withUnsafeBufferPointer { namePointers in
                error.call { table.pointee.set_item_features(handle, raw, namePointers.baseAddress, $0, $1) }
            }
        }
        if status != RB_OK {
            throw PluginCallError(plugin: plugin.name, call: "set_item_features", message: error.message(orElse: "set_item_features returned status \(status)"))
        }
    }

    /// Whether the plugin trains in epochs and lets the host watch them (the `rb_epochs_v1` extension).
    public var trainsInEpochs: Bool { epochsTable != nil }

    private var epochsTable: UnsafePointer<rb_epochs_v1>? {
        guard let raw = plugin.extensionTable(named: PluginContract.epochsExtension) else { return nil }
        let table = raw.assumingMemoryBound(to: rb_epochs_v1.self)
        guard table.pointee.struct_size >= UInt32(MemoryLayout<rb_epochs_v1>.size), table.pointee.set_epoch_host != nil else { return nil }
        return table
    }

    /// Fits the model. With `epochs`, the plugin must offer `rb_epochs_v1` (see `trainsInEpochs`).
    public func fit(_ train: CSRView, seed: UInt64, threadCount: Int, callbacks: Callbacks = Callbacks(),
                    epochs: EpochObserver?) throws {
        guard let epochs else { return try fit(train, seed: seed, threadCount: threadCount, callbacks: callbacks) }
        guard let table = epochsTable else {
            throw PluginCallError(plugin: plugin.name, call: "fit", message: "the plugin does not train in epochs (no rb_epochs_v1 extension)")
        }
        let box = Unmanaged.passRetained(EpochBox(epochs))
        defer { box.release() }
        var host = rb_epoch_host_v1(
            struct_size: UInt32(MemoryLayout<rb_epoch_host_v1>.size), ctx: box.toOpaque(),
            will_evaluate: { ctx, epoch in
                guard let ctx else { return 0 }
                return Unmanaged<EpochBox>.fromOpaque(ctx).takeUnretainedValue().observer.willEvaluate(Int(epoch)) ? 1 : 0
            },
            epoch_end: { ctx, epoch, loss in
                guard let ctx else { return RB_EPOCH_CONTINUE }
                switch Unmanaged<EpochBox>.fromOpaque(ctx).takeUnretainedValue().observer.epochEnded(Int(epoch), loss) {
                case .proceed: return RB_EPOCH_CONTINUE
                case .checkpoint: return RB_EPOCH_CHECKPOINT
                case .stop: return RB_EPOCH_STOP
                }
            })
        var error = ErrorBuffer()
        let status = withUnsafePointer(to: &host) { pointer in error.call { table.pointee.set_epoch_host(handle, pointer, $0, $1) } }
        guard status == RB_OK else {
            throw PluginCallError(plugin: plugin.name, call: "set_epoch_host", message: error.message(orElse: "set_epoch_host returned status \(status)"))
        }
        defer { var ignored = ErrorBuffer(); _ = ignored.call { table.pointee.set_epoch_host(handle, nil, $0, $1) } }
        try fit(train, seed: seed, threadCount: threadCount, callbacks: callbacks)
    }

    public func fit(_ train: CSRView, seed: UInt64, threadCount: Int, callbacks: Callbacks = Callbacks()) throws {
        let box = Unmanaged.passRetained(CallbackBox(callbacks))
        defer { box.release() }
        var host = rb_host_v1(
            struct_size: UInt32(MemoryLayout<rb_host_v1>.size),
            ctx: box.toOpaque(),
            log: { ctx, level, message in
                guard let ctx, let message else { return }
                Unmanaged<CallbackBox>.fromOpaque(ctx).takeUnretainedValue().callbacks.log(level, String(cString: message))
            },
            progress: { ctx, fraction, message in
                guard let ctx else { return 0 }
                let text = message.map { String(cString: $0) } ?? ""
                return Unmanaged<CallbackBox>.fromOpaque(ctx).takeUnretainedValue().callbacks.progress(fraction, text) ? 1 : 0
            })
        var error = ErrorBuffer()
        let status = train.withRaw { raw in
            withUnsafePointer(to: &host) { hostPointer in
                var args = rb_fit_args_v1(
                    struct_size: UInt32(MemoryLayout<rb_fit_args_v1>.size), train: raw,
                    seed: seed, n_threads: Int32(threadCount), host: hostPointer)
                return withUnsafePointer(to: &args) { argsPointer in
                    error.call { table.pointee.fit(handle, argsPointer, $0, $1) }
                }
            }
        }
        if status != RB_OK {
            throw PluginCallError(
                plugin: plugin.name, call: "fit", message: error.message(orElse: "fit returned status \(status)"),
                cancelled: status == RB_CANCELLED)
        }
    }

    /// Scores a block of users against all items into `scores` (users.count × itemCount, row-major).
    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        precondition(scores.count >= users.count * itemCount, "score buffer too small")
        var error = ErrorBuffer()
        let status = error.call {
            table.pointee.score(handle, users.baseAddress, Int64(users.count), Int64(itemCount), scores.baseAddress, $0, $1)
        }
        if status != RB_OK {
            throw PluginCallError(plugin: plugin.name, call: "score", message: error.message(orElse: "score returned status \(status)"))
        }
    }
}

extension PluginModel {
    /// Whether the plugin offers rating prediction (the `rb_rating_v1` extension).
    public var predictsRatings: Bool { ratingTable != nil }

    private var ratingTable: UnsafePointer<rb_rating_v1>? {
        guard let raw = plugin.extensionTable(named: PluginContract.ratingExtension) else { return nil }
        let table = raw.assumingMemoryBound(to: rb_rating_v1.self)
        guard table.pointee.struct_size >= UInt32(MemoryLayout<rb_rating_v1>.size), table.pointee.predict != nil else { return nil }
        return table
    }

    /// Predicts ratings for (user, item) pairs through the plugin's `rb_rating_v1` table.
    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        precondition(users.count == items.count && ratings.count >= users.count, "pair buffers differ in length")
        guard let table = ratingTable else {
            throw PluginCallError(plugin: plugin.name, call: "predict", message: "the plugin does not offer rating prediction (no rb_rating_v1 extension)")
        }
        var error = ErrorBuffer()
        let status = error.call {
            table.pointee.predict(handle, users.baseAddress, items.baseAddress, Int64(users.count), ratings.baseAddress, $0, $1)
        }
        if status != RB_OK {
            throw PluginCallError(plugin: plugin.name, call: "predict", message: error.message(orElse: "predict returned status \(status)"))
        }
    }
}

private final class EpochBox {
    let observer: PluginModel.EpochObserver
    init(_ observer: PluginModel.EpochObserver) { self.observer = observer }
}

private final class CallbackBox {
    let callbacks: PluginModel.Callbacks
    init(_ callbacks: PluginModel.Callbacks) { self.callbacks = callbacks }
}

/// The error buffer every call gets; 4 KiB is plenty for a message and bounded if a plugin misbehaves.
private struct ErrorBuffer {
    static let capacity = 4096
    var bytes = [CChar](repeating: 0, count: ErrorBuffer.capacity)

    mutating func call<R>(_ body: (UnsafeMutablePointer<CChar>, Int) -> R) -> R {
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer[buffer.count - 1] = 0
            return body(buffer.baseAddress!, buffer.count)
        }
    }

    func message(orElse fallback: String) -> String {
        // A plugin might not terminate the string; the last byte is ours.
        var copy = bytes
        copy[copy.count - 1] = 0
        let text = copy.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.isEmpty ? fallback : text
    }
}
