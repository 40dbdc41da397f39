import Foundation
import RecKit

/// A column of a delimited file: by header name, or by 1-based position (the same base as the line
/// numbers in error messages, and as `cut -f` and awk count).
public enum ColumnRef: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case position(Int)

    public var description: String {
        switch self {
        case .name(let name): return "\"\(name)\""
        case .position(let position): return "column \(position)"
        }
    }
}

/// Which columns hold the user, the item and, optionally, the rating and the timestamp.
/// Without a rating column every interaction has rating 1 (implicit feedback); without a timestamp
/// column every timestamp is 0.
public struct ColumnMapping: Sendable, Hashable {
    public var user: ColumnRef
    public var item: ColumnRef
    public var rating: ColumnRef?
    public var timestamp: ColumnRef?

    public init(user: ColumnRef, item: ColumnRef, rating: ColumnRef? = nil, timestamp: ColumnRef? = nil) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
    }
}

/// How a delimited file is laid out.
public struct DelimitedFormat: Sendable, Hashable {
    /// One ASCII character (`,` `\t` `;` `|`), the same character twice (`::`), or a single space,
    /// which means runs of spaces and tabs.
    public var delimiter: String
    /// The first non-blank line names the columns.
    public var header: Bool
    /// RFC 4180 double quotes: `"a, b"` is one field and `""` inside quotes is one `"`.
    public var quoting: Bool

    public init(delimiter: String = ",", header: Bool = true, quoting: Bool = true) {
        self.delimiter = delimiter
        self.header = header
        self.quoting = quoting
    }

    public static let csv = DelimitedFormat(delimiter: ",", header: true, quoting: true)
    public static let tsv = DelimitedFormat(delimiter: "\t", header: true, quoting: false)
}

/// Any delimited interaction file with a column mapping (the experiment file's `[dataset]` with
/// `format = "delimited"`): UTF-8, extra columns ignored, every row with as many fields as the
/// header (or, without a header, as the first row).
public enum DelimitedReader {
    /// Reads `path`; the dataset is named `name`, else after the file ("ratings.csv" → "ratings").
    /// With `badRows`, malformed rows are skipped and recorded there instead of stopping the read.
    public static func load(
        file path: String, mapping: ColumnMapping, format: DelimitedFormat = .csv, name: String? = nil, badRows: BadRowLog?
    ) throws -> Dataset {
        try BadRowLog.$current.withValue(badRows ?? BadRowLog.current) {
            try load(file: path, mapping: mapping, format: format, name: name)
        }
    }

    /// Reads `path`; the dataset is named `name`, else after the file ("ratings.csv" → "ratings").
    public static func load(file path: String, mapping: ColumnMapping, format: DelimitedFormat = .csv, name: String? = nil) throws -> Dataset {
        guard let layout = TextLayout(delimiter: format.delimiter, quoting: format.quoting) else {
            throw DataFileError(file: path, field: "delimiter",
                                message: "delimiter \"\(format.delimiter)\" is not one ASCII character, the same character twice (\"::\") or a space")
        }
        if !format.header {
            for (role, ref) in [("user", mapping.user), ("item", mapping.item), ("rating", mapping.rating), ("timestamp", mapping.timestamp)] {
                if case .name(let column)? = ref {
                    throw DataFileError(file: path, field: role,
                                        message: "column \"\(column)\" is given by name, but the format says the file has no header; give a 1-based position instead")
                }
            }
        }
        var table = InteractionTable()
        let sha = try InteractionFile.read(path: path, layout: layout, header: format.header, into: &table) { header, fieldCount in
            try InteractionColumns(mapping: mapping, header: header, fieldCount: fieldCount, path: path)
        }
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        let datasetName = name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return table.dataset(name: datasetName, sources: [(name: fileName, sha256: sha)])
    }
}

/// The 0-based positions of the interaction columns in a file, and the names to use in messages.
struct InteractionColumns {
    var user: Int
    var item: Int
    var rating: Int?
    var timestamp: Int?
    var labels: (user: String, item: String, rating: String, timestamp: String)
    /// Ratings outside this range are errors (MovieLens: 0.5...5); nil accepts any finite rating.
    var ratingRange: ClosedRange<Float>?

    init(user: Int, item: Int, rating: Int?, timestamp: Int?,
         labels: (user: String, item: String, rating: String, timestamp: String) = ("user", "item", "rating", "timestamp"),
         ratingRange: ClosedRange<Float>? = nil) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
        self.labels = labels
        self.ratingRange = ratingRange
    }

    /// Resolves a mapping against a header (names) or a field count (positions).
    init(mapping: ColumnMapping, header: HeaderRow?, fieldCount: Int, path: String) throws {
        func resolve(_ ref: ColumnRef, _ role: String) throws -> (Int, String) {
            switch ref {
            case .name(let name):
                guard let header else {
                    throw DataFileError(file: path, field: role, message: "column \"\(name)\" is given by name, but the file has no header")
                }
                return (try header.position(of: name, for: role), name)
            case .position(let position):
                guard position >= 1 && position <= fieldCount else {
                    throw DataFileError(file: path, line: header?.line, field: role,
                                        message: "column \(position) (1-based) requested for \(role), but the \(header == nil ? "first row" : "header") has \(fieldCount) fields")
                }
                return (position - 1, header?.names[position - 1] ?? role)
            }
        }
        let user = try resolve(mapping.user, "user"), item = try resolve(mapping.item, "item")
        let rating = try mapping.rating.map { try resolve($0, "rating") }
        let timestamp = try mapping.timestamp.map { try resolve($0, "timestamp") }
        self.init(user: user.0, item: item.0, rating: rating?.0, timestamp: timestamp?.0,
                  labels: (user.1, item.1, rating?.1 ?? "rating", timestamp?.1 ?? "timestamp"))
    }
}

/// Reading interaction rows (user, item, rating?, timestamp?) from one delimited file into an
/// `InteractionTable`: shared by every reader that has such a file.
enum InteractionFile {
    /// Reads every row of `path` into `table` and returns the file's SHA-256. `columns` is called
    /// once, with the header (nil without one) and the number of fields every row must have.
    /// `accept`, if given, sees each parsed row (provisional user and item ids) before it is kept
    /// and may reject it by throwing (after both ids are interned: reject only rows whose ids an
    /// accepted row also has, such as a repeated pair). Under `BadRowLog.reading`, a rejected or malformed row is
    /// recorded and skipped whole: its ids are checked before any of them is interned.
    static func read(
        path: String, layout: TextLayout, header hasHeader: Bool, fieldCount fixedCount: Int? = nil,
        into table: inout InteractionTable,
        columns: (_ header: HeaderRow?, _ fieldCount: Int) throws -> InteractionColumns,
        accept: ((_ user: Int32, _ item: Int32, _ record: Record) throws -> Void)? = nil
    ) throws -> String {
        table.reserve(table.count + DelimitedText.estimatedRecordCount(in: path))
        let reader = try RecordReader(path: path, layout: layout)
        var header: HeaderRow?
        guard let first = try reader.next() else {
            _ = try reader.finish() // "the file is empty" when it is
            throw DataFileError(file: path, message: "the file has no lines\(hasHeader ? " (not even a header)" : "")")
        }
        if hasHeader { header = try HeaderRow(first) }
        let fieldCount = header?.names.count ?? fixedCount ?? first.count
        let c = try columns(header, fieldCount)
        // Plain locals for the loop below.
        let userColumn = c.user, itemColumn = c.item, ratingColumn = c.rating ?? -1, timestampColumn = c.timestamp ?? -1
        let minimum = c.ratingRange?.lowerBound ?? -.greatestFiniteMagnitude
        let maximum = c.ratingRange?.upperBound ?? .greatestFiniteMagnitude
        let (userLabel, itemLabel, ratingLabel, timestampLabel) = c.labels
        var rows = 0
        let badRows = reader.badRows, skippedBefore = badRows?.count ?? 0
        var pending: Record? = hasHeader ? nil : first
        while let record = try pending ?? reader.next() {
            pending = nil
            do {
                if let header { try header.rejectRepeat(record) }
                guard record.count == fieldCount else {
                    throw record.error(nil, "expected \(fieldCount) fields, found \(record.count)\(record.count < fieldCount ? " (truncated line?)" : "")\(describeSeparator(layout))")
                }
                // Rating and timestamp first: they intern nothing.
                let rating = ratingColumn < 0 ? 1 : try record.rating(ratingColumn, field: ratingLabel, minimum: minimum, maximum: maximum)
                let timestamp = timestampColumn < 0 ? 0 : try record.timestamp(timestampColumn, field: timestampLabel)
                if badRows != nil, let problem = table.itemIDs.problem(record.bytes(itemColumn)) {
                    // Checked before the user is interned, so a skipped row adds no user.
                    throw record.error(itemLabel, problem.message(record.display(itemColumn)))
                }
                let user = try record.id(userColumn, field: userLabel, into: &table.userIDs)
                let item = try record.id(itemColumn, field: itemLabel, into: &table.itemIDs)
                if let accept { try accept(user, item, record) }
                table.append(user: user, item: item, rating: rating, timestamp: timestamp)
                rows += 1
            } catch let error as DataFileError where badRows != nil {
                badRows!.record(error)
            }
        }
        let sha = try reader.finish()
        if rows == 0 {
            let skipped = (badRows?.count ?? 0) - skippedBefore
            throw DataFileError(file: path, message: skipped > 0 ? "every interaction row was bad (\(skipped) skipped)"
                                : "the file has a header but no interactions")
        }
        return sha
    }

    private static func describeSeparator(_ layout: TextLayout) -> String {
        switch layout.separator {
        case .byte(UInt8(ascii: ",")): return " separated by \",\""
        case .byte(UInt8(ascii: "\t")): return " separated by tabs"
        case .byte(let byte): return " separated by \"\(Character(Unicode.Scalar(byte)))\""
        case .doubled(let byte): return " separated by \"\(Character(Unicode.Scalar(byte)))\(Character(Unicode.Scalar(byte)))\""
        case .whitespace: return " separated by blanks"
        }
    }
}
