import Foundation
import RecKit

/// A trained model's tensors in a small binary format, for plugins that save and load their state:
///
///     "RBMS" (4 bytes)  version: UInt32 = 1  tensor count: UInt32
///     per tensor:  name length: UInt32, name (UTF-8)  rows: UInt64  columns: UInt64
///                  rows × columns Float32 (row-major, logical columns only)
///
/// Every integer and float is little-endian. Reading checks the magic, the version, every length
/// against the bytes left, and reports which tensor is malformed.
public struct ModelState: Equatable, Sendable {
    public struct Tensor: Equatable, Sendable {
        public var name: String
        public var rows: Int
        public var columns: Int
        public var values: [Float]

        public init(name: String, rows: Int, columns: Int, values: [Float]) {
            precondition(values.count == rows * columns, "tensor \(name): \(values.count) values for \(rows) × \(columns)")
            self.name = name
            self.rows = rows
            self.columns = columns
            self.values = values
        }

        /// The logical entries of a `FactorMatrix` (padding left out).
        public init(name: String, _ matrix: FactorMatrix) {
            self.init(name: name, rows: matrix.rows, columns: matrix.columns,
                      values: (0..<matrix.rows).flatMap { matrix.values(ofRow: $0) })
        }

        /// Copies the values into a `FactorMatrix` of the same shape.
        public func copy(into matrix: FactorMatrix) throws {
            guard matrix.rows == rows, matrix.columns == columns else {
                throw PluginError("model state: tensor \(name) is \(rows) × \(columns), expected \(matrix.rows) × \(matrix.columns)")
            }
            for row in 0..<rows {
                for column in 0..<columns { matrix.row(row)[column] = values[row * columns + column] }
            }
        }
    }

    public static let magic: [UInt8] = Array("RBMS".utf8)
    public static let version: UInt32 = 1

    public var tensors: [Tensor]

    public init(_ tensors: [Tensor]) { self.tensors = tensors }

    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }

    public func encoded() -> Data {
        var data = Data(Self.magic)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        append(Self.version)
        append(UInt32(tensors.count))
        for tensor in tensors {
            let name = Array(tensor.name.utf8)
            append(UInt32(name.count))
            data.append(contentsOf: name)
            append(UInt64(tensor.rows))
            append(UInt64(tensor.columns))
            for value in tensor.values { append(value.bitPattern) }
        }
        return data
    }

    public init(decoding data: Data) throws {
        let bytes = [UInt8](data)
        var cursor = 0
        func fail(_ message: String) -> PluginError { PluginError("model state: \(message)") }
        func take(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
            guard count >= 0, bytes.count - cursor >= count else { throw fail("truncated in \(what)") }
            defer { cursor += count }
            return bytes[cursor..<(cursor + count)]
        }
        func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
            try take(MemoryLayout<T>.size, what).reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        guard try Array(take(4, "the header")) == Self.magic else { throw fail("not a recbench model state (bad magic)") }
        let version = try integer(UInt32.self, "the header")
        guard version == Self.version else { throw fail("version \(version), this build reads version \(Self.version)") }
        let count = try integer(UInt32.self, "the header")
        var tensors: [Tensor] = []
        for index in 0..<Int(count) {
            let what = "tensor \(index)"
            let nameLength = try integer(UInt32.self, what)
            guard let name = String(bytes: try take(Int(nameLength), what), encoding: .utf8) else { throw fail("\(what) has a name that is not UTF-8") }
            let rows = try integer(UInt64.self, "tensor \(name)"), columns = try integer(UInt64.self, "tensor \(name)")
            let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
            guard !overflow, size <= UInt64(bytes.count - cursor) / 4 else { throw fail("tensor \(name) claims \(rows) × \(columns) values, more than the file holds") }
            var values = [Float](repeating: 0, count: Int(size))
            for k in 0..<Int(size) { values[k] = Float(bitPattern: try integer(UInt32.self, "tensor \(name)")) }
            tensors.append(Tensor(name: name, rows: Int(rows), columns: Int(columns), values: values))
        }
        guard cursor == bytes.count else { throw fail("\(bytes.count - cursor) bytes after the last tensor") }
        self.tensors = tensors
    }

    public func write(to path: String) throws {
        do { try encoded().write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw PluginError("model state: cannot write \(path): \(error.localizedDescription)")
        }
    }

    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw PluginError("model state: cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(decoding: data)
    }
}
