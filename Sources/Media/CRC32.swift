/// A running CRC-32 with the IEEE 802.3 polynomial as zlib computes it (reflected 0xEDB88320,
/// initial value and final XOR 0xFFFFFFFF). `CRC32` of "123456789" is 0xCBF43926.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    private var state: UInt32 = 0xFFFF_FFFF

    /// The checksum of the bytes fed so far.
    var value: UInt32 {
        self.state ^ 0xFFFF_FFFF
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var state = self.state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
            }
        }
        self.state = state
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.update($0) }
    }
}
