import Foundation

/// Fork–join over contiguous ranges for the training kit's kernels.
///
/// The ranges depend only on the data and the thread count, and every kernel computes each output
/// element inside one range with the same arithmetic in the same order, so results are bit-identical
/// whatever the thread count (a run is reproducible from its seed on any machine).
public enum ParallelRanges {
    /// `0..<count` cut into at most `parts` contiguous non-empty ranges whose lengths differ by at
    /// most one (none when `count` is 0).
    public static func even(_ count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        guard count > 0 else { return [] }
        let base = count / parts, extra = count % parts
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(parts)
        var start = 0
        for part in 0..<parts {
            let length = base + (part < extra ? 1 : 0)
            ranges.append(start..<(start + length))
            start += length
        }
        return ranges
    }

    /// Rows `0..<offsets.count − 1` of a CSR matrix cut into at most `parts` contiguous ranges of
    /// near-equal cost, a row costing its entries plus one (so empty rows are not free).
    public static func balanced(offsets: UnsafeBufferPointer<Int>, parts: Int) -> [Range<Int>] {
        let rows = offsets.count - 1
        guard rows > 0 else { return [] }
        let parts = max(1, min(parts, rows))
        let total = offsets[rows] - offsets[0] + rows
        var ranges: [Range<Int>] = []
        var start = 0
        for part in 1...parts {
            if part == parts {
                if start < rows { ranges.append(start..<rows) }
                break
            }
            let target = total * part / parts
            // First row end whose cumulative cost reaches the target (binary search on a monotone cost).
            var low = start, high = rows
            while low < high {
                let middle = (low + high) / 2
                if offsets[middle + 1] - offsets[0] + middle + 1 >= target { high = middle } else { low = middle + 1 }
            }
            let end = min(rows, low + 1)
            if end > start {
                ranges.append(start..<end)
                start = end
            }
        }
        return ranges
    }

    /// Runs `body` once per range: on the calling thread when there is one range, otherwise on
    /// `DispatchQueue.concurrentPerform`'s threads. `body` must only write state that belongs to its
    /// range.
    public static func run(_ ranges: [Range<Int>], _ body: (Range<Int>) -> Void) {
        if ranges.count <= 1 {
            if let only = ranges.first { body(only) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = SendableBox(body)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { shared.value(ranges[$0]) }
        }
    }
}
