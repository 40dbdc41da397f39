import Foundation
import RecLedger

/// Writes `reports/<experiment>/`: README.md (tables, setup, provenance), metrics.csv, and a
/// gnuplot bar chart (chart.gp, chart.svg, chart.png).
///
/// Files are first written to a scratch folder beside the target and moved into place only when
/// every one of them (the chart included) was produced, so a failure leaves the old report intact.
public struct ReportWriter {
    public var gnuplot: String

    public init(gnuplot: String = "gnuplot") { self.gnuplot = gnuplot }

    public func write(_ report: ExperimentReport, to folder: URL, command: String) throws -> [URL] {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        let scratch = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? fileManager.removeItem(at: scratch)
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: scratch) }

        let files: [(String, String)] = [
            ("README.md", MarkdownReport(report: report, command: command).render()),
            ("metrics.csv", csv(report)),
            ("chart.gp", BarChart(report: report).script()),
        ]
        for (name, text) in files {
            try Data(text.utf8).write(to: scratch.appendingPathComponent(name))
        }
        try runGnuplot(in: scratch)

        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        for name in ["README.md", "metrics.csv", "chart.gp", "chart.svg", "chart.png"] {
            let target = folder.appendingPathComponent(name)
            // rename(2) replaces the old file atomically (same file system: the scratch folder is a sibling).
            guard rename(scratch.appendingPathComponent(name).path, target.path) == 0 else {
                throw ReportError("cannot move \(name) into \(folder.path): \(String(cString: strerror(errno)))")
            }
            written.append(target)
        }
        return written
    }

    func csv(_ report: ExperimentReport) -> String {
        var lines = ["model,plugin,plugin_version,fold,status,metric,cutoff,protocol,definition_version,value"]
        for run in report.runs {
            let head = [run.label, run.plugin, run.pluginVersion, String(run.fold + 1), run.status]
            let records = report.metrics[run.id!] ?? []
            if records.isEmpty { lines.append((head + ["", "", "", "", ""]).map(csvField).joined(separator: ",")) }
            for record in records.sorted(by: { ($0.metric, $0.cutoff) < ($1.metric, $1.cutoff) }) {
                lines.append((head + [record.metric, String(record.cutoff), record.evaluationProtocol,
                                      String(record.definitionVersion), String(format: "%.6f", record.value)])
                    .map(csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private func runGnuplot(in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [gnuplot, "chart.gp"]
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
            throw ReportError("gnuplot failed on chart.gp (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
