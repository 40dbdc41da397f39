import Foundation
import RecKit
import Testing

/// Paths and tools shared by the tests that load built plugins and drive the built executable.
enum TestSupport {
    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The build folder holding the test runner, `recbench` and the in-tree plugins.
    static let binDirectory: String = PluginSearchPath.executableDirectory()!

    static var recbench: String { binDirectory + "/recbench" }

    /// The real datasets: RECBENCH_DATA_DIR, else ../shared/datasets beside the repository.
    static let dataDirectory: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["RECBENCH_DATA_DIR"],
                                     repositoryRoot.appendingPathComponent("../shared/datasets").standardized.path]
        return candidates.compactMap { $0 }.first {
            FileManager.default.fileExists(atPath: $0 + "/ml-100k/u.data")
        }
    }()

    static var hasMovieLens: Bool { dataDirectory != nil }

    /// A fresh empty folder, removed at process exit by the OS's tmp cleaning; unique per call.
    static func temporaryDirectory(_ label: String = "recbench-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion, capturing both streams.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                    currentDirectory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
        var merged = ProcessInfo.processInfo.environment
        merged["RECBENCH_PLUGIN_PATH"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the built `recbench` with the given arguments.
    @discardableResult
    static func recbench(_ arguments: [String], environment: [String: String] = [:],
                         currentDirectory: URL? = nil) throws -> Output {
        try run(recbench, arguments, environment: environment, currentDirectory: currentDirectory)
    }

    /// Compiles a C plugin source (relative to the repository root) into `lib<name>.so` in `folder`.
    static func compileC(_ source: String, name: String, into folder: URL) throws -> String {
        let output = folder.appendingPathComponent("lib\(name).so").path
        let result = try run("cc", [
            "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
            "-I", repositoryRoot.appendingPathComponent("Sources/RecPluginABI/include").path,
            repositoryRoot.appendingPathComponent(source).path, "-o", output,
        ])
        try #require(result.status == 0, "cc failed on \(source): \(result.stderr)")
        return output
    }

    static func fixture(_ name: String, into folder: URL) throws -> String {
        try compileC("Tests/Fixtures/plugins/\(name).c", name: name, into: folder)
    }

    /// Writes a text file and returns its path.
    @discardableResult
    static func write(_ text: String, to url: URL) throws -> String {
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
