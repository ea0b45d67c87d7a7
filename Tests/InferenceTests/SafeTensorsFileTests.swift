import Foundation
import Testing

@testable import Inference

@Suite struct SafeTensorsFileTests {
    /// Writes a safetensors file with the given header JSON and data bytes.
    static func writeFile(header: String, data: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tensors-\(UUID().uuidString).safetensors").path
        var bytes: [UInt8] = []
        let headerBytes = Array(header.utf8)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += headerBytes + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func singlePrecisionBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    static func halfPrecisionBytes(_ values: [Float16]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    static let header = """
        {"__metadata__":{"format":"pt"},\
        "matrix":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},\
        "half":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},\
        "ids":{"dtype":"I64","shape":[1],"data_offsets":[22,30]}}
        """

    static func sampleFile() throws -> String {
        let data = Self.singlePrecisionBytes([1, -2.5, 3.25, 1e-7]) + Self.halfPrecisionBytes([Float16(0.5), Float16(-65504), Float16(0.0999)])
            + [UInt8](repeating: 7, count: 8)
        return try Self.writeFile(header: Self.header, data: data)
    }

    @Test func readsF32AndF16Tensors() throws {
        let path = try Self.sampleFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata["format"] == "pt")
        #expect(try file.floats("matrix", shape: [2, 2]) == [1, -2.5, 3.25, 1e-7])
        #expect(try file.floats("half") == [0.5, -65504, Float(Float16(0.0999))])
        #expect(file.shape(of: "ids") == [1])
    }

    @Test func rejectsWrongShape() throws {
        let path = try Self.sampleFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafeTensorsFile(path: path)
        #expect {
            _ = try file.floats("matrix", shape: [4])
        } throws: { error in
            "\(error)".contains("'matrix'") && "\(error)".contains("[2, 2]")
        }
    }

    @Test func rejectsMissingTensorAndUnsupportedType() throws {
        let path = try Self.sampleFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafeTensorsFile(path: path)
        #expect {
            _ = try file.floats("absent")
        } throws: { error in
            "\(error)".contains("'absent'") && "\(error)".contains(path)
        }
        #expect {
            _ = try file.floats("ids")
        } throws: { error in
            "\(error)".contains("'I64'")
        }
    }

    @Test func rejectsTruncatedFile() throws {
        // The header promises 30 data bytes but only 16 follow.
        let path = try Self.writeFile(header: Self.header, data: Self.singlePrecisionBytes([1, 2, 3, 4]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try SafeTensorsFile(path: path)
        } throws: { error in
            "\(error)".contains("'half'") || "\(error)".contains("malformed")
        }
    }

    @Test func rejectsMissingFile() {
        #expect {
            _ = try SafeTensorsFile(path: "/nonexistent/weights.safetensors")
        } throws: { error in
            "\(error)".contains("/nonexistent/weights.safetensors") && "\(error)".contains("fetch-models")
        }
    }
}
