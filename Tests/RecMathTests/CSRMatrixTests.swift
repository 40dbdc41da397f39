import RecKit
import RecMath
import Testing

/// Building a CSR matrix from triples: rows in any order come out with ascending columns, an
/// entry given twice is refused — whether or not the row needed sorting.
@Suite("CSR matrix from triples")
struct CSRMatrixTests {
    private func rows(_ m: CSRMatrix) -> [[Int32]] { (0..<m.rowCount).map { Array(m.columns(of: $0)) } }

    @Test("ascending input is kept; scrambled input is sorted with its values")
    func sorting() throws {
        let sorted = try CSRMatrix(rowCount: 2, columnCount: 4, rows: [0, 0, 1, 1], columns: [0, 3, 1, 2], values: [1, 2, 3, 4])
        #expect(rows(sorted) == [[0, 3], [1, 2]])
        #expect(sorted.values == [1, 2, 3, 4])
        let scrambled = try CSRMatrix(rowCount: 2, columnCount: 4, rows: [1, 0, 1, 0], columns: [2, 3, 1, 0], values: [4, 2, 3, 1])
        #expect(rows(scrambled) == [[0, 3], [1, 2]])
        #expect(scrambled.values == [1, 2, 3, 4])
    }

    @Test("a repeated entry is refused, adjacent or not")
    func duplicates() throws {
        #expect(throws: PluginError.self) {
            try CSRMatrix(rowCount: 1, columnCount: 3, rows: [0, 0], columns: [1, 1], values: [1, 1])
        }
        #expect(throws: PluginError.self) {
            try CSRMatrix(rowCount: 1, columnCount: 3, rows: [0, 0, 0], columns: [2, 0, 2], values: [1, 1, 1])
        }
    }
}
