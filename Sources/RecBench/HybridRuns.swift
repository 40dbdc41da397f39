import Foundation
import RecData
import RecKit
import RecMath

/// What the runner does for hybrid models (components) and for the genre filter, kept beside the
/// runner so its main path reads as before.
extension ExperimentRunner {
    /// A hybrid's component bound to its plugin with parameters checked like any model's.
    public struct ResolvedComponent {
        public var spec: ExperimentFile.ComponentSpec
        public var plugin: LoadedPlugin
        public var parameters: PluginParameters
        public var binarySHA256: String
    }

    /// Checks a model's components: the model's plugin takes components, each component's plugin
    /// exists, ranks, and accepts its parameters. Errors point at the component in the file.
    func resolveComponents(of spec: ExperimentFile.ModelSpec, plugin: LoadedPlugin, file: ExperimentFile,
                           hashBinaries: Bool) throws -> [ResolvedComponent] {
        let takesComponents = plugin.extensionTable(named: PluginContract.componentsExtension) != nil
        guard !spec.components.isEmpty else { return [] }
        guard takesComponents else {
            throw ExperimentError(file: file.path, position: spec.components[0].position,
                                  message: "model \"\(spec.label)\": plugin \(plugin.name) does not combine other models (no rb_components_v1 extension), so it takes no components; remove components")
        }
        return try spec.components.map { component in
            guard let componentPlugin = registry.plugin(named: component.plugin) else {
                throw ExperimentError(file: file.path, position: component.position,
                                      message: "model \"\(spec.label)\", component \"\(component.label)\": " + registry.missingPluginMessage(component.plugin))
            }
            guard componentPlugin.manifest.capabilities.contains(.implicitRanking) else {
                throw ExperimentError(file: file.path, position: component.position,
                                      message: "model \"\(spec.label)\", component \"\(component.label)\": plugin \(componentPlugin.name) cannot rank items (no implicit-ranking capability)")
            }
            guard componentPlugin.extensionTable(named: PluginContract.componentsExtension) == nil else {
                throw ExperimentError(file: file.path, position: component.position,
                                      message: "model \"\(spec.label)\", component \"\(component.label)\": plugin \(componentPlugin.name) is itself a hybrid; hybrids do not nest")
            }
            do {
                let (parameters, _) = try PluginParameters.resolve(component.params, against: componentPlugin.manifest)
                return ResolvedComponent(spec: component, plugin: componentPlugin, parameters: parameters,
                                         binarySHA256: Self.binarySHA256(of: componentPlugin, hashing: hashBinaries))
            } catch let error as ParameterError {
                throw ExperimentError(file: file.path, position: Self.position(of: error, among: component.paramPositions, else: component.position),
                                      message: "model \"\(spec.label)\", component \"\(component.label)\": \(error.message)")
            }
        }
    }

    /// Identity parts of the components: a changed component is a different run.
    static func componentIdentity(_ components: [ResolvedComponent]) -> [String] {
        components.map { "\($0.spec.label)|\($0.plugin.name)|\($0.plugin.manifest.version)|\($0.binarySHA256)|\($0.parameters.json)" }
    }

    /// Creates the components of a hybrid run and hands them over, with item features for those
    /// that take them. The hybrid keeps them alive and fits them itself.
    func attachComponents(_ model: ResolvedModel, to instance: PluginModel, fold: PreparedFold) throws {
        guard !model.components.isEmpty else { return }
        let components = try model.components.map { component -> PluginModel.ComponentModel in
            let created = try component.plugin.makeModel(component.parameters)
            if created.usesItemFeatures, let features = fold.itemFeatures {
                try features.matrix.withView { try created.setItemFeatures($0, names: features.names) }
            }
            let label = "\(model.spec.label)/\(component.spec.label)"
            return .init(label: component.spec.label, model: created, threadCount: ProcessInfo.processInfo.activeProcessorCount,
                         callbacks: .init(log: { [console] level, message in console.pluginLog(level: level, "  \(label): \(message)") }))
        }
        try instance.setComponents(components)
    }

    /// One Unix time per stored entry of the training matrix, in its CSR order (rows by user, then
    /// ascending item), for plugins offering rb_interaction_times_v1.
    static func trainTimes(_ part: [Int], of dataset: Dataset) -> [Int64] {
        part.sorted { (dataset.users[$0], dataset.items[$0]) < (dataset.users[$1], dataset.items[$1]) }.map { dataset.timestamps[$0] }
    }
}

/// The host-level genre filter (`[evaluation] genres`): only items carrying at least one of the
/// genres can be recommended, and only they count as relevant. The host applies it around every
/// plugin's scores; a plugin never knows.
struct GenreFilter: Sendable {
    /// allowed[i]: item i carries one of the genres.
    let allowed: [Bool]
    let genres: [String]

    /// Throws, naming the file position of the key, when a genre is not one of the dataset's.
    init(genres: [String], dataset: Dataset, file: ExperimentFile) throws {
        let known = Set(dataset.itemGenres.joined())
        for genre in genres where !known.contains(genre) {
            var message = "unknown genre \"\(genre)\" in genres"
            if let guess = Suggest.closest(to: genre, among: known.sorted()) { message += " (did you mean \"\(guess)\"?)" }
            message += known.isEmpty ? "; \(dataset.name) has no item genres" : "; \(dataset.name) has: \(known.sorted().joined(separator: ", "))"
            let position = file.evaluation.genresPosition
            throw ExperimentError(file: file.path, line: position?.line, column: position?.column, message: message)
        }
        let wanted = Set(genres)
        allowed = (0..<dataset.itemCount).map { item in
            item < dataset.itemGenres.count && dataset.itemGenres[item].contains { wanted.contains($0) }
        }
        self.genres = genres
    }

    /// Interaction indices whose item passes the filter (what stays relevant).
    func keep(_ part: [Int], of dataset: Dataset) -> [Int] { part.filter { allowed[Int(dataset.items[$0])] } }

    /// Sets the score of every item outside the genres to −∞ (never recommended, as a masked item).
    func apply(to scores: UnsafeMutableBufferPointer<Float>, itemCount: Int) {
        guard itemCount > 0 else { return }
        allowed.withUnsafeBufferPointer { allowed in
            for row in 0..<(scores.count / itemCount) {
                let base = row * itemCount
                for item in 0..<itemCount where !allowed[item] { scores[base + item] = -.infinity }
            }
        }
    }
}
