import Foundation

/// The report's README.md: the document's blocks as GitHub-flavoured Markdown.
struct MarkdownReport {
    let report: ExperimentReport
    let command: String
    var charts: [ChartFile] = []
    var significance: Significance?

    func render() -> String {
        let blocks = ReportDocument(report: report, command: command, charts: charts, significance: significance).blocks()
        var out: [String] = []
        for block in blocks {
            out.append(contentsOf: lines(block))
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    private func lines(_ block: ReportBlock) -> [String] {
        switch block {
        case .heading(let level, let text):
            return [String(repeating: "#", count: level) + " " + text]
        case .paragraph(let text):
            return [text]
        case .list(let items):
            return items.map { "- " + $0 }
        case .chart(let alt, let svg):
            return ["![\(alt)](\(svg))"]
        case .code(let language, let text):
            return ["```" + language, text, "```"]
        case .table(let table):
            var lines = ["| " + table.header.joined(separator: " | ") + " |"]
            if table.header.allSatisfy(\.isEmpty) { lines = ["|" + String(repeating: " |", count: table.header.count)] }
            lines.append("|" + table.alignments.map { $0 == .left ? "---|" : "---:|" }.joined())
            for row in table.rows {
                lines.append("| " + row.map(cell).joined(separator: " | ") + " |")
            }
            return lines
        }
    }

    private func cell(_ cell: ReportTable.Cell) -> String {
        var text = oneLine(cell.text)
        if cell.code { text = "`" + text + "`" }
        switch cell.emphasis {
        case .none: break
        case .best: text = "**" + text + "**"
        case .second: text = "<ins>" + text + "</ins>"
        }
        return text + oneLine(cell.suffix)
    }
}

/// Text safe inside a Markdown table cell or list item: one line, pipes escaped.
func oneLine(_ text: String) -> String {
    text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
}

/// 100000 → "100,000".
func grouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return (value < 0 ? "-" : "") + out
}
