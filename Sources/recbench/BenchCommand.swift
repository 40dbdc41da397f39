import ArgumentParser
import Foundation
import RecBench
import RecData

extension Recbench {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure recbench itself on real data.",
            subcommands: [Evaluation.self])
    }
}

extension Recbench.Bench {
    struct Evaluation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time full-ranking evaluation of a random dot-product model on a dataset's shipped split.",
            discussion: """
                Loads the dataset and its split (Gowalla's train/test, or MovieLens 100K's u1 fold), draws \
                user and item factors from a seeded normal distribution, and evaluates the model as \
                `recbench run` does: users scored in blocks by one SGEMM each, training items masked, \
                top-K selected, precision, recall, ndcg, map, mrr and hr at K, lists kept. Prints the \
                time of each phase, the share of the evaluation spent scoring, and the process's peak \
                resident memory, and the CPU seconds the evaluation used (on a shared machine wall time \
                depends on the load; CPU time much less). Measure on a release build (swift build -c release).

                Example:
                  recbench bench evaluation --dataset gowalla --repeat 3
                """)

        @Option(help: ArgumentHelp("gowalla, yelp2018, amazon-book or ml-100k.", valueName: "name"))
        var dataset = "gowalla"

        @Option(help: "Factor dimensions.")
        var dimensions = 64

        @Option(name: .customLong("k"), help: "The cutoff K.")
        var cutoff = 20

        @Option(help: "Threads for masking, top-K and metrics (default: every core).")
        var threads = ProcessInfo.processInfo.activeProcessorCount

        @Option(name: .customLong("block-size"), help: "Users scored per SGEMM.")
        var blockSize = 256

        @Option(name: .customLong("repeat"), help: "Evaluate this many times in this process (data loaded each time).")
        var repetitions = 1

        @Option(name: .customLong("data-dir"), help: ArgumentHelp(
            "Where datasets live. Default: RECBENCH_DATA_DIR, else ~/.cache/recbench/datasets.", valueName: "dir"))
        var dataDirectory: String?

        func run() throws {
            var benchmark = EvaluationBenchmark(dataset: dataset)
            benchmark.dimensions = dimensions
            benchmark.cutoff = cutoff
            benchmark.threads = max(1, threads)
            benchmark.blockSize = max(1, blockSize)
            let directory = DataDirectory.resolve(explicit: dataDirectory)
            for repetition in 1...max(1, repetitions) {
                let m: EvaluationBenchmark.Measurement
                do { m = try benchmark.run(dataDirectory: directory) } catch { throw fail(error) }
                if repetition == 1 {
                    print("\(dataset): \(m.users) users × \(m.items) items, \(m.trainInteractions) train / \(m.testInteractions) test; "
                        + "\(dimensions)-dim dot product, K = \(cutoff), \(benchmark.threads) thread(s), blocks of \(benchmark.blockSize)")
                }
                let load = avg1("load %.3f s", m.loadSeconds), matrices = avg1("matrices %.3f s", m.matrixSeconds)
                let factors = avg1("factors %.3f s", m.factorSeconds)
                print("run \(repetition): evaluation \(String(format: "%.3f", m.evaluationSeconds)) s wall, "
                    + "\(String(format: "%.3f", m.evaluationCPUSeconds)) s CPU (scoring \(String(format: "%.3f", m.scoringSeconds)) s, mask/top-K/metrics \(String(format: "%.3f", m.evaluationSeconds - m.scoringSeconds)) s); "
                    + "\(load), \(matrices), \(factors); peak RSS \(m.peakResidentBytes / 1_048_576) MiB")
                if repetition == 1 {
                    print(m.means.map { String(format: "%@ = %.5f", $0.0, $0.1) }.joined(separator: ", "))
                }
            }
        }

        private func avg1(_ format: String, _ value: Double) -> String { String(format: format, value) }
    }
}
