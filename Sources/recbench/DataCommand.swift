import ArgumentParser
import Foundation
import RecBench
import RecData
import RecKit

extension Recbench {
    struct DataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "List the datasets recbench knows and show a dataset's statistics.",
            discussion: """
                Datasets are read in place from the data directory: --data-dir, else RECBENCH_DATA_DIR, \\
                else ~/.cache/recbench/datasets. Each dataset is a folder named as `recbench data list` \\
                shows, holding the files exactly as the publisher ships them.
                """,
            subcommands: [List.self, Stats.self],
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
                        print(String(repeating: " ", count: 26) + "expected: \(directory.path)/\(dataset.folder)/\(dataset.marker)")
                    }
                }
            }
        }

        struct Stats: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a dataset's users, items, interactions, density, rating histogram, activity quantiles and time span.")

            @Argument(help: ArgumentHelp("The dataset name, as `recbench data list` shows it.", valueName: "name"))
            var name: String

            @OptionGroup var common: CommonOptions

            func run() throws {
                guard let known = DatasetRegistry.named(name) else {
                    var message = "unknown dataset \"\(name)\""
                    if let guess = Suggest.closest(to: name, among: DatasetRegistry.names) { message += " (did you mean \"\(guess)\"?)" }
                    throw fail(PluginError(message + "; known: \(DatasetRegistry.names.joined(separator: ", "))"))
                }
                let directory = DataDirectory.resolve(explicit: common.dataDirectory)
                let started = Date()
                let loaded: (dataset: Dataset, fixedSplit: Split?)
                do {
                    loaded = try known.load(from: directory)
                } catch {
                    throw fail(error)
                }
                let stats = DatasetStatistics(loaded.dataset)
                print("\(known.name): \(known.summary)")
                print("read in \(String(format: "%.2f", Date().timeIntervalSince(started))) s from \(directory.path)/\(known.folder)")
                print("fingerprint: \(loaded.dataset.fingerprint())")
                print("")
                print("users         \(stats.users)")
                print("items         \(stats.items)")
                print("interactions  \(stats.interactions)")
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
}
