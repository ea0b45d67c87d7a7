import Foundation
import JumperCore
import Media
import Testing

/// Samples the awkward file shapes of `scripts/make-test-media.sh` and checks which frame each
/// second gets: jumping frame times, a late first timestamp, the moov atom at the end,
/// interlaced MPEG-2 with non-square pixels, and a path with spaces and a backslash.
@Suite struct FileShapeTests {
    private func sampleAll(_ path: String, shortSide: Int) throws -> [SampledFrame] {
        let sampler = try FrameSampler(path: path, shortSide: shortSide)
        var frames: [SampledFrame] = []
        while let frame = try sampler.nextFrame() {
            frames.append(frame)
        }
        return frames
    }

    /// Returns the index of the reference closest to `image`, and its mean difference per byte.
    /// The references come from the ffmpeg CLI with the BT.709 matrix, while the media layer
    /// uses BT.601 for untagged video under 720 lines, so the right picture differs by a few
    /// levels and every other photo by tens.
    private func closest(_ image: RGBImage, among references: [RGBImage]) -> (index: Int, difference: Double) {
        let differences = references.map { image.meanAbsoluteDifference(to: $0) }
        let best = differences.indices.min { differences[$0] < differences[$1] } ?? 0
        return (best, differences[best])
    }

    @Test func variableFrameRateSamplesFrameOnScreen() throws {
        // Frames at 0, 0.9, 2.2, 2.5, 3.0, 4.7 and 5.2 s: second N shows the last frame at or
        // before N s, so second 2 still shows the frame from 0.9 s.
        let path = try TestMedia.path("vfr.mp4")
        let frames = try self.sampleAll(path, shortSide: 360)
        #expect(frames.map(\.index) == [0, 1, 2, 3, 4, 5])
        let times = frames.map { ($0.timeSeconds * 1000).rounded() / 1000 }
        #expect(times == [0, 0.9, 0.9, 3.0, 3.0, 4.7])
        let references = try (0..<7).map { try TestMedia.ffmpegFrame(path: path, frameNumber: $0, width: 640, height: 360) }
        let decodedIndexOfSecond = [0, 1, 1, 4, 4, 5]
        for (frame, decodedIndex) in zip(frames, decodedIndexOfSecond) {
            let match = self.closest(frame.image, among: references)
            #expect(match.index == decodedIndex, "second \(frame.index) looks like decoded frame \(match.index)")
            #expect(match.difference < 6, "second \(frame.index) differs by \(match.difference)")
        }
    }

    @Test(arguments: ["offset-10s.mkv", "moov-at-end.mp4"])
    func onePhotoPerSecondFile(name: String) throws {
        // Six photos for one second each: second N shows the N-th photo, counted from the
        // first frame even when timestamps start at 10 s.
        let path = try TestMedia.path(name)
        let frames = try self.sampleAll(path, shortSide: 360)
        #expect(frames.map(\.index) == [0, 1, 2, 3, 4, 5])
        #expect(frames.map(\.timeSeconds) == [0, 1, 2, 3, 4, 5])
        let references = try (0..<6).map {
            try TestMedia.ffmpegFrame(path: path, frameNumber: $0 * 30, width: 640, height: 360)
        }
        for frame in frames {
            let match = self.closest(frame.image, among: references)
            #expect(match.index == frame.index, "second \(frame.index) shows photo \(match.index)")
            #expect(match.difference < 6, "second \(frame.index) differs by \(match.difference)")
        }
    }

    @Test func interlacedMpeg2KeepsDisplayAspect() throws {
        // 720x576 stored with 64:45 pixels: 1024x576 as displayed, 25 frames per second.
        let frames = try self.sampleAll(try TestMedia.path("interlaced.ts"), shortSide: 288)
        #expect(frames.map(\.index) == [0, 1, 2, 3])
        for frame in frames {
            #expect(frame.image.width == 512)
            #expect(frame.image.height == 288)
            #expect(abs(frame.timeSeconds - Double(frame.index)) < 0.04 + 0.001)
        }
        // The cat photo fills the middle: far from black.
        let middle = try #require(frames.first).image.meanColor(x: 200, y: 100, width: 100, height: 80)
        #expect(middle.red + middle.green + middle.blue > 150)
    }

    @Test func backslashAndSpacesInPath() throws {
        let path = try TestMedia.path("with spaces \\ and backslash.mp4")
        #expect(path.contains("\\"))
        let info = try MediaProbe.probe(path: path)
        #expect(info.path == path)
        #expect(info.mediaType == .video)
        let frames = try self.sampleAll(path, shortSide: 120)
        #expect(frames.map(\.index) == [0])
        let thumbnail = try FrameExtractor.frame(path: path, atSeconds: 0.2, maxLongSide: 160)
        #expect(thumbnail.width == 160)
    }

    @Test func accentsCjkAndEmojiInPath() throws {
        let path = try TestMedia.path("café 東京 🎬.mp4")
        let info = try MediaProbe.probe(path: path)
        #expect(info.width == 1280)
        let audio = try AudioExtractor(logger: Logger(label: "test", minimumLevel: .error)).extract(path: path)
        #expect(abs(audio.duration - 30) < 0.1)
    }
    /// Returns the mean of |2 * row(y) - row(y - 1) - row(y + 1)| over the picture: large when
    /// alternate lines show two moments (combing), small for a picture from one moment.
    private func combing(_ image: RGBImage) -> Double {
        var total = 0
        for y in 1..<(image.height - 1) {
            for x in 0..<image.width {
                let above = Int(image.pixel(x: x, y: y - 1).green)
                let here = Int(image.pixel(x: x, y: y).green)
                let below = Int(image.pixel(x: x, y: y + 1).green)
                total += abs(2 * here - above - below)
            }
        }
        return Double(total) / Double(image.width * (image.height - 2))
    }

    @Test func interlacedMotionHasNoCombing() throws {
        // A moving pattern at 50 frames per second woven into 25 interlaced frames per second.
        let path = try TestMedia.makeTemporaryFolder() + "/interlaced-motion.ts"
        let result = try TestMedia.run(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "testsrc2=size=720x576:rate=50:duration=2",
                "-vf", "tinterlace=mode=interleave_top,setfield=tff", "-c:v", "mpeg2video", "-b:v", "8M",
                "-flags", "+ilme+ildct", "-top", "1", path,
            ]
        )
        guard result.status == 0 else {
            throw TestMediaError(message: "ffmpeg could not make '\(path)': \(result.errorOutput)")
        }
        let frames = try self.sampleAll(path, shortSide: 576)
        let sampled = try #require(frames.dropFirst().first)
        #expect(sampled.image.width == 720)
        #expect(sampled.image.height == 576)
        let woven = try TestMedia.ffmpegFrame(path: path, frameNumber: 25, width: 720, height: 576)
        let sampledCombing = self.combing(sampled.image)
        let wovenCombing = self.combing(woven)
        #expect(sampledCombing < 0.5 * wovenCombing, "combing \(sampledCombing), woven frame \(wovenCombing)")
    }
}
