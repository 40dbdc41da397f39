import Foundation

/// Host side of `rb_components_v1` and `rb_interaction_times_v1`.
extension PluginModel {
    /// Whether the plugin combines other models (the `rb_components_v1` extension).
    public var takesComponents: Bool { componentsTable != nil }

    private var componentsTable: UnsafePointer<rb_components_v1>? {
        guard let raw = plugin.extensionTable(named: PluginContract.componentsExtension) else { return nil }
        let table = raw.assumingMemoryBound(to: rb_components_v1.self)
        guard table.pointee.struct_size >= UInt32(MemoryLayout<rb_components_v1>.size), table.pointee.set_components != nil else { return nil }
        return table
    }

    /// A component model as the host hands it over: its label, the model (created with checked
    /// parameters, item features already set) and what its fits get (thread budget, log).
    public struct ComponentModel {
        public var label: String
        public var model: PluginModel
        public var threadCount: Int
        public var callbacks: Callbacks
        public init(label: String, model: PluginModel, threadCount: Int, callbacks: Callbacks = Callbacks()) {
            self.label = label
            self.model = model
            self.threadCount = threadCount
            self.callbacks = callbacks
        }
    }

    /// Hands the components to the hybrid before `fit`. This model keeps them alive until it is
    /// destroyed itself (they go after it).
    public func setComponents(_ components: [ComponentModel]) throws {
        guard let table = componentsTable else {
            throw PluginCallError(plugin: plugin.name, call: "set_components", message: "the plugin does not take components (no rb_components_v1 extension)")
        }
        let boxes = components.map(ComponentBox.init)
        retained.append(contentsOf: boxes as [AnyObject])
        var raws = boxes.map { box in
            rb_component_v1(
                struct_size: UInt32(MemoryLayout<rb_component_v1>.size), name: UnsafePointer(box.name), plugin: UnsafePointer(box.pluginName),
                ctx: Unmanaged.passUnretained(box).toOpaque(),
                fit: { ctx, train, seed, err, cap in
                    let box = Unmanaged<ComponentBox>.fromOpaque(ctx!).takeUnretainedValue()
                    return box.report(err, cap) {
                        guard let train else { throw PluginError("no training matrix") }
                        let view = try CSRView(train.pointee)
                        try box.component.model.fit(view, seed: seed, threadCount: box.component.threadCount, callbacks: box.component.callbacks)
                    }
                },
                score: { ctx, users, count, itemCount, out, err, cap in
                    let box = Unmanaged<ComponentBox>.fromOpaque(ctx!).takeUnretainedValue()
                    return box.report(err, cap) {
                        guard count >= 0, itemCount >= 0, let users, let out else { throw PluginError("score was given no buffers") }
                        try box.component.model.score(users: UnsafeBufferPointer(start: users, count: Int(count)), itemCount: Int(itemCount),
                                                      into: UnsafeMutableBufferPointer(start: out, count: Int(count) * Int(itemCount)))
                    }
                })
        }
        var error = [CChar](repeating: 0, count: 4096)
        let status = raws.withUnsafeMutableBufferPointer { array in
            error.withUnsafeMutableBufferPointer { table.pointee.set_components(handle, array.baseAddress, Int64(array.count), $0.baseAddress, $0.count) }
        }
        if status != RB_OK {
            throw PluginCallError(plugin: plugin.name, call: "set_components", message: Self.message(error, orElse: "set_components returned status \(status)"))
        }
    }

    /// Whether the plugin uses the training interactions' times (the `rb_interaction_times_v1` extension).
    public var usesInteractionTimes: Bool { interactionTimesTable != nil }

    private var interactionTimesTable: UnsafePointer<rb_interaction_times_v1>? {
        guard let raw = plugin.extensionTable(named: PluginContract.interactionTimesExtension) else { return nil }
        let table = raw.assumingMemoryBound(to: rb_interaction_times_v1.self)
        guard table.pointee.struct_size >= UInt32(MemoryLayout<rb_interaction_times_v1>.size), table.pointee.set_interaction_times != nil else { return nil }
        return table
    }

    /// Hands the model one Unix time per stored entry of the matrix its next `fit` gets, in CSR order.
    public func setInteractionTimes(_ times: [Int64]) throws {
        guard let table = interactionTimesTable else {
            throw PluginCallError(plugin: plugin.name, call: "set_interaction_times", message: "the plugin does not use interaction times (no rb_interaction_times_v1 extension)")
        }
        var error = [CChar](repeating: 0, count: 4096)
        let status = times.withUnsafeBufferPointer { times in
            error.withUnsafeMutableBufferPointer { table.pointee.set_interaction_times(handle, times.baseAddress, Int64(times.count), $0.baseAddress, $0.count) }
        }
        if status != RB_OK {
            throw PluginCallError(plugin: plugin.name, call: "set_interaction_times", message: Self.message(error, orElse: "set_interaction_times returned status \(status)"))
        }
    }

    static func message(_ buffer: [CChar], orElse fallback: String) -> String {
        var bytes = buffer
        bytes[bytes.count - 1] = 0
        let text = bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.isEmpty ? fallback : text
    }
}

/// One component behind its `ctx`: the model and the C strings its struct points to.
private final class ComponentBox {
    let component: PluginModel.ComponentModel
    let name: UnsafeMutablePointer<CChar>
    let pluginName: UnsafeMutablePointer<CChar>

    init(_ component: PluginModel.ComponentModel) {
        self.component = component
        name = strdup(component.label)
        pluginName = strdup(component.model.plugin.name)
    }

    deinit {
        free(name)
        free(pluginName)
    }

    /// A component's failure goes back to the hybrid as a message; the hybrid decides what to do.
    func report(_ err: UnsafeMutablePointer<CChar>?, _ cap: Int, _ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return RB_OK
        } catch let error as PluginCallError where error.cancelled {
            PluginExport.writeMessage(error.message, to: err, capacity: cap)
            return RB_CANCELLED
        } catch let error as PluginCallError {
            PluginExport.writeMessage(error.message, to: err, capacity: cap)
            return RB_ERROR
        } catch {
            PluginExport.writeMessage(String(describing: error), to: err, capacity: cap)
            return RB_ERROR
        }
    }
}
