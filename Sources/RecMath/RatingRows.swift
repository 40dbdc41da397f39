import RecKit

/// Explicit ratings as one list of (column, rating) per row, in `Double`: a plugin's own copy of the
/// users × items training matrix, or its items × users transpose.
///
/// This is Surprise's `ur` / `ir` (the rating lists per user and per item) laid out contiguously:
/// row `r` holds `columns[offsets[r]..<offsets[r + 1]]` (ascending) and the matching `ratings`.
/// Rows without ratings (users or items absent from training) are empty lists.
public struct RatingRows: Sendable {
    public let rowCount: Int
    public let columnCount: Int
    public let offsets: [Int]
    public let columns: [Int32]
    public var ratings: [Double]

    public init(rowCount: Int, columnCount: Int, offsets: [Int], columns: [Int32], ratings: [Double]) {
        precondition(offsets.count == rowCount + 1 && offsets.first == 0 && offsets.last == columns.count
                     && columns.count == ratings.count, "inconsistent rating rows")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.offsets = offsets
        self.columns = columns
        self.ratings = ratings
    }

    /// Copies a CSR view (the host's training matrix; valid only during `fit`).
    public init(_ view: CSRView) {
        self.init(
            rowCount: view.rowCount, columnCount: view.columnCount,
            offsets: view.indptr.map { Int($0) }, columns: Array(view.indices),
            ratings: view.values.map { Double($0) })
    }

    public var nonZeroCount: Int { columns.count }

    /// Number of ratings in row `row`.
    @inlinable public func count(ofRow row: Int) -> Int { offsets[row + 1] - offsets[row] }

    /// Mean of all ratings (Surprise's `global_mean`); 0 when there are none.
    public var mean: Double {
        guard !ratings.isEmpty else { return 0 }
        return ratings.reduce(0, +) / Double(ratings.count)
    }

    /// Population standard deviation of all ratings (numpy's `np.std`); 0 when there are none.
    public var standardDeviation: Double {
        guard !ratings.isEmpty else { return 0 }
        let mu = mean
        return (ratings.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(ratings.count)).squareRoot()
    }

    /// Mean rating of each row; 0 for an empty row.
    public func rowMeans() -> [Double] {
        (0..<rowCount).map { row in
            let range = offsets[row]..<offsets[row + 1]
            guard !range.isEmpty else { return 0 }
            return ratings[range].reduce(0, +) / Double(range.count)
        }
    }

    /// Population standard deviation of each row around `means` (numpy's `np.std`); 0 for an empty row.
    public func rowStandardDeviations(means: [Double]) -> [Double] {
        (0..<rowCount).map { row in
            let range = offsets[row]..<offsets[row + 1]
            guard !range.isEmpty else { return 0 }
            let mu = means[row]
            return (ratings[range].reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(range.count)).squareRoot()
        }
    }

    /// The transpose (items × users from users × items), columns ascending in every row.
    public func transposed() -> RatingRows {
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for column in columns { counts[Int(column) + 1] += 1 }
        for c in 0..<columnCount { counts[c + 1] += counts[c] }
        var next = counts
        var newColumns = [Int32](repeating: 0, count: columns.count)
        var newRatings = [Double](repeating: 0, count: columns.count)
        // Rows are visited in ascending order, so each new row receives its columns sorted.
        for row in 0..<rowCount {
            for k in offsets[row]..<offsets[row + 1] {
                let column = Int(columns[k])
                newColumns[next[column]] = Int32(row)
                newRatings[next[column]] = ratings[k]
                next[column] += 1
            }
        }
        return RatingRows(rowCount: columnCount, columnCount: rowCount, offsets: counts,
                          columns: newColumns, ratings: newRatings)
    }

    /// The same lists with every rating replaced by `transform(row, column, rating)`.
    public func mapRatings(_ transform: (_ row: Int, _ column: Int, _ rating: Double) -> Double) -> RatingRows {
        var mapped = ratings
        for row in 0..<rowCount {
            for k in offsets[row]..<offsets[row + 1] {
                mapped[k] = transform(row, Int(columns[k]), ratings[k])
            }
        }
        var copy = self
        copy.ratings = mapped
        return copy
    }
}
