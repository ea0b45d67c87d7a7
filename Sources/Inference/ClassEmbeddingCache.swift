import Foundation
import JumperCore

/// The file `class-embeddings.f32` in a model folder: the text embeddings of the 1000 class
/// prompts, so that only the first load pays for encoding them.
///
/// Layout, little-endian: the 8-byte magic `JLBCE001`, a UInt64 FNV-1a key of every input
/// (text model and vocabulary sha256 from `manifest.json`, the prompts), UInt32 count, UInt32
/// dimension, then count x dimension Float32 values. A file whose key differs is ignored and
/// rewritten. Writes go to a temporary file that is renamed over the old one.
struct ClassEmbeddingCache {
    static let fileName = "class-embeddings.f32"
    private static let magic = Array("JLBCE001".utf8)

    let path: String
    let key: UInt64

    init(directory: String, inputs: [String]) {
        self.path = (directory as NSString).appendingPathComponent(Self.fileName)
        self.key = fnv1a64(inputs.joined(separator: "\u{1F}"))
    }

    /// Returns the cached embeddings, or nil when the file is missing, stale or malformed.
    func read(count: Int, dimension: Int) -> [[Float]]? {
        guard let data = FileManager.default.contents(atPath: self.path) else { return nil }
        let headerSize = 8 + 8 + 4 + 4
        guard data.count == headerSize + count * dimension * 4 else { return nil }
        return data.withUnsafeBytes { raw -> [[Float]]? in
            guard Array(raw[0..<8]) == Self.magic,
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) == self.key,
                Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))) == count,
                Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self))) == dimension
            else {
                return nil
            }
            return (0..<count).map { row in
                (0..<dimension).map { column in
                    let offset = headerSize + (row * dimension + column) * 4
                    return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                }
            }
        }
    }

    /// Writes the embeddings atomically.
    ///
    /// - Throws: the underlying file error when the folder is not writable.
    func write(_ embeddings: [[Float]]) throws {
        var data = Data(Self.magic)
        withUnsafeBytes(of: self.key.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(embeddings.count).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(embeddings.first?.count ?? 0).littleEndian) { data.append(contentsOf: $0) }
        for row in embeddings {
            for value in row {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        // Data's atomic option writes a temporary file in the same folder and renames it.
        try data.write(to: URL(fileURLWithPath: self.path), options: .atomic)
    }
}

/// Returns the 64-bit FNV-1a hash of the UTF-8 bytes of `text`.
func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    return hash
}
