/// Top-K selection shared by the host's evaluator and any plugin that needs neighbours.
///
/// Order: higher score first; equal scores by ascending item index (the v1 tie rule, DESIGN §7).
/// Items scored −∞ are never selected — that is how the host masks seen items — so a list can be
/// shorter than K. NaN scores are the caller's to reject before selection (see `firstNaN`).
public enum TopK {
    /// Indices of the `k` best entries of `scores`, best first.
    public static func select(_ scores: UnsafeBufferPointer<Float>, k: Int) -> [Int32] {
        guard k > 0, let base = scores.baseAddress else { return [] }
        // A bounded heap whose root is the worst kept entry: O(n log k), no full sort. The root's
        // score is cached in a local so the common case — a score that cannot enter — is one
        // comparison on an unsafe pointer.
        var heap = [(score: Float, index: Int32)]()
        heap.reserveCapacity(k)
        var worstScore = -Float.infinity
        var worstIndex = Int32.max
        for index in 0..<scores.count {
            let score = base[index]
            if score < worstScore || score == -.infinity { continue }
            let candidate = (score: score, index: Int32(index))
            if heap.count < k {
                heap.append(candidate)
                siftUp(&heap, heap.count - 1)
                if heap.count == k { (worstScore, worstIndex) = (heap[0].score, heap[0].index) }
            } else if score > worstScore || (score == worstScore && candidate.index < worstIndex) {
                heap[0] = candidate
                siftDown(&heap, 0)
                (worstScore, worstIndex) = (heap[0].score, heap[0].index)
            }
        }
        heap.sort { isBetter($0, than: $1) }
        return heap.map(\.index)
    }

    /// Index of the first NaN, if any.
    public static func firstNaN(_ scores: UnsafeBufferPointer<Float>) -> Int? {
        for index in 0..<scores.count where scores[index].isNaN { return index }
        return nil
    }

    /// The v1 order: a beats b on a higher score, or an equal score and a lower index.
    @inline(__always)
    public static func isBetter(_ a: (score: Float, index: Int32), than b: (score: Float, index: Int32)) -> Bool {
        a.score > b.score || (a.score == b.score && a.index < b.index)
    }

    // Min-heap on "betterness": the root is the entry every other kept entry beats. Public so that
    // a caller with its own scan (the evaluator's vectorised one) keeps the same heap.
    public static func siftUp(_ heap: inout [(score: Float, index: Int32)], _ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard isBetter(heap[parent], than: heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    public static func siftDown(_ heap: inout [(score: Float, index: Int32)], _ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var worst = parent
            if left < heap.count, isBetter(heap[worst], than: heap[left]) { worst = left }
            if right < heap.count, isBetter(heap[worst], than: heap[right]) { worst = right }
            if worst == parent { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
