import Foundation

/// index.html: the README's blocks as one self-contained page — inline CSS, the SVG charts
/// inline, no scripts, no external resources — so it can be mailed or archived as one file.
struct HTMLReport {
    let report: ExperimentReport
    let command: String
    let charts: [ChartFile]
    let significance: Significance?
    /// The SVG text of each chart, by file name ("chart.svg").
    let svgs: [String: String]

    func render() -> String {
        let blocks = ReportDocument(report: report, command: command, charts: charts, significance: significance).blocks()
        var out = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(Self.escape(report.experiment.name)) — recbench report</title>",
            "<style>",
            Self.css,
            "</style>",
            "</head>",
            "<body>",
        ]
        var chartNumber = 0
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                out.append("<h\(level)>\(Self.inline(text))</h\(level)>")
            case .paragraph(let text):
                out.append("<p>\(Self.inline(text))</p>")
            case .list(let items):
                out.append("<ul>")
                out += items.map { "<li>\(Self.inline($0))</li>" }
                out.append("</ul>")
            case .code(_, let text):
                out.append("<pre><code>\(Self.escape(text))</code></pre>")
            case .table(let table):
                out += self.table(table)
            case .chart(let alt, let svg):
                chartNumber += 1
                guard let text = svgs[svg] else {
                    out.append("<p class=\"missing\">Chart \(Self.escape(svg)) was not drawn.</p>")
                    continue
                }
                out.append("<figure>")
                out.append(Self.inlineSVG(text, prefix: "c\(chartNumber)-", title: alt))
                out.append("</figure>")
            }
        }
        out += ["</body>", "</html>"]
        return out.joined(separator: "\n") + "\n"
    }

    private func table(_ table: ReportTable) -> [String] {
        func attributes(_ index: Int) -> String { table.alignments[index] == .right ? " class=\"num\"" : "" }
        var out = ["<div class=\"table\"><table>"]
        if !table.header.allSatisfy(\.isEmpty) {
            out.append("<thead><tr>" + table.header.enumerated().map { "<th\(attributes($0))>\(Self.inline($1))</th>" }.joined() + "</tr></thead>")
        }
        out.append("<tbody>")
        for row in table.rows {
            out.append("<tr>" + row.enumerated().map { index, cell in "<td\(attributes(index))>\(self.cell(cell))</td>" }.joined() + "</tr>")
        }
        out.append("</tbody></table></div>")
        return out
    }

    private func cell(_ cell: ReportTable.Cell) -> String {
        var text = cell.code ? "<code>\(Self.escape(cell.text))</code>" : Self.inline(cell.text)
        switch cell.emphasis {
        case .none: break
        case .best: text = "<strong>\(text)</strong>"
        case .second: text = "<u>\(text)</u>"
        }
        return text + Self.inline(cell.suffix)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The two inline marks blocks use: `code` and **bold**; everything else escaped.
    static func inline(_ text: String) -> String {
        var out = ""
        var bold = false
        var index = text.startIndex
        while index < text.endIndex {
            let rest = text[index...]
            if rest.hasPrefix("`"), let end = rest.dropFirst().firstIndex(of: "`") {
                out += "<code>" + escape(String(text[text.index(after: index)..<end])) + "</code>"
                index = text.index(after: end)
            } else if rest.hasPrefix("**") {
                out += bold ? "</strong>" : "<strong>"
                bold.toggle()
                index = text.index(index, offsetBy: 2)
            } else {
                out += escape(String(text[index]))
                index = text.index(after: index)
            }
        }
        return bold ? out + "</strong>" : out
    }

    /// gnuplot's SVG made fit to sit inside HTML: the XML prolog dropped, every id (and every
    /// reference to one) prefixed so that several charts on one page do not share ids, the
    /// generic title replaced, and a maximum width of its own size.
    static func inlineSVG(_ svg: String, prefix: String, title: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        var text = String(svg[start.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        for (old, new) in [(" id='", " id='\(prefix)"), (" id=\"", " id=\"\(prefix)"),
                           ("href='#", "href='#\(prefix)"), ("href=\"#", "href=\"#\(prefix)"), ("url(#", "url(#\(prefix)")] {
            text = text.replacingOccurrences(of: old, with: new)
        }
        text = text.replacingOccurrences(of: "<title>Gnuplot</title>", with: "<title>\(escape(title))</title>")
        if let box = viewBoxWidth(text) {
            text = text.replacingOccurrences(of: "<svg ", with: "<svg style=\"max-width:\(box)px\" ", options: [], range: text.range(of: "<svg "))
        }
        return text
    }

    private static func viewBoxWidth(_ svg: String) -> Int? {
        guard let range = svg.range(of: "viewBox=\"") else { return nil }
        let numbers = svg[range.upperBound...].prefix { $0 != "\"" }.split(separator: " ")
        return numbers.count == 4 ? Int(Double(numbers[2]) ?? 0) : nil
    }

    static let css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; max-width: 1280px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
        h1, h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .25em; }
        h2 { margin-top: 2em; }
        code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 90%; }
        code { background: #f3f4f6; padding: .1em .3em; border-radius: 4px; overflow-wrap: anywhere; }
        pre { background: #f6f8fa; padding: 1em; overflow-x: auto; border-radius: 6px; }
        pre code { background: none; padding: 0; }
        div.table { overflow-x: auto; margin: 1em 0; }
        table { border-collapse: collapse; font-size: 92%; }
        th, td { border: 1px solid #d0d7de; padding: .3em .6em; vertical-align: top; }
        th { background: #f6f8fa; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tbody tr:nth-child(even) { background: #fafbfc; }
        figure { margin: 1em 0; }
        figure svg { display: block; width: 100%; height: auto; }
        p.missing { color: #b00020; }
        """
}
