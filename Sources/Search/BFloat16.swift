/// Conversions between Float and bfloat16, the upper 16 bits of an IEEE 754 Float.
///
/// The index keeps vectors as bfloat16 because scoring is limited by memory bandwidth:
/// half the bytes per scan, and widening back to Float is a 16-bit shift that the compiler
/// vectorises. Its 8-bit significand changes a cosine of 384-d unit vectors by about 1e-4,
/// well below the Float16 rounding already applied on disk.
enum BFloat16 {
    /// Returns the bfloat16 bit pattern nearest to a finite `value`, ties to even.
    static func bitPattern(of value: Float) -> UInt16 {
        let bits = value.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// Converts finite Floats to bfloat16 bit patterns.
    static func bitPatterns(of values: [Float]) -> [UInt16] {
        values.map(self.bitPattern(of:))
    }

    /// Widens `count` bfloat16 values at `source` into Floats at `destination`.
    static func widen(_ source: UnsafePointer<UInt16>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        destination.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
            for index in 0..<count {
                bits[index] = UInt32(source[index]) << 16
            }
        }
    }
}
