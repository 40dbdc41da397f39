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

/// One metric of one run on one slice of users or test items (`EvaluationSlices`): by user
/// activity bucket or by item popularity bucket, with the number of users averaged.
public struct SliceMetricRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sliceMetric"
    public var runId: Int64
    public var evaluationProtocol: String
    /// "user-activity" or "item-popularity".
    public var dimension: String
    /// "0", "1–4", "≥100"; `bucketIndex` orders them.
    public var bucket: String
    public var bucketIndex: Int
    public var metric: String
    public var cutoff: Int
    public var value: Double
    public var users: Int
    public var definitionVersion: Int

    public init(runId: Int64 = 0, evaluationProtocol: String, dimension: String, bucket: String, bucketIndex: Int, metric: String,
                cutoff: Int, value: Double, users: Int, definitionVersion: Int) {
        self.runId = runId
        self.evaluationProtocol = evaluationProtocol
        self.dimension = dimension
        self.bucket = bucket
        self.bucketIndex = bucketIndex
        self.metric = metric
        self.cutoff = cutoff
        self.value = value
        self.users = users
        self.definitionVersion = definitionVersion
    }
}
