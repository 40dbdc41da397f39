import Foundation

/// What a plugin says about itself. Crosses the boundary as JSON (see `recbench_plugin.h`).
public struct PluginManifest: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    /// The contract version the plugin was built against; must equal the host's.
    public var contract: Int
    public var description: String
    public var capabilities: [Capability]
    public var parameters: [HyperParameter]

    public init(
        name: String, version: String, description: String,
        capabilities: [Capability], parameters: [HyperParameter] = [],
        contract: Int = PluginContract.version
    ) {
        self.name = name
        self.version = version
        self.contract = contract
        self.description = description
        self.capabilities = capabilities
        self.parameters = parameters
    }

    public func parameter(named name: String) -> HyperParameter? {
        parameters.first { $0.name == name }
    }

    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs of strings and numbers cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Parses and checks a manifest; the error says which field is wrong.
    public static func parse(json: String) throws -> PluginManifest {
        let manifest: PluginManifest
        do {
            manifest = try JSONDecoder().decode(PluginManifest.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw ManifestError(message: "manifest is not valid: \(error.plainDescription)")
        }
        try manifest.validate()
        return manifest
    }

    public func validate() throws {
        func fail(_ message: String) -> ManifestError { ManifestError(message: message) }
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            throw fail("manifest name \"\(name)\" must be non-empty letters, digits, '_' or '-'")
        }
        if capabilities.isEmpty { throw fail("manifest of \(name) lists no capabilities") }
        var seen = Set<String>()
        for parameter in parameters {
            if !seen.insert(parameter.name).inserted {
                throw fail("manifest of \(name) declares parameter \"\(parameter.name)\" twice")
            }
            do {
                _ = try parameter.check(parameter.defaultValue)
            } catch let error as ParameterError {
                throw fail("manifest of \(name): default of \(error.message)")
            }
        }
    }
}

public struct ManifestError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// What a plugin can do. Unknown capabilities (from newer plugins) are kept, not rejected.
public struct Capability: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    public static let implicitRanking = Capability(rawValue: RB_CAP_IMPLICIT_RANKING_SWIFT)
    public static let ratingPrediction = Capability(rawValue: RB_CAP_RATING_PREDICTION_SWIFT)
}

// The C header's string macros are not imported into Swift; these must match it.
let RB_CAP_IMPLICIT_RANKING_SWIFT = "implicit-ranking"
let RB_CAP_RATING_PREDICTION_SWIFT = "rating-prediction"

public enum ParameterType: String, Codable, Sendable {
    case int, float, bool, string
}

/// A hyperparameter value as it crosses the boundary in JSON.
public enum ParameterValue: Codable, Hashable, Sendable, CustomStringConvertible {
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .float(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a number, boolean or string")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .float(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var typeName: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "string"
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .float(let value): PluginParameters.format(value)
        case .bool(let value): String(value)
        case .string(let value): "\"\(value)\""
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }
}

public struct ParameterError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// One entry of a plugin's hyperparameter schema.
public struct HyperParameter: Codable, Sendable, Equatable {
    public var name: String
    public var type: ParameterType
    public var defaultValue: ParameterValue
    public var min: Double?
    public var max: Double?
    public var choices: [ParameterValue]?
    /// A hint for random search: sample this range on a log scale.
    public var logScale: Bool?
    public var doc: String

    enum CodingKeys: String, CodingKey {
        case name, type, defaultValue = "default", min, max, choices, logScale = "log_scale", doc
    }

    public init(
        _ name: String, _ type: ParameterType, default defaultValue: ParameterValue,
        min: Double? = nil, max: Double? = nil, choices: [ParameterValue]? = nil,
        logScale: Bool? = nil, doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.min = min
        self.max = max
        self.choices = choices
        self.logScale = logScale
        self.doc = doc
    }

    /// Checks a value against this parameter and returns it in canonical form (an integer given
    /// for a float parameter becomes a float).
    public func check(_ value: ParameterValue) throws -> ParameterValue {
        let canonical: ParameterValue
        switch (type, value) {
        case (.int, .int), (.float, .float), (.bool, .bool), (.string, .string):
            canonical = value
        case (.float, .int(let integer)):
            canonical = .float(Double(integer))
        case (.int, .float(let real)) where real.rounded() == real && abs(real) < 9e15:
            canonical = .int(Int64(real))
        default:
            throw ParameterError(message: "parameter \"\(name)\" must be \(type.article) \(type.rawValue), got \(value.typeName) \(value)")
        }
        if let number = canonical.doubleValue {
            if number.isNaN { throw ParameterError(message: "parameter \"\(name)\" must not be NaN") }
            if let min, number < min {
                throw ParameterError(message: "parameter \"\(name)\" = \(canonical) is below its minimum \(bound(min))")
            }
            if let max, number > max {
                throw ParameterError(message: "parameter \"\(name)\" = \(canonical) is above its maximum \(bound(max))")
            }
        }
        if let choices, !choices.contains(canonical) {
            let list = choices.map(\.description).joined(separator: ", ")
            throw ParameterError(message: "parameter \"\(name)\" = \(canonical) is not one of: \(list)")
        }
        return canonical
    }

    /// A range bound written in the parameter's own type: "1" for an int, "1.0" for a float.
    private func bound(_ value: Double) -> String {
        type == .int && abs(value) < 9e15 ? String(Int64(value)) : PluginParameters.format(value)
    }

    /// "int in [1, 1000]", "string, one of ...": for `plugins show` and error messages.
    public var constraintSummary: String {
        var parts = [type.rawValue]
        if let choices { parts.append("one of " + choices.map(\.description).joined(separator: ", ")) }
        switch (min, max) {
        case let (lo?, hi?): parts.append("in [\(bound(lo)), \(bound(hi))]")
        case let (lo?, nil): parts.append(">= \(bound(lo))")
        case let (nil, hi?): parts.append("<= \(bound(hi))")
        case (nil, nil): break
        }
        if logScale == true { parts.append("log scale") }
        return parts.joined(separator: ", ")
    }
}

extension ParameterType {
    var article: String { self == .int ? "an" : "a" }
}

extension DecodingError {
    /// "at parameters[2].type: ..." rather than Foundation's debug dump.
    public var plainDescription: String {
        func path(_ context: Context) -> String {
            let keys = context.codingPath.map { key in
                key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)"
            }.joined()
            return keys.isEmpty ? "" : "at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys): "
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "\(path(context))missing field \"\(key.stringValue)\""
        case .typeMismatch(let type, let context):
            return "\(path(context))expected \(type): \(context.debugDescription)"
        case .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context))\(context.debugDescription)"
        @unknown default:
            return String(describing: self)
        }
    }
}
