import Foundation

/// `recbench data fetch NAME`: download a known dataset from its official source, verify it,
/// unpack it and move it into the data directory.
///
/// Everything happens inside a staging folder in the data directory, so the final step is a
/// rename on the same file system: the dataset folder is either absent, untouched, or complete.
/// A failure at any step (HTTP error, dropped connection, checksum mismatch, bad archive, missing
/// file, interruption) deletes the staging folder and leaves the data directory as it was.
///
/// What is verified: the SHA-256 of every download against the registry's value (the archive for
/// MovieLens, each file for LightGCN data); then the unpacked folder must hold the dataset's
/// required files, and every file whose SHA-256 the registry knows must match it. A download
/// without a known SHA-256 is refused unless `insecureSkipChecksum` is set.
public enum DatasetFetcher {
    public struct Options: Sendable {
        /// Another source: the archive's URL (a mirror), or for datasets fetched file by file the
        /// base URL that the file names are appended to. The known checksums still apply.
        public var url: String?
        /// Replace the dataset folder if it exists.
        public var force = false
        /// Accept downloads whose SHA-256 is unknown or differs.
        public var insecureSkipChecksum = false
        /// Seconds without a byte before a download is abandoned.
        public var idleTimeout: TimeInterval = 60
        public var progress: (@Sendable (TransferProgress) -> Void)?
        /// One line per step ("downloading …", "verified …"), for people.
        public var log: (@Sendable (String) -> Void)?

        public init(url: String? = nil, force: Bool = false, insecureSkipChecksum: Bool = false) {
            self.url = url
            self.force = force
            self.insecureSkipChecksum = insecureSkipChecksum
        }
    }

    public static func fetch(_ dataset: KnownDataset, into directory: DataDirectory, options: Options = Options()) throws -> InstallReport {
        let log = options.log ?? { _ in }
        let destination = directory.folder(of: dataset)
        if FileManager.default.fileExists(atPath: destination.path) && !options.force {
            throw DatasetInstallError("""
                \(dataset.name) is already in \(destination.path); nothing was downloaded.
                  Pass --force to download it again and replace that folder.
                """)
        }
        guard let source = dataset.source else {
            throw DatasetInstallError("recbench knows no download for \(dataset.name); put its files in place with `recbench data import \(dataset.name) PATH`")
        }
        let downloads = try plan(source, dataset: dataset, override: options.url)
        let unknown = downloads.filter { $0.file.sha256 == nil }
        if !unknown.isEmpty && !options.insecureSkipChecksum {
            var advice = "download it yourself, check it"
            if case .archive = source { advice += " (GroupLens publishes an MD5 beside each zip: \(unknown[0].file.url).md5)" }
            throw DatasetInstallError("""
                recbench has no trustworthy SHA-256 for \(unknown.map(\.file.url).joined(separator: ", ")), so it cannot verify \(unknown.count == 1 ? "this download" : "these downloads"); nothing was downloaded.
                  Either \(advice), and run `recbench data import \(dataset.name) PATH`;
                  or rerun with --insecure-skip-checksum to accept what the server sends (the unpacked files are still checked to be there).
                """)
        }

        let staging = try StagingArea(directory: directory, dataset: dataset.name)
        defer { staging.remove() }
        var sources: [[String: Any]] = []
        var lines: [String] = []
        var verifiedDownloads = true
        let built: URL
        switch source {
        case .archive(_, let root):
            let download = downloads[0]
            let archive = staging.url.appendingPathComponent(download.name)
            let record = try fetchOne(download, to: archive, options: options, log: log)
            sources.append(record.source)
            lines.append(record.line)
            verifiedDownloads = record.verified
            let unpacked = staging.url.appendingPathComponent("unpacked", isDirectory: true)
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: false)
            log("unpacking \(download.name)")
            try Archive.unpack(archive.path, into: unpacked.path)
            try? FileManager.default.removeItem(at: archive)
            guard let found = DatasetFiles.locate(marker: dataset.marker, under: unpacked, preferred: root) else {
                throw DatasetInstallError("\(download.name) from \(download.file.url) holds no \(dataset.marker) (expected in \(root)/); it is not \(dataset.name). Nothing was installed.")
            }
            built = found
        case .files:
            built = staging.url.appendingPathComponent(dataset.folder, isDirectory: true)
            try FileManager.default.createDirectory(at: built, withIntermediateDirectories: false)
            for download in downloads {
                let record = try fetchOne(download, to: built.appendingPathComponent(download.name), options: options, log: log)
                sources.append(record.source)
                lines.append(record.line)
                verifiedDownloads = verifiedDownloads && record.verified
            }
        }
        let checks = try DatasetFiles.verify(built, dataset: dataset, allowMismatch: options.insecureSkipChecksum, log: log)
        try DatasetFiles.writeProvenance(built, dataset: dataset, command: "recbench data fetch", sources: sources, checks: checks)
        let replaced = try staging.install(built, at: destination, replace: options.force)
        log("installed \(dataset.name) in \(destination.path)\(replaced ? " (replacing the previous folder)" : "")")
        return InstallReport(dataset: dataset.name, folder: destination.path, files: checks, sources: lines,
                             fullyVerified: verifiedDownloads, replaced: replaced)
    }

    /// One download: where it goes in the staging folder and what it must hash to.
    struct Download {
        var name: String
        var file: RemoteFile
    }

    static func plan(_ source: DatasetSource, dataset: KnownDataset, override: String?) throws -> [Download] {
        func checked(_ text: String) throws -> String {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw DatasetInstallError("--url \(text) is not an http:// or https:// URL")
            }
            return text
        }
        switch source {
        case .archive(var file, _):
            if let override { file.url = try checked(override) }
            return [Download(name: file.fileName, file: file)]
        case .files(let files):
            return try files.map { named in
                var file = named.file
                if let override {
                    file.url = try checked(override.hasSuffix("/") ? override + named.name : override + "/" + named.name)
                }
                return Download(name: named.name, file: file)
            }
        }
    }

    private static func fetchOne(_ download: Download, to path: URL, options: Options, log: (String) -> Void) throws
        -> (source: [String: Any], line: String, verified: Bool) {
        guard let url = URL(string: download.file.url) else { throw DatasetInstallError("bad URL \(download.file.url)") }
        log("downloading \(download.file.url)")
        let bytes: Int64, sha256: String
        do {
            (bytes, sha256) = try HTTPDownload.download(url, to: path, label: download.name, expectedBytes: download.file.bytes,
                                                        idleTimeout: options.idleTimeout, progress: options.progress)
        } catch var error as DownloadError {
            error.message += """

                  Nothing was installed. Retry, pick a mirror with --url, or download the file another way and run
                  `recbench data import`. (A proxy is taken from https_proxy / http_proxy.)
                """
            throw error
        }
        var source: [String: Any] = ["url": download.file.url, "bytes": bytes, "sha256": sha256]
        guard let expected = download.file.sha256 else {
            source["checksum"] = "none known (--insecure-skip-checksum)"
            log("warning: \(download.name) not verified: no known SHA-256 (sha256 \(sha256), \(bytes) bytes)")
            return (source, "\(download.name): sha256 \(sha256), NOT verified (no known checksum)", false)
        }
        if sha256 != expected {
            let message = """
                checksum mismatch for \(download.name)
                  url:      \(download.file.url)
                  expected: sha256 \(expected)\(download.file.bytes.map { " (\($0) bytes)" } ?? "")
                  got:      sha256 \(sha256) (\(bytes) bytes)
                """
            guard options.insecureSkipChecksum else {
                throw DatasetInstallError(message + """

                      The download was discarded; nothing was installed. The file is damaged or is not the published
                      release (another version on a mirror, an error page from a proxy). Retry, pick another mirror with
                      --url, or download it yourself and run `recbench data import`.
                    """)
            }
            log("warning: " + message + "\n  installing anyway (--insecure-skip-checksum)")
            source["checksum"] = "MISMATCH, expected \(expected) (--insecure-skip-checksum)"
            return (source, "\(download.name): sha256 \(sha256), MISMATCH (expected \(expected))", false)
        }
        source["checksum"] = "verified"
        log("verified \(download.name): sha256 \(sha256)")
        return (source, "\(download.name): sha256 \(sha256), verified\(download.file.checksumSource.map { " (\($0))" } ?? "")", true)
    }
}
