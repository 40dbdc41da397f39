import Foundation

/// A complete, checked set of hyperparameter values: what `create` receives as JSON.
public struct PluginParameters: Sendable, Equatable {
    public private(set) var values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue] = [:]) { self.values = values }

    /// Checks user-given values against a schema: unknown names (with a suggestion), wrong types and
    /// out-of-range values are errors; missing ones take their defaults.
    /// Returns the resolved values and the names that took their default.
    public static func resolve(
        _ given: [String: ParameterValue], against manifest: PluginManifest
    ) throws -> (parameters: PluginParameters, defaulted: [String]) {
        let known = manifest.parameters.map(\.name)
        for name in given.keys.sorted() where !known.contains(name) {
            var message = "\(manifest.name) has no parameter \"\(name)\""
            if let suggestion = Suggest.closest(to: name, among: known) {
                message += " (did you mean \"\(suggestion)\"?)"
            } else if known.isEmpty {
                message += " (it takes no parameters)"
            } else {
                message += " (it takes: \(known.joined(separator: ", ")))"
            }
            throw ParameterError(message: message)
        }
        var resolved: [String: ParameterValue] = [:]
        var defaulted: [String] = []
        for parameter in manifest.parameters {
            if let value = given[parameter.name] {
                resolved[parameter.name] = try parameter.check(value)
            } else {
                resolved[parameter.name] = try parameter.check(parameter.defaultValue)
                defaulted.append(parameter.name)
            }
        }
        return (PluginParameters(resolved), defaulted)
    }

    /// Canonical JSON: sorted keys, no whitespace. Also what the ledger hashes.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(values), as: UTF8.self)
    }

    public init(json: String) throws {
        do {
            values = try JSONDecoder().decode([String: ParameterValue].self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw ParameterError(message: "configuration is not a JSON object of parameters: \(error.plainDescription)")
        }
    }

    public subscript(name: String) -> ParameterValue? { values[name] }

    public func int(_ name: String) throws -> Int {
        switch values[name] {
        case .int(let value)?: return Int(value)
        case let other: throw Self.mismatch(name, "int", other)
        }
    }

    public func double(_ name: String) throws -> Double {
        guard let value = values[name]?.doubleValue else { throw Self.mismatch(name, "float", values[name]) }
        return value
    }

    public func bool(_ name: String) throws -> Bool {
        switch values[name] {
        case .bool(let value)?: return value
        case let other: throw Self.mismatch(name, "bool", other)
        }
    }

    public func string(_ name: String) throws -> String {
        switch values[name] {
        case .string(let value)?: return value
        case let other: throw Self.mismatch(name, "string", other)
        }
    }

    private static func mismatch(_ name: String, _ type: String, _ got: ParameterValue?) -> ParameterError {
        guard let got else { return ParameterError(message: "parameter \"\(name)\" is missing") }
        return ParameterError(message: "parameter \"\(name)\" must be \(type), got \(got.typeName) \(got)")
    }

    /// Shortest round-tripping text for a double, without a trailing ".0" lost.
    public static func format(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) + ".0" }
        return "\(value)"
    }
}

/// "Did you mean" suggestions by edit distance.
public enum Suggest {
    /// The candidate closest to `word`, if close enough to be a plausible typo: edit distance (case
    /// ignored) at most max(1, length / 3). Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates where candidate != word {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= max(1, word.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
    /// of neighbours each cost 1 ("nmae" is one edit from "name").
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

extension PluginParameters {
    /// Surprise's per-parameter override (`lr_bu`, `reg_qi`, …): the parameter's own value, or the
    /// shared one (`lr_all`, `reg_all`) when it is −1.
    public func float(_ name: String, inheriting shared: String) throws -> Float {
        let value = try double(name)
        if value == -1 { return Float(try double(shared)) }
        guard value >= 0 else { throw ParameterError(message: "\(name) must be at least 0, or -1 to use \(shared)") }
        return Float(value)
    }
}
