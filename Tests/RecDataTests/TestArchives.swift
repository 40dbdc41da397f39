import Foundation

// Archives and checksums for the fetch and import tests, made without the code under test: zip
// files written byte by byte from the format specification (PKWARE APPNOTE 6.3, method 0 "stored",
// no compression), and SHA-256 sums from coreutils' `sha256sum`.

enum TestZip {
    /// A zip holding `entries` (path inside the archive → bytes), stored uncompressed, in order.
    static func make(_ entries: [(path: String, bytes: Data)]) -> Data {
        var archive = Data(), central = Data()
        for (path, bytes) in entries {
            let name = Data(path.utf8)
            let crc = crc32(bytes)
            let offset = UInt32(archive.count)
            // Local file header.
            archive += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) // version, flags, stored, time, date (1980-01-01)
            archive += le32(crc) + le32(UInt32(bytes.count)) + le32(UInt32(bytes.count)) + le16(UInt16(name.count)) + le16(0)
            archive += name + bytes
            // Its central directory entry.
            central += le32(0x0201_4B50) + le16(0x031E) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            central += le32(crc) + le32(UInt32(bytes.count)) + le32(UInt32(bytes.count)) + le16(UInt16(name.count))
            central += le16(0) + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16) + le32(offset) + name
        }
        let centralOffset = UInt32(archive.count)
        archive += central
        // End of central directory.
        archive += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        archive += le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
        return archive
    }

    private static func le16(_ value: UInt16) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
    private static func le32(_ value: UInt32) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }

    /// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit.
    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

enum TestTools {
    /// `sha256sum` of the bytes (coreutils), as 64 hex characters.
    static func sha256(_ data: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recbench-sha-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return String(try run("/usr/bin/sha256sum", [file.path]).prefix(64))
    }

    /// Runs a program and returns its standard output; a non-zero exit is an error.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], in folder: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "\(program) \(arguments) exited \(process.terminationStatus)"])
        }
        return String(decoding: data, as: UTF8.self)
    }

    static var hasUnzip: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") }

    /// Every entry of a folder, recursively, hidden ones included, relative to it and sorted.
    static func tree(_ folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return walker.compactMap { $0 as? String }.sorted()
    }
}
