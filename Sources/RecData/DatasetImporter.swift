import Foundation

/// `recbench data import NAME PATH`: install a known dataset from a local archive (.zip, .tar,
/// .tar.gz) or folder, with the same checks and the same all-or-nothing move as `fetch`.
///
/// The dataset's folder is found inside PATH as the folder holding its marker file (`u.data`,
/// `ratings.csv`, …): PATH itself, or a folder up to three levels below it (preferring one named
/// as the dataset's folder). Its files are copied (an archive is unpacked) into a staging folder,
/// checked (required files present, known SHA-256s equal), and moved into place. An archive's own
/// SHA-256 is compared with the official archive's when known, for the report only: a re-packed
/// archive is fine as long as its files check out.
public enum DatasetImporter {
    public struct Options: Sendable {
        /// Replace the dataset folder if it exists.
        public var force = false
        /// Install even when a file's SHA-256 differs from the published one.
        public var insecureSkipChecksum = false
        public var log: (@Sendable (String) -> Void)?

        public init(force: Bool = false, insecureSkipChecksum: Bool = false) {
            self.force = force
            self.insecureSkipChecksum = insecureSkipChecksum
        }
    }

    public static func importDataset(_ dataset: KnownDataset, from path: String, into directory: DataDirectory,
                                     options: Options = Options()) throws -> InstallReport {
        let log = options.log ?? { _ in }
        let manager = FileManager.default
        let source = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: source.path, isDirectory: &isFolder) else {
            throw DatasetInstallError("\(path) does not exist")
        }
        let destination = directory.folder(of: dataset)
        if manager.fileExists(atPath: destination.path) {
            if destination.standardizedFileURL.resolvingSymlinksInPath().path == source.path {
                throw DatasetInstallError("\(path) is the dataset's own folder in the data directory; it is already in place")
            }
            guard options.force else {
                throw DatasetInstallError("""
                    \(dataset.name) is already in \(destination.path); nothing was imported.
                      Pass --force to replace that folder with \(path).
                    """)
            }
        }

        let staging = try StagingArea(directory: directory, dataset: dataset.name)
        defer { staging.remove() }
        var sources: [[String: Any]] = []
        var lines: [String] = []
        var archiveVerified = false
        let searchRoot: URL
        if isFolder.boolValue {
            searchRoot = source
            sources.append(["folder": source.path])
        } else {
            guard Archive.kind(of: source.path) != nil else {
                throw DatasetInstallError("\(path) is neither a folder nor a zip, tar or tar.gz archive")
            }
            let sha256 = try SHA256.hex(fileAt: source.path)
            var record: [String: Any] = ["archive": source.path, "sha256": sha256]
            if case .archive(let official, _)? = dataset.source, let expected = official.sha256 {
                archiveVerified = sha256 == expected
                record["official_sha256"] = expected
                lines.append(archiveVerified ? "\(source.lastPathComponent): sha256 \(sha256), the official archive"
                                             : "\(source.lastPathComponent): sha256 \(sha256), not the official archive (\(expected)); its files are checked instead")
            } else {
                lines.append("\(source.lastPathComponent): sha256 \(sha256) (no official archive checksum known)")
            }
            sources.append(record)
            let unpacked = staging.url.appendingPathComponent("unpacked", isDirectory: true)
            try manager.createDirectory(at: unpacked, withIntermediateDirectories: false)
            log("unpacking \(source.lastPathComponent)")
            try Archive.unpack(source.path, into: unpacked.path)
            searchRoot = unpacked
        }
        guard let found = DatasetFiles.locate(marker: dataset.marker, under: searchRoot, preferred: dataset.folder) else {
            throw DatasetInstallError("no \(dataset.marker) in \(path) or in the folders below it; it does not hold \(dataset.name). Nothing was imported.")
        }
        let built: URL
        if isFolder.boolValue {
            built = staging.url.appendingPathComponent(dataset.folder, isDirectory: true)
            log("copying \(found.path)")
            try copyFolder(found, to: built)
        } else {
            built = found
        }
        let checks = try DatasetFiles.verify(built, dataset: dataset, allowMismatch: options.insecureSkipChecksum, log: log)
        try DatasetFiles.writeProvenance(built, dataset: dataset, command: "recbench data import", sources: sources, checks: checks)
        let replaced = try staging.install(built, at: destination, replace: options.force)
        log("installed \(dataset.name) in \(destination.path)\(replaced ? " (replacing the previous folder)" : "")")
        let everyFileVerified = checks.allSatisfy { $0.status == .verified || $0.status == .absent }
        return InstallReport(dataset: dataset.name, folder: destination.path, files: checks, sources: lines,
                             fullyVerified: archiveVerified || everyFileVerified, replaced: replaced)
    }

    /// Copies a folder's regular files and subfolders (hidden files and links left out).
    private static func copyFolder(_ source: URL, to destination: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: destination, withIntermediateDirectories: false)
        for name in try manager.contentsOfDirectory(atPath: source.path) where !name.hasPrefix(".") {
            let from = source.appendingPathComponent(name), to = destination.appendingPathComponent(name)
            let attributes = try manager.attributesOfItem(atPath: from.path)
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?: try copyFolder(from, to: to)
            case .typeRegular?: try manager.copyItem(at: from, to: to)
            default: continue
            }
        }
    }
}
