import Foundation

/// A report's content, independent of format: README.md and index.html render the same blocks,
/// so the two always show the same tables.
///
/// Text inside paragraphs, list items and cells may use two inline marks only: `**bold**` and
/// `` `code` `` (each renderer translates them); everything else is literal.
enum ReportBlock {
    case heading(level: Int, text: String)
    case paragraph(String)
    case table(ReportTable)
    case list([String])
    /// A chart: the file name of its SVG (the PNG beside it has the same stem).
    case chart(alt: String, svg: String)
    case code(language: String, text: String)
}

/// A table with a header row; numeric columns are right-aligned.
struct ReportTable {
    enum Alignment { case left, right }

    struct Cell {
        enum Emphasis { case none, best, second }
        var text: String
        var emphasis: Emphasis = .none
        /// Shown as code (parameters, hashes).
        var code = false
        /// Plain text after the (emphasised) value: " ± 0.0141", a significance mark.
        var suffix = ""

        init(_ text: String, emphasis: Emphasis = .none, code: Bool = false, suffix: String = "") {
            self.text = text
            self.emphasis = emphasis
            self.code = code
            self.suffix = suffix
        }
    }

    var header: [String]
    var alignments: [Alignment]
    var rows: [[Cell]]

    init(header: [String], alignments: [Alignment], rows: [[Cell]]) {
        precondition(header.count == alignments.count && rows.allSatisfy { $0.count == header.count }, "ragged report table")
        self.header = header
        self.alignments = alignments
        self.rows = rows
    }

    /// First column left-aligned (names), the rest right-aligned (numbers).
    init(header: [String], rows: [[Cell]]) {
        self.init(header: header, alignments: [.left] + Array(repeating: .right, count: header.count - 1), rows: rows)
    }
}

/// Marks the best and second-best values of a column (by their values as printed, so ties in
/// the shown digits share the mark). Second place only when at least three values compete.
func rankEmphasis(_ values: [Double?], lowerIsBetter: Bool, decimals: Int = 4) -> [ReportTable.Cell.Emphasis] {
    let scale = pow(10, Double(decimals))
    let shown = values.map { $0.map { ($0 * scale).rounded() / scale } }
    let distinct = Array(Set(shown.compactMap { $0 })).sorted(by: lowerIsBetter ? (<) : (>))
    guard shown.compactMap({ $0 }).count > 1, let best = distinct.first else { return values.map { _ in .none } }
    let second = shown.compactMap({ $0 }).count > 2 && distinct.count > 1 ? distinct[1] : nil
    return shown.map { value in
        guard let value else { return .none }
        if value == best { return .best }
        if value == second { return .second }
        return .none
    }
}
