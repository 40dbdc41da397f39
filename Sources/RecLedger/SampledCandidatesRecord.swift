import Foundation
import GRDB

/// The negatives a sampled ranking protocol drew for one fold, stored once under their SHA-256
/// fingerprint (over `SampledCandidates.canonicalBytes`); every run evaluated with them names the
/// fingerprint (`RunRecord.candidatesFingerprint`), so the exact candidates behind a sampled value
/// can be read back. Arrays are little-endian blobs: users and negatives as Int32, offsets as Int64.
public struct SampledCandidatesRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sampledCandidates"
    public var fingerprint: String
    /// "sampled:uniform-100".
    public var evaluationProtocol: String
    public var seed: Int64
    /// The split fingerprint of the fold the negatives were drawn for.
    public var splitFingerprint: String
    public var userCount: Int
    public var negativeCount: Int
    public var users: Data
    public var offsets: Data
    public var negatives: Data

    public init(fingerprint: String, evaluationProtocol: String, seed: UInt64, splitFingerprint: String,
                users: [Int32], offsets: [Int], negatives: [Int32]) {
        precondition(offsets.count == users.count + 1, "one offset per user and one more")
        self.fingerprint = fingerprint
        self.evaluationProtocol = evaluationProtocol
        self.seed = Int64(bitPattern: seed)
        self.splitFingerprint = splitFingerprint
        userCount = users.count
        negativeCount = negatives.count
        self.users = users.withUnsafeBufferPointer { Data(buffer: $0) }
        self.offsets = offsets.map(Int64.init).withUnsafeBufferPointer { Data(buffer: $0) }
        self.negatives = negatives.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    public var userIDs: [Int32] { users.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } }
    public var userOffsets: [Int] { offsets.withUnsafeBytes { $0.bindMemory(to: Int64.self).map(Int.init) } }
    public var negativeItems: [Int32] { negatives.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } }
    public var seedValue: UInt64 { UInt64(bitPattern: seed) }
}
