import Foundation
import RecKit
import RecMath

/// Content-based recommendation: items are described by what they are, not by who watched them.
///
/// Item profiles are TF-IDF vectors over the item side information the host passes through the
/// `rb_item_features_v1` extension (genres, release year and decade, title words, tags; see
/// RecData's `ItemFeatures`), with per-kind weights, each row L2-normalised (FeatureTable.swift).
/// Or, with `vectors_file`, they are item vectors computed elsewhere (sentence embeddings of plots,
/// say), read from a NumPy `.npy` file and L2-normalised. A user's profile is the weighted sum of
/// the profiles of the user's training items (`user_profile`), and an item's score is the cosine
/// between the two, computed exactly for every item (ItemProfiles.swift).
///
/// `vectors_file` rows must be in recbench's dense item order: row i is the item with dense id i,
/// and dense ids are the dataset's original item ids in ascending order — numeric order when every
/// id is a non-negative integer (MovieLens: movie 1 is row 0, movie 2 row 1, …), else string order
/// — counting every item of the catalogue, rated or not (latest-small: all 9,742 movies of
/// movies.csv; after a preprocessing filter, the surviving items in the same order). Only `.npy`
/// is read: a CSV keyed by original ids cannot be matched to rows, because a plugin never sees
/// original ids (sort such a file by id and np.save it).
///
/// Without item features and without `vectors_file`, `fit` fails and says so: the plugin has
/// nothing to go on, and falling back silently to popularity would mislabel the results.
public final class ContentBased: ItemFeatureConsumer {
    static let kinds = ["genre", "year", "decade", "title", "tag"]

    public static let manifest = PluginManifest(
        name: "ContentBased",
        version: "1.0.0",
        description: "TF-IDF item profiles over genres, year/decade, title words and tags (or item vectors from an .npy file); a user scores items by cosine to the sum of their items' profiles.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter(
                "features", .string, default: .string("genre,year,title,tag"),
                doc: "comma-separated feature kinds to build profiles from: genre, year, decade, title, tag (kinds the dataset lacks are skipped with a warning; ignored with vectors_file)"),
            HyperParameter("genre_weight", .float, default: .float(1), min: 0, max: 100,
                           doc: "multiplies the TF-IDF weights of genre:… features before each item profile is L2-normalised (0 leaves them out)"),
            HyperParameter("year_weight", .float, default: .float(1), min: 0, max: 100,
                           doc: "multiplies the TF-IDF weights of year:… features (release year)"),
            HyperParameter("decade_weight", .float, default: .float(1), min: 0, max: 100,
                           doc: "multiplies the TF-IDF weights of decade:… features (only used when features lists decade)"),
            HyperParameter("title_weight", .float, default: .float(1), min: 0, max: 100,
                           doc: "multiplies the TF-IDF weights of title:… features (title words)"),
            HyperParameter("tag_weight", .float, default: .float(1), min: 0, max: 100,
                           doc: "multiplies the TF-IDF weights of tag:… features (user tags, counted over applications)"),
            HyperParameter(
                "idf", .string, default: .string("log"), choices: IDFMode.allCases.map { .string($0.rawValue) },
                doc: "log: idf = ln(N/df) over the N catalogue items (a feature every item has counts 0); smooth: ln((1+N)/(1+df)) + 1 (scikit-learn); none: 1"),
            HyperParameter("sublinear_tf", .bool, default: .bool(false),
                           doc: "use 1 + ln(tf) instead of the raw count tf (damps repeated title words and much-applied tags)"),
            HyperParameter(
                "user_profile", .string, default: .string("sum"), choices: UserHistory.Weighting.allCases.map { .string($0.rawValue) },
                doc: "sum: Σ of the profiles of the user's training items; rating: weighted by the stored value r_ui; centered: weighted by r_ui − the user's mean value (dislikes push away; needs ratings)"),
            HyperParameter("vectors_file", .string, default: .string(""),
                           doc: "path of an .npy float32/float64 items × dim array of item vectors, row i = dense item id i (ascending original ids); replaces the TF-IDF profiles; empty = use the item features"),
            HyperParameter(
                "kernel", .string, default: .string("auto"), choices: [.string("auto"), .string("dense"), .string("sparse")],
                doc: "how TF-IDF scores are computed (same scores up to float rounding): dense sgemm over an items × features matrix, sparse scatter over feature postings, or auto (the cheaper by estimated work; vectors are always dense)"),
        ])

    private let kindWeights: [String: Double]
    private let sublinear: Bool
    private let idf: IDFMode
    private let weighting: UserHistory.Weighting
    private let vectorsPath: String?
    private let kernel: String

    private var features: FeatureTable?
    private var history: UserHistory?
    private var profiles: ItemProfiles?
    private var threadCount = 1

    public init(parameters: PluginParameters) throws {
        let requested = try parameters.string("features").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        if let unknown = requested.first(where: { !Self.kinds.contains($0) }) {
            throw PluginError("ContentBased: unknown feature kind \"\(unknown)\" in features = \"\(try parameters.string("features"))\"; the kinds are \(Self.kinds.joined(separator: ", "))")
        }
        guard !requested.isEmpty else {
            throw PluginError("ContentBased: features is empty; list one or more of \(Self.kinds.joined(separator: ", "))")
        }
        var weights: [String: Double] = [:]
        for kind in Set(requested) {
            let weight = try parameters.double("\(kind)_weight")
            if weight > 0 { weights[kind] = weight }
        }
        let path = try parameters.string("vectors_file")
        if path.isEmpty, weights.isEmpty {
            throw PluginError("ContentBased: every selected feature kind (\(requested.joined(separator: ", "))) has weight 0, so every profile would be empty")
        }
        if !path.isEmpty, !path.lowercased().hasSuffix(".npy") {
            throw PluginError("ContentBased: vectors_file must be a NumPy .npy file with rows in dense item order (got \(path)); a CSV keyed by original item ids cannot be matched, since a plugin never sees original ids — convert it with np.save after sorting its rows by ascending item id")
        }
        kindWeights = weights
        sublinear = try parameters.bool("sublinear_tf")
        idf = IDFMode(rawValue: try parameters.string("idf")) ?? .log
        weighting = UserHistory.Weighting(rawValue: try parameters.string("user_profile")) ?? .sum
        vectorsPath = path.isEmpty ? nil : path
        kernel = try parameters.string("kernel")
    }

    public func setItemFeatures(_ features: CSRView, names: [String]) throws {
        self.features = try FeatureTable(copying: features, names: names)
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let started = Date()
        threadCount = context.threadCount
        self.profiles = nil
        self.history = nil
        let history = UserHistory(train, weighting: weighting)
        if let vectorsPath {
            profiles = try vectorProfiles(path: vectorsPath, itemCount: train.columnCount, context: context)
        } else if let features {
            profiles = try featureProfiles(features, history: history, itemCount: train.columnCount, context: context)
        } else {
            throw PluginError("ContentBased needs item side information and got none: the host passed no item features (the dataset has no genres, years, titles or tags, or this recbench does not pass them through rb_item_features_v1) and vectors_file is empty. Use a dataset with side information (ml-100k, ml-latest-small) or set vectors_file to an .npy of item vectors.")
        }
        self.history = history
        context.log(String(format: "ContentBased: fitted in %.3f s", Date().timeIntervalSince(started)))
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let profiles, let history else { throw PluginError("ContentBased: score before fit") }
        guard itemCount == profiles.itemCount else {
            throw PluginError("ContentBased: asked for \(itemCount) items, fitted on \(profiles.itemCount)")
        }
        guard scores.count >= users.count * itemCount else { throw PluginError("ContentBased: score buffer too small") }
        guard !users.isEmpty, itemCount > 0 else { return }
        profiles.score(users: users, history: history, into: scores.baseAddress!, threadCount: threadCount)
    }

    // MARK: Building the profiles

    private func vectorProfiles(path: String, itemCount: Int, context: FitContext) throws -> ItemProfiles {
        let matrix = try NpyMatrix.read(path: path)
        guard matrix.rows == itemCount else {
            throw PluginError("ContentBased: vectors_file \(path) has \(matrix.rows) rows but the training data has \(itemCount) items; row i must be the item with dense id i (ascending original item ids, every catalogue item)")
        }
        guard matrix.columns > 0 else { throw PluginError("ContentBased: vectors_file \(path) has 0 columns") }
        let width = DenseVector.paddedCount(matrix.columns)
        var values = [Float](repeating: 0, count: itemCount * width)
        for row in 0..<itemCount {
            for c in 0..<matrix.columns { values[row * width + c] = matrix.values[row * matrix.columns + c] }
        }
        var dense = DenseRows(rowCount: itemCount, columnCount: matrix.columns, width: width, values: values)
        let zero = dense.normalizeRows()
        if features != nil { context.log("ContentBased: vectors_file is set, so the item features the host passed are not used") }
        context.log("ContentBased: \(itemCount) item vectors of dimension \(matrix.columns) from \(path)")
        if zero > 0 {
            context.log("ContentBased: \(zero) of \(itemCount) item vectors are all zero; those items score 0 for everyone", level: .warning)
        }
        return .dense(dense)
    }

    private func featureProfiles(_ features: FeatureTable, history: UserHistory, itemCount: Int,
                                 context: FitContext) throws -> ItemProfiles {
        guard features.itemCount == itemCount else {
            throw PluginError("ContentBased: the item features have \(features.itemCount) rows but the training data has \(itemCount) items")
        }
        let available = features.columnsByKind
        let present = kindWeights.keys.filter { available[$0] != nil }.sorted()
        let availableText = available.keys.sorted().map { "\($0) \(available[$0]!)" }.joined(separator: ", ")
        guard !present.isEmpty else {
            throw PluginError("ContentBased: the item features have no column of the selected kinds (\(kindWeights.keys.sorted().joined(separator: ", "))); they have: \(availableText.isEmpty ? "none" : availableText)")
        }
        let missing = kindWeights.keys.filter { available[$0] == nil }.sorted()
        if !missing.isEmpty {
            context.log("ContentBased: the dataset has no \(missing.joined(separator: ", ")) features; using \(present.joined(separator: ", "))", level: .warning)
        }
        let profiles = features.tfidfProfiles(kindWeights: kindWeights, sublinear: sublinear, idf: idf)
        guard profiles.columnCount > 0 else {
            throw PluginError("ContentBased: every selected feature weighs 0 after idf = \(idf.rawValue) (each one is on every item, so ln(N/df) = 0); choose more kinds or idf = smooth")
        }
        let chosen = Self.chooseKernel(kernel, profiles: profiles, history: history)
        let density = Double(profiles.nonZeroCount) / max(1, Double(itemCount) * Double(profiles.columnCount))
        context.log(String(format: "ContentBased: TF-IDF over %d feature columns (%@), %d items, %d non-zeros (%.2f%% dense), %@ kernel",
                           profiles.columnCount, present.map { "\($0) \(available[$0]!)" }.joined(separator: ", "), itemCount,
                           profiles.nonZeroCount, 100 * density, chosen.name))
        return chosen.dense ? .dense(profiles.densified()) : .sparse(profiles, transposed: profiles.transposed())
    }

    /// Dense or sparse scoring for TF-IDF profiles. `auto` estimates both costs from the data:
    /// dense = users · items · width multiply-adds in sgemm, sparse = Σ_u Σ_{f ∈ u} df_f scattered
    /// adds (exact, from the users' touched features). Measured here on ML-100K and latest-small
    /// profiles, sgemm ran 10–12 G multiply-adds/s and the scatter 0.2–0.7 G/s, so dense wins when
    /// its count is below `denseSpeedup` (40) times the sparse one, and only if the dense matrix
    /// stays under 512 MB. (Latest-small, all kinds: 6.4e10 dense vs 1.7e7 sparse, 5.4 s vs 0.1 s;
    /// genres and years: 7.6e8 vs 1.5e7, both ≈ 0.08 s.)
    static func chooseKernel(_ requested: String, profiles: SparseRows, history: UserHistory) -> (name: String, dense: Bool) {
        switch requested {
        case "dense": return ("dense", true)
        case "sparse": return ("sparse", false)
        default: break
        }
        let width = DenseVector.paddedCount(profiles.columnCount)
        let denseBytes = Double(profiles.rowCount) * Double(width) * 4
        guard denseBytes <= 512 * 1_048_576 else { return ("sparse (auto: dense matrix too large)", false) }
        var df = [Int](repeating: 0, count: profiles.columnCount)
        for column in profiles.indices { df[Int(column)] += 1 }
        var marked = [Bool](repeating: false, count: profiles.columnCount)
        var touched: [Int] = []
        var sparseWork = 0.0
        let users = history.indptr.count - 1
        for user in 0..<users {
            history.forEachItem(of: user) { item, _ in
                for k in profiles.indptr[Int(item)]..<profiles.indptr[Int(item) + 1] where !marked[Int(profiles.indices[k])] {
                    marked[Int(profiles.indices[k])] = true
                    touched.append(Int(profiles.indices[k]))
                }
            }
            for f in touched {
                sparseWork += Double(df[f])
                marked[f] = false
            }
            touched.removeAll(keepingCapacity: true)
        }
        let denseWork = Double(users) * Double(profiles.rowCount) * Double(width)
        let estimate = String(format: "auto: dense %.2g, sparse %.2g multiply-adds", denseWork, sparseWork)
        return denseWork <= denseSpeedup * sparseWork ? ("dense (\(estimate))", true) : ("sparse (\(estimate))", false)
    }

    /// How many more multiply-adds per second sgemm does than the sparse scatter (see `chooseKernel`).
    static let denseSpeedup = 40.0
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: ContentBased.self)
}
