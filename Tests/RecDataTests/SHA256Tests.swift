import Foundation
import Testing
import RecData

// Expected digests are the published FIPS 180-2 / FIPS 180-4 (NIST CSRC example) values for SHA-256.
// The padding-boundary digests (n × "a" for n around 55/56/64 bytes) have no published source; they
// were computed once with coreutils `sha256sum` (`head -c N /dev/zero | tr '\0' a | sha256sum`)
// while writing this file, never with the code under test.

private enum Vector {
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    /// The 448-bit (56-byte) two-block message of FIPS 180-2, appendix B.2.
    static let message448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    static let message448Digest = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    /// The 896-bit (112-byte) message of the FIPS 180-4 examples.
    static let message896 =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
    static let message896Digest = "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
    /// One million repetitions of "a", FIPS 180-2 appendix B.3.
    static let millionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
}

private func repeatedA(_ count: Int) -> String { String(repeating: "a", count: count) }

/// A fresh, uniquely named temporary folder, removed by the caller.
private func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("recbench-sha256-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("SHA256")
struct SHA256Tests {
    @Test("FIPS 180-2 test vectors, one shot")
    func publishedVectors() {
        #expect(SHA256.hex("") == Vector.empty)
        #expect(SHA256.hex("abc") == Vector.abc)
        #expect(Vector.message448.utf8.count == 56)
        #expect(SHA256.hex(Vector.message448) == Vector.message448Digest)
        #expect(Vector.message896.utf8.count == 112)
        #expect(SHA256.hex(Vector.message896) == Vector.message896Digest)
        #expect(SHA256.hex(repeatedA(1_000_000)) == Vector.millionA)
    }

    @Test("the digest is 64 lowercase hex characters (leading zero nibbles kept)")
    func digestShape() {
        // The 896-bit message's third state word is 0x036ce59e: printing words without their
        // leading zero nibbles would shorten the digest.
        let digest = SHA256.hex(Vector.message896)
        #expect(digest.count == 64)
        #expect(digest.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(digest.contains("036ce59e"))
    }

    // The length field and the 0x80 byte must straddle block boundaries correctly: 55 bytes fit
    // padding in one block, 56 bytes need a second block, 64 bytes are exactly one block.
    @Test("padding boundaries (digests from coreutils sha256sum)", arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        #expect(SHA256.hex(repeatedA(length)) == digest)
    }

    @Test("updates split across chunk boundaries give the one-shot digest", arguments: [1, 3, 7, 55, 56, 63, 64, 65, 100])
    func splitUpdates(chunkSize: Int) {
        // 448-bit message in chunks of `chunkSize` bytes, alternating the three update overloads.
        let bytes = Array(Vector.message448.utf8)
        var hasher = SHA256()
        var start = 0, turn = 0
        while start < bytes.count {
            let chunk = Array(bytes[start..<min(start + chunkSize, bytes.count)])
            switch turn % 3 {
            case 0: hasher.update(chunk)
            case 1: hasher.update(Data(chunk))
            default: hasher.update(String(decoding: chunk, as: UTF8.self))
            }
            start += chunkSize
            turn += 1
        }
        #expect(hasher.hexDigest() == Vector.message448Digest)
        #expect(hasher.hexDigest() == SHA256.hex(Vector.message448))

        // One million "a" in chunks of the same size (plus a ragged tail).
        var million = SHA256()
        let piece = Data(repeating: UInt8(ascii: "a"), count: chunkSize)
        var remaining = 1_000_000
        while remaining >= chunkSize {
            million.update(piece)
            remaining -= chunkSize
        }
        million.update(Data(repeating: UInt8(ascii: "a"), count: remaining))
        #expect(million.hexDigest() == Vector.millionA)
    }

    @Test("empty updates change nothing")
    func emptyUpdates() {
        var hasher = SHA256()
        hasher.update("")
        hasher.update(Data())
        hasher.update([UInt8]())
        #expect(hasher.hexDigest() == Vector.empty)
        hasher.update("ab")
        hasher.update("")
        hasher.update("c")
        #expect(hasher.hexDigest() == Vector.abc)
    }

    @Test("hexDigest does not finalise: hashing can continue afterwards")
    func digestThenContinue() {
        var hasher = SHA256()
        hasher.update("ab")
        _ = hasher.hexDigest()
        #expect(hasher.hexDigest() == SHA256.hex("ab"))
        hasher.update("c")
        #expect(hasher.hexDigest() == Vector.abc)

        // Across a block: digest after 56 bytes, then add the rest of the 896-bit message.
        var long = SHA256()
        let bytes = Array(Vector.message896.utf8)
        long.update(bytes[..<56])
        _ = long.hexDigest()
        long.update(bytes[56...])
        #expect(long.hexDigest() == Vector.message896Digest)
    }

    @Test("hex(fileAt:) equals the hash of the same bytes")
    func fileHash() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        let empty = folder.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        #expect(try SHA256.hex(fileAt: empty.path) == Vector.empty)

        let abc = folder.appendingPathComponent("abc.txt")
        try Data("abc".utf8).write(to: abc)
        #expect(try SHA256.hex(fileAt: abc.path) == Vector.abc)
        #expect(try SHA256.hex(fileAt: abc.path) == SHA256.hex("abc"))

        let million = folder.appendingPathComponent("million-a.txt")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: million)
        #expect(try SHA256.hex(fileAt: million.path) == Vector.millionA)

        // Larger than the 1 MiB read chunk, and not a multiple of it or of 64:
        // 2,500,000 × "a" (coreutils sha256sum: 38a63796…a924f2b9).
        let large = folder.appendingPathComponent("large.txt")
        try Data(repeating: UInt8(ascii: "a"), count: 2_500_000).write(to: large)
        let expectedLarge = "38a637965059125eeb67f54c30e7f48a61859a467a800ba09740ba48a924f2b9"
        #expect(try SHA256.hex(fileAt: large.path) == expectedLarge)
        #expect(try SHA256.hex(fileAt: large.path) == SHA256.hex(repeatedA(2_500_000)))

        // Non-UTF-8 bytes are hashed as bytes: "Mis\u{E9}rables" in Latin-1 (sha256sum: fdba328f…).
        let latin1 = folder.appendingPathComponent("latin1.txt")
        try Data([0x4D, 0x69, 0x73, 0xE9, 0x72, 0x61, 0x62, 0x6C, 0x65, 0x73]).write(to: latin1)
        #expect(try SHA256.hex(fileAt: latin1.path) == "fdba328fbc6e1182813c14ed86ab1e84f6b4f525adddc24204a0e9664ef98036")
    }

    @Test("hex(fileAt:) on a missing file throws")
    func missingFile() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: (any Error).self) {
            try SHA256.hex(fileAt: folder.appendingPathComponent("no-such-file").path)
        }
    }
}
