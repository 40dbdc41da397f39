import Foundation
import RecLedger

/// Everything a report shows, read from the ledger and nothing else, so that the same ledger
/// always gives byte-identical files.
///
/// An execution's runs are one per model (its `position` in the file), search point, seed and
/// fold. Tables, charts and statistics use a model's *selected* runs (the point its validation
/// metric picked; every run when it has no search), summarised over seeds and folds; the search
/// section lists every point.
public struct ExperimentReport: Sendable {
    public var experiment: ExperimentRecord
    /// Every run of the execution, by position, point, seed, fold.
    public var runs: [RunRecord]
    /// Metrics of each run (test and validation protocols), keyed by run id.
    public var metrics: [Int64: [MetricRecord]]
    /// Learning curves, keyed by run id (runs that trained in epochs only).
    public var epochs: [Int64: [EpochRecord]] = [:]
    /// Per-user values of the headline metric (test protocol) of selected successful runs, by run id.
    public var perUser: [Int64: PerUserRecord] = [:]
    /// Metrics by user-activity and item-popularity bucket, by run id (runs that stored them).
    public var slices: [Int64: [SliceMetricRecord]] = [:]

    public init(experiment: ExperimentRecord, runs: [RunRecord], metrics: [Int64: [MetricRecord]],
                epochs: [Int64: [EpochRecord]] = [:], perUser: [Int64: PerUserRecord] = [:]) {
        self.experiment = experiment
        self.runs = runs
        self.metrics = metrics
        self.epochs = epochs
        self.perUser = perUser
    }

    /// The latest finished execution of the named experiment.
    public static func load(experiment name: String, from ledger: Ledger) throws -> ExperimentReport {
        guard let experiment = try ledger.latestExperiment(named: name) else {
            let known = try ledger.experimentNames()
            var message = "the ledger \(ledger.path) holds no finished experiment named \"\(name)\""
            message += known.isEmpty ? "; it is empty. Run an experiment first: recbench run FILE" : "; it holds: \(known.joined(separator: ", "))"
            throw ReportError(message)
        }
        return try load(executionID: experiment.id!, from: ledger)
    }

    /// One execution by its id (as `recbench ls` shows it), finished or not.
    public static func load(executionID id: Int64, from ledger: Ledger) throws -> ExperimentReport {
        guard let contents = try ledger.contents(experimentID: id) else {
            throw ReportError("the ledger \(ledger.path) holds no experiment execution #\(id); `recbench ls` lists them")
        }
        var report = ExperimentReport(experiment: contents.experiment, runs: contents.runs, metrics: contents.metrics,
                                      epochs: contents.epochs)
        report.slices = try ledger.slices(runIDs: contents.runs.compactMap(\.id))
        if let headline = report.headline {
            // The protocol a run's test value of the headline was recorded under (e.g. "full-ranking").
            var byProtocol: [String: [Int64]] = [:]
            for model in report.models where model.succeeded {
                for run in model.runs {
                    guard let record = report.testRecord(run: run, metric: headline.metric, cutoff: headline.cutoff) else { continue }
                    byProtocol[record.evaluationProtocol, default: []].append(run.id!)
                }
            }
            for (name, ids) in byProtocol.sorted(by: { $0.key < $1.key }) {
                report.perUser.merge(try ledger.perUser(runIDs: ids, metric: headline.metric, cutoff: headline.cutoff,
                                                        evaluationProtocol: name)) { first, _ in first }
            }
        }
        return report
    }

    /// An execution id ("12") or an experiment name (its latest finished execution).
    public static func load(_ nameOrID: String, from ledger: Ledger) throws -> ExperimentReport {
        if let id = Int64(nameOrID), try ledger.experiment(id: id) != nil {
            return try load(executionID: id, from: ledger)
        }
        return try load(experiment: nameOrID, from: ledger)
    }

    /// A metric column of the results table: "ndcg@10", or "rmse" (cutoff 0).
    public struct Column: Hashable, Sendable, Comparable {
        public var metric: String
        public var cutoff: Int
        public init(metric: String, cutoff: Int) {
            self.metric = metric
            self.cutoff = cutoff
        }
        /// "ndcg@10" → ndcg, 10; "rmse" → rmse, 0; nil for a malformed name.
        public init?(label: String) {
            let parts = label.lowercased().split(separator: "@", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
            if parts.count == 2 {
                guard let cutoff = Int(parts[1]), cutoff > 0 else { return nil }
                self.init(metric: String(parts[0]), cutoff: cutoff)
            } else {
                self.init(metric: String(parts[0]), cutoff: 0)
            }
        }
        public var label: String { cutoff > 0 ? "\(metric)@\(cutoff)" : metric }
        /// Error metrics: smaller is better.
        public var lowerIsBetter: Bool { ["rmse", "mae"].contains(metric) }

        /// precision, recall, ndcg, map, mrr, hr, rmse, mae, then any other metric by name; cutoffs ascending.
        static let order = ["precision", "recall", "ndcg", "map", "mrr", "hr", "rmse", "mae", "coverage", "gini", "novelty", "arp", "ild"]
        public static func < (a: Column, b: Column) -> Bool {
            let x = order.firstIndex(of: a.metric) ?? order.count, y = order.firstIndex(of: b.metric) ?? order.count
            return (x, a.metric, a.cutoff) < (y, b.metric, b.cutoff)
        }
    }

    /// Counts recorded beside metrics that are not quality measures.
    static let bookkeeping: Set<String> = ["unknown_pairs"]
    /// Measures of the whole set of lists rather than accuracy: reported in their own table,
    /// without a "best" (more coverage or novelty is not simply better).
    public static let beyondAccuracy: Set<String> = ["coverage", "gini", "novelty", "arp", "ild"]

    /// Values measured on the validation part ("validation:full-ranking"), used to select points.
    public static func isValidation(_ evaluationProtocol: String) -> Bool { evaluationProtocol.hasPrefix("validation:") }

    /// Values of a sampled ranking protocol ("sampled:uniform-100"), measured beside the main one
    /// and shown in their own table.
    public static func isSampled(_ evaluationProtocol: String) -> Bool { evaluationProtocol.hasPrefix("sampled:") }

    /// Values that are not the main test protocol's: validation and sampled protocols.
    static func isSecondary(_ evaluationProtocol: String) -> Bool { isValidation(evaluationProtocol) || isSampled(evaluationProtocol) }

    /// Test-metric columns, in the order precision, recall, ndcg, map, mrr, hr, rmse, mae, then cutoffs.
    public var columns: [Column] {
        testColumns { !Self.bookkeeping.contains($0) && !Self.beyondAccuracy.contains($0) }
    }

    /// The beyond-accuracy columns present, in the order coverage, gini, novelty, arp, ild, by cutoff.
    public var beyondAccuracyColumns: [Column] { testColumns { Self.beyondAccuracy.contains($0) } }

    private func testColumns(_ include: (String) -> Bool) -> [Column] {
        var seen = Set<Column>()
        for records in metrics.values {
            for record in records where !Self.isSecondary(record.evaluationProtocol) && include(record.metric) {
                seen.insert(Column(metric: record.metric, cutoff: record.cutoff))
            }
        }
        return seen.sorted()
    }

    func testRecord(run: RunRecord, metric: String, cutoff: Int) -> MetricRecord? {
        metrics[run.id!]?.first { $0.metric == metric && $0.cutoff == cutoff && !Self.isSecondary($0.evaluationProtocol) }
    }

    /// A run's test value of a metric.
    public func value(run: RunRecord, metric: String, cutoff: Int) -> Double? {
        testRecord(run: run, metric: metric, cutoff: cutoff)?.value
    }

    /// A run's value of a metric measured on the validation part.
    public func validationValue(run: RunRecord, _ column: Column) -> Double? {
        metrics[run.id!]?.first { $0.metric == column.metric && $0.cutoff == column.cutoff && Self.isValidation($0.evaluationProtocol) }?.value
    }

    /// One slice table: a metric's buckets (in order, with the users of the first model's runs) and
    /// each model's value per bucket pooled over its selected runs: Σ users·value / Σ users, the mean
    /// over every (run, user) in the bucket, so a bucket empty in some folds still has a value (nil
    /// when empty in all).
    public struct SliceTable: Sendable {
        public var dimension: String
        public var column: Column
        public var buckets: [(label: String, users: Int)]
        public var rows: [(model: String, values: [Double?])]
    }

    /// The slice table of `dimension` for `column`, or nil when no selected run stored it.
    public func sliceTable(_ dimension: String, _ column: Column) -> SliceTable? {
        let finished = models.filter(\.succeeded)
        func records(_ run: RunRecord) -> [SliceMetricRecord] {
            (slices[run.id!] ?? []).filter { $0.dimension == dimension && $0.metric == column.metric && $0.cutoff == column.cutoff }
        }
        var labels: [Int: String] = [:]
        var users: [Int: Int] = [:]
        for model in finished {
            for run in model.runs {
                for record in records(run) {
                    labels[record.bucketIndex] = record.bucket
                    if model.position == finished.first?.position { users[record.bucketIndex, default: 0] += record.users }
                }
            }
        }
        guard !labels.isEmpty else { return nil }
        let order = labels.keys.sorted()
        let rows = finished.map { model -> (model: String, values: [Double?]) in
            let values = order.map { index -> Double? in
                let found = model.runs.compactMap { run in records(run).first { $0.bucketIndex == index } }
                let users = found.reduce(0) { $0 + $1.users }
                return users > 0 ? found.reduce(0.0) { $0 + Double($1.users) * $1.value } / Double(users) : nil
            }
            return (model.label, values)
        }
        return SliceTable(dimension: dimension, column: column, buckets: order.map { (labels[$0]!, users[$0] ?? 0) }, rows: rows)
    }

    /// The sampled protocols any run was evaluated under, by name.
    public var sampledProtocols: [String] {
        Set(metrics.values.flatMap { $0.map(\.evaluationProtocol) }.filter(Self.isSampled)).sorted()
    }

    /// The metric columns measured under a sampled protocol.
    public func sampledColumns(_ evaluationProtocol: String) -> [Column] {
        var seen = Set<Column>()
        for records in metrics.values {
            for record in records where record.evaluationProtocol == evaluationProtocol { seen.insert(Column(metric: record.metric, cutoff: record.cutoff)) }
        }
        return seen.sorted()
    }

    /// A metric under a sampled protocol over a model's selected runs; nil if any lacks it.
    public func sampledAggregate(_ model: ModelSummary, _ evaluationProtocol: String, _ column: Column) -> Aggregate? {
        let values = model.runs.compactMap { run in
            metrics[run.id!]?.first { $0.metric == column.metric && $0.cutoff == column.cutoff && $0.evaluationProtocol == evaluationProtocol }?.value
        }
        guard values.count == model.runs.count else { return nil }
        return Aggregate(values)
    }

    /// The metric significance, box plots and the accuracy-time chart are about: ndcg@10 when
    /// evaluated, else the first ndcg, else the first ranking column (nil for rating protocols).
    public var headline: Column? {
        let ranking = columns.filter { !$0.lowerIsBetter && $0.cutoff > 0 }
        return ranking.first { $0.metric == "ndcg" && $0.cutoff == 10 } ?? ranking.first { $0.metric == "ndcg" } ?? ranking.first
    }

    /// The column charts put on their y axis: the headline, else the first column (rmse).
    public var chartHeadline: Column? { headline ?? columns.first }

    /// Runs that finished without error.
    public var succeeded: [RunRecord] { runs.filter { $0.status == "ok" } }

    /// Runs this execution copied from earlier executions instead of computing them again.
    public var reusedCount: Int { runs.filter { $0.reusedFromRunId != nil }.count }

    /// One model of the experiment file: every run of it, and the selected ones summarised.
    public struct ModelSummary: Sendable {
        public var position: Int
        public var label: String
        /// Every point, seed and fold.
        public var allRuns: [RunRecord]
        /// The runs of the selected point (all runs without a search).
        public var runs: [RunRecord]
        /// Every selected run succeeded (a model whose every point failed has none).
        public var succeeded: Bool { !runs.isEmpty && runs.allSatisfy { $0.status == "ok" } }
        public var first: RunRecord { runs.first ?? allRuns[0] }
        /// Totals over the selected runs.
        public var fitSeconds: Double { runs.compactMap(\.fitSeconds).reduce(0, +) }
        public var evalSeconds: Double { runs.compactMap(\.evalSeconds).reduce(0, +) }
        /// Mean fit seconds of one selected run.
        public var meanFitSeconds: Double? {
            let times = runs.compactMap(\.fitSeconds)
            return times.isEmpty ? nil : times.reduce(0, +) / Double(times.count)
        }
        /// Distinct seeds of the selected runs, in run order.
        public var seeds: [Int64] { runs.map(\.seed).reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }
        /// Distinct search points, ascending.
        public var points: [Int] { Set(allRuns.map(\.point)).sorted() }
        public var hasSearch: Bool { points.count > 1 }
        public var plugin: String { first.plugin }
    }

    /// Models in experiment-file order.
    public var models: [ModelSummary] {
        var order: [Int] = []
        var byPosition: [Int: [RunRecord]] = [:]
        for run in runs {
            if byPosition[run.position] == nil { order.append(run.position) }
            byPosition[run.position, default: []].append(run)
        }
        return order.sorted().map { position in
            let all = byPosition[position]!
            return ModelSummary(position: position, label: all[0].label, allRuns: all, runs: all.filter(\.selected))
        }
    }

    /// Mean, sample standard deviation (0 for one value) and count of a metric over runs.
    public struct Aggregate: Sendable, Equatable, Codable {
        public var mean: Double
        public var std: Double
        public var n: Int

        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.count > 1 ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1) : 0
            self.mean = mean
            self.std = variance.squareRoot()
            self.n = values.count
        }
    }

    /// A metric over a model's selected runs (seeds × folds); nil if any of them lacks it.
    public func aggregate(_ model: ModelSummary, _ column: Column) -> Aggregate? {
        let values = model.runs.compactMap { value(run: $0, metric: column.metric, cutoff: column.cutoff) }
        guard values.count == model.runs.count else { return nil }
        return Aggregate(values)
    }

    /// How many selected runs each successful model has: one number when they agree.
    public var runsPerModel: [Int] {
        Set(models.filter(\.succeeded).map(\.runs.count)).sorted()
    }

    /// The most seeds and folds any model's selected runs span, for the "mean ± std over …"
    /// sentence (a model with its own seed runs once even when the others run with several).
    public var seedCount: Int { models.map(\.seeds.count).max() ?? 0 }
    public var foldCount: Int { max(experiment.foldCount, Set(runs.map(\.fold)).count) }

    /// A published value and how the measured one compares.
    public struct ReferenceCheck: Sendable {
        public var model: String
        public var metric: String
        public var published: Double
        public var tolerance: Double
        public var source: String
        public var measured: Double?
        public var delta: Double? { measured.map { $0 - published } }
        /// Pass when |measured − published| ≤ tolerance (compared at the 4 decimals shown, so the
        /// verdict agrees with the printed numbers).
        public var passed: Bool {
            guard let delta else { return false }
            return (abs(delta) * 10_000).rounded() <= (tolerance * 10_000).rounded()
        }
    }

    public var referenceChecks: [ReferenceCheck] {
        struct Stored: Decodable { var model, metric: String; var value, tolerance: Double; var source: String }
        let stored = (try? JSONDecoder().decode([Stored].self, from: Data(experiment.referencesJSON.utf8))) ?? []
        let summaries = models
        return stored.map { reference in
            let column = Column(label: reference.metric) ?? Column(metric: reference.metric, cutoff: 0)
            let measured = summaries.first { $0.label == reference.model && $0.succeeded }.flatMap { aggregate($0, column)?.mean }
            return ReferenceCheck(model: reference.model, metric: reference.metric, published: reference.value,
                                  tolerance: reference.tolerance, source: reference.source, measured: measured)
        }
    }
}

extension ExperimentReport {
    /// recbench's time for a model beside another tool's.
    public struct TimingCheck: Sendable {
        public var model: String
        public var theirs: Double
        public var ours: Double?
        public var targetSpeedup: Double
        public var source: String
        public var speedup: Double? { ours.map { theirs / max($0, 1e-9) } }
        public var metTarget: Bool { (speedup ?? 0) >= targetSpeedup }
    }

    public var timingChecks: [TimingCheck] {
        struct Stored: Decodable { var model: String; var seconds, targetSpeedup: Double; var source: String }
        let stored = (try? JSONDecoder().decode([Stored].self, from: Data(experiment.timingReferencesJSON.utf8))) ?? []
        let summaries = models
        return stored.map { reference in
            let model = summaries.first { $0.label == reference.model && $0.succeeded }
            return TimingCheck(model: reference.model, theirs: reference.seconds,
                               ours: model.map { $0.fitSeconds + $0.evalSeconds },
                               targetSpeedup: reference.targetSpeedup, source: reference.source)
        }
    }
}

extension ExperimentReport {
    /// The headline's per-user values of a model, one per (fold, user) with the values of its
    /// seeds averaged, ordered by fold then user id; nil unless every selected run stored them.
    /// Keys are `fold << 32 | user`, so two models are paired exactly when their keys agree.
    public func perUserValues(_ model: ModelSummary) -> (keys: [UInt64], values: [Double])? {
        guard model.succeeded else { return nil }
        var sums: [UInt64: (sum: Double, count: Int)] = [:]
        var runsPerFold: [Int: Int] = [:]
        for run in model.runs {
            guard let record = perUser[run.id!] else { return nil }
            runsPerFold[run.fold, default: 0] += 1
            for (user, value) in zip(record.userIDs, record.userValues) {
                let key = UInt64(UInt32(run.fold)) << 32 | UInt64(UInt32(bitPattern: user))
                sums[key, default: (0, 0)].sum += value
                sums[key, default: (0, 0)].count += 1
            }
        }
        // A user missing from one seed's run of a fold is left out rather than averaged over fewer seeds.
        let keys = sums.keys.filter { sums[$0]!.count == runsPerFold[Int($0 >> 32)]! }.sorted()
        return (keys, keys.map { sums[$0]!.sum / Double(sums[$0]!.count) })
    }
}

public struct ReportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
