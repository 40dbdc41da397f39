import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How far a transfer has got, reported as bytes arrive.
public struct TransferProgress: Sendable {
    /// What is being transferred ("ml-100k.zip").
    public var label: String
    public var bytes: Int64
    /// The full size when known (Content-Length, or the registry's size).
    public var total: Int64?
    /// Seconds since the transfer started.
    public var elapsed: Double
    /// The last report of the transfer (it succeeded or failed).
    public var finished: Bool
}

/// A download that did not complete: an HTTP status other than 200, a network error, a body
/// shorter than announced, or a file that could not be written.
public struct DownloadError: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var message: String

    public var description: String { "download of \(url) failed: \(message)" }
}

/// Streams one URL into a file, hashing the bytes as they arrive, so a download of any size needs
/// no more memory than one network buffer and the SHA-256 is ready when the last byte is.
enum HTTPDownload {
    /// Downloads `url` into `destination` (created or truncated). Redirects are followed; only a
    /// final 200 is success. `idleTimeout`: seconds without a byte before giving up.
    static func download(
        _ url: URL, to destination: URL, label: String, expectedBytes: Int64? = nil, idleTimeout: TimeInterval = 60,
        progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) throws -> (bytes: Int64, sha256: String) {
        guard FileManager.default.createFile(atPath: destination.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: destination) else {
            throw DownloadError(url: url.absoluteString, message: "cannot create \(destination.path)")
        }
        defer { try? handle.close() }
        let transfer = Transfer(url: url, handle: handle, label: label, expectedBytes: expectedBytes, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        var request = URLRequest(url: url)
        request.setValue("recbench", forHTTPHeaderField: "User-Agent")
        session.dataTask(with: request).resume()
        transfer.done.wait()
        session.finishTasksAndInvalidate()
        return try transfer.result()
    }
}

/// The session delegate of one download. Its state is touched on the session's serial delegate
/// queue while the download runs and read by the waiting thread only after `done` is signalled.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let url: URL
    let handle: FileHandle
    let label: String
    let progress: (@Sendable (TransferProgress) -> Void)?
    let done = DispatchSemaphore(value: 0)
    let started = Date()
    private var hasher = SHA256()
    private var received: Int64 = 0
    private var announced: Int64?
    private var failure: String?
    private var lastReport = Date.distantPast

    init(url: URL, handle: FileHandle, label: String, expectedBytes: Int64?, progress: (@Sendable (TransferProgress) -> Void)?) {
        self.url = url
        self.handle = handle
        self.label = label
        self.announced = expectedBytes
        self.progress = progress
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, http.statusCode != 200 {
            failure = "HTTP \(http.statusCode) \(HTTPURLResponse.localizedString(forStatusCode: http.statusCode))"
            completionHandler(.cancel)
            return
        }
        if response.expectedContentLength > 0 { announced = response.expectedContentLength }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        do {
            try handle.write(contentsOf: data)
        } catch {
            failure = "cannot write the download: \(error.localizedDescription)"
            dataTask.cancel()
            return
        }
        hasher.update(data)
        received += Int64(data.count)
        let now = Date()
        if now.timeIntervalSince(lastReport) >= 0.1 {
            lastReport = now
            report(finished: false)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error {
            failure = error.localizedDescription
        }
        if failure == nil, let announced, received != announced, task.response?.expectedContentLength ?? -1 > 0 {
            failure = "the connection closed after \(received) of \(announced) bytes"
        }
        if received > 0 || failure == nil { report(finished: true) }
        done.signal()
    }

    private func report(finished: Bool) {
        progress?(TransferProgress(label: label, bytes: received, total: announced, elapsed: Date().timeIntervalSince(started), finished: finished))
    }

    func result() throws -> (bytes: Int64, sha256: String) {
        if let failure { throw DownloadError(url: url.absoluteString, message: failure) }
        return (received, hasher.hexDigest())
    }
}

/// Renders `TransferProgress` on a stream: a bar redrawn in place on a terminal, else a plain line
/// at every tenth of the size (every 10 MiB when the size is unknown) and at the end.
public final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let output: FileHandle
    private let interactive: Bool
    private var lastStep = -1

    /// `interactive` defaults to whether `output` is a terminal.
    public init(output: FileHandle = .standardError, interactive: Bool? = nil) {
        self.output = output
        self.interactive = interactive ?? (isatty(output.fileDescriptor) == 1)
    }

    public func callAsFunction(_ progress: TransferProgress) {
        lock.withLock {
            if interactive {
                write("\r" + Self.bar(progress) + (progress.finished ? "\n" : ""))
                return
            }
            let step: Int
            if let total = progress.total, total > 0 {
                step = Int(min(10, progress.bytes * 10 / total))
            } else {
                step = Int(progress.bytes / (10 << 20))
            }
            if step > lastStep || progress.finished {
                lastStep = step
                write(Self.line(progress) + "\n")
            }
        }
    }

    private func write(_ text: String) { output.write(Data(text.utf8)) }

    /// "ml-100k.zip  [#########-----------]  45%  2.2 / 4.9 MB  1.3 MB/s"
    static func bar(_ progress: TransferProgress, width: Int = 24) -> String {
        guard let total = progress.total, total > 0 else { return line(progress) + "   " }
        let fraction = min(1, Double(progress.bytes) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "\(progress.label)  [\(bar)] \(String(format: "%3d%%", Int(fraction * 100)))  \(megabytes(progress.bytes)) / \(megabytes(total)) MB  \(rate(progress))"
    }

    /// "ml-100k.zip: 2.2 / 4.9 MB (45%), 1.3 MB/s"
    static func line(_ progress: TransferProgress) -> String {
        if let total = progress.total, total > 0 {
            let percent = Int(min(100, progress.bytes * 100 / total))
            return "\(progress.label): \(megabytes(progress.bytes)) / \(megabytes(total)) MB (\(percent)%), \(rate(progress))"
        }
        return "\(progress.label): \(megabytes(progress.bytes)) MB, \(rate(progress))"
    }

    private static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1e6) }

    private static func rate(_ progress: TransferProgress) -> String {
        progress.elapsed > 0 ? String(format: "%.1f MB/s", Double(progress.bytes) / 1e6 / progress.elapsed) : "-"
    }
}
