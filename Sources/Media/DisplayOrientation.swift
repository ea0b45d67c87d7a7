import CFFmpeg
import JumperCore

/// The turn that puts a stored picture into display orientation: a multiple of 90 degrees and
/// an optional mirror, read from a stream's display matrix.
struct DisplayOrientation: Sendable, Equatable {
    /// The 2x2 part of the display matrix reduced to -1, 0 or 1: a stored pixel `(x, y)`
    /// (y pointing down) lands at `(a*x + c*y, b*x + d*y)` before the result is shifted back
    /// into the picture, as FFmpeg's `libavutil/display.h` defines the matrix.
    let a: Int
    let b: Int
    let c: Int
    let d: Int

    static let upright = DisplayOrientation(a: 1, b: 0, c: 0, d: 1)

    /// Reads the display matrix of `stream`, or returns nil when it has none or the matrix is
    /// not a multiple of 90 degrees.
    init?(displayMatrixOf stream: UnsafeMutablePointer<AVStream>) {
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) else {
            return nil
        }
        let matrix = UnsafeRawPointer(data).assumingMemoryBound(to: Int32.self)
        let a = Self.sign(matrix[0])
        let b = Self.sign(matrix[1])
        let c = Self.sign(matrix[3])
        let d = Self.sign(matrix[4])
        // A valid orientation moves each axis onto exactly one axis.
        guard abs(a) + abs(b) == 1, abs(c) + abs(d) == 1, abs(a) + abs(c) == 1 else {
            return nil
        }
        self.init(a: a, b: b, c: c, d: d)
    }

    init(a: Int, b: Int, c: Int, d: Int) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
    }

    /// True when display swaps width and height (a turn of 90 or 270 degrees).
    var swapsAxes: Bool {
        self.a == 0
    }

    /// True when the matrix mirrors the picture as well as turning it.
    var isMirrored: Bool {
        self.a * self.d - self.b * self.c < 0
    }

    /// The clockwise turn applied for display in degrees: 0, 90, 180 or 270. For a mirrored
    /// matrix it is the turn applied after a horizontal flip.
    var clockwiseRotation: Int {
        // Undo the mirror first (negate the x column), so what is left is a pure rotation.
        let pureA = self.isMirrored ? -self.a : self.a
        let pureB = self.isMirrored ? -self.b : self.b
        switch (pureA, pureB) {
        case (1, 0): return 0
        case (0, 1): return 90
        case (-1, 0): return 180
        default: return 270
        }
    }

    /// Returns `image` turned (and mirrored) into display orientation.
    func apply(to image: RGBImage) -> RGBImage {
        if self == .upright {
            return image
        }
        let sourceWidth = image.width
        let sourceHeight = image.height
        let outputWidth = self.swapsAxes ? sourceHeight : sourceWidth
        let outputHeight = self.swapsAxes ? sourceWidth : sourceHeight

        // Where the stored corner (0, 0) lands once every coordinate is made non-negative.
        let offsetX = min(0, self.a * (sourceWidth - 1)) + min(0, self.c * (sourceHeight - 1))
        let offsetY = min(0, self.b * (sourceWidth - 1)) + min(0, self.d * (sourceHeight - 1))

        var output = [UInt8](repeating: 0, count: outputWidth * outputHeight * 3)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                for y in 0..<sourceHeight {
                    for x in 0..<sourceWidth {
                        let displayX = self.a * x + self.c * y - offsetX
                        let displayY = self.b * x + self.d * y - offsetY
                        let from = (y * sourceWidth + x) * 3
                        let to = (displayY * outputWidth + displayX) * 3
                        destination[to] = source[from]
                        destination[to + 1] = source[from + 1]
                        destination[to + 2] = source[from + 2]
                    }
                }
            }
        }
        return RGBImage(width: outputWidth, height: outputHeight, pixels: output)
    }

    private static func sign(_ value: Int32) -> Int {
        // Entries are 16.16 fixed point; anything under half a unit counts as zero.
        if value > 1 << 15 { return 1 }
        if value < -(1 << 15) { return -1 }
        return 0
    }
}
