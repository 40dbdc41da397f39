import Foundation
import RecKit
import RecMath
import Testing

/// ContentBased through its .so, with item features handed over the way the host does
/// (`PluginModel.setItemFeatures`, the rb_item_features_v1 extension) before `fit`.
///
/// The tiny example: 3 items, 4 features, 3 users.
///
///            genre:Comedy  genre:Drama  tag:funny  title:love        ratings   i0  i1  i2
///     i0          1             ·           ·          2               u0       5   ·   ·
///     i1          1             1           ·          ·               u1       ·   4   2
///     i2          ·             1           3          1               u2       1   5   3
///
/// By hand, idf = ln(N/df) with N = 3: Comedy, Drama, love have df 2 (a = ln 1.5), funny df 1
/// (c = ln 3). Profiles: p0 = (a, 0, 0, 2a)/(a√5) = (1/√5, 0, 0, 2/√5); p1 = (1/√2, 1/√2, 0, 0);
/// p2 = (0, a, 3c, a)/√(2a² + 9c²) = (0, 0.121203, 0.985200, 0.121203). User u0's profile is p0, so
/// u0 scores cos(p0, p_i) = 1, 1/√10 = 0.316228, and (2/√5)·0.121203 = 0.108407.
///
/// The other rows were printed by numpy (/tmp/content/expected.py at the time of writing):
///
///     tf = X (or 1 + ln X where X > 0);  w = ln(N/df) | ln((1+N)/(1+df)) + 1 | 1
///     P = tf * w * kind_weight;  P /= ‖P‖ per row
///     W = R > 0 (sum) | R (rating) | (R − row mean over rated) * (R > 0) (centered)
///     U = W @ P;  S = (U @ P.T) / ‖U‖ per row (0 where ‖U‖ = 0)
@Suite("ContentBased")
struct ContentBasedTests {
    static let names = ["genre:Comedy", "genre:Drama", "tag:funny", "title:love"]

    static func features() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 3, items: 4, [(0, 0, 1), (0, 3, 2), (1, 0, 1), (1, 1, 1), (2, 1, 1), (2, 2, 3), (2, 3, 1)])
    }

    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 3, items: 3, [(0, 0, 5), (1, 1, 4), (1, 2, 2), (2, 0, 1), (2, 1, 5), (2, 2, 3)])
    }

    /// Creates a model, hands it the features (if any) and fits it.
    static func fitted(_ given: [String: ParameterValue] = [:], features: CSRMatrix?, names: [String] = names,
                       train: CSRMatrix, threads: Int = 2) throws -> PluginModel {
        try fittedWithLog(given, features: features, names: names, train: train, threads: threads).model
    }

    /// `fitted`, plus every line the plugin logged during fit.
    static func fittedWithLog(_ given: [String: ParameterValue] = [:], features: CSRMatrix?, names: [String] = names,
                              train: CSRMatrix, threads: Int = 2) throws -> (model: PluginModel, log: [String]) {
        let plugin = try PluginHarness.load("ContentBased")
        let model = try plugin.makeModel(try PluginParameters.resolve(given, against: plugin.manifest).parameters)
        if let features { try features.withView { try model.setItemFeatures($0, names: names) } }
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        try train.withView {
            try model.fit($0, seed: 0, threadCount: threads, callbacks: .init(log: { _, message in lines.all.append(message) }))
        }
        return (model, lines.all)
    }

    static func close(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance }
    }

    @Test("manifest: every parameter documented, defaults as designed, the extension offered")
    func manifest() throws {
        let plugin = try PluginHarness.load("ContentBased")
        let manifest = plugin.manifest
        #expect(manifest.name == "ContentBased" && manifest.capabilities == [.implicitRanking])
        #expect(manifest.parameters.allSatisfy { !$0.doc.isEmpty })
        let defaults = Dictionary(uniqueKeysWithValues: manifest.parameters.map { ($0.name, $0.defaultValue) })
        #expect(defaults["features"] == .string("genre,year,title,tag") && defaults["idf"] == .string("log")
                && defaults["user_profile"] == .string("sum") && defaults["vectors_file"] == .string("")
                && defaults["sublinear_tf"] == .bool(false) && defaults["kernel"] == .string("auto"))
        let model = try plugin.makeModel(try PluginParameters.resolve([:], against: manifest).parameters)
        #expect(model.usesItemFeatures)
    }

    @Test("TF-IDF profiles, summed user profile, cosine: by hand and numpy", arguments: ["dense", "sparse"])
    func sumProfile(kernel: String) throws {
        let model = try Self.fitted(["kernel": .string(kernel)], features: Self.features(), train: Self.train())
        let scores = try PluginHarness.score(model, users: [0, 1, 2], itemCount: 3)
        #expect(Self.close(Array(scores[0..<3]), [1, 1 / 10.0.squareRoot(), 0.108407]), "\(scores)")
        #expect(Self.close(scores, [1.0, 0.316227766017, 0.108407005319, 0.288167490370, 0.736784657407, 0.736784657407,
                                    0.710483501787, 0.699160856274, 0.595517996521]), "\(scores)")
    }

    @Test("user_profile = rating and centered (numpy); a single-rating user centres to zero", arguments: ["dense", "sparse"])
    func weightedProfiles(kernel: String) throws {
        let rating = try Self.fitted(["user_profile": .string("rating"), "kernel": .string(kernel)], features: Self.features(), train: Self.train())
        #expect(Self.close(try PluginHarness.score(rating, users: [0, 1, 2], itemCount: 3),
                           [1.0, 0.316227766017, 0.108407005319, 0.320518163457, 0.902334435335, 0.506783713989,
                            0.451787394402, 0.866363349755, 0.549807131684]))
        let centered = try Self.fitted(["user_profile": .string("centered"), "kernel": .string(kernel)], features: Self.features(), train: Self.train())
        // u0 rated one item: 5 − mean 5 = 0, an empty profile, all scores 0. u2's weights are
        // −2, +2, 0, so i0 (the disliked one) scores negative.
        #expect(Self.close(try PluginHarness.score(centered, users: [0, 1, 2], itemCount: 3),
                           [0, 0, 0, 0.153684598676, 0.676127479555, -0.676127479555,
                            -0.584710284664, 0.584710284664, -0.019414522998]))
    }

    /// Genres only, by hand: p0 = (1, 0), p1 = (1, 1)/√2, p2 = (0, 1) (idf ln 1.5 for both cancels).
    /// u1 = p1 + p2 = (0.7071, 1.7071), ‖u1‖ = 1.8478: cos = 0.7071/1.8478 = 0.382683 (= sin 22.5°),
    /// then 0.923880 twice (= cos 22.5°).
    @Test("features selects kinds; per-kind weights, sublinear tf and smooth/no idf (numpy)")
    func kindsAndWeights() throws {
        let genres = try Self.fitted(["features": .string("genre")], features: Self.features(), train: Self.train())
        #expect(Self.close(try PluginHarness.score(genres, users: [0, 1], itemCount: 3),
                           [1, 0.707107, 0, 0.382683, 0.923880, 0.923880]))
        let smooth = try Self.fitted(["idf": .string("smooth"), "sublinear_tf": .bool(true)], features: Self.features(), train: Self.train())
        #expect(Self.close(try PluginHarness.score(smooth, users: [0, 1, 2], itemCount: 3),
                           [1.0, 0.359593723260, 0.277690087898, 0.406640347710, 0.783596382831, 0.783596382831,
                            0.752771318707, 0.729946804798, 0.692290103390]))
        let weighted = try Self.fitted(["idf": .string("none"), "title_weight": .float(2), "tag_weight": .float(0.5)],
                                       features: Self.features(), train: Self.train())
        #expect(Self.close(try PluginHarness.score(weighted, users: [0, 1, 2], itemCount: 3),
                           [1.0, 0.171498585143, 0.720603758578, 0.561389877220, 0.794547942455, 0.794547942455,
                            0.821146520273, 0.622384741220, 0.860688870977]))
        // A kind with weight 0 is the same as leaving it out.
        let zeroed = try Self.fitted(["tag_weight": .float(0), "title_weight": .float(0)], features: Self.features(), train: Self.train())
        #expect(try PluginHarness.score(zeroed, users: [0, 1], itemCount: 3) == PluginHarness.score(genres, users: [0, 1], itemCount: 3))
    }

    /// A random 60-item, 40-feature, 25-user problem scored three ways: the dense and sparse kernels
    /// through the .so, and a plain Double implementation of the formulas here.
    @Test("dense and sparse kernels agree with a direct Double computation; threads do not change a bit")
    func kernelsAgree() throws {
        var random = SeededGenerator(seed: 7)
        let (items, featureCount, users) = (60, 40, 25)
        var names: [String] = []
        for f in 0..<featureCount { names.append(String(format: f < 12 ? "genre:g%02d" : "title:w%02d", f)) }
        var x = [[Double]](repeating: [Double](repeating: 0, count: featureCount), count: items)
        var triples: [(Int32, Int32, Float)] = []
        for i in 0..<items {
            for f in 0..<featureCount where random.nextDouble() < 0.12 {
                x[i][f] = Double(1 + random.nextInt(below: 3))
                triples.append((Int32(i), Int32(f), Float(x[i][f])))
            }
        }
        let features = try PluginHarness.matrix(users: items, items: featureCount, triples)
        var r = [[Double]](repeating: [Double](repeating: 0, count: items), count: users)
        var ratings: [(Int32, Int32, Float)] = []
        for u in 0..<users {
            for i in 0..<items where random.nextDouble() < 0.15 {
                r[u][i] = Double(1 + random.nextInt(below: 5))
                ratings.append((Int32(u), Int32(i), Float(r[u][i])))
            }
        }
        let train = try PluginHarness.matrix(users: users, items: items, ratings)

        // Direct: tf·ln(N/df), rows normalised; u = Σ (r − mean) p_j (centered); cos.
        let df = (0..<featureCount).map { f in x.count { $0[f] > 0 } }
        let p: [[Double]] = x.map { row in
            let w = (0..<featureCount).map { f in df[f] > 0 ? row[f] * log(Double(items) / Double(df[f])) : 0 }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? w.map { $0 / norm } : w
        }
        var expected: [Double] = []
        for u in 0..<users {
            let rated = (0..<items).filter { r[u][$0] > 0 }
            let mean = rated.isEmpty ? 0 : rated.reduce(0) { $0 + r[u][$1] } / Double(rated.count)
            var profile = [Double](repeating: 0, count: featureCount)
            for i in rated { for f in 0..<featureCount { profile[f] += (r[u][i] - mean) * p[i][f] } }
            let norm = profile.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in 0..<items {
                let dot = (0..<featureCount).reduce(0.0) { $0 + profile[$1] * p[i][$1] }
                expected.append(norm > 0 ? dot / norm : 0)
            }
        }
        let everyone = (0..<users).map(Int32.init)
        var byKernel: [String: [Float]] = [:]
        for kernel in ["dense", "sparse"] {
            let given: [String: ParameterValue] = ["features": .string("genre,title"), "user_profile": .string("centered"), "kernel": .string(kernel)]
            let two = try PluginHarness.score(try Self.fitted(given, features: features, names: names, train: train, threads: 2),
                                              users: everyone, itemCount: items)
            let one = try PluginHarness.score(try Self.fitted(given, features: features, names: names, train: train, threads: 1),
                                              users: everyone, itemCount: items)
            #expect(one == two, "\(kernel): scores depend on the thread count")
            #expect(Self.close(two, expected, 2e-6), "\(kernel) differs from the direct computation")
            byKernel[kernel] = two
        }
        #expect(expected.contains { $0 < -0.1 } && expected.contains { $0 > 0.5 }, "the example exercises signs and sizes")
        #expect(Self.close(byKernel["dense"]!, byKernel["sparse"]!.map(Double.init), 2e-6))
    }

    /// The auto rule compares users·items·width (dense) with 40 × Σ_u Σ_{f∈u} df_f (sparse).
    /// Tiny example, genres only: 2 columns padded to width 8, dense 3·3·8 = 72; df is 2 for both
    /// genres, u0 touches Comedy (2), u1 and u2 both genres (4 each): sparse 10, and 72 ≤ 40·10, so
    /// dense. Wide one-hot titles: 100 items with a word of their own, 10 users with one item each:
    /// dense 10·100·104 = 104,000 (100 padded to 104), sparse 10·1 = 10: sparse.
    @Test("kernel = auto picks dense for a few dense features and sparse for many one-hot ones")
    func autoKernel() throws {
        let genres = try Self.fittedWithLog(["features": .string("genre")], features: Self.features(), train: Self.train())
        #expect(genres.log.contains { $0.contains("dense (auto") }, "\(genres.log)")
        let items = 100
        let oneHot = try PluginHarness.matrix(users: items, items: items, (0..<items).map { (Int32($0), Int32($0), 1) })
        let words = (0..<items).map { String(format: "title:w%03d", $0) }
        let train = try PluginHarness.matrix(users: 10, items: items, (0..<10).map { (Int32($0), Int32($0 * 7), 1) })
        let wide = try Self.fittedWithLog(features: oneHot, names: words, train: train)
        #expect(wide.log.contains { $0.contains("sparse (auto: dense 1e+05, sparse 10 ") }, "\(wide.log)")
        // Each user's only item is its own nearest neighbour; every other item shares no word: 0.
        let scores = try PluginHarness.score(wide.model, users: [1], itemCount: items)
        #expect(scores[7] == 1 && scores.enumerated().allSatisfy { $0.offset == 7 || $0.element == 0 })
    }

    // MARK: vectors_file

    /// A version-1.0 .npy file written byte by byte: magic, version, little-endian header length,
    /// the dict padded with spaces to a multiple of 64 bytes with the final "\n", then the data —
    /// byte for byte what np.save (numpy 2.4.6) wrote for the same (3, 2) float32 array.
    static func npy(descr: String, fortran: Bool = false, shape: String, payload: [UInt8]) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + payload
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }
    static func bigEndian(_ values: [Double]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian, Array.init) } }

    static func write(_ bytes: [UInt8], name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("contentbased-\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// v0 = (1, 0), v1 = (0, 2), v2 = (3, 4); normalised: (1, 0), (0, 1), (0.6, 0.8).
    /// A user with {i0, i1}: mean of the unit vectors (0.5, 0.5), ‖·‖ = 1/√2, so the cosines are
    /// 0.5·√2 = 0.707107, 0.707107 and (0.3 + 0.4)·√2 = 0.989949. (Unnormalised vectors would give
    /// (0.5, 1) and 0.983870 for i2: the normalisation is what this checks.) A user with {i2}:
    /// 0.6, 0.8, 1.
    static let vectorScores: [Double] = [0.707107, 0.707107, 0.989949, 0.6, 0.8, 1]

    @Test("vectors_file: a float32 .npy (C order) and a big-endian float64 one (Fortran order) give the cosines by hand")
    func vectorsFile() throws {
        let train = try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 1), (0, 1, 1), (1, 2, 1)])
        let f4 = try Self.write(Self.npy(descr: "<f4", shape: "(3, 2)", payload: Self.littleEndian([1, 0, 0, 2, 3, 4])), name: "v.npy")
        defer { try? FileManager.default.removeItem(atPath: f4) }
        // Column-major: first column (1, 0, 3), then (0, 2, 4).
        let f8 = try Self.write(Self.npy(descr: ">f8", fortran: true, shape: "(3, 2)", payload: Self.bigEndian([1, 0, 3, 0, 2, 4])), name: "w.npy")
        defer { try? FileManager.default.removeItem(atPath: f8) }
        for path in [f4, f8] {
            // Features are handed over too: vectors_file wins (their scores would differ).
            let model = try Self.fitted(["vectors_file": .string(path)], features: Self.features(), train: train)
            let scores = try PluginHarness.score(model, users: [0, 1], itemCount: 3)
            #expect(Self.close(scores, Self.vectorScores), "\(path): \(scores)")
        }
    }

    @Test("vectors_file errors: wrong row count, element type, not .npy, missing file")
    func vectorsFileErrors() throws {
        let train = try PluginHarness.matrix(users: 1, items: 3, [(0, 0, 1)])
        func fitError(_ bytes: [UInt8]) throws -> String {
            let path = try Self.write(bytes, name: "bad.npy")
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try Self.fitted(["vectors_file": .string(path)], features: nil, train: train)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let twoRows = try fitError(Self.npy(descr: "<f4", shape: "(2, 2)", payload: Self.littleEndian([1, 0, 0, 1])))
        #expect(twoRows.contains("has 2 rows") && twoRows.contains("3 items"), "\(twoRows)")
        let integers = try fitError(Self.npy(descr: "<i4", shape: "(3, 1)", payload: [UInt8](repeating: 0, count: 12)))
        #expect(integers.contains("'<i4' is not supported"), "\(integers)")
        let flat = try fitError(Self.npy(descr: "<f4", shape: "(3,)", payload: Self.littleEndian([1, 2, 3])))
        #expect(flat.contains("not 2-D"), "\(flat)")
        let short = try fitError(Self.npy(descr: "<f4", shape: "(3, 2)", payload: Self.littleEndian([1, 2, 3])))
        #expect(short.contains("fewer than the 24"), "\(short)")
        let text = try fitError(Array("item_id,v1\n1,0.5\n".utf8))
        #expect(text.contains("not a NumPy .npy file"), "\(text)")
        let nan = try fitError(Self.npy(descr: "<f4", shape: "(3, 1)", payload: Self.littleEndian([1, .nan, 3])))
        #expect(nan.contains("row 1") && nan.contains("finite"), "\(nan)")

        #expect(throws: (any Error).self) { try Self.fitted(["vectors_file": .string("/nonexistent/vectors.npy")], features: nil, train: train) }
        let plugin = try PluginHarness.load("ContentBased")
        #expect {
            _ = try plugin.makeModel(try PluginParameters.resolve(["vectors_file": .string("items.csv")], against: plugin.manifest).parameters)
        } throws: { "\($0)".contains(".npy") && "\($0)".contains("dense item order") }
    }

    // MARK: Missing or mismatched side information

    @Test("fit without features and without vectors_file says what is missing")
    func missingFeatures() throws {
        #expect {
            _ = try Self.fitted(features: nil, train: Self.train())
        } throws: { error in
            let text = "\(error)"
            return text.contains("needs item side information") && text.contains("vectors_file") && text.contains("rb_item_features_v1")
        }
    }

    @Test("features of other kinds only, a row count that is not the item count, bad parameters: clear errors")
    func mismatches() throws {
        #expect {
            _ = try Self.fitted(["features": .string("year,decade")], features: Self.features(), train: Self.train())
        } throws: { "\($0)".contains("no column of the selected kinds (decade, year)") && "\($0)".contains("genre 2, tag 1, title 1") }
        let fourItems = try PluginHarness.matrix(users: 1, items: 4, [(0, 0, 1)])
        #expect {
            _ = try Self.fitted(features: Self.features(), train: fourItems)
        } throws: { "\($0)".contains("3 rows") && "\($0)".contains("4 items") }
        let plugin = try PluginHarness.load("ContentBased")
        for (given, fragment) in [(["features": ParameterValue.string("genres")], "unknown feature kind \"genres\""),
                                  (["features": .string("title"), "title_weight": .float(0)], "weight 0")] {
            #expect {
                _ = try plugin.makeModel(try PluginParameters.resolve(given, against: plugin.manifest).parameters)
            } throws: { "\($0)".contains(fragment) }
        }
        // A feature on every item has idf ln(3/3) = 0: with nothing else selected, nothing is left.
        let everywhere = try PluginHarness.matrix(users: 3, items: 1, [(0, 0, 1), (1, 0, 1), (2, 0, 1)])
        #expect {
            _ = try Self.fitted(features: everywhere, names: ["genre:Drama"], train: Self.train())
        } throws: { "\($0)".contains("idf = log") }
        // A negative feature value is refused when handed over.
        let negative = try PluginHarness.matrix(users: 3, items: 1, [(0, 0, -1)])
        #expect {
            _ = try Self.fitted(features: negative, names: ["tag:x"], train: Self.train())
        } throws: { "\($0)".contains("must be finite and ≥ 0") }
    }

    @Test("a user without training items and an item without features score 0")
    func emptyRows() throws {
        // Item i2 has no features; user u1 has no items.
        let features = try PluginHarness.matrix(users: 3, items: 2, [(0, 0, 1), (1, 0, 1), (1, 1, 1)])
        let train = try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 1)])
        for kernel in ["dense", "sparse"] {
            let model = try Self.fitted(["kernel": .string(kernel)], features: features, names: ["genre:A", "genre:B"], train: train)
            let scores = try PluginHarness.score(model, users: [0, 1], itemCount: 3)
            // idf: A ln(3/2), B ln 3; p0 = (1, 0), p1 ∝ (ln 1.5, ln 3): cos = ln 1.5 / √(ln²1.5 + ln²3) = 0.346242.
            #expect(Self.close(scores, [1, 0.346242, 0, 0, 0, 0]), "\(kernel): \(scores)")
        }
    }
}
