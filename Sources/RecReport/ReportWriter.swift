import Foundation
import RecLedger

/// Writes `reports/<experiment>/`: README.md (tables, charts, setup, provenance), results.csv
/// and metrics.csv, table.tex, a self-contained index.html, and the gnuplot charts (each as
/// `<stem>.gp`, `<stem>.svg`, `<stem>.png`).
///
/// Files are first written to a scratch folder beside the target and moved into place only when
/// every one of them (the charts included) was produced, so a failure leaves the old report
/// intact. Chart files of an earlier report that this one no longer draws are removed; other
/// files in the folder are left alone.
public struct ReportWriter {
    public var gnuplot: String

    public init(gnuplot: String = "gnuplot") { self.gnuplot = gnuplot }

    /// The files of a report, in the order `write` returns them.
    public static func fileNames(charts stems: [String]) -> [String] {
        ["README.md", "metrics.csv", "results.csv", "table.tex", "index.html"] + stems.flatMap { ["\($0).gp", "\($0).svg", "\($0).png"] }
    }

    @discardableResult
    public func write(_ report: ExperimentReport, to folder: URL, command: String) throws -> [URL] {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        let scratch = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? fileManager.removeItem(at: scratch)
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: scratch) }

        let charts = reportCharts(report)
        let significance = Significance(report: report)
        let results = ResultsTable(report: report, significance: significance)
        var files: [(String, String)] = [
            ("README.md", MarkdownReport(report: report, command: command, charts: charts, significance: significance).render()),
            ("metrics.csv", ResultsCSV.metrics(report)),
            ("results.csv", ResultsCSV.results(report)),
            ("table.tex", LaTeXTable(report: report, table: results, command: command).render()),
        ]
        files += charts.map { ("\($0.stem).gp", $0.script) }
        for (name, text) in files {
            try Data(text.utf8).write(to: scratch.appendingPathComponent(name))
        }
        var svgs: [String: String] = [:]
        for chart in charts {
            try runGnuplot(script: "\(chart.stem).gp", in: scratch)
            let name = "\(chart.stem).svg"
            svgs[name] = String(decoding: try Data(contentsOf: scratch.appendingPathComponent(name)), as: UTF8.self)
        }
        let html = HTMLReport(report: report, command: command, charts: charts, significance: significance, svgs: svgs).render()
        try Data(html.utf8).write(to: scratch.appendingPathComponent("index.html"))

        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        for name in Self.fileNames(charts: charts.map(\.stem)) {
            let target = folder.appendingPathComponent(name)
            // rename(2) replaces the old file atomically (same file system: the scratch folder is a sibling).
            guard rename(scratch.appendingPathComponent(name).path, target.path) == 0 else {
                throw ReportError("cannot move \(name) into \(folder.path): \(String(cString: strerror(errno)))")
            }
            written.append(target)
        }
        let drawn = Set(charts.map(\.stem))
        for stem in allChartStems where !drawn.contains(stem) {
            for suffix in ["gp", "svg", "png"] { try? fileManager.removeItem(at: folder.appendingPathComponent("\(stem).\(suffix)")) }
        }
        return written
    }

    private func runGnuplot(script: String, in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [gnuplot, script]
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ReportError("cannot start gnuplot (\(error.localizedDescription)); install it with `apt-get install gnuplot-nox` (or libgnuplot-iostream-dev)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 {
                throw ReportError("gnuplot is not installed; install it with `apt-get install gnuplot-nox` (or libgnuplot-iostream-dev)")
            }
            throw ReportError("gnuplot failed on \(script) (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
