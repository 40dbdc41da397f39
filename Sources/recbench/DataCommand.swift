import ArgumentParser
import Foundation
import RecBench
import RecData
import RecKit

extension Recbench {
    struct DataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Datasets: list, fetch, import, statistics, synthetic data, and exported splits.",
            discussion: """
                Datasets are read in place from the data directory: --data-dir, else RECBENCH_DATA_DIR, \
                else ~/.cache/recbench/datasets. Each dataset is a folder named as `recbench data list` \
                shows, holding the files exactly as the publisher ships them; `fetch` and `import` put \
                them there after checking them.

                Examples:
                  recbench data fetch ml-100k
                  recbench data import ml-1m ~/Downloads/ml-1m.zip
                  recbench data stats ml-latest-small --k-core 5
                  recbench data split ml-100k --method stratified --train-ratio 0.75 --export out/ml100k-split
                  recbench data synth --users 138493 --items 26744 --interactions 20000263 --out /tmp/synth-20m
                """,
            subcommands: [List.self, Stats.self, Fetch.self, Import.self, Split.self, Synth.self],
            defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List known datasets: size, licence, and whether each is present locally (the default).")

            @OptionGroup var common: CommonOptions

            func run() throws {
                let directory = DataDirectory.resolve(explicit: common.dataDirectory)
                print("Data directory: \(directory.path)  (\(directory.origin))\n")
                for dataset in DatasetRegistry.all {
                    let present = dataset.isPresent(in: directory)
                    print("\(dataset.name.padding(16)) \(present ? "present" : "missing")  \(dataset.summary)")
                    print(String(repeating: " ", count: 26) + "licence: \(dataset.licence)")
                    if !present {
                        print(String(repeating: " ", count: 26) + "expected: \(directory.path)/\(dataset.folder)/\(dataset.marker)"
                            + (dataset.source == nil ? "" : "  (recbench data fetch \(dataset.name))"))
                    }
                }
            }
        }
    }
}

// MARK: - Shared options

/// The preprocessing steps, as options (the same names as an experiment file's [dataset] keys).
struct PreprocessingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Keep one row per (user, item): first, last or mean.", valueName: "policy"))
    var duplicates: String?

    @Option(name: .customLong("min-rating"), help: ArgumentHelp("Keep ratings ≥ this, as implicit feedback (value 1).", valueName: "r"))
    var minRating: Double?

    @Option(name: .customLong("k-core"), help: ArgumentHelp("Iterative k-core: every user and item keeps at least k rows.", valueName: "k"))
    var kCore: Int?

    @Option(name: .customLong("min-user-interactions"), help: ArgumentHelp("Single pass: drop users with fewer rows.", valueName: "n"))
    var minUserInteractions: Int?

    @Option(name: .customLong("min-item-interactions"), help: ArgumentHelp("Single pass: drop items with fewer rows.", valueName: "n"))
    var minItemInteractions: Int?

    func plan() throws -> PreprocessingPlan {
        var policy: DuplicatePolicy?
        if let duplicates {
            guard let parsed = DuplicatePolicy(rawValue: duplicates) else {
                throw ValidationError("--duplicates must be first, last or mean, not \(duplicates)")
            }
            policy = parsed
        }
        let plan = PreprocessingPlan(duplicates: policy, minRating: minRating, kCore: kCore,
                                     minUserInteractions: minUserInteractions, minItemInteractions: minItemInteractions)
        try plan.validate()
        return plan
    }
}

/// A dataset to read: a registry name, a folder path, or the dataset of an experiment file; with
/// its preprocessing.
struct DatasetSelection: ParsableArguments {
    @Option(name: .customLong("experiment"), help: ArgumentHelp(
        "Take the dataset and its preprocessing from this experiment file's [dataset] table.", valueName: "file"))
    var experimentPath: String?

    @OptionGroup var preprocessing: PreprocessingOptions

    @Flag(name: .customLong("skip-bad-rows"), help: "Skip malformed rows (and report how many) instead of stopping at the first.")
    var skipBadRows = false

    /// What was read: the dataset as read and after preprocessing, and where from.
    struct Loaded {
        var raw: Dataset
        var processed: Dataset
        var preprocessing: String
        var fixedSplit: Split?
        var folder: String
        var readSeconds: Double
        var badRows: BadRowLog?
        var experiment: ExperimentFile?
    }

    func load(name: String?, directory: DataDirectory) throws -> Loaded {
        var experiment: ExperimentFile?
        var datasetName = name
        if let experimentPath {
            let file = try ExperimentFile.load(path: experimentPath)
            if let name, name != file.dataset.name {
                throw ValidationError("the experiment file names dataset \(file.dataset.name), not \(name); leave the name out")
            }
            guard try preprocessing.plan().isEmpty else {
                throw ValidationError("preprocessing comes from the experiment file; leave out the preprocessing options")
            }
            datasetName = file.dataset.name
            experiment = file
        }
        guard let datasetName else { throw ValidationError("name a dataset (see `recbench data list`), a dataset folder, or --experiment FILE") }
        let log = skipBadRows ? BadRowLog() : nil
        let started = Date()
        let read: (dataset: Dataset, fixedSplit: Split?)
        let folder: String
        if let known = DatasetRegistry.named(datasetName) {
            read = try known.load(from: directory, badRows: log)
            folder = directory.path + "/" + known.folder
        } else if datasetName.contains("/") || FileManager.default.fileExists(atPath: datasetName) {
            read = try LocalDataset.load(path: datasetName, badRows: log)
            folder = datasetName
        } else {
            var message = "unknown dataset \"\(datasetName)\""
            if let guess = Suggest.closest(to: datasetName, among: DatasetRegistry.names) { message += " (did you mean \"\(guess)\"?)" }
            throw PluginError(message + "; known: \(DatasetRegistry.names.joined(separator: ", ")); or give a dataset folder's path")
        }
        let seconds = Date().timeIntervalSince(started)
        var processed = read.dataset
        let steps: String
        if let experiment {
            steps = experiment.dataset.preprocessing.description
            processed = experiment.dataset.preprocessing.apply(to: read.dataset)
        } else {
            let plan = try preprocessing.plan()
            steps = plan.description
            processed = plan.apply(to: read.dataset)
        }
        return Loaded(raw: read.dataset, processed: processed, preprocessing: steps, fixedSplit: steps.isEmpty ? read.fixedSplit : nil,
                      folder: folder, readSeconds: seconds, badRows: log, experiment: experiment)
    }
}

/// Prints a bad-row summary on standard error, if rows were skipped.
func reportBadRows(_ log: BadRowLog?) {
    guard let log, log.count > 0 else { return }
    FileHandle.standardError.write(Data(("warning: " + log.summary + "\n").utf8))
}

// MARK: - stats

extension Recbench.DataCommand {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a dataset's users, items, interactions, density, rating histogram, activity quantiles and time span.",
            discussion: """
                With preprocessing options (or --experiment FILE) the figures are those after every \
                step, with the counts before beside them, so no filter is hidden.

                Examples:
                  recbench data stats ml-100k
                  recbench data stats ml-latest-small --min-rating 4 --k-core 5
                  recbench data stats --experiment experiments/quickstart.toml
                  recbench data stats ./my-folder --skip-bad-rows
                """)

        @Argument(help: ArgumentHelp("A dataset name (`recbench data list`) or a dataset folder's path.", valueName: "name"))
        var name: String?

        @OptionGroup var selection: DatasetSelection

        @Flag(name: .customLong("load-only"), help: "Read the files and print the counts and the read time only (for timing the readers).")
        var loadOnly = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            let directory = DataDirectory.resolve(explicit: common.dataDirectory)
            let loaded: DatasetSelection.Loaded
            do {
                loaded = try selection.load(name: name, directory: directory)
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
            reportBadRows(loaded.badRows)
            let raw = loaded.raw, dataset = loaded.processed
            let bytes = loaded.raw.sourceFiles.reduce(Int64(0)) { total, file in
                total + ((try? FileManager.default.attributesOfItem(atPath: loaded.folder + "/" + file.name)[.size] as? Int64) ?? 0)
            }
            let rate = loaded.readSeconds > 0 ? String(format: ", %.0f MB/s", Double(bytes) / 1e6 / loaded.readSeconds) : ""
            print("\(raw.name): read \(String(format: "%.1f", Double(bytes) / 1e6)) MB in \(String(format: "%.2f", loaded.readSeconds)) s\(rate) from \(loaded.folder)")
            if let log = loaded.badRows { print("bad rows skipped: \(log.count)") }
            if loadOnly {
                print("users \(raw.userCount), items \(raw.itemCount), interactions \(raw.interactionCount)")
                return
            }
            if let known = DatasetRegistry.named(raw.name) { print(known.summary) }
            print("fingerprint: \(dataset.fingerprint())")
            let stats = DatasetStatistics(dataset)
            print("")
            if !loaded.preprocessing.isEmpty {
                print("preprocessing: \(loaded.preprocessing)")
                print("               (figures below are after it; before: \(raw.userCount) users, \(raw.itemCount) items, \(raw.interactionCount) interactions)")
                print("")
            }
            func change(_ after: Int, _ before: Int) -> String {
                loaded.preprocessing.isEmpty || after == before ? "" : "  (\(before) before, \(after - before))"
            }
            print("users         \(stats.users)\(change(stats.users, raw.userCount))")
            if dataset.activeUserCount != stats.users { print("              \(dataset.activeUserCount) with interactions") }
            print("items         \(stats.items)\(change(stats.items, raw.itemCount))")
            if dataset.ratedItemCount != stats.items { print("              \(dataset.ratedItemCount) with interactions") }
            print("interactions  \(stats.interactions)\(change(stats.interactions, raw.interactionCount))")
            print("density       \(String(format: "%.4f%%", stats.density * 100))")
            if let split = loaded.fixedSplit {
                print("fixed split   \(split.train.count) train / \(split.test.count) test")
            }
            if let first = stats.firstTimestamp, let last = stats.lastTimestamp {
                let format = ISO8601DateFormatter()
                format.formatOptions = [.withFullDate]
                print("time span     \(format.string(from: Date(timeIntervalSince1970: TimeInterval(first)))) – "
                    + "\(format.string(from: Date(timeIntervalSince1970: TimeInterval(last))))")
            }
            print("\nper user  " + zip(DatasetStatistics.quantileLabels, stats.perUser).map { "\($0) \($1)" }.joined(separator: ", "))
            print("per item  " + zip(DatasetStatistics.quantileLabels, stats.perItem).map { "\($0) \($1)" }.joined(separator: ", "))
            if stats.ratingHistogram.count <= 20 {
                print("\nratings")
                let largest = stats.ratingHistogram.map(\.count).max() ?? 1
                for (rating, count) in stats.ratingHistogram {
                    let bar = String(repeating: "#", count: max(1, count * 40 / largest))
                    print("  \(String(format: "%4.1f", rating))  \(String(count).padding(9)) \(bar)")
                }
            }
        }
    }
}

// MARK: - fetch and import

extension Recbench.DataCommand {
    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a dataset from its official source, verify its SHA-256, unpack it into the data directory.",
            discussion: """
                The download and the unpacking happen in a staging folder inside the data directory; \
                the dataset folder appears only when everything checked out, by one rename. On an HTTP \
                error, a dropped connection, a checksum mismatch, a missing file or an interruption, \
                nothing is left behind. A download whose SHA-256 recbench does not know is refused \
                unless --insecure-skip-checksum is given. Unpacking a zip needs `unzip`.

                Examples:
                  recbench data fetch ml-100k
                  recbench data fetch ml-1m --url https://mirror.example.org/movielens/ml-1m.zip
                """)

        @Argument(help: ArgumentHelp("The dataset name, as `recbench data list` shows it.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("Download from this URL instead (a mirror); the known checksum still applies. For datasets fetched file by file, the base URL the file names are appended to.", valueName: "url"))
        var url: String?

        @Flag(help: "Replace the dataset's folder if it is already there.")
        var force = false

        @Flag(name: .customLong("insecure-skip-checksum"), help: "Accept a download whose SHA-256 is unknown or different (not recommended).")
        var insecureSkipChecksum = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            InterruptCleanup.install()
            do {
                let known = try knownDataset(name)
                var options = DatasetFetcher.Options(url: url, force: force, insecureSkipChecksum: insecureSkipChecksum)
                let printer = ProgressPrinter()
                options.progress = { printer($0) }
                options.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                let report = try DatasetFetcher.fetch(known, into: DataDirectory.resolve(explicit: common.dataDirectory), options: options)
                printInstallReport(report)
            } catch {
                throw fail(error)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Install a dataset from a local archive (.zip, .tar, .tar.gz) or folder into the data directory, with the same checks as fetch.",
            discussion: """
                The dataset's folder is found in PATH by its marker file (u.data, ratings.csv, \
                ratings.dat, train.txt). Its files are copied (or unpacked) into a staging folder, \
                checked — every required file present, every file whose SHA-256 is known equal to it — \
                and moved into place only when all is well.

                Examples:
                  recbench data import ml-1m ~/Downloads/ml-1m.zip
                  recbench data import ml-100k /mnt/shared/datasets/ml-100k
                """)

        @Argument(help: ArgumentHelp("The dataset name, as `recbench data list` shows it.", valueName: "name"))
        var name: String

        @Argument(help: ArgumentHelp("An archive or a folder holding the dataset's files.", valueName: "path"))
        var path: String

        @Flag(help: "Replace the dataset's folder if it is already there.")
        var force = false

        @Flag(name: .customLong("insecure-skip-checksum"), help: "Install even when a file's SHA-256 differs from the published one.")
        var insecureSkipChecksum = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            InterruptCleanup.install()
            do {
                let known = try knownDataset(name)
                var options = DatasetImporter.Options(force: force, insecureSkipChecksum: insecureSkipChecksum)
                options.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                let report = try DatasetImporter.importDataset(known, from: path, into: DataDirectory.resolve(explicit: common.dataDirectory),
                                                               options: options)
                printInstallReport(report)
            } catch {
                throw fail(error)
            }
        }
    }
}

func knownDataset(_ name: String) throws -> KnownDataset {
    guard let known = DatasetRegistry.named(name) else {
        var message = "unknown dataset \"\(name)\""
        if let guess = Suggest.closest(to: name, among: DatasetRegistry.names) { message += " (did you mean \"\(guess)\"?)" }
        throw PluginError(message + "; known: \(DatasetRegistry.names.joined(separator: ", "))")
    }
    return known
}

func printInstallReport(_ report: InstallReport) {
    print("\(report.dataset): installed in \(report.folder)\(report.replaced ? " (replaced the previous folder)" : "")")
    for line in report.sources { print("  \(line)") }
    let counts = Dictionary(grouping: report.files, by: \.status).mapValues(\.count)
    var parts: [String] = []
    if let n = counts[.verified] { parts.append("\(n) verified against a known SHA-256") }
    if let n = counts[.unchecked] { parts.append("\(n) present, no known SHA-256") }
    if let n = counts[.mismatch] { parts.append("\(n) DIFFERENT from the known SHA-256 (accepted with --insecure-skip-checksum)") }
    print("  files: " + parts.joined(separator: "; "))
    if !report.fullyVerified { print("  note: not every byte was verified; see .recbench-provenance.json in the folder") }
}

// MARK: - split

extension Recbench.DataCommand {
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a dataset and export train/valid/test as TSV with a JSON record of the split (spec, seed, SHA-256 fingerprint).",
            discussion: """
                Each part is written as `user item rating timestamp` (tab-separated, a header line, \
                original ids); split.json records the dataset fingerprint, preprocessing, spec, seed, \
                the split's fingerprint, the counts, each file's SHA-256 and the leakage lint. Methods \
                with several folds write fold-1/, fold-2/, …. The same options and seed always give \
                the same files. Methods and options are those of an experiment file's [split].

                Examples:
                  recbench data split ml-100k --method stratified --train-ratio 0.75 --export out/strat
                  recbench data split ml-latest-small --method user-temporal --test-count 1 \\
                      --validation "user-temporal(test_count=1)" --export out/loo
                  recbench data split ml-100k --method predefined --set u1-u5 --export out/u1u5
                  recbench data split ml-100k --method parts-file --file experiments/splits/recbole-1.0.0-ml100k-seed2020.parts --export out/rb
                  recbench data split --experiment experiments/quickstart.toml --export out/quickstart
                """)

        @Argument(help: ArgumentHelp("A dataset name or folder (not needed with --experiment).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("user-holdout, random-holdout, stratified, temporal, user-temporal, leave-one-out, kfold, user-kfold, predefined or parts-file.", valueName: "method"))
        var method: String?

        @Option(name: .customLong("test-fraction"), help: ArgumentHelp("user-holdout, random-holdout, temporal, user-temporal.", valueName: "f"))
        var testFraction: String?
        @Option(name: .customLong("train-ratio"), help: ArgumentHelp("stratified.", valueName: "r"))
        var trainRatio: String?
        @Option(help: ArgumentHelp("stratified: item (default) or user.", valueName: "group"))
        var by: String?
        @Option(help: ArgumentHelp("kfold, user-kfold.", valueName: "k"))
        var folds: String?
        @Option(help: ArgumentHelp("temporal: a Unix timestamp; later events are test.", valueName: "t"))
        var cutoff: String?
        @Option(name: .customLong("test-count"), help: ArgumentHelp("user-temporal: the latest n of each user.", valueName: "n"))
        var testCount: String?
        @Option(help: ArgumentHelp("leave-one-out: last (default) or random.", valueName: "pick"))
        var pick: String?
        @Option(help: ArgumentHelp("predefined: u1-u5 or ua-ub (MovieLens 100K); none for a dataset's own split.", valueName: "set"))
        var set: String?
        @Option(help: ArgumentHelp("parts-file: one letter per interaction in the ratings file's order (R train, V validation, T test, - left out), e.g. another tool's exact split.", valueName: "path"))
        var file: String?

        @Option(help: ArgumentHelp("The seed of random methods.", valueName: "n"))
        var seed: UInt64?

        @Option(help: ArgumentHelp("Carve a validation part out of train with this method, e.g. \"random-holdout(test_fraction=0.1)\".", valueName: "method(...)"))
        var validation: String?

        @Option(help: ArgumentHelp("Export only this fold (1-based).", valueName: "n"))
        var fold: Int?

        @Option(help: ArgumentHelp("The folder to write (must not exist unless --force).", valueName: "dir"))
        var export: String

        @Flag(help: "Replace the export folder if it exists.")
        var force = false

        @OptionGroup var selection: DatasetSelection

        @OptionGroup var common: CommonOptions

        func run() throws {
            InterruptCleanup.install()
            let directory = DataDirectory.resolve(explicit: common.dataDirectory)
            do {
                let loaded = try selection.load(name: name, directory: directory)
                reportBadRows(loaded.badRows)
                let (splitMethod, splitSeed) = try resolveMethod(loaded.experiment)
                let readFromFiles = switch splitMethod {
                case .predefined, .partsFile: true
                default: false
                }
                if readFromFiles, !loaded.preprocessing.isEmpty {
                    throw PluginError("a split read from files cannot be combined with preprocessing (\(loaded.preprocessing)): its files name rows the filters may remove")
                }
                let dataset = loaded.processed
                var splits = try splitMethod.threeWaySplits(of: dataset, seed: splitSeed, validation: try validation.map(SplitMethod.init(compact:)),
                                                            fixedSplit: loaded.fixedSplit, directory: directory)
                if let fold {
                    guard (1...splits.count).contains(fold) else { throw PluginError("--fold \(fold) is not one of 1...\(splits.count)") }
                    splits = [splits[fold - 1]]
                }
                let exported = try SplitExporter.export(splits, of: dataset, seed: splitSeed, preprocessing: loaded.preprocessing,
                                                        temporalScope: splitMethod.temporalScope, to: export, replace: force)
                print("\(dataset.name): \(dataset.interactionCount) interactions")
                for entry in exported {
                    print("\(entry.folder)")
                    print("  \(entry.spec)")
                    print("  train \(entry.counts.train), valid \(entry.counts.validation), test \(entry.counts.test)")
                    print("  fingerprint \(entry.fingerprint)")
                    for warning in entry.lint where warning.hasPrefix("warning: ") { print("  \(warning)") }
                }
            } catch {
                throw fail(error)
            }
        }

        /// The method and seed: from the options, or from the experiment file (then no method option may be given).
        private func resolveMethod(_ experiment: ExperimentFile?) throws -> (SplitMethod, UInt64) {
            let given: [String: String?] = ["test_fraction": testFraction, "train_ratio": trainRatio, "by": by, "folds": folds,
                                            "cutoff": cutoff, "test_count": testCount, "pick": pick, "set": set, "file": file]
            let options = given.compactMapValues { $0 }
            if let experiment {
                guard method == nil, options.isEmpty, seed == nil else {
                    throw PluginError("the split comes from the experiment file's [split]; leave out --method, its options and --seed")
                }
                return (experiment.split.splitMethod, experiment.split.seed)
            }
            guard let method else { throw PluginError("name a split --method (\(SplitMethod.names.joined(separator: ", "))) or give --experiment FILE") }
            return (try SplitMethod(name: method, options: options), seed ?? 42)
        }
    }
}

// MARK: - synth

extension Recbench.DataCommand {
    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic MovieLens-like dataset of any size (long-tail popularity, taste clusters, genres, timestamps).",
            discussion: """
                Deterministic: the same options write byte-identical files. Rows are streamed to disk, \
                so 20 million need no more memory than 20 thousand. The csv format is MovieLens 20M's \
                (ratings.csv, movies.csv); udata is MovieLens 100K's (u.data, u.item). The model is \
                described in docs/data.md.

                Example (MovieLens 20M's size):
                  recbench data synth --users 138493 --items 26744 --interactions 20000263 --seed 1 --out /tmp/synth-20m
                """)

        @Option(help: ArgumentHelp("Number of users.", valueName: "n"))
        var users: Int
        @Option(help: ArgumentHelp("Number of items.", valueName: "m"))
        var items: Int
        @Option(help: ArgumentHelp("Number of interactions (ratings).", valueName: "k"))
        var interactions: Int
        @Option(help: ArgumentHelp("Seed.", valueName: "s"))
        var seed: UInt64 = 42
        @Option(help: ArgumentHelp("The folder to write into.", valueName: "dir"))
        var out: String
        @Option(help: ArgumentHelp("csv (ratings.csv + movies.csv) or udata (u.data + u.item).", valueName: "format"))
        var format: String = "csv"
        @Option(help: ArgumentHelp("Latent taste clusters (1–64).", valueName: "c"))
        var clusters: Int = 8
        @Option(name: .customLong("popularity-exponent"), help: ArgumentHelp("Exponent of the long-tailed item popularity (0 = uniform, 0–4).", valueName: "s"))
        var popularityExponent: Double = 1.5
        @Option(name: .customLong("cluster-affinity"), help: ArgumentHelp("Share of a user's picks from the cluster's genres (0–0.9).", valueName: "a"))
        var clusterAffinity: Double = 0.7
        @Flag(help: "Overwrite the files if the folder already holds them.")
        var force = false

        func run() throws {
            InterruptCleanup.install()
            do {
                guard let parsedFormat = SyntheticDataset.Format(rawValue: format) else {
                    throw PluginError("--format must be csv or udata, not \(format)")
                }
                var spec = SyntheticDataset(users: users, items: items, interactions: interactions, seed: seed, format: parsedFormat)
                spec.clusters = clusters
                spec.popularityExponent = popularityExponent
                spec.clusterAffinity = clusterAffinity
                let ratingsFile = out + "/" + (parsedFormat == .csv ? "ratings.csv" : "u.data")
                if FileManager.default.fileExists(atPath: ratingsFile) && !force {
                    throw PluginError("\(ratingsFile) exists; pass --force to overwrite it")
                }
                let summary = try spec.write(to: out)
                let bytes = summary.files.reduce(Int64(0)) { $0 + $1.bytes }
                print("wrote \(summary.interactions) interactions by \(summary.users) users on \(summary.items) items to \(out) "
                    + "in \(String(format: "%.1f", summary.seconds)) s (\(String(format: "%.0f", Double(bytes) / 1e6 / max(summary.seconds, 1e-9))) MB/s)")
                for file in summary.files { print("  \(file.name)  \(file.bytes) bytes") }
            } catch {
                throw fail(error)
            }
        }
    }
}
