import Foundation

/// The rows a reader skipped because they were malformed (`--skip-bad-rows`): how many, how many
/// per file, and the first few errors in full.
///
/// Without a log every malformed row is an error that stops the read. With one, a row that fails
/// (wrong field count, a field that does not parse, an id that is negative or overflows, a rating
/// out of range, a repeated header, a duplicate the format forbids) is left out and recorded here;
/// problems of a whole file still stop the read: a missing or empty file, a bad header (unknown
/// column name, a column named twice), a quoted field that is never closed.
///
/// A row is skipped whole: none of its fields reach the dataset, so a skipped row never leaves
/// behind a user or item that only it mentioned (side files are the exception: a catalogue line
/// whose id parses but whose title does not still lists that item, without side information).
///
/// Pass a log to the readers that take `badRows:`, or wrap any reader in `reading { … }`:
///
///     let log = BadRowLog()
///     let dataset = try log.reading { try MovieLensCSV.load(folder: folder, name: "ml-20m") }
///     if log.count > 0 { print(log.summary) }
public final class BadRowLog: @unchecked Sendable {
    /// How many errors are kept in full.
    public static let exampleLimit = 5

    // Guarded by `lock`: readers on several threads may share one log.
    private let lock = NSLock()
    private var total = 0
    private var kept: [DataFileError] = []
    private var files: [(file: String, count: Int)] = []

    public init() {}

    /// The log the readers on this task use; set by `reading`.
    @TaskLocal static var current: BadRowLog?

    /// Runs `body` with this log in effect for every reader it calls.
    public func reading<T>(_ body: () throws -> T) rethrows -> T {
        try BadRowLog.$current.withValue(self) { try body() }
    }

    /// Rows skipped so far.
    public var count: Int { lock.withLock { total } }

    /// The first `exampleLimit` errors, in the order they were met.
    public var examples: [DataFileError] { lock.withLock { kept } }

    /// Skipped rows per file, in the order the files were first met.
    public var perFile: [(file: String, count: Int)] { lock.withLock { files } }

    func record(_ error: DataFileError) {
        lock.withLock {
            total += 1
            if kept.count < Self.exampleLimit { kept.append(error) }
            if let index = files.firstIndex(where: { $0.file == error.file }) {
                files[index].count += 1
            } else {
                files.append((error.file, 1))
            }
        }
    }

    /// "skipped 3 bad rows (u.data: 2, u.item: 1)" and the first few errors, one per line; "" when none.
    public var summary: String {
        let (total, files, kept) = lock.withLock { (self.total, self.files, self.kept) }
        guard total > 0 else { return "" }
        let byFile = files.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent): \($0.count)" }.joined(separator: ", ")
        var lines = ["skipped \(total) bad row\(total == 1 ? "" : "s") (\(byFile))"]
        lines.append(total > kept.count ? "first \(kept.count):" : (kept.count == 1 ? "the row:" : "the rows:"))
        lines += kept.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

extension BadRowLog {
    /// Runs one row's work; with a log, a `DataFileError` is recorded and the row skipped (false),
    /// without one it is thrown.
    @inline(__always)
    static func row(_ log: BadRowLog?, _ body: () throws -> Void) throws -> Bool {
        guard let log else {
            try body()
            return true
        }
        do {
            try body()
            return true
        } catch let error as DataFileError {
            log.record(error)
            return false
        }
    }
}
