import Foundation
import RecData

// `recbench run --skip-bad-rows`: what the ledger keeps of the rows a run skipped.

extension ExperimentRunner {
    /// The dataset fingerprint a run's identity is built on: the rows' fingerprint, and, when rows
    /// were skipped as malformed, that fingerprint hashed with how many per file. A run on data read
    /// with skipped rows then never reuses a run on data that had none, even when the remaining
    /// rows are the same (a file fixed by hand later), and the other way round.
    static func datasetFingerprint(_ data: LoadedData) -> String {
        let rows = data.dataset.fingerprint()
        guard let log = data.badRows, log.count > 0 else { return rows }
        let files = log.perFile.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent) \($0.count)\n" }.joined()
        return SHA256.hex("recbench-dataset-skipped-rows-v1\n\(rows)\nskipped \(log.count)\n" + files)
    }

    /// The experiment's environment entries for skipped rows: the count, the count per file and the
    /// first few rows in full; nothing when none were skipped.
    static func badRowsRecord(_ log: BadRowLog?) -> [String: Any] {
        guard let log, log.count > 0 else { return [:] }
        return [
            "skippedBadRows": log.count,
            "skippedBadRowsPerFile": Dictionary(log.perFile.map { ($0.file, $0.count) }, uniquingKeysWith: +),
            "skippedBadRowsFirst": log.examples.map(\.description),
        ]
    }
}
