import RecKit

/// A training matrix the plugin owns (a part of what the host gave it), with the times of its
/// entries when known. Rows are users, columns items, entries in CSR order.
struct Interactions {
    var rowCount: Int
    var columnCount: Int
    var indptr: [Int64]
    var indices: [Int32]
    var values: [Float]
    /// times[k] of entry k, or empty when the host gave no times.
    var times: [Int64]

    init(_ view: CSRView, times: [Int64]) {
        rowCount = view.rowCount
        columnCount = view.columnCount
        indptr = Array(view.indptr)
        indices = Array(view.indices)
        values = Array(view.values)
        self.times = times
    }

    /// The entries for which `keep(k)` holds, in the same order.
    func subset(_ keep: (Int) -> Bool) -> Interactions {
        var copy = self
        copy.indptr = [0]
        copy.indices = []
        copy.values = []
        copy.times = []
        for row in 0..<rowCount {
            for k in Int(indptr[row])..<Int(indptr[row + 1]) where keep(k) {
                copy.indices.append(indices[k])
                copy.values.append(values[k])
                if !times.isEmpty { copy.times.append(times[k]) }
            }
            copy.indptr.append(Int64(copy.indices.count))
        }
        return copy
    }

    func columns(of row: Int) -> ArraySlice<Int32> { indices[Int(indptr[row])..<Int(indptr[row + 1])] }

    func withView<R>(_ body: (CSRView) throws -> R) rethrows -> R {
        try indptr.withUnsafeBufferPointer { indptr in
            try indices.withUnsafeBufferPointer { indices in
                try values.withUnsafeBufferPointer { values in
                    try body(CSRView(rowCount: rowCount, columnCount: columnCount, indptr: indptr, indices: indices, values: values))
                }
            }
        }
    }
}
