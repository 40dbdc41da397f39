import Foundation
import RecData
import RecKit
#if canImport(Glibc)
import Glibc
#endif

/// Runs each model in a child process (`recbench worker REQUEST`) so that a plugin that crashes,
/// aborts, hangs or runs out of memory fails its own run only. The child computes; the parent,
/// the ledger's only writer, records.
public struct WorkerIsolation: Sendable {
    /// The recbench executable to start as the worker.
    public var executable: String
    /// Wall-clock limit of one run, in seconds.
    public var timeLimit: Double
    /// Address-space limit of the worker, in MiB (RLIMIT_AS).
    public var memoryLimitMB: Int

    public init(executable: String, timeLimit: Double, memoryLimitMB: Int) {
        self.executable = executable
        self.timeLimit = timeLimit
        self.memoryLimitMB = memoryLimitMB
    }

    /// What the parent tells a worker; written as JSON to a file whose path is the worker's argument.
    public struct Request: Codable, Sendable {
        public var experimentFile: String
        public var modelIndex: Int
        public var foldIndex: Int
        /// The parameter point of the model's search and the run's seed.
        public var point: Int
        public var seed: UInt64
        public var dataDirectory: String
        public var dataOrigin: String
        public var pluginDirectories: [String]
        public var pluginOrigins: [String]
        public var output: String
        public var memoryLimitMB: Int
        /// The model's plugin library: the worker loads only this one.
        public var pluginPath: String
        /// Show the plugin's own log lines (`recbench run --verbose`).
        public var verbose: Bool
        /// The fold's entry in the split cache; nil: the worker makes the split itself.
        public var cachedSplit: ExperimentRunner.CachedSplit?
        /// Read the dataset skipping malformed rows, as the parent did (`--skip-bad-rows`).
        public var skipBadRows: Bool?
        /// Write the test lists to this TREC run file (`recbench run --export-trec`).
        public var trecRun: String?
        /// A hybrid's component plugins: loaded beside the model's own.
        public var componentPluginPaths: [String]?
    }

    func run(file: ExperimentFile, modelIndex: Int, foldIndex: Int, point: Int, seed: UInt64,
             cachedSplit: ExperimentRunner.CachedSplit? = nil, skipBadRows: Bool = false, dataDirectory: DataDirectory,
             searchPath: PluginSearchPath, pluginPath: String, console: Console, trecRun: String? = nil,
             componentPluginPaths: [String] = []) -> ExperimentRunner.RunOutcome {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("recbench-worker-\(getpid())-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let request = Request(
                experimentFile: file.path, modelIndex: modelIndex, foldIndex: foldIndex, point: point, seed: seed,
                dataDirectory: dataDirectory.path, dataOrigin: dataDirectory.origin,
                pluginDirectories: searchPath.entries.map(\.directory), pluginOrigins: searchPath.entries.map(\.origin),
                output: folder.appendingPathComponent("outcome.json").path, memoryLimitMB: memoryLimitMB,
                pluginPath: pluginPath, verbose: console.verbose, cachedSplit: cachedSplit, skipBadRows: skipBadRows,
                trecRun: trecRun, componentPluginPaths: componentPluginPaths.isEmpty ? nil : componentPluginPaths)
            let requestPath = folder.appendingPathComponent("request.json")
            try JSONEncoder().encode(request).write(to: requestPath)
            return try launch(requestPath: requestPath.path, output: request.output, console: console)
        } catch {
            return .failed("could not start the worker process: \(error)")
        }
    }

    private func launch(requestPath: String, output: String, console: Console) throws -> ExperimentRunner.RunOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["worker", requestPath]
        // A crash report is the plugin's message, not Swift's register dump of the worker.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.standardError
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }

        // Relay the worker's messages as they come, keeping the tail for a failure report.
        final class Tail: @unchecked Sendable {
            var bytes = Data()
            let lock = NSLock()
        }
        let tail = Tail()
        let relayDone = DispatchSemaphore(value: 0)
        try process.run()
        DispatchQueue.global().async {
            let handle = errors.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                FileHandle.standardError.write(chunk)
                tail.lock.lock()
                tail.bytes.append(chunk)
                if tail.bytes.count > 8192 { tail.bytes = tail.bytes.suffix(4096) }
                tail.lock.unlock()
            }
            relayDone.signal()
        }

        var timedOut = false
        if finished.wait(timeout: .now() + timeLimit) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        _ = relayDone.wait(timeout: .now() + 5)
        tail.lock.lock()
        let stderrTail = Self.lastLines(String(decoding: tail.bytes, as: UTF8.self), count: 12)
        tail.lock.unlock()

        if timedOut {
            return .failed("time limit of \(Self.format(timeLimit)) s exceeded; the worker was killed" + Self.tailNote(stderrTail))
        }
        switch process.terminationReason {
        case .uncaughtSignal:
            let signal = process.terminationStatus
            var reason = "the worker died of signal \(signal) (\(Self.signalName(signal)))"
            if [SIGKILL, SIGSEGV].contains(signal) {
                reason += "; if it ran out of memory, its limit was \(memoryLimitMB) MiB (run_memory_limit_mb)"
            }
            return .failed(reason + Self.tailNote(stderrTail))
        case .exit where process.terminationStatus != 0:
            return .failed("the worker exited with status \(process.terminationStatus)" + Self.tailNote(stderrTail))
        default:
            break
        }
        do {
            return try JSONDecoder().decode(ExperimentRunner.RunOutcome.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
        } catch {
            return .failed("the worker finished without a readable result (\(error))" + Self.tailNote(stderrTail))
        }
    }

    static func tailNote(_ tail: String) -> String {
        tail.isEmpty ? "" : "; last output: " + tail.replacingOccurrences(of: "\n", with: " ⏎ ")
    }

    static func lastLines(_ text: String, count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).joined(separator: "\n")
    }

    static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGABRT: "SIGABRT, abort"
        case SIGSEGV: "SIGSEGV, invalid memory access"
        case SIGBUS: "SIGBUS"
        case SIGKILL: "SIGKILL"
        case SIGFPE: "SIGFPE, arithmetic error"
        case SIGILL: "SIGILL, illegal instruction"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}

/// The child side: `recbench worker REQUEST` runs exactly one model on one fold and writes its
/// outcome as JSON. It never touches the ledger.
public enum Worker {
    public static func main(requestPath: String) -> Int32 {
        let console = Console()
        do {
            let request = try JSONDecoder().decode(WorkerIsolation.Request.self, from: Data(contentsOf: URL(fileURLWithPath: requestPath)))
            console.verbose = request.verbose
            var limit = rlimit(rlim_cur: rlim_t(request.memoryLimitMB) << 20, rlim_max: rlim_t(request.memoryLimitMB) << 20)
            setrlimit(Int32(RLIMIT_AS.rawValue), &limit)

            let file = try ExperimentFile.load(path: request.experimentFile)
            let searchPath = PluginSearchPath(entries: zip(request.pluginDirectories, request.pluginOrigins).map {
                PluginSearchPath.Entry(directory: $0, origin: $1)
            })
            let dataDirectory = DataDirectory(path: request.dataDirectory, origin: request.dataOrigin)
            // Only the model's own plugin: loading every library on the path would cost each run.
            var registry = PluginRegistry()
            registry.add(path: request.pluginPath)
            for path in request.componentPluginPaths ?? [] where path != request.pluginPath { registry.add(path: path) }
            if let problem = registry.problems.first { throw problem }
            var runner = ExperimentRunner(
                searchPath: searchPath, registry: registry, dataDirectory: dataDirectory,
                ledger: nil, console: console, isolation: nil)
            runner.skipBadRows = request.skipBadRows ?? false
            let models = try runner.resolve(file, hashBinaries: false, only: request.modelIndex)
            let loadStart = Date()
            let data = try runner.loadDataset(file)
            let dataset = data.dataset
            // The parent made the split once and stored it; the worker reads it by key.
            let split = try runner.split(for: file, data: data, fold: request.foldIndex, cached: request.cachedSplit)
            if let cached = request.cachedSplit, console.verbose {
                console.info("  worker: fold \(request.foldIndex + 1) read from the split cache entry \(cached.key)")
            }
            let fold = try runner.prepare(split, index: request.foldIndex, file: file, dataset: dataset, fingerprint: false)
            let loadSeconds = Date().timeIntervalSince(loadStart)
            var outcome = runner.execute(models[0], point: request.point, seed: request.seed, fold: fold, trecRun: request.trecRun)
            outcome.loadSeconds = loadSeconds
            var usage = rusage()
            if getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 { outcome.peakMemoryBytes = Int64(usage.ru_maxrss) * 1024 }
            let encoded = try JSONEncoder().encode(outcome)
            let temporary = request.output + ".partial"
            try encoded.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, request.output) == 0 else { throw PluginError("cannot write \(request.output)") }
            return 0
        } catch {
            console.warning("worker: \(error)")
            return 1
        }
    }
}
