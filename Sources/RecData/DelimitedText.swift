import Foundation
import RecKit

// The one place where data files are split into records and fields and where numbers and ids are
// parsed. Every reader (MovieLens .dat and .csv, LightGCN, RecBole, any delimited file) goes
// through here, so they all share the same rules:
//
// - files are read as bytes in 1 MiB chunks (never whole, never as one String), so a file much
//   larger than memory still parses and the peak memory is the parsed columns, not the text;
// - a UTF-8 byte-order mark at the start is skipped; lines end in LF, CRLF or a lone CR, mixed
//   freely; blank lines are skipped but still counted, so line numbers are those an editor shows;
// - numbers are parsed straight from the bytes; a String is made only for text fields and for
//   ids that are not integers;
// - every problem is a `DataFileError` naming the file, the 1-based line and the field;
// - under `BadRowLog.reading` (`--skip-bad-rows`) a malformed row is recorded and left out instead,
//   whole: rows are parsed completely before anything of them is kept.

/// How a text file splits into records and fields.
struct TextLayout: Sendable, Equatable {
    enum Separator: Sendable, Equatable {
        /// One byte: `,` `\t` `|` `;`.
        case byte(UInt8)
        /// The same byte twice: `::` in MovieLens 1M/10M. A single `:` is an ordinary character.
        case doubled(UInt8)
        /// Runs of spaces and tabs, as awk splits; leading and trailing blanks are ignored.
        case whitespace
    }

    var separator: Separator
    /// RFC 4180 quoting: a field that starts with `"` runs to the next lone `"`; `""` inside it is
    /// one `"`; it may hold separators and line breaks. Off for formats whose text holds bare quotes
    /// (MovieLens `.dat` titles such as `"Great Performances" Cats (1998)`, RecBole atomic files).
    var quoting: Bool

    static let csv = TextLayout(separator: .byte(UInt8(ascii: ",")), quoting: true)
    static let tabs = TextLayout(separator: .byte(UInt8(ascii: "\t")), quoting: false)
    static let doubleColon = TextLayout(separator: .doubled(UInt8(ascii: ":")), quoting: false)
    static let blanks = TextLayout(separator: .whitespace, quoting: false)

    /// A user-given delimiter: one ASCII character, the same ASCII character twice (`::`), or a
    /// single space, which means runs of blanks. Nil for anything else.
    init?(delimiter: String, quoting: Bool) {
        let bytes = Array(delimiter.utf8)
        guard let first = bytes.first, bytes.allSatisfy({ $0 == first }), first < 0x80, first != UInt8(ascii: "\""),
              first != 0x0A, first != 0x0D else { return nil }
        switch bytes.count {
        case 1: separator = first == UInt8(ascii: " ") ? .whitespace : .byte(first)
        case 2: separator = .doubled(first)
        default: return nil
        }
        self.quoting = quoting
    }

    init(separator: Separator, quoting: Bool) {
        self.separator = separator
        self.quoting = quoting
    }
}

/// How the text fields of a file are encoded.
enum TextEncoding: Sendable {
    case utf8
    /// ISO-8859-1: every byte is the Unicode scalar of the same value (MovieLens 100K and 1M).
    case latin1
    /// UTF-8 where a field is valid UTF-8, else Latin-1 (for files whose encoding is not documented).
    case utf8OrLatin1
}

/// One field's bytes within the read buffer.
struct FieldSpan {
    var start: Int
    var end: Int
    /// Quoted with `""` escapes still to collapse.
    var escaped: Bool
}

/// One record (a line, or several lines when a quoted field holds line breaks). Its bytes belong to
/// the reader's buffer and are valid until the reader's next `next()`.
struct Record {
    /// Not retained: a record lives only while its reader does (and a String here would cost a
    /// retain and a release per line).
    unowned(unsafe) let reader: RecordReader
    /// 1-based line on which the record starts.
    let line: Int
    let base: UnsafeMutablePointer<UInt8>
    let spans: UnsafeBufferPointer<FieldSpan>

    var path: String { reader.path }

    var count: Int { spans.count }

    @inline(__always) func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let span = spans[index]
        return UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
    }

    func error(_ field: String?, _ message: String) -> DataFileError {
        DataFileError(file: path, line: line, field: field, message: message)
    }

    /// The raw text of a field, for messages (Latin-1 where it is not UTF-8, shortened).
    func display(_ index: Int) -> String {
        let raw = bytes(index)
        let text = decode(raw, .utf8OrLatin1)
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// The field as text (without surrounding blanks if `trimmed`). Invalid UTF-8 in a `.utf8`
    /// file is an error naming the field.
    func text(_ index: Int, field: String, encoding: TextEncoding = .utf8, trimmed: Bool = false) throws -> String {
        let raw = trimmed ? ParseNumber.trimmed(bytes(index)) : bytes(index)
        if encoding == .utf8 {
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw error(field, "not valid UTF-8 text (is the file Latin-1?)")
            }
            return text
        }
        return decode(raw, encoding)
    }

    /// True when every field equals the header's.
    func matches(_ header: [[UInt8]]) -> Bool {
        guard count == header.count else { return false }
        for index in 0..<count where !bytes(index).elementsEqual(header[index]) { return false }
        return true
    }

    func integer(_ index: Int, field: String) throws -> Int64 {
        switch ParseNumber.integer(bytes(index)) {
        case .value(let value): return value
        case .overflow: throw error(field, "\"\(display(index))\" overflows a 64-bit integer")
        case .invalid: throw error(field, "\"\(display(index))\" is not an integer")
        }
    }

    /// A finite rating (NaN and infinity are errors) within `minimum...maximum`.
    @inline(__always)
    func rating(_ index: Int, field: String, minimum: Float = -.greatestFiniteMagnitude, maximum: Float = .greatestFiniteMagnitude) throws -> Float {
        guard let value = ParseNumber.float(bytes(index)), value.isFinite else {
            throw error(field, "\"\(display(index))\" is not a finite number")
        }
        guard value >= minimum && value <= maximum else {
            throw error(field, "rating \(display(index)) is outside \(minimum)...\(maximum)")
        }
        return value
    }

    /// Seconds since the epoch; a fraction ("881250949.0", RecBole's `timestamp:float`) is floored.
    @inline(__always)
    func timestamp(_ index: Int, field: String) throws -> Int64 {
        if case .value(let value) = ParseNumber.integer(bytes(index)) { return value }
        if let value = ParseNumber.double(bytes(index)), value.isFinite, value >= -9.2e18, value <= 9.2e18 {
            return Int64(value.rounded(.down))
        }
        throw error(field, "\"\(display(index))\" is not a timestamp (seconds since 1970)")
    }

    /// A non-negative integer that fits `Int32` (LightGCN's 0-based ids).
    func index(_ index: Int, field: @autoclosure () -> String) throws -> Int32 {
        let raw = ParseNumber.trimmed(bytes(index))
        if let first = raw.first, first == UInt8(ascii: "-") {
            throw error(field(), "id \(display(index)) is negative")
        }
        switch ParseNumber.integer(raw) {
        case .value(let value) where value <= Int64(Int32.max): return Int32(value)
        case .value, .overflow: throw error(field(), "id \(display(index)) overflows a 32-bit id")
        case .invalid: throw error(field(), "\"\(display(index))\" is not a non-negative integer id")
        }
    }

    /// Interns the field as an original id (see `IDInterner`).
    @inline(__always) func id(_ index: Int, field: String, into interner: inout IDInterner) throws -> Int32 {
        try interner.intern(bytes(index)) { problem in error(field, problem.message(display(index))) }
    }
}

/// Decodes bytes as text in the given encoding (never fails: `.utf8` repairs invalid bytes).
func decode(_ raw: UnsafeBufferPointer<UInt8>, _ encoding: TextEncoding) -> String {
    switch encoding {
    case .utf8: return String(decoding: raw, as: UTF8.self)
    case .latin1: return latin1(raw)
    case .utf8OrLatin1: return String(validating: raw, as: UTF8.self) ?? latin1(raw)
    }
}

private func latin1(_ raw: UnsafeBufferPointer<UInt8>) -> String {
    if !raw.contains(where: { $0 >= 0x80 }) { return String(decoding: raw, as: UTF8.self) }
    var scalars = String.UnicodeScalarView()
    for byte in raw { scalars.append(Unicode.Scalar(byte)) }
    return String(scalars)
}

// MARK: - Reading records

/// Reads a file's records one at a time, 1 MiB of the file at a time:
///
///     let reader = try RecordReader(path: path, layout: .csv)
///     while let record = try reader.next() { … }
///     let sha256 = try reader.finish()
///
/// A pull loop rather than a callback, so that the caller's hot loop works on its own locals.
final class RecordReader {
    static let defaultChunkSize = 1 << 20

    let path: String
    let layout: TextLayout
    private let descriptor: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var filled = 0
    private var position = 0
    private var atEnd = false
    private var bytesRead = 0
    /// The line the next record starts on.
    private var line = 1
    private var spans: UnsafeMutablePointer<FieldSpan>
    private var spanCapacity = 64
    private let isSpecial: UnsafeMutablePointer<Bool>
    /// Hashes the bytes as they are read; nil when the hash cache already knows the file's SHA-256.
    private let hasher: BackgroundHasher?
    private let hashCache: FileHashCache?
    private let identity: FileHashCache.FileIdentity?
    private let cachedSHA256: String?
    private let readStarted = FileHashCache.now()
    /// Where malformed rows go instead of stopping the read (`--skip-bad-rows`); nil = stop.
    let badRows: BadRowLog?
    /// A record the scanner skipped, recorded once the scan that found it completes.
    private var skippedRecord: DataFileError?

    /// `badRows` defaults to the log of the enclosing `BadRowLog.reading`, if any.
    init(path: String, layout: TextLayout, chunkSize: Int = defaultChunkSize, badRows: BadRowLog? = BadRowLog.current,
         hashCache: FileHashCache? = FileHashCache.current) throws {
        self.path = path
        self.layout = layout
        self.badRows = badRows
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw DataFileError(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.hashCache = hashCache
        identity = hashCache == nil ? nil : FileHashCache.FileIdentity(descriptor: descriptor)
        cachedSHA256 = identity.flatMap { hashCache?.lookup(path, $0) }
        hasher = cachedSHA256 == nil ? BackgroundHasher() : nil
        capacity = max(chunkSize, 16)
        buffer = .allocate(capacity: capacity)
        spans = .allocate(capacity: spanCapacity)
        isSpecial = .allocate(capacity: 256)
        isSpecial.initialize(repeating: false, count: 256)
        isSpecial[0x0A] = true
        isSpecial[0x0D] = true
        switch layout.separator {
        case .byte(let byte), .doubled(let byte): isSpecial[Int(byte)] = true
        case .whitespace:
            isSpecial[0x20] = true
            isSpecial[0x09] = true
        }
        if layout.quoting { isSpecial[0x22] = true }
        try refill()
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
        spans.deallocate()
        isSpecial.deallocate()
    }

    /// The next non-blank record, nil at the end of the file. Its bytes stay valid until the next call.
    func next() throws -> Record? {
        while true {
            if position == filled && atEnd { return nil }
            if let scanned = try scan() {
                let start = line
                line += scanned.lines
                position = scanned.next
                if let skipped = skippedRecord {
                    badRows?.record(skipped)
                    skippedRecord = nil
                }
                if scanned.count > 0 {
                    return Record(reader: self, line: start, base: buffer, spans: UnsafeBufferPointer(start: spans, count: scanned.count))
                }
            } else {
                try refill()
            }
        }
    }

    /// The SHA-256 of the whole file (reading whatever is left, unless the hash cache knew it); an
    /// empty file is an error.
    func finish() throws -> String {
        if let cachedSHA256 { return cachedSHA256 }
        while !atEnd {
            position = filled
            try refill()
        }
        if bytesRead == 0 { throw DataFileError(file: path, message: "the file is empty") }
        let digest = hasher!.hexDigest()
        if let hashCache, let identity {
            hashCache.store(path, sha256: digest, before: identity, after: FileHashCache.FileIdentity(descriptor: descriptor),
                            readStarted: readStarted)
        }
        return digest
    }

    private func refill() throws {
        if position > 0 {
            buffer.update(from: buffer + position, count: filled - position)
            filled -= position
            position = 0
        }
        if filled == capacity {
            // One record longer than the buffer: double it.
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            larger.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = larger
            capacity *= 2
        }
        while filled < capacity && !atEnd {
            let got = read(descriptor, buffer + filled, capacity - filled)
            if got < 0 {
                if errno == EINTR { continue }
                throw DataFileError(file: path, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            if got == 0 {
                atEnd = true
                break
            }
            hasher?.update(UnsafeBufferPointer(start: buffer + filled, count: got))
            bytesRead += got
            filled += got
            if bytesRead == got, filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
                position = 3 // a UTF-8 byte-order mark
            }
        }
    }

    /// Where the line holding `p` ends: the position after its line break (or the end of the file)
    /// and the number of breaks passed (0 or 1); nil when more must be read to know.
    private func lineEnd(from p: Int, limit: Int, atEnd: Bool) -> (next: Int, lines: Int)? {
        var q = p
        while q < limit && buffer[q] != 0x0A && buffer[q] != 0x0D { q += 1 }
        if q == limit { return atEnd ? (q, 0) : nil }
        if buffer[q] == 0x0A { return (q + 1, 1) }
        if q + 1 < limit { return (buffer[q + 1] == 0x0A ? q + 2 : q + 1, 1) }
        return atEnd ? (q + 1, 1) : nil // a CR at the end of the buffer may be half of a CRLF
    }

    private func growSpans() {
        let larger = UnsafeMutablePointer<FieldSpan>.allocate(capacity: spanCapacity * 2)
        larger.update(from: spans, count: spanCapacity)
        spans.deallocate()
        spans = larger
        spanCapacity *= 2
    }

    /// Scans one record from `position`: where the next one starts, its field count (0 for a blank
    /// line) and the line breaks it spans; nil when it runs past the buffer and more must be read.
    private func scan() throws -> (next: Int, count: Int, lines: Int)? {
        let buffer = self.buffer, limit = filled, atEnd = self.atEnd, isSpecial = self.isSpecial
        let start = position
        let whitespace = layout.separator == .whitespace, quoting = layout.quoting
        var spans = self.spans, spanCapacity = self.spanCapacity
        let quote: UInt8 = 0x22
        var count = 0
        var p = start
        var fieldStart = start
        var lines = 0
        var anySeparator = false, anyQuoted = false, escapedAny = false
        var quoted: FieldSpan?

        @inline(__always) func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        @inline(__always) func endField(_ end: Int) {
            let span: FieldSpan
            if let q = quoted {
                span = q
                quoted = nil
            } else if !whitespace || end > fieldStart {
                span = FieldSpan(start: fieldStart, end: end, escaped: false)
            } else {
                return
            }
            if count == spanCapacity {
                growSpans()
                spans = self.spans
                spanCapacity = self.spanCapacity
            }
            spans[count] = span
            count += 1
        }

        if whitespace {
            while p < limit, isBlank(buffer[p]) { p += 1 }
            if p == limit && !atEnd { return nil }
            fieldStart = p
        }
        scanning: while true {
            // The hot loop: skip ordinary bytes.
            while p < limit && !isSpecial[Int(buffer[p])] { p += 1 }
            if p == limit {
                guard atEnd else { return nil }
                endField(p)
                break scanning
            }
            let byte = buffer[p]
            if byte == 0x0A {
                endField(p)
                p += 1
                lines += 1
                break scanning
            }
            if byte == 0x0D {
                endField(p)
                if p + 1 < limit {
                    p += buffer[p + 1] == 0x0A ? 2 : 1
                } else if atEnd {
                    p += 1
                } else {
                    return nil // a CR at the end of the buffer may be the first half of a CRLF
                }
                lines += 1
                break scanning
            }
            if byte == quote && quoting {
                guard p == fieldStart && quoted == nil else {
                    p += 1 // a quote inside an unquoted field is an ordinary character
                    continue scanning
                }
                // A quoted field: find its closing quote, counting the line breaks inside it.
                var q = p + 1
                var escaped = false
                while true {
                    while q < limit && buffer[q] != quote {
                        if buffer[q] == 0x0A || (buffer[q] == 0x0D && q + 1 < limit && buffer[q + 1] != 0x0A) { lines += 1 }
                        q += 1
                    }
                    if q + 1 >= limit && !atEnd { return nil }
                    guard q < limit else {
                        throw DataFileError(file: path, line: line, field: "field \(count + 1)",
                                            message: "quoted field never closed: a \" opens it and no \" ends it")
                    }
                    guard q + 1 < limit && buffer[q + 1] == quote else { break }
                    escaped = true
                    q += 2
                }
                quoted = FieldSpan(start: p + 1, end: q, escaped: escaped)
                anyQuoted = true
                escapedAny = escapedAny || escaped
                p = q + 1
                // What follows the closing quote must end the field.
                if p < limit {
                    let next = buffer[p]
                    var endsField = next == 0x0A || next == 0x0D
                    switch layout.separator {
                    case .byte(let separator): endsField = endsField || next == separator
                    case .doubled(let separator):
                        if next == separator && p + 1 >= limit && !atEnd { return nil }
                        endsField = endsField || (next == separator && p + 1 < limit && buffer[p + 1] == separator)
                    case .whitespace: endsField = endsField || isBlank(next)
                    }
                    guard endsField else {
                        let error = DataFileError(file: path, line: line + lines, field: "field \(count + 1)",
                                                  message: "unexpected character after the closing quote of a quoted field (a \" inside a quoted field must be doubled)")
                        guard badRows != nil else { throw error }
                        // Skipping bad rows: the record ends at the end of this physical line.
                        guard let end = lineEnd(from: p, limit: limit, atEnd: atEnd) else { return nil }
                        skippedRecord = error
                        return (end.next, 0, lines + end.lines)
                    }
                }
                continue scanning
            }
            // The separator byte.
            switch layout.separator {
            case .byte:
                endField(p)
                p += 1
            case .doubled:
                if p + 1 >= limit {
                    if !atEnd { return nil }
                    p += 1
                    continue scanning
                }
                guard buffer[p + 1] == byte else {
                    p += 1 // a single ":" is text
                    continue scanning
                }
                endField(p)
                p += 2
            case .whitespace:
                endField(p)
                while p < limit, isBlank(buffer[p]) { p += 1 }
                if p == limit && !atEnd { return nil }
            }
            anySeparator = true
            fieldStart = p
        }
        // A line with nothing on it is blank: no fields at all.
        if !anySeparator && !anyQuoted && count == 1 && spans[0].start == spans[0].end { count = 0 }
        if escapedAny {
            // Collapse "" to " in place: the record is complete, so its bytes are not scanned again.
            for index in 0..<count where spans[index].escaped {
                var read = spans[index].start, write = spans[index].start
                while read < spans[index].end {
                    buffer[write] = buffer[read]
                    read += buffer[read] == quote ? 2 : 1
                    write += 1
                }
                spans[index].end = write
                spans[index].escaped = false
            }
        }
        return (p, count, lines)
    }
}

/// SHA-256 of a file computed on a serial queue while the reader parses it, so on two cores the
/// fingerprint costs no wall time. At most two chunks wait to be hashed (2 MiB), so a slow hasher
/// holds the reader back instead of piling up copies.
final class BackgroundHasher: @unchecked Sendable {
    // `hasher` is touched only on `queue`.
    private var hasher = SHA256()
    private let queue = DispatchQueue(label: "recbench.data-file-sha256")
    private let slots = DispatchSemaphore(value: 2)

    func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        let chunk = Data(buffer: bytes)
        slots.wait()
        queue.async {
            self.hasher.update(chunk)
            self.slots.signal()
        }
    }

    func hexDigest() -> String {
        queue.sync { hasher.hexDigest() }
    }
}

enum DelimitedText {
    /// Calls `body` for every non-blank record, in file order, and returns the file's SHA-256
    /// (computed from the same reads, so the file is read once). For small files; hot loops use
    /// `RecordReader` directly.
    @discardableResult
    static func forEachRecord(
        in path: String, layout: TextLayout, chunkSize: Int = RecordReader.defaultChunkSize, _ body: (Record) throws -> Void
    ) throws -> String {
        let reader = try RecordReader(path: path, layout: layout, chunkSize: chunkSize)
        while let record = try reader.next() { try body(record) }
        return try reader.finish()
    }

    /// An estimate of the number of records, from the size of the file and the line length of its
    /// first megabyte, so the column arrays can be sized once instead of grown by doubling.
    static func estimatedRecordCount(in path: String) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0, (try? handle.seek(toOffset: 0)) != nil,
              let head = try? handle.read(upToCount: 1 << 20), !head.isEmpty else { return 0 }
        let lines = head.withUnsafeBytes { raw in raw.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
        guard lines > 0 else { return 1 }
        if head.count == Int(size) { return lines + 1 }
        return Int(Double(size) / (Double(head.count) / Double(lines)) * 1.02) + 16
    }
}

// MARK: - Numbers from bytes

enum ParseNumber {
    enum IntegerResult: Equatable {
        case value(Int64)
        case overflow
        case invalid
    }

    @inline(__always) static func trimmed(_ raw: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = raw.baseAddress else { return raw }
        var start = 0, end = raw.count
        while start < end, raw[start] == 0x20 || raw[start] == 0x09 { start += 1 }
        while end > start, raw[end - 1] == 0x20 || raw[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    /// A decimal integer with an optional sign.
    @inline(__always)
    static func integer(_ raw: UnsafeBufferPointer<UInt8>) -> IntegerResult {
        // Fast path: 1 to 18 plain digits (every timestamp), which cannot overflow.
        let count = raw.count
        if count > 0 && count <= 18 {
            var value: Int64 = 0
            var index = 0
            while index < count {
                let digit = raw[index] &- 0x30
                if digit > 9 { break }
                value = value &* 10 &+ Int64(digit)
                index += 1
            }
            if index == count { return .value(value) }
        }
        return integerSlowly(raw)
    }

    private static func integerSlowly(_ raw: UnsafeBufferPointer<UInt8>) -> IntegerResult {
        let bytes = trimmed(raw)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < bytes.count else { return .invalid }
        var value: Int64 = 0
        var overflow = false
        while index < bytes.count {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return .invalid }
            if !overflow {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
                if o1 || o2 { overflow = true } else { value = plus }
            }
            index += 1
        }
        return overflow ? .overflow : .value(value)
    }

    private static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

    /// A decimal number. Plain forms with at most 7 significant digits ("4", "3.5", "0.25") are
    /// computed exactly from the bytes (mantissa and power of ten are both exact in Float, and one
    /// IEEE division rounds correctly, so the result equals `Float(String)`); anything else
    /// (exponents, long mantissas, "nan", "inf") goes through `Float(String)`.
    @inline(__always)
    static func float(_ raw: UnsafeBufferPointer<UInt8>) -> Float? {
        // Fast path: "d.d", the shape of every MovieLens half-star rating; the same division as below.
        if raw.count == 3, raw[1] == UInt8(ascii: "."), raw[0] &- 0x30 < 10, raw[2] &- 0x30 < 10 {
            return Float(UInt32(raw[0] &- 0x30) * 10 + UInt32(raw[2] &- 0x30)) / 10
        }
        return floatSlowly(raw)
    }

    private static func floatSlowly(_ raw: UnsafeBufferPointer<UInt8>) -> Float? {
        let bytes = trimmed(raw)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt32 = 0, digits = 0, fraction = 0, dot = false, plain = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") && !dot {
                dot = true
            } else if byte &- 0x30 < 10 {
                if digits < 8 { mantissa = mantissa * 10 + UInt32(byte &- 0x30) }
                digits += 1
                if dot { fraction += 1 }
            } else {
                plain = false
                break
            }
            index += 1
        }
        if plain && digits > 0 && digits <= 7 && fraction <= 10 {
            let value = Float(mantissa) / powersOfTen[fraction]
            return negative ? -value : value
        }
        guard !bytes.isEmpty else { return nil }
        return Float(String(decoding: bytes, as: UTF8.self))
    }

    static func double(_ raw: UnsafeBufferPointer<UInt8>) -> Double? {
        let bytes = trimmed(raw)
        guard !bytes.isEmpty else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }
}

// MARK: - Original ids

/// Why an id field was rejected.
enum IDProblem {
    case empty, negative, overflow, notText, notInteger

    func message(_ shown: String) -> String {
        switch self {
        case .notInteger: return "id \"\(shown)\" is not an integer (this format numbers its ids)"
        case .empty: return "the id is empty"
        case .negative: return "id \(shown) is negative"
        case .overflow: return "id \(shown) overflows a 64-bit integer"
        case .notText: return "id \"\(shown)\" is not valid UTF-8"
        }
    }
}

/// Assigns provisional indices to original ids as they are met, then dense ids in ascending order
/// of original id: numeric order while every id is a canonical non-negative integer ("7", not
/// "007" or "+7"), else string order over all ids of the column (so "10" < "9" < "a").
///
/// A digit string that overflows 64 bits and a negative integer ("-5") are errors, not text ids.
/// Integer ids below 4,194,304 are looked up in a flat table, so interning a MovieLens-sized id
/// costs an array read.
struct IDInterner {
    private static let tableLimit: Int64 = 1 << 22

    private var table: [Int32] = [] // id → provisional index + 1 (0 = not seen)
    private var large: [Int64: Int32] = [:]
    private var numbers: [Int64] = []
    private var byText: [String: Int32] = [:]
    private var texts: [String] = []
    private(set) var isNumeric = true
    /// Every id must be a non-negative integer (MovieLens): leading zeros are allowed and dropped,
    /// anything else is an error instead of a text id.
    var requireInteger = false
    private var lastNumber: Int64 = -1
    private var lastIndex: Int32 = 0

    var count: Int { isNumeric ? numbers.count : texts.count }

    /// Interns an id given as bytes; `fail` turns a problem into the error to throw.
    @inline(__always)
    mutating func intern(_ raw: UnsafeBufferPointer<UInt8>, fail: (IDProblem) -> DataFileError) throws -> Int32 {
        // Fast path: 1 to 18 digits without a leading zero, the shape of almost every id.
        let count = raw.count
        if count > 0 && count <= 18 && (raw[0] != 0x30 || count == 1) {
            var value: Int64 = 0
            var index = 0
            while index < count {
                let digit = raw[index] &- 0x30
                if digit > 9 { break }
                value = value &* 10 &+ Int64(digit)
                index += 1
            }
            if index == count { return intern(number: value) }
        }
        return try internSlowly(raw, fail: fail)
    }

    private mutating func internSlowly(_ raw: UnsafeBufferPointer<UInt8>, fail: (IDProblem) -> DataFileError) throws -> Int32 {
        switch classify(raw) {
        case .number(let value): return intern(number: value)
        case .text(let text): return intern(text: text)
        case .problem(let problem): throw fail(problem)
        }
    }

    private enum Classified {
        case number(Int64)
        case text(String)
        case problem(IDProblem)
    }

    /// What `intern` would make of the bytes, without interning them.
    private func classify(_ raw: UnsafeBufferPointer<UInt8>) -> Classified {
        let bytes = ParseNumber.trimmed(raw)
        guard let first = bytes.first else { return .problem(.empty) }
        // Canonical integer: digits only, no leading zero unless it is "0".
        if first &- 0x30 < 10 && (first != 0x30 || bytes.count == 1) {
            var value: Int64 = 0
            var allDigits = true, overflow = false
            for byte in bytes {
                let digit = byte &- 0x30
                if digit >= 10 { allDigits = false; break }
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(Int64(digit))
                if o1 || o2 { overflow = true } else { value = plus }
            }
            if allDigits { return overflow ? .problem(.overflow) : .number(value) }
        } else if first == UInt8(ascii: "-"), bytes.count > 1, bytes.dropFirst().allSatisfy({ $0 &- 0x30 < 10 }) {
            return .problem(.negative)
        }
        if requireInteger {
            switch ParseNumber.integer(bytes) {
            case .value(let value) where first != UInt8(ascii: "+"): return .number(value)
            case .overflow: return .problem(.overflow)
            default: return .problem(.notInteger)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .problem(.notText) }
        return .text(text)
    }

    /// The problem `intern` would throw for these bytes, nil when it would accept them; interns
    /// nothing. (For skipping a bad row before any of its ids is interned.)
    func problem(_ raw: UnsafeBufferPointer<UInt8>) -> IDProblem? {
        if case .problem(let problem) = classify(raw) { return problem }
        return nil
    }

    @inline(__always)
    mutating func intern(number: Int64) -> Int32 {
        // Files are often grouped by user: the same id as last time costs one comparison.
        if number == lastNumber { return lastIndex }
        let index = lookUp(number: number)
        if isNumeric {
            lastNumber = number
            lastIndex = index
        }
        return index
    }

    private mutating func lookUp(number: Int64) -> Int32 {
        guard isNumeric else { return intern(text: String(number)) }
        if number < Self.tableLimit {
            let slot = Int(number)
            if slot >= table.count {
                table.append(contentsOf: repeatElement(0, count: max(slot + 1, table.count * 2) - table.count))
            }
            let found = table[slot]
            if found != 0 { return found - 1 }
            let index = Int32(numbers.count)
            numbers.append(number)
            table[slot] = index + 1
            return index
        }
        if let found = large[number] { return found }
        let index = Int32(numbers.count)
        numbers.append(number)
        large[number] = index
        return index
    }

    mutating func intern(text: String) -> Int32 {
        if isNumeric {
            if let number = Int64(text), number >= 0, String(number) == text { return intern(number: number) }
            // The first id that is not a canonical integer: every id is text from now on.
            texts = numbers.map(String.init)
            byText = Dictionary(uniqueKeysWithValues: texts.enumerated().map { ($1, Int32($0)) })
            numbers = []
            table = []
            large = [:]
            isNumeric = false
            lastNumber = -1
        }
        if let found = byText[text] { return found }
        let index = Int32(texts.count)
        texts.append(text)
        byText[text] = index
        return index
    }

    /// The original ids in dense order, and for each provisional index its dense id.
    func finish() -> (ids: [String], dense: [Int32]) {
        let order: [Int]
        if isNumeric {
            order = numbers.indices.sorted { numbers[$0] < numbers[$1] }
        } else {
            order = texts.indices.sorted { texts[$0] < texts[$1] }
        }
        var dense = [Int32](repeating: 0, count: order.count)
        for (rank, provisional) in order.enumerated() { dense[provisional] = Int32(rank) }
        let ids = isNumeric ? order.map { String(numbers[$0]) } : order.map { texts[$0] }
        return (ids, dense)
    }
}

// MARK: - Interaction columns

/// The four columns of interactions under construction, with their id interners.
struct InteractionTable {
    var users: [Int32] = []
    var items: [Int32] = []
    var ratings: [Float] = []
    var timestamps: [Int64] = []
    var userIDs = IDInterner()
    var itemIDs = IDInterner()

    var count: Int { users.count }

    /// A table whose ids must all be integers.
    static func integerIDs() -> InteractionTable {
        var table = InteractionTable()
        table.userIDs.requireInteger = true
        table.itemIDs.requireInteger = true
        return table
    }

    mutating func reserve(_ count: Int) {
        users.reserveCapacity(count)
        items.reserveCapacity(count)
        ratings.reserveCapacity(count)
        timestamps.reserveCapacity(count)
    }

    @inline(__always) mutating func append(user: Int32, item: Int32, rating: Float, timestamp: Int64) {
        users.append(user)
        items.append(item)
        ratings.append(rating)
        timestamps.append(timestamp)
    }

    /// Sorts the ids and rewrites the user and item columns from provisional to dense ids in place.
    /// Returns the original ids and the provisional → dense maps (for side information).
    mutating func finish() -> (userIDs: [String], itemIDs: [String], userDense: [Int32], itemDense: [Int32]) {
        let (userIDs, userDense) = self.userIDs.finish()
        let (itemIDs, itemDense) = self.itemIDs.finish()
        Self.remap(&users, userDense)
        Self.remap(&items, itemDense)
        return (userIDs, itemIDs, userDense, itemDense)
    }

    private static func remap(_ column: inout [Int32], _ dense: [Int32]) {
        dense.withUnsafeBufferPointer { map in
            column.withUnsafeMutableBufferPointer { values in
                for k in values.indices { values[k] = map[Int(values[k])] }
            }
        }
    }

    /// Builds the dataset; side information is given by provisional index and placed by dense id.
    mutating func dataset(
        name: String, sources: [(name: String, sha256: String)],
        itemInfo: (_ provisional: Int) -> (title: String, genres: [String], year: Int?, tags: [String], attributes: [String: String])? = { _ in nil },
        userInfo: (_ provisional: Int) -> [String: String]? = { _ in nil }
    ) -> Dataset {
        let (userIDs, itemIDs, userDense, itemDense) = finish()
        var titles = [String](repeating: "", count: itemIDs.count)
        var genres = [[String]](repeating: [], count: itemIDs.count)
        var years = [Int?](repeating: nil, count: itemIDs.count)
        var tags = [[String]](repeating: [], count: itemIDs.count)
        var itemAttributes = [[String: String]](repeating: [:], count: itemIDs.count)
        for (provisional, dense) in itemDense.enumerated() {
            guard let info = itemInfo(provisional) else { continue }
            let d = Int(dense)
            titles[d] = info.title
            genres[d] = info.genres
            years[d] = info.year
            tags[d] = info.tags
            itemAttributes[d] = info.attributes
        }
        var userAttributes = [[String: String]](repeating: [:], count: userIDs.count)
        for (provisional, dense) in userDense.enumerated() {
            if let info = userInfo(provisional) { userAttributes[Int(dense)] = info }
        }
        let dataset = Dataset(
            name: name, userIDs: userIDs, itemIDs: itemIDs, users: users, items: items, ratings: ratings,
            timestamps: timestamps, itemTitles: titles, itemGenres: genres, sourceFiles: sources,
            itemYears: years, itemTags: tags, itemAttributes: itemAttributes, userAttributes: userAttributes)
        users = []
        items = []
        ratings = []
        timestamps = []
        return dataset
    }
}

// MARK: - Headers and columns

/// A header line: column names and their positions.
struct HeaderRow {
    let path: String
    let line: Int
    let names: [String]
    /// The raw bytes of each field, to recognise the header when it is repeated further down.
    let raw: [[UInt8]]
    /// The length and first byte of the first field: almost every data row differs from the header
    /// in one of them, which two comparisons tell.
    private let firstCount: Int
    private let firstByte: UInt8

    init(_ record: Record) throws {
        path = record.path
        line = record.line
        firstCount = record.count > 0 ? record.bytes(0).count : 0
        firstByte = firstCount > 0 ? record.bytes(0)[0] : 0
        var names: [String] = []
        var raw: [[UInt8]] = []
        for index in 0..<record.count {
            let clean = try record.text(index, field: "column \(index + 1) of the header", trimmed: true)
            if let previous = names.firstIndex(of: clean) {
                throw record.error("column \(index + 1) of the header",
                                   "column name \"\(clean)\" appears twice in the header (columns \(previous + 1) and \(index + 1))")
            }
            names.append(clean)
            raw.append(Array(record.bytes(index)))
        }
        self.names = names
        self.raw = raw
    }

    /// The 0-based position of a named column; an unknown name lists the header and suggests the
    /// closest name.
    func position(of name: String, for role: String) throws -> Int {
        if let index = names.firstIndex(of: name) { return index }
        var message = "no column named \"\(name)\" (for \(role)); the header has \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
        if let suggestion = Suggest.closest(to: name, among: names) { message += "; did you mean \"\(suggestion)\"?" }
        throw DataFileError(file: path, line: line, field: role, message: message)
    }

    /// Throws when a data record repeats the header (two files concatenated, or a header given twice).
    @inline(__always) func rejectRepeat(_ record: Record) throws {
        let first = record.bytes(0)
        guard first.count == firstCount, firstCount == 0 || first[0] == firstByte else { return }
        if record.count == raw.count, first.elementsEqual(raw[0]), record.matches(raw) {
            throw record.error(nil, "the header (line \(line)) appears again; was a file with a header appended to another?")
        }
    }
}


// MARK: - Side files

/// Reading a side file (items, users, tags) row by row with the shared checks: header parsed and
/// its names checked, every row with the header's field count (or `fieldCount` without a header),
/// a repeated header rejected. Under `BadRowLog.reading`, a row that fails any check or whose
/// `row` throws a `DataFileError` is recorded and skipped.
enum TableFile {
    /// Calls `header` once (with nil when the file has none) and `row` for each data row; returns
    /// the file's SHA-256.
    @discardableResult
    static func forEachRow(
        in path: String, layout: TextLayout, hasHeader: Bool, fieldCount fixedCount: Int? = nil,
        header: (HeaderRow?) throws -> Void = { _ in }, row: (Record) throws -> Void
    ) throws -> String {
        var headerRow: HeaderRow?
        var fieldCount = fixedCount ?? -1
        var started = false
        let badRows = BadRowLog.current
        let sha = try DelimitedText.forEachRecord(in: path, layout: layout) { record in
            if !started {
                started = true
                if hasHeader {
                    let parsed = try HeaderRow(record)
                    headerRow = parsed
                    fieldCount = parsed.names.count
                    try header(parsed)
                    return
                }
                try header(nil)
                if fieldCount < 0 { fieldCount = record.count }
            }
            _ = try BadRowLog.row(badRows) {
                if let headerRow { try headerRow.rejectRepeat(record) }
                guard record.count == fieldCount else {
                    throw record.error(nil, "expected \(fieldCount) fields, found \(record.count)\(record.count < fieldCount ? " (truncated line?)" : "")")
                }
                try row(record)
            }
        }
        if !started { throw DataFileError(file: path, message: "the file has no lines\(hasHeader ? " (not even a header)" : "")") }
        return sha
    }
}

/// Side information gathered by provisional index while reading, placed by dense id at the end.
struct SideTable<Entry> {
    private(set) var entries: [Entry?] = []

    subscript(index: Int32) -> Entry? {
        get { Int(index) < entries.count ? entries[Int(index)] : nil }
        set {
            if Int(index) >= entries.count {
                entries.append(contentsOf: repeatElement(nil, count: Int(index) + 1 - entries.count))
            }
            entries[Int(index)] = newValue
        }
    }
}

/// What is known about one item.
struct ItemSide {
    var title = ""
    var genres: [String] = []
    var year: Int?
    var tags: [String] = []
    var attributes: [String: String] = [:]
    /// The catalogue line that described the item, to report a second one.
    var line: Int?

    var info: (title: String, genres: [String], year: Int?, tags: [String], attributes: [String: String]) {
        (title, genres, year, tags, attributes)
    }
}
