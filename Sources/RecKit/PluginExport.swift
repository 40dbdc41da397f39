import Foundation
import Synchronization

/// Plugin side of the contract: turns a `Recommender` type into the C table.
///
/// A Swift plugin exports its entry symbol like this:
///
///     @_cdecl("recbench_plugin_v1")
///     public func recbenchPluginV1() -> UnsafeRawPointer {
///         PluginExport.table(for: MyModel.self)
///     }
///
/// The table and its manifest live for as long as the library stays loaded (the host never unloads).
public enum PluginExport {
    public static func table<R: Recommender>(for type: R.Type) -> UnsafeRawPointer {
        // Addresses are kept as integers: the tables are immutable once built and live forever.
        let address = tables.withLock { tables in
            let key = ObjectIdentifier(type)
            if let existing = tables[key] { return existing }
            let table = UInt(bitPattern: makeTable(PluginBox(type)))
            tables[key] = table
            return table
        }
        return UnsafeRawPointer(bitPattern: address)!
    }

    private static let tables = Mutex<[ObjectIdentifier: UInt]>([:])

    private static func makeTable(_ box: PluginBox) -> UnsafeMutablePointer<rb_plugin_v1> {
        let table = UnsafeMutablePointer<rb_plugin_v1>.allocate(capacity: 1)
        table.initialize(to: rb_plugin_v1(
            abi_version: RB_ABI_VERSION,
            struct_size: UInt32(MemoryLayout<rb_plugin_v1>.size),
            plugin_ctx: Unmanaged.passRetained(box).toOpaque(),
            manifest_json: { ctx in
                UnsafePointer(PluginBox.from(ctx).manifestJSON)
            },
            create: { ctx, config, err, cap in
                let box = PluginBox.from(ctx)
                return PluginExport.guarded(err, cap) {
                    guard let config else { throw PluginError("create was given no configuration") }
                    let model = try box.factory(try PluginParameters(json: String(cString: config)))
                    return Unmanaged.passRetained(ModelBox(model, name: box.name)).toOpaque()
                }
            },
            fit: { model, args, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let args, args.pointee.struct_size >= UInt32(MemoryLayout<rb_fit_args_v1>.size) else {
                        throw PluginError("fit was given no arguments or an older argument struct")
                    }
                    guard let train = args.pointee.train else { throw PluginError("fit was given no training matrix") }
                    let hook = box.epochHost.map { EpochHook(host: $0, model: box.model as? any EpochCheckpointing) }
                    let context = FitContext(
                        seed: args.pointee.seed, threadCount: Int(args.pointee.n_threads), host: args.pointee.host, epochs: hook)
                    // Set before fitting: the host may score re-entrantly from an epoch callback.
                    box.itemCount = Int(train.pointee.n_cols)
                    box.userCount = Int(train.pointee.n_rows)
                    do {
                        try box.model.fit(try CSRView(train.pointee), context: context)
                        // Early stopping's promise: the fitted model is the best epoch kept.
                        hook?.finish()
                    } catch {
                        box.itemCount = nil
                        box.userCount = nil
                        throw error
                    }
                }
            },
            score: { model, users, userCount, itemCount, out, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let fitted = box.itemCount else { throw PluginError("score was called before fit") }
                    guard itemCount == fitted else {
                        throw PluginError("score asked for \(itemCount) items but the model was fitted on \(fitted)")
                    }
                    guard userCount >= 0, let users, let out else { throw PluginError("score was given no buffers") }
                    let userIDs = UnsafeBufferPointer(start: users, count: Int(userCount))
                    if let bad = userIDs.first(where: { $0 < 0 || Int($0) >= box.userCount ?? 0 }) {
                        throw PluginError("score was asked for user \(bad), outside 0..<\(box.userCount ?? 0)")
                    }
                    let scores = UnsafeMutableBufferPointer(start: out, count: Int(userCount) * Int(itemCount))
                    try box.model.score(users: userIDs, itemCount: Int(itemCount), into: scores)
                }
            },
            destroy: { model in
                guard let model else { return }
                Unmanaged<ModelBox>.fromOpaque(model).release()
            },
            get_extension: { ctx, name in
                guard let name else { return nil }
                switch String(cString: name) {
                case PluginContract.ratingExtension where PluginBox.from(ctx).predictsRatings:
                    return UnsafeRawPointer(PluginExport.ratingTable)
                case PluginContract.epochsExtension where PluginBox.from(ctx).trainsInEpochs:
                    return UnsafeRawPointer(PluginExport.epochsTable)
                case PluginContract.itemFeaturesExtension where PluginBox.from(ctx).usesItemFeatures:
                    return UnsafeRawPointer(PluginExport.itemFeaturesTable)
                case PluginContract.componentsExtension where PluginBox.from(ctx).composes:
                    return UnsafeRawPointer(PluginExport.componentsTable)
                case PluginContract.interactionTimesExtension where PluginBox.from(ctx).usesInteractionTimes:
                    return UnsafeRawPointer(PluginExport.interactionTimesTable)
                default:
                    return nil
                }
            }
        ))
        return table
    }

    /// One rating table serves every RatingPredictor type: the model handle says which model it is.
    // Written once (lazily, thread-safely, as every static) and only read after that.
    nonisolated(unsafe) private static let ratingTable: UnsafeMutablePointer<rb_rating_v1> = {
        let table = UnsafeMutablePointer<rb_rating_v1>.allocate(capacity: 1)
        table.initialize(to: rb_rating_v1(
            struct_size: UInt32(MemoryLayout<rb_rating_v1>.size),
            predict: { model, users, items, count, out, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let predictor = box.model as? any RatingPredictor else {
                        throw PluginError("this model does not predict ratings")
                    }
                    guard box.itemCount != nil else { throw PluginError("predict was called before fit") }
                    guard count >= 0, count == 0 || (users != nil && items != nil && out != nil) else {
                        throw PluginError("predict was given no buffers")
                    }
                    let n = Int(count)
                    let userIDs = UnsafeBufferPointer(start: users, count: n)
                    let itemIDs = UnsafeBufferPointer(start: items, count: n)
                    for k in 0..<n where userIDs[k] < 0 || Int(userIDs[k]) >= box.userCount! || itemIDs[k] < 0 || Int(itemIDs[k]) >= box.itemCount! {
                        throw PluginError("predict was asked for (user \(userIDs[k]), item \(itemIDs[k])), outside the fitted matrix")
                    }
                    try predictor.predict(users: userIDs, items: itemIDs, into: UnsafeMutableBufferPointer(start: out, count: n))
                }
            }))
        return table
    }()

    /// One epochs table serves every EpochCheckpointing type. The host's struct is copied, so the
    /// pointer it passed need only live for the call.
    nonisolated(unsafe) private static let epochsTable: UnsafeMutablePointer<rb_epochs_v1> = {
        let table = UnsafeMutablePointer<rb_epochs_v1>.allocate(capacity: 1)
        table.initialize(to: rb_epochs_v1(
            struct_size: UInt32(MemoryLayout<rb_epochs_v1>.size),
            set_epoch_host: { model, host, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let host else { box.epochHost = nil; return }
                    guard host.pointee.struct_size >= UInt32(MemoryLayout<rb_epoch_host_v1>.size) else {
                        throw PluginError("set_epoch_host was given an older epoch host struct")
                    }
                    box.epochHost = host.pointee
                }
            }))
        return table
    }()

    /// One item-features table serves every ItemFeatureConsumer type.
    nonisolated(unsafe) private static let itemFeaturesTable: UnsafeMutablePointer<rb_item_features_v1> = {
        let table = UnsafeMutablePointer<rb_item_features_v1>.allocate(capacity: 1)
        table.initialize(to: rb_item_features_v1(
            struct_size: UInt32(MemoryLayout<rb_item_features_v1>.size),
            set_item_features: { model, features, names, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let consumer = box.model as? any ItemFeatureConsumer else {
                        throw PluginError("this model does not use item features")
                    }
                    guard let features else { throw PluginError("set_item_features was given no matrix") }
                    let view = try CSRView(features.pointee)
                    guard view.columnCount == 0 || names != nil else { throw PluginError("set_item_features was given no feature names") }
                    let featureNames = (0..<view.columnCount).map { f in names![f].map { String(cString: $0) } ?? "" }
                    try consumer.setItemFeatures(view, names: featureNames)
                }
            }))
        return table
    }()

    /// One components table serves every ComposingRecommender type; the component structs are
    /// copied, their ctx stays valid for the hybrid's life (the host's promise).
    nonisolated(unsafe) private static let componentsTable: UnsafeMutablePointer<rb_components_v1> = {
        let table = UnsafeMutablePointer<rb_components_v1>.allocate(capacity: 1)
        table.initialize(to: rb_components_v1(
            struct_size: UInt32(MemoryLayout<rb_components_v1>.size),
            set_components: { model, components, count, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let hybrid = box.model as? any ComposingRecommender else {
                        throw PluginError("this model does not take components")
                    }
                    guard count >= 0, count == 0 || components != nil else { throw PluginError("set_components was given no array") }
                    try hybrid.setComponents(try (0..<Int(count)).map { try Component(components![$0]) })
                }
            }))
        return table
    }()

    /// One interaction-times table serves every InteractionTimesConsumer type.
    nonisolated(unsafe) private static let interactionTimesTable: UnsafeMutablePointer<rb_interaction_times_v1> = {
        let table = UnsafeMutablePointer<rb_interaction_times_v1>.allocate(capacity: 1)
        table.initialize(to: rb_interaction_times_v1(
            struct_size: UInt32(MemoryLayout<rb_interaction_times_v1>.size),
            set_interaction_times: { model, times, count, err, cap in
                PluginExport.status(err, cap) {
                    let box = try ModelBox.from(model)
                    guard let consumer = box.model as? any InteractionTimesConsumer else {
                        throw PluginError("this model does not use interaction times")
                    }
                    guard count >= 0, count == 0 || times != nil else { throw PluginError("set_interaction_times was given no array") }
                    try consumer.setInteractionTimes(UnsafeBufferPointer(start: times, count: Int(count)))
                }
            }))
        return table
    }()

    /// Runs `body`, turning a thrown error into a message in the caller's buffer and `RB_ERROR`.
    private static func status(_ err: UnsafeMutablePointer<CChar>?, _ cap: Int, _ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return RB_OK
        } catch is PluginCancelled {
            writeMessage("cancelled by the host", to: err, capacity: cap)
            return RB_CANCELLED
        } catch {
            writeMessage(String(describing: error), to: err, capacity: cap)
            return RB_ERROR
        }
    }

    private static func guarded(
        _ err: UnsafeMutablePointer<CChar>?, _ cap: Int, _ body: () throws -> UnsafeMutableRawPointer
    ) -> UnsafeMutableRawPointer? {
        do {
            return try body()
        } catch {
            writeMessage(String(describing: error), to: err, capacity: cap)
            return nil
        }
    }

    /// Copies a UTF-8 message into a C buffer, truncated to fit and always NUL-terminated.
    public static func writeMessage(_ message: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let buffer, capacity > 0 else { return }
        // Whole characters only: never cut a multi-byte sequence in half.
        var bytes: [UInt8] = []
        for scalar in message.unicodeScalars {
            let length = UTF8.width(scalar)
            if bytes.count + length > capacity - 1 { break }
            UTF8.encode(scalar) { bytes.append($0) }
        }
        buffer.withMemoryRebound(to: UInt8.self, capacity: capacity) { target in
            for (offset, byte) in bytes.enumerated() { target[offset] = byte }
            target[bytes.count] = 0
        }
    }
}

/// Plugin-wide state behind `plugin_ctx`.
private final class PluginBox {
    let name: String
    let manifestJSON: UnsafeMutablePointer<CChar>
    let factory: (PluginParameters) throws -> any Recommender
    let predictsRatings: Bool
    let trainsInEpochs: Bool
    let usesItemFeatures: Bool
    let composes: Bool
    let usesInteractionTimes: Bool

    init<R: Recommender>(_ type: R.Type) {
        name = R.manifest.name
        predictsRatings = type is any RatingPredictor.Type
        trainsInEpochs = type is any EpochCheckpointing.Type
        usesItemFeatures = type is any ItemFeatureConsumer.Type
        composes = type is any ComposingRecommender.Type
        usesInteractionTimes = type is any InteractionTimesConsumer.Type
        manifestJSON = strdup(R.manifest.jsonString())
        factory = { try R(parameters: $0) }
    }

    static func from(_ ctx: UnsafeMutableRawPointer?) -> PluginBox {
        Unmanaged<PluginBox>.fromOpaque(ctx!).takeUnretainedValue()
    }
}

/// One model behind the `void *model` handle.
private final class ModelBox {
    let model: any Recommender
    let name: String
    var itemCount: Int?
    var userCount: Int?
    /// Installed through rb_epochs_v1 for the next fit.
    var epochHost: rb_epoch_host_v1?

    init(_ model: any Recommender, name: String) {
        self.model = model
        self.name = name
    }

    static func from(_ handle: UnsafeMutableRawPointer?) throws -> ModelBox {
        guard let handle else { throw PluginError("no model handle") }
        return Unmanaged<ModelBox>.fromOpaque(handle).takeUnretainedValue()
    }
}
