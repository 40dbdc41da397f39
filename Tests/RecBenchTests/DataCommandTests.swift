import Foundation
import RecBench
import RecData
import Testing

// `recbench data …` driven through the built executable: stats after preprocessing (from options
// or an experiment file), bad rows, split export, synthetic data, fetch refusals and interruption,
// import of the shared MovieLens 100K copy.

private let experimentText = """
    [experiment]
    name = "data-stats-check"

    [dataset]
    name = "ml-100k"
    min_rating = 4
    k_core = 5

    [split]
    method = "stratified"
    train_ratio = 0.75
    seed = 7

    [evaluation]
    cutoffs = [10]

    [[models]]
    plugin = "Popularity"
    """

/// The line of `output` that starts with `prefix`, if any.
private func line(_ output: String, _ prefix: String) -> String? {
    output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
}

@Suite("recbench data", .serialized)
struct DataCommandTests {
    @Test("stats after preprocessing: options and an experiment file give the same figures, before and after shown",
          .enabled(if: TestSupport.hasMovieLens, "needs the shared datasets: set RECBENCH_DATA_DIR"))
    func statsAfterPreprocessing() throws {
        let folder = try TestSupport.temporaryDirectory("data-stats")
        let experiment = try TestSupport.write(experimentText, to: folder.appendingPathComponent("e.toml"))
        let environment = ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!]
        let byOptions = try TestSupport.recbench(["data", "stats", "ml-100k", "--min-rating", "4", "--k-core", "5"], environment: environment)
        let byFile = try TestSupport.recbench(["data", "stats", "--experiment", experiment], environment: environment)
        #expect(byOptions.status == 0 && byFile.status == 0, "\(byOptions.stderr)\(byFile.stderr)")
        #expect(byOptions.stdout.contains("preprocessing: min_rating=4.0, k_core=5"))
        #expect(byOptions.stdout.contains("before: 943 users, 1682 items, 100000 interactions"))
        for prefix in ["fingerprint:", "users ", "items ", "interactions "] {
            #expect(line(byOptions.stdout, prefix) != nil && line(byOptions.stdout, prefix) == line(byFile.stdout, prefix), "\(prefix)")
        }
        // The experiment's own preprocessing (the runner's code path) gives the same dataset.
        let file = try ExperimentFile.parse(experimentText, path: "e.toml")
        let raw = try MovieLens100K.load(from: DataDirectory(path: TestSupport.dataDirectory!, origin: "test"))
        let plan = PreprocessingPlan(minRating: 4, kCore: 5)
        #expect(plan == file.dataset.preprocessing)
        let ours = plan.apply(to: raw)
        // Pinned: computed from u.data by an independent Python script (ratings ≥ 4 as 1.0, iterative
        // 5-core, rows sorted by user, item, time; 938 users, 1008 items, 54,413 rows), and equal to
        // what recbench printed before the experiment file's preprocessing became RecData's plan.
        #expect(ours.fingerprint() == "0299e5fdca7f15173a8f85f72e57b1f855de731fb4b996b6dbc447b02ee9c4c6")
        #expect(raw.fingerprint() == "a14ee6723fb9474ef4a565756fff6724df3771f6c6c7c9e3ccb85dad8a940c70")
        let counts = PreprocessingPlan(minUserInteractions: 20, minItemInteractions: 10).apply(to: raw)
        #expect(counts.interactionCount == 97_953)
        #expect(counts.fingerprint() == "ea527fe56b7e86a2ebeffbcc76a8ba964ef04b9a8be6256294e3e4e9e6e163a5")
        #expect(line(byOptions.stdout, "fingerprint:") == "fingerprint: \(ours.fingerprint())")
        #expect(line(byOptions.stdout, "interactions ")?.hasPrefix("interactions  \(ours.interactionCount)  (100000 before") == true)

        let both = try TestSupport.recbench(["data", "stats", "--experiment", experiment, "--k-core", "3"], environment: environment)
        #expect(both.status != 0)
        #expect(both.stderr.contains("leave out the preprocessing options"))
    }

    @Test("a bad row stops stats with file, line and field; --skip-bad-rows skips and reports it")
    func badRows() throws {
        let folder = try TestSupport.temporaryDirectory("data-bad")
        let data = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try TestSupport.write("1\t10\t4\t1\n2\t10\tbad\t2\n2\t20\t5\t3\n", to: data.appendingPathComponent("u.data"))
        let strict = try TestSupport.recbench(["data", "stats", data.path])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("\(data.path)/u.data:2 (field rating): \"bad\" is not a finite number"))
        let skipping = try TestSupport.recbench(["data", "stats", data.path, "--skip-bad-rows"])
        #expect(skipping.status == 0, "\(skipping.stderr)")
        #expect(skipping.stdout.contains("bad rows skipped: 1"))
        #expect(line(skipping.stdout, "interactions ") == "interactions  2")
        #expect(skipping.stderr.contains("warning: skipped 1 bad row (u.data: 1)"))
        #expect(skipping.stderr.contains("u.data:2 (field rating)"))
    }

    @Test("split --export: the same seed the same files, an experiment file's split, refusal to overwrite",
          .enabled(if: TestSupport.hasMovieLens, "needs the shared datasets: set RECBENCH_DATA_DIR"))
    func splitExport() throws {
        let folder = try TestSupport.temporaryDirectory("data-split")
        let environment = ["RECBENCH_DATA_DIR": TestSupport.dataDirectory!]
        func export(_ name: String, _ extra: [String] = []) throws -> TestSupport.Output {
            try TestSupport.recbench(["data", "split", "ml-100k", "--method", "stratified", "--train-ratio", "0.75", "--seed", "42",
                                      "--export", folder.appendingPathComponent(name).path] + extra, environment: environment)
        }
        let a = try export("a"), b = try export("b")
        #expect(a.status == 0, "\(a.stderr)")
        for file in ["train.tsv", "valid.tsv", "test.tsv", "split.json"] {
            let x = try Data(contentsOf: folder.appendingPathComponent("a/\(file)")), y = try Data(contentsOf: folder.appendingPathComponent("b/\(file)"))
            #expect(x == y, "\(file)")
        }
        #expect(line(a.stdout, "  fingerprint ") == line(b.stdout, "  fingerprint "))
        // Microsoft's per-item rule with ratio 0.75: ⌊n · 0.75⌋ to train for each item (up to float
        // rounding), so train holds roughly three quarters.
        let counts = try #require(line(a.stdout, "  train "))
        #expect(counts.hasPrefix("  train 7") && counts.contains("valid 0"))
        let again = try export("a")
        #expect(again.status == 1 && again.stderr.contains("--force"))

        let experiment = try TestSupport.write(experimentText, to: folder.appendingPathComponent("e.toml"))
        let fromFile = try TestSupport.recbench(["data", "split", "--experiment", experiment, "--export", folder.appendingPathComponent("e").path],
                                                environment: environment)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.contains("stratified(by=item,seed=7,train_ratio=0.75)"))
        #expect(fromFile.stdout.contains("ml-100k [min_rating=4.0, k_core=5]"))
        let json = try String(contentsOf: folder.appendingPathComponent("e/split.json"), encoding: .utf8)
        #expect(json.contains("\"preprocessing\" : \"min_rating=4.0, k_core=5\""))
    }

    @Test("synth writes the requested rows and will not overwrite without --force")
    func synth() throws {
        let folder = try TestSupport.temporaryDirectory("data-synth")
        let arguments = ["data", "synth", "--users", "20", "--items", "50", "--interactions", "600", "--seed", "3", "--out", folder.path]
        let first = try TestSupport.recbench(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("wrote 600 interactions by 20 users on 50 items"))
        let text = try String(contentsOf: folder.appendingPathComponent("ratings.csv"), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 601)
        let second = try TestSupport.recbench(arguments)
        #expect(second.status == 1 && second.stderr.contains("--force"))
        let stats = try TestSupport.recbench(["data", "stats", folder.path, "--load-only"])
        #expect(stats.status == 0 && stats.stdout.contains("users 20, items 50, interactions 600"), "\(stats.stderr)")
    }

    @Test("fetch: refused without a known checksum, an unreachable mirror leaves nothing")
    func fetchRefusals() throws {
        let folder = try TestSupport.temporaryDirectory("data-fetch")
        let data = folder.appendingPathComponent("data")
        let unknown = try TestSupport.recbench(["data", "fetch", "ml-10m", "--data-dir", data.path])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no trustworthy SHA-256 for https://files.grouplens.org/datasets/movielens/ml-10m.zip"))
        #expect(unknown.stderr.contains("ml-10m.zip.md5"))
        // Port 1 on the loopback: nothing listens, the connection is refused at once.
        let refused = try TestSupport.recbench(["data", "fetch", "ml-100k", "--url", "http://127.0.0.1:1/ml-100k.zip", "--data-dir", data.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("download of http://127.0.0.1:1/ml-100k.zip failed"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []).isEmpty)
        let typo = try TestSupport.recbench(["data", "fetch", "ml-100", "--data-dir", data.path])
        #expect(typo.status == 1 && typo.stderr.contains("did you mean \"ml-100k\"?"))
    }

    @Test("fetch interrupted mid-download (SIGINT) leaves nothing behind")
    func fetchInterrupted() throws {
        let folder = try TestSupport.temporaryDirectory("data-interrupt")
        let data = folder.appendingPathComponent("data")
        let server = try StallingServer(announced: 4_924_029, sent: 300_000)
        defer { server.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.recbench)
        process.arguments = ["data", "fetch", "ml-100k", "--url", "http://127.0.0.1:\(server.port)/ml-100k.zip", "--data-dir", data.path]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Wait until the partial archive is on disk inside the staging folder.
        let deadline = Date().addingTimeInterval(30)
        var staged = false
        while Date() < deadline && !staged {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []
            if let staging = names.first(where: { $0.hasPrefix(".recbench-staging-ml-100k-") }) {
                let archive = data.appendingPathComponent(staging).appendingPathComponent("ml-100k.zip").path
                let size = (try? FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int) ?? 0
                staged = size >= 300_000
            }
            if !staged { usleep(50_000) }
        }
        #expect(staged, "the download started")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 128 + SIGINT, "\(stderr)")
        #expect(stderr.contains("interrupted: removed 1 partial folder"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path).isEmpty)
    }

    @Test("import of the shared MovieLens 100K copy: every file verified",
          .enabled(if: TestSupport.hasMovieLens, "needs the shared datasets: set RECBENCH_DATA_DIR"))
    func importShared() throws {
        let folder = try TestSupport.temporaryDirectory("data-import")
        let result = try TestSupport.recbench(["data", "import", "ml-100k", TestSupport.dataDirectory! + "/ml-100k", "--data-dir", folder.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("files: 21 verified against a known SHA-256"))
        let list = try TestSupport.recbench(["data", "list", "--data-dir", folder.path])
        #expect(line(list.stdout, "ml-100k")?.contains("present") == true)
    }
}

/// Accepts one connection, answers 200 with a Content-Length of `announced`, sends `sent` zero
/// bytes, then holds the connection open until stopped.
private final class StallingServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopped = false

    init(announced: Int, sent: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in
            defer { done.signal() }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &buffer, buffer.count, 0)
            let reply = Data("HTTP/1.1 200 OK\r\nContent-Length: \(announced)\r\n\r\n".utf8) + Data(count: sent)
            _ = reply.withUnsafeBytes { send(connection, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            while !lock.withLock({ stopped }) { usleep(20_000) }
        }.start()
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        done.wait()
    }
}
