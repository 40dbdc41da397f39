import RecKit
import RecTOML

/// The experiment-file keys of hybrid models and the genre filter: `components` in `[[models]]`
/// and `genres` in `[evaluation]` (docs/experiment-format.md, "Hybrid models").
extension ExperimentFile {
    /// `components = ["iALS", { plugin = "GenrePopularity", label = "genre-pop", params = { m = 20 } }]`:
    /// each element names another `[[models]]` label (its plugin and fixed parameters are reused) or
    /// defines a component inline. Checked: labels exist, are unique, and name plain models (one
    /// fixed point, no components of their own, no early stopping or learning curve).
    static func parseComponents(_ entry: TOMLEntry, of model: ModelSpec, among models: [ModelSpec], path: String) throws -> [ComponentSpec] {
        guard case .array(let nodes) = entry.node.value, !nodes.isEmpty else {
            throw ExperimentError(file: path, position: entry.node.position,
                                  message: "model \"\(model.label)\": components must be a non-empty array of model labels or inline tables { plugin = \"...\", params = { ... } }")
        }
        var components: [ComponentSpec] = []
        for node in nodes {
            let component: ComponentSpec
            switch node.value {
            case .string(let label):
                guard let referenced = models.first(where: { $0.label == label }) else {
                    var message = "model \"\(model.label)\": component \"\(label)\" is not the label of a [[models]] entry in this file"
                    let others = models.map(\.label).filter { $0 != model.label }
                    if let guess = Suggest.closest(to: label, among: others) { message += " (did you mean \"\(guess)\"?)" }
                    throw ExperimentError(file: path, position: node.position,
                                          message: message + "; labels: \(others.joined(separator: ", ")), or define it inline: { plugin = \"...\", params = { ... } }")
                }
                guard referenced.label != model.label else {
                    throw ExperimentError(file: path, position: node.position, message: "model \"\(model.label)\" cannot be its own component")
                }
                let problem: String? = referenced.hasSearch ? "searches parameters ([models.grid] or [models.random])"
                    : !referenced.components.isEmpty || referenced.declaresComponents ? "has components of its own (hybrids do not nest)"
                    : referenced.earlyStopping != nil || referenced.learningCurve != nil ? "trains with early stopping or a learning curve, which a component cannot"
                    : nil
                if let problem {
                    throw ExperimentError(file: path, position: node.position,
                                          message: "model \"\(model.label)\": component \"\(label)\" \(problem); a component is one fixed parameter point — define it inline instead")
                }
                component = ComponentSpec(label: label, plugin: referenced.plugin, params: referenced.params,
                                          position: node.position, paramPositions: referenced.paramPositions)
            case .table(let table):
                var inline = StrictTable(table, path: path, context: "a component of \"\(model.label)\"")
                let plugin = try inline.required("plugin", \.stringValue, "a plugin name")
                let label = try inline.optional("label", \.stringValue, "a string") ?? plugin
                var params: [String: ParameterValue] = [:]
                var positions: [String: TOMLPosition] = [:]
                if let paramsTable = try inline.optional("params", \.tableValue, "a table") {
                    for parameter in paramsTable.entries {
                        positions[parameter.key] = parameter.keyPosition
                        params[parameter.key] = try scalarParameter(parameter.node, parameter.key, path: path)
                    }
                }
                try inline.finish()
                component = ComponentSpec(label: label, plugin: plugin, params: params, position: node.position, paramPositions: positions)
            default:
                throw ExperimentError(file: path, position: node.position,
                                      message: "model \"\(model.label)\": a component is a model label (string) or an inline table { plugin = \"...\", params = { ... } }, not \(node.value.typeName)")
            }
            guard !components.contains(where: { $0.label == component.label }) else {
                throw ExperimentError(file: path, position: node.position,
                                      message: "model \"\(model.label)\" names the component \"\(component.label)\" twice; give an inline component a distinct label = \"...\"")
            }
            components.append(component)
        }
        return components
    }

    /// Whether `model` itself declares components in the raw file (they are attached after every
    /// model is read, so `components` may still be empty here).

    static func scalarParameter(_ node: TOMLNode, _ name: String, path: String) throws -> ParameterValue {
        switch node.value {
        case .string(let value): return .string(value)
        case .integer(let value): return .int(value)
        case .float(let value): return .float(value)
        case .bool(let value): return .bool(value)
        default:
            throw ExperimentError(file: path, position: node.position,
                                  message: "parameter \"\(name)\" must be a string, number or boolean, not \(node.value.typeName)")
        }
    }

    /// `[evaluation] genres = ["Comedy", "Romance"]`: a non-empty array of distinct genre names
    /// (checked against the dataset when it is read). Ranking protocols only; not with the
    /// sampled protocol, whose negatives are drawn from the whole catalogue.
    static func parseGenres(_ table: inout StrictTable, path: String, isRating: Bool, sampled: Bool)
        throws -> (genres: [String], position: TOMLPosition)? {
        guard let nodes = try table.optional("genres", \.arrayValue, "an array of genre names") else { return nil }
        let position = table.error(at: "genres", "")
        guard !isRating else { throw position.with(message: "genres (a filter on recommended items) applies to ranking protocols, not rating") }
        guard !sampled else {
            throw position.with(message: "genres cannot be combined with the sampled protocol (its negatives come from the whole catalogue); evaluate full-ranking only")
        }
        var genres: [String] = []
        for node in nodes {
            guard let genre = node.value.stringValue, !genre.isEmpty else {
                throw ExperimentError(file: path, position: node.position, message: "genres must be non-empty strings (genre names such as \"Comedy\")")
            }
            if !genres.contains(genre) { genres.append(genre) }
        }
        guard !genres.isEmpty else { throw position.with(message: "genres must not be empty (leave the key out for no filter)") }
        return (genres, TOMLPosition(line: position.line ?? 1, column: position.column ?? 1))
    }
}
