import Foundation

/// An incremental SHA-256 digest (FIPS 180-4), for checking model files without CryptoKit,
/// which Foundation on Linux lacks.
struct SHA256: Sendable {
    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    /// Adds `bytes` to the message.
    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            self.buffer.append(byte)
            self.length += 1
            if self.buffer.count == 64 {
                self.processBlock()
                self.buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Adds a chunk of `Data` to the message.
    mutating func update(data: Data) {
        data.withUnsafeBytes { raw in
            var index = 0
            let bytes = raw.bindMemory(to: UInt8.self)
            // fill a partial block first, then hash whole blocks straight from the chunk
            while index < bytes.count, !self.buffer.isEmpty {
                self.update(CollectionOfOne(bytes[index]))
                index += 1
            }
            while bytes.count - index >= 64 {
                self.buffer.append(contentsOf: bytes[index..<(index + 64)])
                self.length += 64
                self.processBlock()
                self.buffer.removeAll(keepingCapacity: true)
                index += 64
            }
            self.update(bytes[index...])
        }
    }

    /// Returns the digest as 64 lowercase hex digits; the value is finished and not reusable.
    mutating func finalizeHex() -> String {
        let bitLength = self.length &* 8
        self.update(CollectionOfOne(UInt8(0x80)))
        while self.buffer.count != 56 {
            self.update(CollectionOfOne(UInt8(0)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            self.update(CollectionOfOne(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))))
        }
        return self.state.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    /// Returns the hex SHA-256 of `bytes`.
    static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var digest = SHA256()
        digest.update(bytes)
        return digest.finalizeHex()
    }

    /// Returns the hex SHA-256 of the file at `path`, read in 1 MiB chunks.
    static func hex(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InferenceError.missingModelFile(path: path)
        }
        defer { try? handle.close() }
        var digest = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            digest.update(data: chunk)
        }
        return digest.finalizeHex()
    }

    private mutating func processBlock() {
        var words = [UInt32](repeating: 0, count: 64)
        for index in 0..<16 {
            words[index] = UInt32(self.buffer[index * 4]) << 24 | UInt32(self.buffer[index * 4 + 1]) << 16
                | UInt32(self.buffer[index * 4 + 2]) << 8 | UInt32(self.buffer[index * 4 + 3])
        }
        for index in 16..<64 {
            let s0 = words[index - 15].rotatedRight(7) ^ words[index - 15].rotatedRight(18) ^ (words[index - 15] >> 3)
            let s1 = words[index - 2].rotatedRight(17) ^ words[index - 2].rotatedRight(19) ^ (words[index - 2] >> 10)
            words[index] = words[index - 16] &+ s0 &+ words[index - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = (
            self.state[0], self.state[1], self.state[2], self.state[3],
            self.state[4], self.state[5], self.state[6], self.state[7]
        )
        for index in 0..<64 {
            let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
            let choice = (e & f) ^ (~e & g)
            let temporary1 = h &+ s1 &+ choice &+ Self.roundConstants[index] &+ words[index]
            let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let temporary2 = s0 &+ majority
            (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temporary1, c, b, a, temporary1 &+ temporary2)
        }
        for (index, value) in [a, b, c, d, e, f, g, h].enumerated() {
            self.state[index] &+= value
        }
    }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}
