import RecKit

/// An owned sparse matrix in compressed sparse row form (the host's training matrix).
/// Lend it to a plugin through `withView`.
public struct CSRMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public private(set) var indptr: [Int64]
    public private(set) var indices: [Int32]
    public private(set) var values: [Float]

    public var nonZeroCount: Int { indices.count }

    /// Builds from (row, column, value) triples. Columns in each row come out sorted; a repeated
    /// (row, column) pair is an error the caller must resolve first, so it is reported, not merged.
    public init(rowCount: Int, columnCount: Int, rows: [Int32], columns: [Int32], values: [Float]) throws {
        precondition(rows.count == columns.count && rows.count == values.count, "triple arrays differ in length")
        var counts = [Int64](repeating: 0, count: rowCount + 1)
        for (row, column) in zip(rows, columns) {
            guard row >= 0, Int(row) < rowCount, column >= 0, Int(column) < columnCount else {
                throw PluginError("entry (\(row), \(column)) is outside a \(rowCount) × \(columnCount) matrix")
            }
            counts[Int(row) + 1] += 1
        }
        for r in 0..<rowCount { counts[r + 1] += counts[r] }
        var next = counts
        var indices = [Int32](repeating: 0, count: rows.count)
        var sortedValues = [Float](repeating: 0, count: rows.count)
        for k in 0..<rows.count {
            let slot = Int(next[Int(rows[k])])
            indices[slot] = columns[k]
            sortedValues[slot] = values[k]
            next[Int(rows[k])] += 1
        }
        for r in 0..<rowCount {
            let range = Int(counts[r])..<Int(counts[r + 1])
            // Entries given row by row in column order (a copy, or a transpose made by walking
            // rows) arrive strictly ascending: nothing to sort, and no column can repeat.
            if range.dropFirst().allSatisfy({ indices[$0 - 1] < indices[$0] }) { continue }
            let order = range.sorted { indices[$0] < indices[$1] }
            let rowIndices = order.map { indices[$0] }, rowValues = order.map { sortedValues[$0] }
            for (offset, position) in range.enumerated() {
                indices[position] = rowIndices[offset]
                sortedValues[position] = rowValues[offset]
                if offset > 0, rowIndices[offset] == rowIndices[offset - 1] {
                    throw PluginError("entry (\(r), \(rowIndices[offset])) appears twice")
                }
            }
        }
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.indptr = counts
        self.indices = indices
        self.values = sortedValues
    }

    public func columns(of row: Int) -> ArraySlice<Int32> { indices[Int(indptr[row])..<Int(indptr[row + 1])] }

    public func withView<R>(_ body: (CSRView) throws -> R) rethrows -> R {
        try indptr.withUnsafeBufferPointer { indptr in
            try indices.withUnsafeBufferPointer { indices in
                try values.withUnsafeBufferPointer { values in
                    try body(CSRView(rowCount: rowCount, columnCount: columnCount,
                                     indptr: indptr, indices: indices, values: values))
                }
            }
        }
    }
}
