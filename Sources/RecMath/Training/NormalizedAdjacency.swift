import RecKit

/// The symmetric normalised adjacency Â = D^−1/2 A D^−1/2 of the user–item bipartite graph, the
/// propagation matrix of LightGCN (He et al. 2020, eq. 7) and NGCF (Wang et al. 2019).
///
/// Nodes are the users `0..<userCount` followed by the items (item i is node `userCount + i`), so
/// A = [[0, R], [Rᵀ, 0]] for the users × items interaction pattern R, D holds the node degrees, and
/// the entry of an edge (u, i) is 1 / √(d_u d_i) in both directions. Every stored interaction is
/// one edge whatever its value (ratings count as implicit feedback). A node without edges has an
/// empty row, as in the reference implementations (which add 1e−9 to degrees or map 1/√0 to 0).
///
/// Â is symmetric, so Âᵀ·X = Â·X: the backward pass of a propagation uses the same product.
///
/// `.meanWithSelfLoops` builds instead D̃^−1 (A + I) with D̃ = D + I — every row averages the node
/// itself and its neighbours, 1/(d + 1) each — the matrix NGCF-PyTorch propagates with
/// (`mean_adj_single(adj_mat + sp.eye(...))`). It is not symmetric: its backward needs Âᵀ.
public struct NormalizedAdjacency: Sendable {
    public enum Normalization: String, Sendable, CaseIterable {
        /// D^−1/2 A D^−1/2 (LightGCN, the NGCF paper).
        case symmetric
        /// (D + I)^−1 (A + I) (NGCF-PyTorch's `norm_adj`).
        case meanWithSelfLoops = "mean-self-loops"
    }

    public let normalization: Normalization
    public let userCount: Int
    public let itemCount: Int
    /// (users + items) square, rows with ascending columns: a user's row lists its items' nodes,
    /// an item's row its users.
    public let matrix: SparseRowMatrix
    /// Number of edges of each node (users, then items).
    public let degrees: [Int]

    public var nodeCount: Int { userCount + itemCount }

    /// Node index of item `item`.
    @inlinable public func node(ofItem item: Int) -> Int { userCount + item }

    /// Builds Â from a users × items interaction matrix (its values are ignored).
    public init(_ interactions: SparseRowMatrix, normalization: Normalization = .symmetric) {
        let users = interactions.rowCount, items = interactions.columnCount
        let byItem = interactions.transposed()
        var degrees = [Int](repeating: 0, count: users + items)
        for u in 0..<users { degrees[u] = interactions.range(ofRow: u).count }
        for i in 0..<items { degrees[users + i] = byItem.range(ofRow: i).count }
        let selfLoops = normalization == .meanWithSelfLoops
        // The factor of a node in each of its entries: 1/√d (symmetric, times the other end's), or
        // 1/(d + 1) (mean with self-loops, the row's own).
        let factors: [Double] = degrees.map { degree in
            selfLoops ? 1 / Double(degree + 1) : (degree > 0 ? 1 / Double(degree).squareRoot() : 0)
        }
        func value(row: Int, column: Int) -> Float {
            Float(selfLoops ? factors[row] : factors[row] * factors[column])
        }

        let entries = 2 * interactions.nonZeroCount + (selfLoops ? users + items : 0)
        var indptr = [Int](repeating: 0, count: users + items + 1)
        var indices = [Int32](repeating: 0, count: entries)
        var values = [Float](repeating: 0, count: entries)
        var next = 0
        func add(_ row: Int, _ column: Int) {
            indices[next] = Int32(column)
            values[next] = value(row: row, column: column)
            next += 1
        }
        // Columns ascend in every row: a user's own node comes before its items', an item's after its users'.
        for u in 0..<users {
            if selfLoops { add(u, u) }
            for k in interactions.range(ofRow: u) { add(u, users + Int(interactions.indices[k])) }
            indptr[u + 1] = next
        }
        for i in 0..<items {
            let node = users + i
            for k in byItem.range(ofRow: i) { add(node, Int(byItem.indices[k])) }
            if selfLoops { add(node, node) }
            indptr[node + 1] = next
        }
        userCount = users
        itemCount = items
        self.normalization = normalization
        self.degrees = degrees
        matrix = SparseRowMatrix(unchecked: users + items, users + items, indptr, indices, values)
    }
}
