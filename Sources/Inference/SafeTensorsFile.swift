import Foundation
import JumperCore

/// A `safetensors` weights file read into memory: a JSON header of tensor names, dtypes,
/// shapes and byte ranges, followed by raw little-endian data.
///
/// Converts F32 and F16 tensors to `[Float]` on request. Other dtypes (such as the I64
/// `position_ids` buffer in BERT checkpoints) stay listed but cannot be read.
struct SafeTensorsFile: Sendable {
    /// One tensor's header entry.
    struct Entry: Sendable {
        let dtype: String
        let shape: [Int]
        let byteRange: Range<Int>
    }

    let path: String
    let entries: [String: Entry]
    let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Reads and validates the header of the file at `path`.
    ///
    /// - Throws: `InferenceError.missingModelFile` when the file does not exist,
    ///   `InferenceError.invalidModelFile` when the header is malformed or a byte range lies
    ///   outside the file.
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError.missingModelFile(path: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw InferenceError.invalidModelFile(path: path, reason: "read failed: \(error)")
        }
        guard data.count >= 8 else {
            throw InferenceError.invalidModelFile(path: path, reason: "file has \(data.count) bytes, too short for a header")
        }

        var headerSize: UInt64 = 0
        for index in 0..<8 {
            headerSize |= UInt64(data[data.startIndex + index]) << (8 * UInt64(index))
        }
        guard headerSize <= UInt64(data.count - 8) else {
            throw InferenceError.invalidModelFile(path: path, reason: "header size \(headerSize) exceeds the file size")
        }
        let headerStart = data.startIndex + 8
        let headerBytes = data[headerStart..<(headerStart + Int(headerSize))]
        let header: JSON
        do {
            header = try JSON.parse(headerBytes)
        } catch {
            throw InferenceError.invalidModelFile(path: path, reason: "header is not JSON: \(error)")
        }
        guard let object = header.objectValue else {
            throw InferenceError.invalidModelFile(path: path, reason: "header is a \(header.typeName), expected an object")
        }

        let dataStart = 8 + Int(headerSize)
        let dataSize = data.count - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object.pairs {
            if name == "__metadata__" {
                for (key, item) in value.objectValue?.pairs ?? [] {
                    metadata[key] = item.stringValue
                }
                continue
            }
            guard let dtype = value["dtype"]?.stringValue,
                let shape = value["shape"]?.arrayValue?.compactMap(\.intValue),
                let offsets = value["data_offsets"]?.arrayValue?.compactMap(\.intValue),
                offsets.count == 2, offsets[0] <= offsets[1], offsets[1] <= dataSize
            else {
                throw InferenceError.invalidModelFile(path: path, reason: "header entry '\(name)' is malformed")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, byteRange: offsets[0]..<offsets[1])
        }

        self.path = path
        self.entries = entries
        self.metadata = metadata
        self.data = data
        self.dataStart = dataStart
    }

    /// Returns the shape of tensor `name`, or nil when the file has no such tensor.
    func shape(of name: String) -> [Int]? {
        self.entries[name]?.shape
    }

    /// Reads tensor `name` as row-major floats and checks its shape.
    ///
    /// - Parameters:
    ///   - name: The tensor name as stored in the header.
    ///   - expectedShape: The shape the architecture needs, or nil to accept any shape.
    /// - Throws: `InferenceError.missingTensor`, `.tensorShapeMismatch`, `.unsupportedTensorType`
    ///   or `.invalidModelFile` when the byte size does not match the shape.
    func floats(_ name: String, shape expectedShape: [Int]? = nil) throws -> [Float] {
        guard let entry = self.entries[name] else {
            throw InferenceError.missingTensor(name: name, path: self.path)
        }
        if let expectedShape, expectedShape != entry.shape {
            throw InferenceError.tensorShapeMismatch(name: name, expected: expectedShape, actual: entry.shape)
        }
        let count = entry.shape.reduce(1, *)
        let start = self.data.startIndex + self.dataStart + entry.byteRange.lowerBound
        let bytes = self.data[start..<(start + entry.byteRange.count)]

        switch entry.dtype {
        case "F32":
            guard bytes.count == count * 4 else {
                throw InferenceError.invalidModelFile(path: self.path, reason: "tensor '\(name)' has \(bytes.count) bytes for \(count) F32 values")
            }
            return bytes.withUnsafeBytes { raw in
                (0..<count).map { index in
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                }
            }
        case "F16":
            guard bytes.count == count * 2 else {
                throw InferenceError.invalidModelFile(path: self.path, reason: "tensor '\(name)' has \(bytes.count) bytes for \(count) F16 values")
            }
            return bytes.withUnsafeBytes { raw in
                (0..<count).map { index in
                    Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))))
                }
            }
        default:
            throw InferenceError.unsupportedTensorType(name: name, dtype: entry.dtype)
        }
    }
}
