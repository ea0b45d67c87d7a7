import Foundation
import JumperCore
import Media
import Testing

/// Checks that seeking and skipping non-reference frames leave exactly the frame presented at
/// N s as frame N, on moving content where every frame differs from its neighbours.
@Suite struct FrameTimingTests {
    private static let width = 160
    private static let height = 120
    private static let frameRate = 30

    /// Makes a 12 s moving test pattern with B-frames (x264 veryfast uses three, with b-pyramid).
    private func makeClip(keyframeInterval: Int) throws -> String {
        let path = try TestMedia.makeTemporaryFolder() + "/moving-g\(keyframeInterval).mp4"
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "testsrc2=size=\(Self.width)x\(Self.height):rate=\(Self.frameRate):duration=12",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                "-g", String(keyframeInterval), "-keyint_min", String(keyframeInterval), path,
            ]
        )
        guard result.status == 0 else {
            throw TestMediaError(message: "ffmpeg could not make '\(path)': \(result.errorOutput)")
        }
        return path
    }

    /// Decodes every frame with the ffmpeg CLI, converted as the media layer converts SD video.
    private func allFrames(of path: String) throws -> [RGBImage] {
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-i", path,
                "-vf", "scale=\(Self.width):\(Self.height):flags=bicubic+accurate_rnd+full_chroma_int",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
            ]
        )
        let frameLength = Self.width * Self.height * 3
        guard result.status == 0, result.output.count % frameLength == 0 else {
            throw TestMediaError(message: "ffmpeg could not decode '\(path)': \(result.errorOutput)")
        }
        let bytes = [UInt8](result.output)
        return stride(from: 0, to: bytes.count, by: frameLength).map { start in
            RGBImage(width: Self.width, height: Self.height, pixels: Array(bytes[start..<(start + frameLength)]))
        }
    }

    @Test(arguments: [(60, true, true), (60, false, true), (250, true, true), (250, true, false)])
    func sampledFrameIsExactFrame(keyframeInterval: Int, seeks: Bool, skips: Bool) throws {
        let path = try self.makeClip(keyframeInterval: keyframeInterval)
        let reference = try self.allFrames(of: path)
        #expect(reference.count == 12 * Self.frameRate)

        let sampler = try FrameSampler(
            path: path,
            shortSide: Self.height,
            seeksToKeyframes: seeks,
            skipsNonReferenceFrames: skips
        )
        var indices: [Int] = []
        while let frame = try sampler.nextFrame() {
            indices.append(frame.index)
            let exact = frame.index * Self.frameRate
            let exactDifference = frame.image.meanAbsoluteDifference(to: reference[exact])
            #expect(
                exactDifference < 1,
                "frame \(frame.index) differs from decoded frame \(exact) by \(exactDifference)"
            )
            for neighbour in [exact - 1, exact + 1] where reference.indices.contains(neighbour) {
                let neighbourDifference = frame.image.meanAbsoluteDifference(to: reference[neighbour])
                #expect(
                    exactDifference < neighbourDifference,
                    "frame \(frame.index) is closer to decoded frame \(neighbour) than to \(exact)"
                )
            }
        }
        #expect(indices == Array(0..<12))
    }
}
