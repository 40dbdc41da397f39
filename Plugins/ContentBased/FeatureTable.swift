import Foundation
import RecKit

/// The plugin's own copy of the host's item features (the host's view is only valid during
/// `setItemFeatures`), and the TF-IDF weighting that turns it into item profiles.
struct FeatureTable {
    let itemCount: Int
    let names: [String]
    let indptr: [Int]
    let indices: [Int32]
    let values: [Float]

    init(copying view: CSRView, names: [String]) throws {
        guard names.count == view.columnCount else {
            throw PluginError("ContentBased: \(names.count) feature names for \(view.columnCount) feature columns")
        }
        var indptr = [Int](repeating: 0, count: view.rowCount + 1)
        for row in 0...view.rowCount {
            indptr[row] = Int(view.indptr[row])
            if row > 0, indptr[row] < indptr[row - 1] {
                throw PluginError("ContentBased: item features row \(row - 1) has a negative length")
            }
        }
        for (k, column) in view.indices.enumerated() where column < 0 || Int(column) >= view.columnCount {
            throw PluginError("ContentBased: item features entry \(k) has column \(column), outside 0..<\(view.columnCount)")
        }
        for (k, value) in view.values.enumerated() where !(value.isFinite && value >= 0) {
            throw PluginError("ContentBased: item feature \"\(names[Int(view.indices[k])])\" has value \(value); weights and counts must be finite and ≥ 0")
        }
        itemCount = view.rowCount
        self.names = names
        self.indptr = indptr
        self.indices = Array(view.indices)
        self.values = Array(view.values)
    }

    /// "genre" for "genre:Comedy"; "" for a name without a kind.
    static func kind(of name: String) -> Substring {
        guard let colon = name.firstIndex(of: ":") else { return "" }
        return name[..<colon]
    }

    /// Column counts by kind, for log lines and error messages.
    var columnsByKind: [String: Int] {
        var counts: [String: Int] = [:]
        for name in names { counts[String(Self.kind(of: name)), default: 0] += 1 }
        return counts
    }

    /// TF-IDF item profiles over the columns whose kind has a weight in `kindWeights`:
    ///
    ///     w_if = tf(x_if) · idf_f · weight(kind f),   profile_i = w_i / ‖w_i‖₂
    ///
    /// tf(x) = x, or 1 + ln x with `sublinear` (x > 0); idf over the N items of the table and the
    /// df_f items with x_if > 0: ln(N / df) (`.log`, a feature every item has weighs 0), scikit-learn's
    /// ln((1 + N) / (1 + df)) + 1 (`.smooth`), or 1 (`.none`). Columns that end up weighing 0 for
    /// every item are left out, so the profiles are only as wide as they need to be. An item with no
    /// selected feature keeps an empty (zero) profile.
    func tfidfProfiles(kindWeights: [String: Double], sublinear: Bool, idf: IDFMode) -> SparseRows {
        let columnCount = names.count
        var columnWeight = [Double](repeating: 0, count: columnCount)
        for (f, name) in names.enumerated() { columnWeight[f] = kindWeights[String(Self.kind(of: name))] ?? 0 }
        var df = [Int](repeating: 0, count: columnCount)
        for (k, column) in indices.enumerated() where values[k] > 0 { df[Int(column)] += 1 }
        let n = Double(itemCount)
        for f in 0..<columnCount where columnWeight[f] > 0 {
            guard df[f] > 0 else { columnWeight[f] = 0; continue }
            let d = Double(df[f])
            switch idf {
            case .log: columnWeight[f] *= log(n / d)
            case .smooth: columnWeight[f] *= log((1 + n) / (1 + d)) + 1
            case .none: break
            }
        }
        // Compact numbering of the columns that carry weight, in the table's (name) order.
        var compact = [Int32](repeating: -1, count: columnCount)
        var used = 0
        for f in 0..<columnCount where columnWeight[f] > 0 {
            compact[f] = Int32(used)
            used += 1
        }

        var outPointers = [Int](repeating: 0, count: itemCount + 1)
        var outIndices: [Int32] = [], outValues: [Float] = []
        var row: [(Int32, Double)] = []
        for item in 0..<itemCount {
            row.removeAll(keepingCapacity: true)
            var squares = 0.0
            for k in indptr[item]..<indptr[item + 1] {
                let f = Int(indices[k]), x = Double(values[k])
                guard compact[f] >= 0, x > 0 else { continue }
                let w = (sublinear ? 1 + log(x) : x) * columnWeight[f]
                row.append((compact[f], w))
                squares += w * w
            }
            if squares > 0 {
                let scale = 1 / squares.squareRoot()
                for (column, w) in row {
                    outIndices.append(column)
                    outValues.append(Float(w * scale))
                }
            }
            outPointers[item + 1] = outIndices.count
        }
        return SparseRows(rowCount: itemCount, columnCount: used, indptr: outPointers, indices: outIndices, values: outValues)
    }
}

/// Inverse document frequency variants (parameter `idf`).
enum IDFMode: String, CaseIterable {
    case log, smooth, none
}
