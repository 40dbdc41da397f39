/// Sparse × dense products Y = S·X and Y = Sᵀ·X: a CSR matrix S times a `FactorMatrix` X (one
/// embedding per row), the kernel of graph propagation (LightGCN, NGCF) and of its backward pass.
///
/// Rows of X and Y are `FactorMatrix` rows: padded with zeros to a multiple of `DenseVector.lanes`,
/// and the padding of Y stays zero. Work is split over `threadCount` threads by output rows, each
/// output row summed by one thread in ascending order of S's entries, so the result does not depend
/// on the thread count.
///
/// For a symmetric S (the normalised adjacency Â is one), Sᵀ·X = S·X: use `multiply`, which reads
/// S row by row and is the faster of the two.
public enum SparseDenseProduct {
    /// Y = S·X; with `adding`, also Z += Y in the same pass (the running layer sum of LightGCN).
    /// S is rows × m, X has m rows, Y (and Z) have S's row count; all have the same column count.
    public static func multiply(_ s: SparseRowBuffers, _ x: FactorMatrix, into y: FactorMatrix,
                                adding sum: FactorMatrix? = nil, threadCount: Int) {
        precondition(x.rows == s.columnCount && y.rows == s.rowCount, "sparse × dense: shapes do not match")
        precondition(x.stride == y.stride && (sum.map { $0.rows == y.rows && $0.stride == y.stride } ?? true),
                     "sparse × dense: row widths differ")
        precondition(x !== y && sum !== y, "sparse × dense: the output must not alias an input")
        let width = y.stride
        let ranges = ParallelRanges.balanced(offsets: s.indptr, parts: chunks(threadCount))
        let input = SendableBox(UnsafePointer(x.base)), output = SendableBox(y.base), total = SendableBox(sum?.base)
        ParallelRanges.run(ranges) { rows in
            multiplyRows(rows, s, input.value, output.value, total.value, width: width)
        }
    }

    /// Rows `rows` of Y = S·X only (ascending node ids); Y's other rows are left as they are.
    /// Each listed row gets exactly the bits `multiply` would give it.
    public static func multiply(_ s: SparseRowBuffers, _ x: FactorMatrix, into y: FactorMatrix,
                                rows: UnsafeBufferPointer<Int32>, threadCount: Int) {
        precondition(x.rows == s.columnCount && y.rows == s.rowCount, "sparse × dense: shapes do not match")
        precondition(x.stride == y.stride && x !== y, "sparse × dense: row widths differ or output aliases input")
        let width = y.stride
        // Balance the list by the rows' entries: cumulative cost of the first k listed rows.
        var cost = [Int](repeating: 0, count: rows.count + 1)
        for (k, row) in rows.enumerated() { cost[k + 1] = cost[k] + s.indptr[Int(row) + 1] - s.indptr[Int(row)] }
        let parts = cost.withUnsafeBufferPointer { ParallelRanges.balanced(offsets: $0, parts: chunks(threadCount)) }
        let input = SendableBox(UnsafePointer(x.base)), output = SendableBox(y.base), list = SendableBox(rows)
        ParallelRanges.run(parts) { part in
            for k in part {
                let row = Int(list.value[k])
                multiplyRows(row..<(row + 1), s, input.value, output.value, nil, width: width)
            }
        }
    }

    /// Y += Sᵀ·X for an X that is zero outside the rows `sources` (ascending): only those rows of
    /// X are read, so the cost is their entries, not all of S's. Threads own contiguous blocks of
    /// Y's rows and add in the order of `sources`, so each row of Y receives the same bits as
    /// `multiplyTransposed` would give it (plus its previous value).
    public static func addTransposed(_ s: SparseRowBuffers, _ x: FactorMatrix, sources: UnsafeBufferPointer<Int32>,
                                     into y: FactorMatrix, threadCount: Int) {
        precondition(x.rows == s.rowCount && y.rows == s.columnCount, "sparse-transpose × dense: shapes do not match")
        precondition(x.stride == y.stride && x !== y, "sparse-transpose × dense: row widths differ or output aliases input")
        let width = y.stride
        var work = 0
        for row in sources { work += s.indptr[Int(row) + 1] - s.indptr[Int(row)] }
        let blocks = ParallelRanges.even(y.rows, parts: work >= 1 << 14 ? threadCount : 1)
        let input = SendableBox(UnsafePointer(x.base)), output = SendableBox(y.base), list = SendableBox(sources)
        ParallelRanges.run(blocks) { block in
            let x = input.value, y = output.value
            let low = Int32(block.lowerBound), high = Int32(block.upperBound)
            for row in list.value {
                let source = x + Int(row) * width
                for k in s.indptr[Int(row)]..<s.indptr[Int(row) + 1] {
                    let column = s.indices[k]
                    guard column >= low && column < high else { continue }
                    DenseVector.scaleAdd(y + Int(column) * width, scale: 1, source, times: s.values[k], count: width)
                }
            }
        }
    }

    /// Y = Sᵀ·X without forming Sᵀ: Y has S's column count of rows, X has S's row count. Threads own
    /// contiguous blocks of Y's rows; each scans all of S (in row order) and adds only the entries
    /// landing in its block, so every output row accumulates in the same order at any thread count.
    public static func multiplyTransposed(_ s: SparseRowBuffers, _ x: FactorMatrix, into y: FactorMatrix,
                                          threadCount: Int) {
        precondition(x.rows == s.rowCount && y.rows == s.columnCount, "sparse-transpose × dense: shapes do not match")
        precondition(x.stride == y.stride, "sparse-transpose × dense: row widths differ")
        precondition(x !== y, "sparse-transpose × dense: the output must not alias the input")
        let width = y.stride
        let blocks = ParallelRanges.even(y.rows, parts: threadCount)
        let input = SendableBox(UnsafePointer(x.base)), output = SendableBox(y.base)
        ParallelRanges.run(blocks) { block in
            let x = input.value, y = output.value
            (y + block.lowerBound * width).update(repeating: 0, count: block.count * width)
            let low = Int32(block.lowerBound), high = Int32(block.upperBound)
            for row in 0..<s.rowCount {
                let source = x + row * width
                for k in s.indptr[row]..<s.indptr[row + 1] {
                    let column = s.indices[k]
                    guard column >= low && column < high else { continue }
                    DenseVector.scaleAdd(y + Int(column) * width, scale: 1, source, times: s.values[k], count: width)
                }
            }
        }
    }

    /// Chunks of output rows for `threadCount` threads: several per thread, so that a thread the
    /// machine delays does not hold the others up (rows are independent, so results do not change).
    private static func chunks(_ threadCount: Int) -> Int { threadCount > 1 ? 4 * threadCount : 1 }

    /// The row kernel: each output row is built in registers, 32 floats (four SIMD lanes) at a time,
    /// then stored once; a gathered input row is read once per 32-float block.
    @inline(__always)
    private static func multiplyRows(_ rows: Range<Int>, _ s: SparseRowBuffers, _ x: UnsafePointer<Float>,
                                     _ y: UnsafeMutablePointer<Float>, _ sum: UnsafeMutablePointer<Float>?,
                                     width: Int) {
        typealias Lane = DenseVector.Lane
        let lanes = DenseVector.lanes
        let indptr = s.indptr.baseAddress!, indices = s.indices.baseAddress!, values = s.values.baseAddress!
        for row in rows {
            let start = indptr[row], end = indptr[row + 1]
            let target = y + row * width
            var column = 0
            while column + 4 * lanes <= width {
                var a0 = Lane(), a1 = Lane(), a2 = Lane(), a3 = Lane()
                for k in start..<end {
                    let value = Lane(repeating: values[k])
                    let source = x + Int(indices[k]) * width + column
                    a0 += value * DenseVector.load(source, 0)
                    a1 += value * DenseVector.load(source, lanes)
                    a2 += value * DenseVector.load(source, 2 * lanes)
                    a3 += value * DenseVector.load(source, 3 * lanes)
                }
                DenseVector.store(a0, target, column)
                DenseVector.store(a1, target, column + lanes)
                DenseVector.store(a2, target, column + 2 * lanes)
                DenseVector.store(a3, target, column + 3 * lanes)
                column += 4 * lanes
            }
            while column < width {
                var a0 = Lane()
                for k in start..<end {
                    a0 += Lane(repeating: values[k]) * DenseVector.load(x + Int(indices[k]) * width, column)
                }
                DenseVector.store(a0, target, column)
                column += lanes
            }
            if let sum {
                let accumulator = sum + row * width
                var c = 0
                while c < width {
                    DenseVector.store(DenseVector.load(accumulator, c) + DenseVector.load(target, c), accumulator, c)
                    c += lanes
                }
            }
        }
    }
}
