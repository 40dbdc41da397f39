// RecTOML — a strict TOML 1.0 parser that remembers where every key and value came from.
//
// Public model:
//   TOML.parse(text, file:) -> TOMLTable     (throws TOMLError)
//   TOMLTable   ordered entries + lookup by key
//   TOMLEntry   key, key position, node
//   TOMLNode    value + position of the value's first character
//   TOMLValue   string / integer / float / boolean / datetime / array / table
//
// Positions are 1-based. Columns count Unicode scalars from the start of the line
// (a tab counts as one column).

/// A 1-based source position. Columns count Unicode scalars.
public struct TOMLPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// "line:column"
    public var description: String { "\(line):\(column)" }

    public static func < (lhs: TOMLPosition, rhs: TOMLPosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A parse (or validation) error with its location. `description` is "file:line:column: message".
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public init(file: String, position: TOMLPosition, message: String) {
        self.init(file: file, line: position.line, column: position.column, message: message)
    }

    public var position: TOMLPosition { TOMLPosition(line: line, column: column) }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A TOML value. Tables and arrays hold nodes so that nested values keep their positions.
public indirect enum TOMLValue: Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// Offset date-times, local date-times, local dates and local times, kept as their
    /// validated source text (e.g. "1979-05-27T07:32:00Z", "1979-05-27 07:32:00", "07:32:00").
    case datetime(String)
    case array([TOMLNode])
    case table(TOMLTable)

    /// Human-readable type name for error messages:
    /// "string", "integer", "float", "boolean", "datetime", "array" or "table".
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .bool: return "boolean"
        case .datetime: return "datetime"
        case .array: return "array"
        case .table: return "table"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var integerValue: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    /// The value of a float only (see `doubleValue` for integer-or-float).
    public var floatValue: Double? {
        if case .float(let v) = self { return v }
        return nil
    }

    /// A float, or an integer converted to Double (handy for numeric parameters written as `lr = 1`).
    public var doubleValue: Double? {
        switch self {
        case .float(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var datetimeValue: String? {
        if case .datetime(let v) = self { return v }
        return nil
    }

    public var arrayValue: [TOMLNode]? {
        if case .array(let v) = self { return v }
        return nil
    }

    public var tableValue: TOMLTable? {
        if case .table(let v) = self { return v }
        return nil
    }
}

/// A value together with the position of its first character.
/// For a table opened by a `[header]` (or an element of `[[array]]`) the position is the header's `[`.
/// For a table created implicitly by a dotted key (`a.b = 1` creates `a`) it is the position of that key part.
public struct TOMLNode: Sendable {
    public var value: TOMLValue
    public var position: TOMLPosition

    public init(value: TOMLValue, position: TOMLPosition) {
        self.value = value
        self.position = position
    }
}

/// One key of a table: its (unquoted) name, where the key was written, and its value.
public struct TOMLEntry: Sendable {
    public var key: String
    public var keyPosition: TOMLPosition
    public var node: TOMLNode

    public init(key: String, keyPosition: TOMLPosition, node: TOMLNode) {
        self.key = key
        self.keyPosition = keyPosition
        self.node = node
    }
}

/// A table: entries in document order plus lookup by key.
public struct TOMLTable: Sendable {
    /// Entries in document order (order of first definition).
    public var entries: [TOMLEntry]
    /// Where the table was opened: its `[header]`, its inline `{`, the first dotted key
    /// that created it, or 1:1 for the root table.
    public var position: TOMLPosition

    // Lookup accelerator; validated on every use so that direct edits of `entries` stay safe.
    private var index: [String: Int]

    public init(entries: [TOMLEntry] = [], position: TOMLPosition = TOMLPosition(line: 1, column: 1)) {
        self.entries = entries
        self.position = position
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() where index[entry.key] == nil {
            index[entry.key] = i
        }
        self.index = index
    }

    /// The node stored under `key`, or nil.
    public subscript(key: String) -> TOMLNode? {
        entry(key)?.node
    }

    /// The full entry (with key position) stored under `key`, or nil.
    public func entry(_ key: String) -> TOMLEntry? {
        if let i = index[key], i < entries.count, entries[i].key == key {
            return entries[i]
        }
        return entries.first { $0.key == key }
    }

    /// Keys in document order.
    public var keys: [String] { entries.map(\.key) }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
}

public enum TOML {
    /// Parses a TOML 1.0 document. `file` is only used in error messages.
    /// - Throws: `TOMLError` with the 1-based line and column of the first problem.
    public static func parse(_ text: String, file: String) throws -> TOMLTable {
        var parser = TOMLParser(text: text, file: file)
        return try parser.parseDocument()
    }
}
