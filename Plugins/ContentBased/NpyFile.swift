import Foundation
import RecKit

/// A 2-D float array read from a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0, as written by
/// `np.save`): the 6-byte magic "\x93NUMPY", major and minor version bytes, the header length
/// (2 bytes little-endian in 1.0, 4 bytes in 2.0/3.0), a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1682, 384), }`, then the raw data.
///
/// Accepted element types: float32 and float64, either byte order ('<f4', '>f8', '=f4', …); C or
/// Fortran order. Values come out as Float, row-major.
struct NpyMatrix {
    let rows: Int
    let columns: Int
    let values: [Float]

    static func read(path: String) throws -> NpyMatrix {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PluginError("ContentBased: cannot read vectors_file \(path) (missing or unreadable)")
        }
        do {
            return try parse([UInt8](data))
        } catch let error as NpyError {
            throw PluginError("ContentBased: vectors_file \(path): \(error.message)")
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> NpyMatrix {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NpyError("not a NumPy .npy file (no \\x93NUMPY magic); save the vectors with np.save(path, array)")
        }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw NpyError("truncated header") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw NpyError("format version \(major).\(bytes[7]) is not supported (1.0, 2.0 and 3.0 are)")
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else { throw NpyError("truncated header") }
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)

        let descr = try quotedValue(of: "descr", in: header)
        let fortran = try booleanValue(of: "fortran_order", in: header)
        let shape = try shapeValue(in: header)
        guard shape.count == 2 else {
            throw NpyError("shape \(shape) is not 2-D (items × dimensions); reshape to (n_items, dim) before saving")
        }
        let (rows, columns) = (shape[0], shape[1])

        let order = descr.first, kind = descr.dropFirst()
        guard order == "<" || order == ">" || order == "=", kind == "f4" || kind == "f8" else {
            throw NpyError("element type '\(descr)' is not supported; save float32 or float64 (array.astype(np.float32))")
        }
        let size = kind == "f4" ? 4 : 8
        let bigEndian = order == ">"
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, count <= (Int.max / 8) else { throw NpyError("shape (\(rows), \(columns)) is too large") }
        guard bytes.count - dataStart >= count * size else {
            throw NpyError("holds \(bytes.count - dataStart) data bytes, fewer than the \(count * size) of shape (\(rows), \(columns)) \(descr)")
        }

        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for k in 0..<count {
                let offset = dataStart + k * size
                let value: Float
                if size == 4 {
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                    value = Float(bitPattern: bigEndian ? bits.byteSwapped : bits)
                } else {
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    value = Float(Double(bitPattern: bigEndian ? bits.byteSwapped : bits))
                }
                // Fortran order stores column by column: element k is (k mod rows, k / rows).
                let target = fortran ? (k % rows) * columns + k / rows : k
                values[target] = value
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw NpyError("row \(bad / max(1, columns)) holds \(values[bad]) (as float32); every value must be finite")
        }
        return NpyMatrix(rows: rows, columns: columns, values: values)
    }

    // MARK: The header dict

    /// The text right after `'key':` (or `"key":`), leading spaces skipped.
    private static func afterKey(_ key: String, in header: String) throws -> Substring {
        for quote in ["'", "\""] {
            if let range = header.range(of: quote + key + quote) {
                var rest = header[range.upperBound...].drop { $0 == " " }
                guard rest.first == ":" else { break }
                rest = rest.dropFirst().drop { $0 == " " }
                return rest
            }
        }
        throw NpyError("header has no '\(key)' entry")
    }

    private static func quotedValue(of key: String, in header: String) throws -> String {
        let rest = try afterKey(key, in: header)
        guard let quote = rest.first, quote == "'" || quote == "\"",
              let end = rest.dropFirst().firstIndex(of: quote) else {
            throw NpyError("'\(key)' is not a plain type string (structured arrays are not supported)")
        }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }

    private static func booleanValue(of key: String, in header: String) throws -> Bool {
        let rest = try afterKey(key, in: header)
        if rest.hasPrefix("True") { return true }
        if rest.hasPrefix("False") { return false }
        throw NpyError("'\(key)' is neither True nor False")
    }

    private static func shapeValue(in header: String) throws -> [Int] {
        let rest = try afterKey("shape", in: header)
        guard rest.first == "(", let close = rest.firstIndex(of: ")") else { throw NpyError("'shape' is not a tuple") }
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        var shape: [Int] = []
        for part in inside.split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let value = Int(text.hasSuffix("L") ? String(text.dropLast()) : text), value >= 0 else {
                throw NpyError("'shape' entry \"\(text)\" is not a size")
            }
            shape.append(value)
        }
        return shape
    }
}

struct NpyError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
