import Foundation

/// Unpacking dataset archives (.zip with `unzip`, .tar/.tar.gz/.tgz with `tar`), refusing entries
/// that would land outside the target folder.
public enum Archive {
    public enum Kind: String, Sendable {
        case zip
        case tar
        case gzippedTar = "tar.gz"
    }

    /// The archive's kind from its first bytes (names lie, magic numbers do not); nil when it is
    /// none of the three.
    public static func kind(of path: String) -> Kind? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 512)) ?? Data())
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if head.starts(with: [0x1F, 0x8B]) { return .gzippedTar }
        if head.count >= 262, Array(head[257..<262]) == Array("ustar".utf8) { return .tar }
        return nil
    }

    /// Unpacks `archive` into the existing folder `folder`. Entries with an absolute path or a
    /// `..` component are refused before anything is unpacked, and links among the unpacked files
    /// after (a dataset has none, and a link could point anywhere).
    public static func unpack(_ archive: String, into folder: String) throws {
        guard let kind = kind(of: archive) else {
            throw ArchiveError("\(archive) is not a zip, tar or tar.gz archive (its first bytes say otherwise)")
        }
        let tool = try Self.tool(kind == .zip ? "unzip" : "tar")
        let listing = kind == .zip ? try run(tool, ["-Z1", archive]) : try run(tool, ["-tf", archive])
        for entry in listing.split(separator: "\n", omittingEmptySubsequences: true) {
            let components = entry.split(separator: "/", omittingEmptySubsequences: false)
            if entry.hasPrefix("/") || components.contains("..") {
                throw ArchiveError("\(archive) holds an entry outside its own folder (\"\(entry)\"); refusing to unpack it")
            }
        }
        if kind == .zip {
            _ = try run(tool, ["-q", "-o", archive, "-d", folder])
        } else {
            _ = try run(tool, ["-xf", archive, "-C", folder])
        }
        let root = URL(fileURLWithPath: folder)
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isSymbolicLinkKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink) == true {
                throw ArchiveError("\(archive) holds a symbolic link (\(url.path.dropFirst(root.path.count + 1))); dataset archives have none, refusing it")
            }
        }
    }

    /// The full path of a command-line tool: /usr/bin first, then PATH.
    static func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in ["/usr/bin", "/bin"] + path.split(separator: ":").map(String.init) {
            let candidate = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ArchiveError("""
            `\(name)` is needed to unpack this archive and was not found in /usr/bin, /bin or PATH.
              Install it: apt-get install \(name) (Debian, Ubuntu), dnf install \(name) (Fedora), brew install \(name) (macOS);
              or unpack the archive yourself and run `recbench data import NAME FOLDER`.
            """)
    }

    /// Runs a tool to completion and returns its standard output; a non-zero exit is an error
    /// quoting its standard error. The child is killed if this process is interrupted.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        InterruptCleanup.register(child: process.processIdentifier)
        defer { InterruptCleanup.unregister(child: process.processIdentifier) }
        // Both pipes are drained at once so that neither fills and blocks the child.
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ArchiveError("\(URL(fileURLWithPath: tool).lastPathComponent) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus))\(message.isEmpty ? "" : ": " + message)")
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}

public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Removes half-made folders and stops helper processes when the process is interrupted (SIGINT,
/// SIGTERM, SIGHUP), then exits with the usual 128 + signal status. Registering is always safe;
/// the handlers exist only once `install()` has been called (by the command-line tool).
public enum InterruptCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var children: Set<Int32> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func register(path: String) { _ = lock.withLock { paths.insert(path) } }
    static func unregister(path: String) { _ = lock.withLock { paths.remove(path) } }
    static func register(child: Int32) { _ = lock.withLock { children.insert(child) } }
    static func unregister(child: Int32) { _ = lock.withLock { children.remove(child) } }

    /// Installs the signal handlers (once).
    public static func install() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { cleanUpAndExit(signalNumber) }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Held while a dataset folder is being swapped into place: an interruption waits for it, so
    /// it never lands between moving the old folder aside and moving the new one in.
    private static let criticalSection = NSLock()

    static func uninterrupted<T>(_ body: () throws -> T) rethrows -> T {
        try criticalSection.withLock { try body() }
    }

    private static func cleanUpAndExit(_ signalNumber: Int32) -> Never {
        criticalSection.lock() // never unlocked: the process ends here
        let (paths, children) = lock.withLock { (self.paths, self.children) }
        for child in children { kill(child, SIGKILL) }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        FileHandle.standardError.write(Data("\ninterrupted: removed \(paths.count) partial folder\(paths.count == 1 ? "" : "s")\n".utf8))
        exit(128 + signalNumber)
    }
}
