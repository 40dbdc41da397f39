import Foundation

/// Human-facing output on standard error, so standard output stays clean for piping.
/// Progress bars are drawn only on a terminal; in CI logs they are silent.
public final class Console: @unchecked Sendable {
    public var quiet: Bool
    /// Show plugins' own info and debug log lines (warnings are always shown).
    public var verbose = false
    private let isTerminal: Bool
    private var progressTitle: String?
    private var lastDrawn = -1

    public init(quiet: Bool = false) {
        self.quiet = quiet
        isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
    }

    public func info(_ message: String) { if !quiet { write(message + "\n") } }
    public func warning(_ message: String) { write("warning: " + message + "\n") }

    /// A line a plugin logged through the host: level 0 debug, 1 info, 2 warning.
    public func pluginLog(level: Int32, _ message: String) {
        if level >= 2 { warning(message) } else if verbose && !quiet { write(message + "\n") }
    }

    /// A progress callback drawing `title [#####     ]  42%` in place.
    public func progressBar(title: String) -> (Double) -> Void {
        progressTitle = title
        lastDrawn = -1
        return { [self] fraction in
            guard isTerminal, !quiet, let title = progressTitle else { return }
            let percent = Int((fraction * 100).rounded(.down))
            guard percent != lastDrawn else { return }
            lastDrawn = percent
            let filled = percent * 30 / 100
            write("\r\(title) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: 30 - filled))] \(percent)%")
        }
    }

    public func endProgress() {
        if progressTitle != nil, isTerminal, !quiet, lastDrawn >= 0 { write("\r\u{1B}[K") }
        progressTitle = nil
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
