// The TOML 1.0 parser behind `TOML.parse`. Internal: a recursive-descent scanner over the
// document's Unicode scalars that builds a mutable table tree (so headers can reopen nested
// tables) and converts it to the public value types at the end.

// MARK: - Mutable document model

/// A table while the document is being parsed.
final class MutableTable {
    enum Kind: Equatable {
        /// Created as an intermediate of a header (`[a.b]` creates `a`); may still be defined later.
        case implicit
        /// Defined by a `[header]`, as an `[[array]]` element, or the root table.
        case header
        /// Created by a dotted key in section `section`; extendable by dotted keys of that section only.
        case dotted(section: Int)
    }

    enum Content {
        case table(MutableTable)
        case tableArray(MutableTableArray)
        /// Scalars, static arrays and inline tables: complete once written.
        case frozen(TOMLNode)
    }

    struct Item {
        var keyPosition: TOMLPosition
        var content: Content
    }

    var kind: Kind
    var position: TOMLPosition
    private(set) var order: [String] = []
    private(set) var items: [String: Item] = [:]

    init(kind: Kind, position: TOMLPosition) {
        self.kind = kind
        self.position = position
    }

    subscript(key: String) -> Item? { items[key] }

    func insert(_ key: String, at keyPosition: TOMLPosition, _ content: Content) {
        precondition(items[key] == nil)
        order.append(key)
        items[key] = Item(keyPosition: keyPosition, content: content)
    }

    func setKeyPosition(_ key: String, _ position: TOMLPosition) {
        items[key]?.keyPosition = position
    }

    func build() -> TOMLTable {
        var entries: [TOMLEntry] = []
        entries.reserveCapacity(order.count)
        for key in order {
            let item = items[key]!
            entries.append(TOMLEntry(key: key, keyPosition: item.keyPosition, node: item.content.node))
        }
        return TOMLTable(entries: entries, position: position)
    }
}

/// An array of tables (`[[name]]`) while the document is being parsed.
final class MutableTableArray {
    var position: TOMLPosition
    var tables: [MutableTable]

    init(position: TOMLPosition, first: MutableTable) {
        self.position = position
        self.tables = [first]
    }
}

extension MutableTable.Content {
    var node: TOMLNode {
        switch self {
        case .frozen(let node):
            return node
        case .table(let table):
            return TOMLNode(value: .table(table.build()), position: table.position)
        case .tableArray(let array):
            let elements = array.tables.map { TOMLNode(value: .table($0.build()), position: $0.position) }
            return TOMLNode(value: .array(elements), position: array.position)
        }
    }
}

// MARK: - Parser

struct TOMLParser {
    /// One part of a (possibly dotted) key and the index of its first scalar.
    struct KeyPart {
        var name: String
        var index: Int
    }

    private let s: [Unicode.Scalar]
    private let file: String
    private var i: Int
    /// Index of the first scalar of each line (lines end with "\n"; "\r\n" is one line break).
    private let lineStarts: [Int]
    /// 1 if the text starts with a byte-order mark (it is skipped and not counted as a column).
    private let bomOffset: Int
    /// Section counter: bumped for every header and every inline table, used to scope dotted keys.
    private var sectionCounter = 0

    init(text: String, file: String) {
        s = Array(text.unicodeScalars)
        self.file = file
        var starts = [0]
        for (k, c) in s.enumerated() where c == "\n" {
            starts.append(k + 1)
        }
        lineStarts = starts
        bomOffset = s.first == "\u{FEFF}" ? 1 : 0
        i = bomOffset
    }

    // MARK: Positions and errors

    func position(_ index: Int) -> TOMLPosition {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        var column = index - lineStarts[lo] + 1
        if lo == 0 { column = max(1, column - bomOffset) }
        return TOMLPosition(line: lo + 1, column: column)
    }

    func error(_ message: String, at index: Int) -> TOMLError {
        TOMLError(file: file, position: position(index), message: message)
    }

    // MARK: Character helpers

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let k = i + offset
        return k < s.count ? s[k] : nil
    }

    private var atEnd: Bool { i >= s.count }

    private var atNewline: Bool {
        guard let c = peek() else { return false }
        return c == "\n" || (c == "\r" && peek(1) == "\n")
    }

    private mutating func consumeNewline() -> Bool {
        if peek() == "\n" { i += 1; return true }
        if peek() == "\r" && peek(1) == "\n" { i += 2; return true }
        return false
    }

    private mutating func skipWhitespace() {
        while let c = peek(), c == " " || c == "\t" { i += 1 }
    }

    /// At '#': skips the comment up to (not including) the line break.
    private mutating func skipComment() throws {
        i += 1
        while let c = peek() {
            if c == "\n" || (c == "\r" && peek(1) == "\n") { break }
            if Self.isControl(c) && c != "\t" {
                throw error("\(Self.describe(c)) is not allowed in a comment", at: i)
            }
            i += 1
        }
    }

    /// Skips whitespace, line breaks and comments (inside arrays).
    private mutating func skipWhitespaceNewlinesAndComments() throws {
        while true {
            skipWhitespace()
            if peek() == "#" { try skipComment() }
            if !consumeNewline() { return }
        }
    }

    /// After a value or header: optional whitespace and comment, then a line break or end of file.
    private mutating func expectEndOfLine(after what: String) throws {
        skipWhitespace()
        if peek() == "#" { try skipComment() }
        if atEnd || consumeNewline() { return }
        throw error("expected end of line after \(what), found \(describeCurrent())", at: i)
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || c.value == 0x7F
    }

    static func isBareKeyChar(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    static func isTokenChar(_ c: Unicode.Scalar) -> Bool {
        isBareKeyChar(c) || c == "+" || c == "." || c == ":"
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.value >= 0x30 && c.value <= 0x39
    }

    static func describe(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\n": return "end of line"
        case "\r": return "a carriage return not followed by a line feed"
        case "\t": return "a tab"
        default:
            if isControl(c) {
                let hex = String(c.value, radix: 16, uppercase: true)
                return "control character U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
            return "'\(Character(c))'"
        }
    }

    private func describeCurrent() -> String {
        guard let c = peek() else { return "end of file" }
        if atNewline { return "end of line" }
        return Self.describe(c)
    }

    private func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s[range])
        return String(view)
    }

    /// Renders a key path for messages: bare parts as-is, others quoted.
    static func display(_ path: [String]) -> String {
        path.map { part -> String in
            if !part.isEmpty && part.unicodeScalars.allSatisfy(isBareKeyChar) { return part }
            var quoted = "\""
            for c in part.unicodeScalars {
                switch c {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\n": quoted += "\\n"
                case "\t": quoted += "\\t"
                default: quoted.unicodeScalars.append(c)
                }
            }
            return quoted + "\""
        }.joined(separator: ".")
    }

    // MARK: Document

    mutating func parseDocument() throws -> TOMLTable {
        let root = MutableTable(kind: .header, position: TOMLPosition(line: 1, column: 1))
        var current = root
        var currentPath: [String] = []
        var section = 0
        while true {
            skipWhitespace()
            guard let c = peek() else { break }
            if c == "#" {
                try skipComment()
                try expectEndOfLine(after: "comment")
            } else if consumeNewline() {
                continue
            } else if c == "[" {
                sectionCounter += 1
                section = sectionCounter
                (current, currentPath) = try parseHeader(root: root)
                try expectEndOfLine(after: "table header")
            } else if Self.isBareKeyChar(c) || c == "\"" || c == "'" {
                try parseKeyValue(into: current, path: currentPath, section: section, inline: false)
                try expectEndOfLine(after: "value")
            } else {
                throw error("expected a key, a [table] header or a comment, found \(describeCurrent())", at: i)
            }
        }
        return root.build()
    }

    // MARK: Keys

    /// Parses `simple-key *( ws "." ws simple-key )`, skipping whitespace before and after.
    private mutating func parseKey() throws -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            skipWhitespace()
            let start = i
            guard let c = peek(), !atNewline else {
                throw error(parts.isEmpty ? "expected a key, found \(describeCurrent())"
                                          : "expected a key after '.', found \(describeCurrent())", at: i)
            }
            if Self.isBareKeyChar(c) {
                while let d = peek(), Self.isBareKeyChar(d) { i += 1 }
                parts.append(KeyPart(name: text(start..<i), index: start))
            } else if c == "\"" {
                if peek(1) == "\"" && peek(2) == "\"" {
                    throw error("multi-line strings cannot be used as keys", at: start)
                }
                parts.append(KeyPart(name: try parseBasicString(), index: start))
            } else if c == "'" {
                if peek(1) == "'" && peek(2) == "'" {
                    throw error("multi-line strings cannot be used as keys", at: start)
                }
                parts.append(KeyPart(name: try parseLiteralString(), index: start))
            } else {
                let what = parts.isEmpty ? "expected a key" : "expected a key after '.'"
                if c.value > 0x7F {
                    throw error("\(what), found \(Self.describe(c)) (bare keys may only contain A-Z, a-z, 0-9, '_' and '-'; quote other keys)", at: i)
                }
                throw error("\(what), found \(describeCurrent())", at: i)
            }
            skipWhitespace()
            if peek() == "." {
                i += 1
                continue
            }
            return parts
        }
    }

    // MARK: Key/value pairs

    /// Parses `key = value` and stores it in `table` (the current [section] or an inline table).
    private mutating func parseKeyValue(into table: MutableTable, path: [String], section: Int, inline: Bool) throws {
        let key = try parseKey()
        let keyNames = key.map(\.name)
        guard peek() == "=" else {
            if inline && atNewline {
                throw error("newline is not allowed inside an inline table (expected '=' after key '\(Self.display(keyNames))')", at: i)
            }
            throw error("expected '=' after key '\(Self.display(keyNames))', found \(describeCurrent())", at: i)
        }
        i += 1
        skipWhitespace()
        if atEnd || atNewline || peek() == "#" {
            if inline && atNewline {
                throw error("newline is not allowed inside an inline table (expected a value after '=')", at: i)
            }
            throw error("missing value: expected a value after '=' for key '\(Self.display(keyNames))', found \(peek() == "#" ? "a comment" : describeCurrent())", at: i)
        }
        let parent = try resolveDottedParent(key, in: table, path: path, section: section)
        let last = key[key.count - 1]
        let fullPath = path + keyNames
        if let existing = parent[last.name] {
            throw error("duplicate key '\(Self.display(fullPath))' (first defined at \(existing.keyPosition))", at: last.index)
        }
        let node = try parseValue(path: fullPath)
        parent.insert(last.name, at: position(last.index), .frozen(node))
    }

    /// Walks (creating as needed) the tables named by all but the last part of a dotted key.
    private mutating func resolveDottedParent(_ key: [KeyPart], in table: MutableTable, path: [String], section: Int) throws -> MutableTable {
        var t = table
        var walked = path
        for part in key.dropLast() {
            walked.append(part.name)
            let name = Self.display(walked)
            guard let existing = t[part.name] else {
                let sub = MutableTable(kind: .dotted(section: section), position: position(part.index))
                t.insert(part.name, at: position(part.index), .table(sub))
                t = sub
                continue
            }
            switch existing.content {
            case .table(let sub):
                switch sub.kind {
                case .dotted(let s) where s == section:
                    t = sub
                case .implicit:
                    sub.kind = .dotted(section: section)
                    t = sub
                case .header:
                    throw error("cannot add to table '\(name)' with a dotted key: it is already defined by a [\(name)] header at \(sub.position)", at: part.index)
                case .dotted:
                    throw error("cannot add to table '\(name)' with a dotted key: it was already defined by dotted keys at \(existing.keyPosition)", at: part.index)
                }
            case .tableArray(let array):
                throw error("cannot add to array of tables '\(name)' (defined at \(array.position)) with a dotted key", at: part.index)
            case .frozen(let node):
                throw frozenError(name: name, node: node, keyPosition: existing.keyPosition, at: part.index)
            }
        }
        return t
    }

    private func frozenError(name: String, node: TOMLNode, keyPosition: TOMLPosition, at index: Int) -> TOMLError {
        switch node.value {
        case .table:
            return error("cannot extend inline table '\(name)' (defined at \(node.position)): inline tables cannot be changed after they are defined", at: index)
        case .array:
            return error("cannot extend static array '\(name)' (defined at \(node.position)): it is not an array of tables", at: index)
        default:
            return error("key '\(name)' already holds a value of type \(node.value.typeName) (defined at \(keyPosition)), so it cannot be used as a table", at: index)
        }
    }

    // MARK: Headers

    /// Parses `[a.b]` or `[[a.b]]` and returns the table that following key/value pairs go into.
    private mutating func parseHeader(root: MutableTable) throws -> (MutableTable, [String]) {
        let start = i
        i += 1
        let isArray = peek() == "["
        if isArray { i += 1 }
        let key = try parseKey()
        let closing = isArray ? "']]'" : "']'"
        guard peek() == "]" else {
            throw error("expected \(closing) to close the \(isArray ? "array-of-tables" : "table") header, found \(describeCurrent())", at: i)
        }
        i += 1
        if isArray {
            guard peek() == "]" else {
                throw error("expected ']]' to close the array-of-tables header, found \(describeCurrent())", at: i)
            }
            i += 1
        }
        let headerPosition = position(start)

        var t = root
        var walked: [String] = []
        for part in key.dropLast() {
            walked.append(part.name)
            guard let existing = t[part.name] else {
                let sub = MutableTable(kind: .implicit, position: headerPosition)
                t.insert(part.name, at: position(part.index), .table(sub))
                t = sub
                continue
            }
            switch existing.content {
            case .table(let sub):
                t = sub
            case .tableArray(let array):
                t = array.tables[array.tables.count - 1]
            case .frozen(let node):
                throw frozenError(name: Self.display(walked), node: node, keyPosition: existing.keyPosition, at: part.index)
            }
        }

        let last = key[key.count - 1]
        walked.append(last.name)
        let name = Self.display(walked)
        let keyPosition = position(last.index)

        if isArray {
            let element = MutableTable(kind: .header, position: headerPosition)
            guard let existing = t[last.name] else {
                t.insert(last.name, at: keyPosition, .tableArray(MutableTableArray(position: headerPosition, first: element)))
                return (element, walked)
            }
            switch existing.content {
            case .tableArray(let array):
                array.tables.append(element)
                return (element, walked)
            case .table(let sub):
                throw error("cannot define array of tables [[\(name)]]: '\(name)' is already a table (defined at \(sub.position))", at: last.index)
            case .frozen(let node):
                if case .array = node.value {
                    throw error("cannot append to static array '\(name)' (defined at \(node.position)) with [[\(name)]]", at: last.index)
                }
                throw error("cannot define array of tables [[\(name)]]: key '\(name)' is already defined at \(existing.keyPosition) with a value of type \(node.value.typeName)", at: last.index)
            }
        }

        guard let existing = t[last.name] else {
            let table = MutableTable(kind: .header, position: headerPosition)
            t.insert(last.name, at: keyPosition, .table(table))
            return (table, walked)
        }
        switch existing.content {
        case .table(let sub):
            switch sub.kind {
            case .implicit:
                sub.kind = .header
                sub.position = headerPosition
                t.setKeyPosition(last.name, keyPosition)
                return (sub, walked)
            case .header:
                throw error("table [\(name)] is already defined at \(sub.position)", at: last.index)
            case .dotted:
                throw error("table '\(name)' is already defined by dotted keys at \(existing.keyPosition); it cannot be reopened with a [\(name)] header", at: last.index)
            }
        case .tableArray(let array):
            throw error("cannot define table [\(name)]: '\(name)' is already an array of tables (defined at \(array.position)); use [[\(name)]] to add an element", at: last.index)
        case .frozen(let node):
            if case .table = node.value {
                throw error("cannot redefine inline table '\(name)' (defined at \(node.position)) with a [\(name)] header", at: last.index)
            }
            throw error("cannot define table [\(name)]: key '\(name)' is already defined at \(existing.keyPosition) with a value of type \(node.value.typeName)", at: last.index)
        }
    }

    // MARK: Values

    private mutating func parseValue(path: [String]) throws -> TOMLNode {
        let start = i
        guard let c = peek() else {
            throw error("expected a value, found end of file", at: i)
        }
        switch c {
        case "\"":
            let value: String
            if peek(1) == "\"" && peek(2) == "\"" {
                value = try parseMultilineBasicString()
            } else {
                value = try parseBasicString()
            }
            return TOMLNode(value: .string(value), position: position(start))
        case "'":
            let value: String
            if peek(1) == "'" && peek(2) == "'" {
                value = try parseMultilineLiteralString()
            } else {
                value = try parseLiteralString()
            }
            return TOMLNode(value: .string(value), position: position(start))
        case "[":
            return try parseArray(path: path)
        case "{":
            return try parseInlineTable(path: path)
        default:
            if Self.isTokenChar(c) {
                return try parseToken()
            }
            throw error("expected a value, found \(describeCurrent())", at: i)
        }
    }

    private mutating func parseArray(path: [String]) throws -> TOMLNode {
        let start = i
        i += 1
        var elements: [TOMLNode] = []
        while true {
            try skipWhitespaceNewlinesAndComments()
            guard let c = peek() else {
                throw error("unterminated array: expected ']' to close the array opened here", at: start)
            }
            if c == "]" { i += 1; break }
            elements.append(try parseValue(path: path))
            try skipWhitespaceNewlinesAndComments()
            guard let d = peek() else {
                throw error("unterminated array: expected ']' to close the array opened here", at: start)
            }
            if d == "," { i += 1; continue }
            if d == "]" { i += 1; break }
            throw error("expected ',' or ']' after an array element, found \(describeCurrent())", at: i)
        }
        return TOMLNode(value: .array(elements), position: position(start))
    }

    private mutating func parseInlineTable(path: [String]) throws -> TOMLNode {
        let start = i
        i += 1
        sectionCounter += 1
        let section = sectionCounter
        let table = MutableTable(kind: .header, position: position(start))
        func checkNoNewline(_ parser: TOMLParser) throws {
            if parser.atNewline {
                throw parser.error("newline is not allowed inside an inline table (inline tables must be on one line)", at: parser.i)
            }
            if parser.atEnd {
                throw parser.error("unterminated inline table: expected '}' to close the table opened here", at: start)
            }
        }
        skipWhitespace()
        try checkNoNewline(self)
        if peek() == "}" {
            i += 1
            return TOMLNode(value: .table(table.build()), position: position(start))
        }
        while true {
            skipWhitespace()
            try checkNoNewline(self)
            try parseKeyValue(into: table, path: path, section: section, inline: true)
            skipWhitespace()
            try checkNoNewline(self)
            if peek() == "," {
                let comma = i
                i += 1
                skipWhitespace()
                try checkNoNewline(self)
                if peek() == "}" {
                    throw error("trailing comma is not allowed in an inline table", at: comma)
                }
                continue
            }
            if peek() == "}" {
                i += 1
                break
            }
            throw error("expected ',' or '}' after a value in an inline table, found \(describeCurrent())", at: i)
        }
        return TOMLNode(value: .table(table.build()), position: position(start))
    }

    // MARK: Strings

    private mutating func parseBasicString() throws -> String {
        let start = i
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !atNewline else {
                throw error("unterminated string: expected a closing '\"' before \(describeCurrent())", at: start)
            }
            if c == "\"" {
                i += 1
                return String(out)
            }
            if c == "\\" {
                out.append(try parseEscape(stringStart: start))
                continue
            }
            if Self.isControl(c) && c != "\t" {
                throw error("\(Self.describe(c)) is not allowed in a string; use an escape sequence", at: i)
            }
            out.append(c)
            i += 1
        }
    }

    private mutating func parseLiteralString() throws -> String {
        let start = i
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !atNewline else {
                throw error("unterminated string: expected a closing \"'\" before \(describeCurrent())", at: start)
            }
            if c == "'" {
                i += 1
                return String(out)
            }
            if Self.isControl(c) && c != "\t" {
                throw error("\(Self.describe(c)) is not allowed in a literal string", at: i)
            }
            out.append(c)
            i += 1
        }
    }

    private mutating func parseMultilineBasicString() throws -> String {
        let start = i
        i += 3
        _ = consumeNewline()  // a line break right after the opening delimiter is trimmed
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line string: expected a closing '\"\"\"'", at: start)
            }
            if c == "\"" {
                var n = 0
                while peek(n) == "\"" { n += 1 }
                if n >= 3 {
                    if n > 5 {
                        throw error("too many quotes: '\"\"\"' inside a multi-line string must be escaped", at: i)
                    }
                    for _ in 0..<(n - 3) { out.append("\"") }
                    i += n
                    return String(out)
                }
                for _ in 0..<n { out.append("\"") }
                i += n
                continue
            }
            if c == "\\" {
                // Line-ending backslash: trims the line break and all following whitespace.
                var j = i + 1
                while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                if j < s.count, s[j] == "\n" || (s[j] == "\r" && j + 1 < s.count && s[j + 1] == "\n") {
                    i = j
                    while true {
                        skipWhitespace()
                        if !consumeNewline() { break }
                    }
                    continue
                }
                out.append(try parseEscape(stringStart: start))
                continue
            }
            if c == "\n" {
                out.append("\n")
                i += 1
                continue
            }
            if c == "\r" && peek(1) == "\n" {
                out.append("\n")
                i += 2
                continue
            }
            if Self.isControl(c) && c != "\t" {
                throw error("\(Self.describe(c)) is not allowed in a string; use an escape sequence", at: i)
            }
            out.append(c)
            i += 1
        }
    }

    private mutating func parseMultilineLiteralString() throws -> String {
        let start = i
        i += 3
        _ = consumeNewline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line string: expected a closing \"'''\"", at: start)
            }
            if c == "'" {
                var n = 0
                while peek(n) == "'" { n += 1 }
                if n >= 3 {
                    if n > 5 {
                        throw error("too many quotes: \"'''\" cannot appear inside a multi-line literal string", at: i)
                    }
                    for _ in 0..<(n - 3) { out.append("'") }
                    i += n
                    return String(out)
                }
                for _ in 0..<n { out.append("'") }
                i += n
                continue
            }
            if c == "\n" {
                out.append("\n")
                i += 1
                continue
            }
            if c == "\r" && peek(1) == "\n" {
                out.append("\n")
                i += 2
                continue
            }
            if Self.isControl(c) && c != "\t" {
                throw error("\(Self.describe(c)) is not allowed in a literal string", at: i)
            }
            out.append(c)
            i += 1
        }
    }

    /// At '\\' inside a basic string: decodes one escape sequence.
    private mutating func parseEscape(stringStart: Int) throws -> Unicode.Scalar {
        let start = i
        i += 1
        guard let e = peek() else {
            throw error("unterminated string: expected a closing '\"'", at: stringStart)
        }
        i += 1
        switch e {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = e == "u" ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), let digit = Self.hexValue(h) else {
                    throw error("invalid escape sequence: '\\\(Character(e))' must be followed by exactly \(count) hexadecimal digits", at: start)
                }
                value = value &* 16 &+ digit
                i += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                let hex = String(value, radix: 16, uppercase: true)
                throw error("invalid escape sequence: U+\(hex) is not a Unicode scalar value", at: start)
            }
            return scalar
        default:
            let shown = (e == "\n" || e == "\r") ? "a line break" : (Self.isControl(e) ? Self.describe(e) : "'\\\(Character(e))'")
            throw error("invalid escape sequence \(shown) in a string; expected one of \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX", at: start)
        }
    }

    static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 0x30
        case "a"..."f": return c.value - 0x61 + 10
        case "A"..."F": return c.value - 0x41 + 10
        default: return nil
        }
    }

    // MARK: Bare values: booleans, numbers, date-times

    private mutating func parseToken() throws -> TOMLNode {
        let start = i
        while let c = peek(), Self.isTokenChar(c) { i += 1 }
        // A date followed by a space and a time is one local/offset date-time ("1979-05-27 07:32:00Z").
        if i - start == 10, Self.hasDateShape(s, start),
           peek() == " ", let h1 = peek(1), let h2 = peek(2), Self.isDigit(h1), Self.isDigit(h2), peek(3) == ":" {
            i += 1
            while let c = peek(), Self.isTokenChar(c) { i += 1 }
        }
        let token = Array(s[start..<i])
        let tokenText = text(start..<i)
        let pos = position(start)

        if tokenText == "true" { return TOMLNode(value: .bool(true), position: pos) }
        if tokenText == "false" { return TOMLNode(value: .bool(false), position: pos) }

        if Self.hasDateShape(token, 0) || Self.hasTimeShape(token) {
            if let problem = Self.dateTimeProblem(token) {
                throw error("invalid date-time '\(tokenText)': \(problem)", at: start)
            }
            return TOMLNode(value: .datetime(tokenText), position: pos)
        }

        let first = token[0]
        let unsigned = (first == "+" || first == "-") ? String(tokenText.dropFirst()) : tokenText
        if Self.isDigit(first) || first == "+" || first == "-" || unsigned == "inf" || unsigned == "nan" {
            return TOMLNode(value: try parseNumber(token, text: tokenText, start: start), position: pos)
        }

        var message = "invalid value '\(tokenText)': expected a string, number, boolean, date-time, array or inline table"
        if tokenText.lowercased() == "true" || tokenText.lowercased() == "false" {
            message += " (booleans are lowercase: true, false)"
        }
        throw error(message, at: start)
    }

    private func parseNumber(_ t: [Unicode.Scalar], text: String, start: Int) throws -> TOMLValue {
        var k = 0
        var negative = false
        let hasSign = t[0] == "+" || t[0] == "-"
        if hasSign {
            negative = t[0] == "-"
            k = 1
        }
        let unsigned = text.unicodeScalars.dropFirst(k)
        if unsigned.elementsEqual("inf".unicodeScalars) {
            return .float(negative ? -Double.infinity : Double.infinity)
        }
        if unsigned.elementsEqual("nan".unicodeScalars) {
            return .float(negative ? -Double.nan : Double.nan)
        }

        // 0x / 0o / 0b
        if t.count >= k + 2, t[k] == "0", let radix = Self.radix(t[k + 1]) {
            if hasSign {
                throw error("invalid number '\(text)': a sign is not allowed on hexadecimal, octal or binary integers", at: start)
            }
            let (digits, end) = try scanDigits(t, from: k + 2, radix: radix, start: start)
            if digits.isEmpty {
                throw error("invalid number '\(text)': expected digits after '0\(Character(t[k + 1]))'", at: start)
            }
            if end != t.count {
                throw error("invalid number '\(text)'", at: start)
            }
            guard let value = Int64(digits, radix: radix) else {
                throw error("integer '\(text)' does not fit in a 64-bit signed integer", at: start)
            }
            return .integer(value)
        }

        // Decimal integer or float.
        let (intDigits, intEnd) = try scanDigits(t, from: k, radix: 10, start: start)
        if intDigits.isEmpty {
            throw error("invalid number '\(text)'", at: start)
        }
        if intDigits.count > 1 && intDigits.hasPrefix("0") {
            throw error("invalid number '\(text)': leading zeros are not allowed", at: start)
        }
        var literal = (negative ? "-" : "") + intDigits
        var isFloat = false
        var j = intEnd
        if j < t.count && t[j] == "." {
            let (fraction, end) = try scanDigits(t, from: j + 1, radix: 10, start: start)
            if fraction.isEmpty {
                throw error("invalid number '\(text)': expected digits after the decimal point", at: start)
            }
            literal += "." + fraction
            j = end
            isFloat = true
        }
        if j < t.count && (t[j] == "e" || t[j] == "E") {
            j += 1
            var sign = ""
            if j < t.count && (t[j] == "+" || t[j] == "-") {
                sign = String(Character(t[j]))
                j += 1
            }
            let (exponent, end) = try scanDigits(t, from: j, radix: 10, start: start)
            if exponent.isEmpty {
                throw error("invalid number '\(text)': expected digits in the exponent", at: start)
            }
            literal += "e" + sign + exponent
            j = end
            isFloat = true
        }
        if j != t.count {
            throw error("invalid number '\(text)'", at: start)
        }
        if isFloat {
            guard let value = Double(literal) else {
                throw error("invalid number '\(text)'", at: start)
            }
            return .float(value)
        }
        guard let value = Int64(literal) else {
            throw error("integer '\(text)' does not fit in a 64-bit signed integer", at: start)
        }
        return .integer(value)
    }

    static func radix(_ c: Unicode.Scalar) -> Int? {
        switch c {
        case "x": return 16
        case "o": return 8
        case "b": return 2
        default: return nil
        }
    }

    static func isDigit(_ c: Unicode.Scalar, radix: Int) -> Bool {
        guard let v = hexValue(c) else { return false }
        return v < UInt32(radix)
    }

    /// Reads digits of `radix` with single underscores between digits. Returns the digits
    /// (underscores removed) and the index after them.
    private func scanDigits(_ t: [Unicode.Scalar], from: Int, radix: Int, start: Int) throws -> (String, Int) {
        var j = from
        var digits = String.UnicodeScalarView()
        while j < t.count {
            let c = t[j]
            if Self.isDigit(c, radix: radix) {
                digits.append(c)
                j += 1
            } else if c == "_" {
                let before = j > from && Self.isDigit(t[j - 1], radix: radix)
                let after = j + 1 < t.count && Self.isDigit(t[j + 1], radix: radix)
                if !before || !after {
                    throw error("invalid number: an underscore must be between two digits", at: start + j)
                }
                j += 1
            } else {
                break
            }
        }
        return (String(digits), j)
    }

    // MARK: Date-time validation

    /// `YYYY-MM-DD` at `at` (only the shape: digits and dashes).
    static func hasDateShape(_ t: [Unicode.Scalar], _ at: Int) -> Bool {
        guard t.count >= at + 10 else { return false }
        for k in 0..<10 {
            let c = t[at + k]
            if k == 4 || k == 7 {
                if c != "-" { return false }
            } else if !isDigit(c) {
                return false
            }
        }
        return true
    }

    /// Starts with `HH:`.
    static func hasTimeShape(_ t: [Unicode.Scalar]) -> Bool {
        t.count >= 3 && isDigit(t[0]) && isDigit(t[1]) && t[2] == ":"
    }

    /// Validates a date-time token; returns a description of the problem, or nil if valid.
    static func dateTimeProblem(_ t: [Unicode.Scalar]) -> String? {
        var j = 0
        func number(_ n: Int) -> Int? {
            guard j + n <= t.count else { return nil }
            var v = 0
            for k in j..<(j + n) {
                guard isDigit(t[k]) else { return nil }
                v = v * 10 + Int(t[k].value - 0x30)
            }
            j += n
            return v
        }
        func expect(_ c: Unicode.Scalar) -> Bool {
            guard j < t.count, t[j] == c else { return false }
            j += 1
            return true
        }
        func time() -> String? {
            guard let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else {
                return "expected a time as HH:MM:SS"
            }
            if hour > 23 { return "hour must be between 00 and 23" }
            if minute > 59 { return "minute must be between 00 and 59" }
            if second > 60 { return "second must be between 00 and 60" }
            if j < t.count && t[j] == "." {
                j += 1
                let fractionStart = j
                while j < t.count && isDigit(t[j]) { j += 1 }
                if j == fractionStart { return "expected digits after '.' in the seconds" }
            }
            return nil
        }

        if hasDateShape(t, 0) {
            let year = number(4)!
            j += 1
            let month = number(2)!
            j += 1
            let day = number(2)!
            if month < 1 || month > 12 { return "month must be between 01 and 12" }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            if day < 1 || day > days { return "day must be between 01 and \(days) for this month" }
            if j == t.count { return nil }  // local date
            guard t[j] == "T" || t[j] == "t" || t[j] == " " else {
                return "expected 'T' or a space between the date and the time"
            }
            j += 1
            if let problem = time() { return problem }
            if j == t.count { return nil }  // local date-time
            if t[j] == "Z" || t[j] == "z" {
                j += 1
            } else if t[j] == "+" || t[j] == "-" {
                j += 1
                guard let hours = number(2), expect(":"), let minutes = number(2) else {
                    return "expected a UTC offset as Z or +HH:MM / -HH:MM"
                }
                if hours > 23 || minutes > 59 { return "UTC offset is out of range" }
            } else {
                return "expected a UTC offset (Z, +HH:MM or -HH:MM) or the end of the value"
            }
            return j == t.count ? nil : "unexpected characters after the UTC offset"
        }

        if let problem = time() { return problem }
        return j == t.count ? nil : "unexpected characters after the time (local times have no UTC offset)"
    }
}
