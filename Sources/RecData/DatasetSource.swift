import Foundation

/// A file on the web and, when recbench knows it, the SHA-256 its bytes must have.
public struct RemoteFile: Sendable, Hashable {
    public var url: String
    /// Lowercase hex; nil when no trustworthy published checksum is known (fetching then needs
    /// `--insecure-skip-checksum`).
    public var sha256: String?
    /// The size in bytes, when known: for the progress bar before the server says.
    public var bytes: Int64?
    /// Where `sha256` comes from, for `recbench data list` and the docs.
    public var checksumSource: String?

    public init(url: String, sha256: String? = nil, bytes: Int64? = nil, checksumSource: String? = nil) {
        self.url = url
        self.sha256 = sha256
        self.bytes = bytes
        self.checksumSource = checksumSource
    }

    /// The last path component of the URL ("ml-100k.zip").
    public var fileName: String {
        URL(string: url)?.lastPathComponent.nonEmpty ?? "download"
    }
}

/// How a dataset is downloaded: an archive whose `root` folder becomes the dataset folder (every
/// MovieLens zip), or files fetched one by one into the dataset folder (LightGCN's train/test).
public enum DatasetSource: Sendable {
    case archive(RemoteFile, root: String)
    case files([NamedRemoteFile])

    /// Every download, for checks that apply to each.
    public var downloads: [RemoteFile] {
        switch self {
        case .archive(let file, _): [file]
        case .files(let files): files.map(\.file)
        }
    }
}

public struct NamedRemoteFile: Sendable, Hashable {
    /// The file's name inside the dataset folder.
    public var name: String
    public var file: RemoteFile

    public init(_ name: String, _ file: RemoteFile) {
        self.name = name
        self.file = file
    }
}

/// A file the dataset folder must (or may) hold once fetched or imported, with its SHA-256 when known.
public struct ExpectedFile: Sendable, Hashable {
    public var name: String
    public var sha256: String?
    /// A required file must be there; an optional one is checked only when present.
    public var required: Bool

    public init(_ name: String, sha256: String? = nil, required: Bool = true) {
        self.name = name
        self.sha256 = sha256
        self.required = required
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
