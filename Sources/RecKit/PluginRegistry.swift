import Foundation

/// Where plugins are looked for, in order: every `--plugin-dir`, then each folder of
/// `RECBENCH_PLUGIN_PATH` (colon-separated), then the folder of the running executable.
public struct PluginSearchPath: Sendable {
    public struct Entry: Sendable, Equatable {
        public var directory: String
        /// "--plugin-dir", "RECBENCH_PLUGIN_PATH" or "executable folder".
        public var origin: String

        public init(directory: String, origin: String) {
            self.directory = directory
            self.origin = origin
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public static func standard(
        pluginDirectories: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executableDirectory: String? = PluginSearchPath.executableDirectory()
    ) -> PluginSearchPath {
        var entries = pluginDirectories.map { Entry(directory: $0, origin: "--plugin-dir") }
        if let path = environment["RECBENCH_PLUGIN_PATH"] {
            entries += path.split(separator: ":").map { Entry(directory: String($0), origin: "RECBENCH_PLUGIN_PATH") }
        }
        if let executableDirectory {
            entries.append(Entry(directory: executableDirectory, origin: "executable folder"))
        }
        return PluginSearchPath(entries: entries)
    }

    /// The folder of the running executable, through /proc/self/exe so symlinks resolve.
    public static func executableDirectory() -> String? {
        let url = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .map { URL(fileURLWithPath: $0) } ?? Bundle.main.executableURL
        return url?.deletingLastPathComponent().path
    }
}

/// The plugins found on a search path, plus every file that was skipped and why.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [LoadedPlugin] = []
    /// Files that looked like libraries but could not be loaded as plugins.
    public private(set) var problems: [PluginLoadError] = []
    /// Duplicate names and missing folders: worth saying, not worth failing over.
    public private(set) var warnings: [String] = []

    public init() {}

    /// Loads every `*.so` (or `*.dylib`) file in each folder, in path order then name order.
    /// The first plugin of a name wins; later ones are warned about.
    public static func discover(_ searchPath: PluginSearchPath) -> PluginRegistry {
        var registry = PluginRegistry()
        var seenFiles = Set<String>()
        let fileManager = FileManager.default
        for entry in searchPath.entries {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: entry.directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                if entry.origin != "executable folder" {
                    registry.warnings.append("plugin folder \(entry.directory) (from \(entry.origin)) does not exist")
                }
                continue
            }
            let names = ((try? fileManager.contentsOfDirectory(atPath: entry.directory)) ?? []).sorted()
            for fileName in names where isLibraryName(fileName) {
                let path = URL(fileURLWithPath: entry.directory).appendingPathComponent(fileName).path
                // The same folder named twice, or a symlink to a file already seen: load it once.
                let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                guard seenFiles.insert(real).inserted else { continue }
                registry.add(path: path)
            }
        }
        return registry
    }

    /// Loads one file and adds it, recording a problem or a duplicate warning instead of failing.
    public mutating func add(path: String) {
        do {
            let plugin = try LoadedPlugin.load(path: path)
            if let first = plugins.first(where: { $0.name == plugin.name }) {
                warnings.append(
                    "plugin \(plugin.name) \(plugin.manifest.version) at \(path) is ignored: "
                        + "\(first.name) \(first.manifest.version) from \(first.path) was found first")
            } else {
                plugins.append(plugin)
            }
        } catch let error as PluginLoadError {
            problems.append(error)
        } catch {
            problems.append(PluginLoadError(path: path, reason: String(describing: error)))
        }
    }

    public func plugin(named name: String) -> LoadedPlugin? {
        plugins.first { $0.name == name }
    }

    /// "no plugin named X (did you mean Y?); found: A, B" — for experiment-file errors.
    public func missingPluginMessage(_ name: String) -> String {
        let names = plugins.map(\.name)
        var message = "no plugin named \"\(name)\""
        if let suggestion = Suggest.closest(to: name, among: names) {
            message += " (did you mean \"\(suggestion)\"?)"
        }
        message += names.isEmpty ? "; no plugins were found" : "; found: \(names.joined(separator: ", "))"
        message += ". Run `recbench plugins` to see the search path."
        return message
    }

    static func isLibraryName(_ name: String) -> Bool {
        name.hasSuffix(".so") || name.contains(".so.") || name.hasSuffix(".dylib")
    }
}
