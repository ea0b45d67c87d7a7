/// Converts IEEE 754 half-precision bit patterns to Float with a 65,536-entry table.
///
/// Swift's `Float(Float16)` calls a library routine on x86-64 builds without F16C, so a
/// table lookup is the fast path for the millions of values a cache folder holds.
public enum Float16Conversion {
    private static let table: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }

    /// Converts `count` little-endian Float16 values at `source` into `destination`.
    public static func convert(
        _ source: UnsafePointer<UInt16>,
        into destination: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        self.table.withUnsafeBufferPointer { table in
            for index in 0..<count {
                destination[index] = table[Int(UInt16(littleEndian: source[index]))]
            }
        }
    }

    /// Returns the little-endian Float16 bit pattern nearest to `value`.
    public static func bitPattern(of value: Float) -> UInt16 {
        Float16(value).bitPattern.littleEndian
    }
}

/// FNV-1a over little-endian 64-bit words (the last partial word zero-padded), used as a
/// fast checksum of file sections. It detects damage, not tampering.
func checksum64(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
    let prime: UInt64 = 0x0000_0100_0000_01B3
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    let wordCount = buffer.count / 8
    for index in 0..<wordCount {
        let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        hash = (hash ^ word) &* prime
    }
    let tailStart = wordCount * 8
    if tailStart < buffer.count {
        var word: UInt64 = 0
        for (shift, byte) in buffer[tailStart...].enumerated() {
            word |= UInt64(byte) << (8 * UInt64(shift))
        }
        hash = (hash ^ word) &* prime
    }
    return hash
}
