import AnalysisStore
import Foundation

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "analysis-store-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        self.path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// SplitMix64, seeded so every run builds the same vectors.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Builds an analysis of `frameCount` frames (one per second) with random unit vectors,
/// scenes every 4 seconds and a distinct fake JPEG per frame.
func makeAnalysis(
    hashString: String = "1a2b3c4d-123456",
    sourcePath: String = "/media/clip.mov",
    modelKey: String = "test-model-8",
    frameCount: Int = 10,
    dimension: Int = 8,
    seed: UInt64 = 1
) -> VisualAnalysis {
    var generator = SeededGenerator(state: seed)
    var vectors: [Float] = []
    for _ in 0..<frameCount {
        let row = (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        vectors.append(contentsOf: row.map { $0 / norm })
    }
    return VisualAnalysis(
        hashString: hashString,
        sourcePath: sourcePath,
        modelKey: modelKey,
        dimension: dimension,
        duration: Double(frameCount) - 0.5,
        frameTimes: (0..<frameCount).map(Double.init),
        vectors: vectors,
        sceneStarts: stride(from: 0.0, to: Double(frameCount), by: 4).map { $0 },
        thumbnails: (0..<frameCount).map { frame in [0xFF, 0xD8, UInt8(frame), 0xFF, 0xD9] }
    )
}

/// Overwrites bytes of a file in place.
func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(bytes))
}

/// Returns the size of a file in bytes.
func fileSize(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? Int) ?? -1
}

/// Returns the `path` a `StoreError.damagedFile` carries, or nil for any other error.
func damagedPath(_ error: any Error) -> String? {
    guard case StoreError.damagedFile(let path, _) = error else { return nil }
    return path
}
