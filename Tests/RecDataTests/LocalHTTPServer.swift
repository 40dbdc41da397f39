import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (a free port) for the download tests: each path answers
/// with a fixed behaviour, one connection at a time, on its own thread.
final class LocalHTTPServer: @unchecked Sendable {
    enum Reply {
        /// 200 with the body.
        case body(Data)
        /// A status line and a short text body (404, 500, …).
        case status(Int, String)
        /// 200 announcing the whole body, then only `sent` bytes of it, then the connection closes.
        case cut(Data, sent: Int)
        /// 200 announcing the whole body, then `sent` bytes, then nothing until the server stops.
        case stall(Data, sent: Int)
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var replies: [String: Reply]
    private var seen: [String] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(_ replies: [String: Reply]) throws {
        self.replies = replies
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The paths requested so far, in order.
    var requests: [String] { lock.withLock { seen } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func serve() {
        defer { finished.signal() }
        while !isStopped {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        // The request line and headers, up to the blank line.
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) && request.count < 65536 {
            let got = recv(connection, &buffer, buffer.count, 0)
            if got <= 0 { return }
            request += buffer[0..<got]
        }
        let line = String(decoding: request.prefix { $0 != 0x0D }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return }
        let path = String(parts[1])
        let reply = lock.withLock { () -> Reply? in
            seen.append(path)
            return replies[path]
        } ?? .status(404, "not found")
        switch reply {
        case .body(let body):
            send(connection, header(200, "OK", length: body.count) + body)
        case .status(let code, let text):
            send(connection, header(code, text, length: text.utf8.count) + Data(text.utf8))
        case .cut(let body, let sent):
            send(connection, header(200, "OK", length: body.count) + body.prefix(sent))
        case .stall(let body, let sent):
            send(connection, header(200, "OK", length: body.count) + body.prefix(sent))
            while !isStopped { usleep(20_000) }
        }
    }

    private func header(_ code: Int, _ text: String, length: Int) -> Data {
        Data("HTTP/1.1 \(code) \(text)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n".utf8)
    }

    private func send(_ connection: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let done = Glibc.send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if done <= 0 { return }
                offset += done
            }
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
