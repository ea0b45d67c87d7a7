import Foundation
import JumperCore
import Media
import Testing

@Suite struct FrameSamplerTests {
    private func sampleAll(_ path: String, shortSide: Int = 256) throws -> [SampledFrame] {
        let sampler = try FrameSampler(path: path, shortSide: shortSide)
        var frames: [SampledFrame] = []
        while let frame = try sampler.nextFrame() {
            frames.append(frame)
        }
        return frames
    }

    @Test func thirtySecondClipYieldsThirtyFrames() throws {
        let path = try TestMedia.path("photos.mp4")
        let sampler = try FrameSampler(path: path)
        #expect(sampler.estimatedFrameCount == 30)
        let frames = try self.sampleAll(path)
        #expect(frames.map(\.index) == Array(0..<30))
        #expect(frames.map(\.timeSeconds) == (0..<30).map(Double.init))
        #expect(frames.allSatisfy { $0.image.width == 455 })
        #expect(frames.allSatisfy { $0.image.height == 256 })
    }

    @Test func framesMatchFFmpegAtEachSecond() throws {
        let path = try TestMedia.path("photos.mp4")
        let frames = try self.sampleAll(path)
        // Frames 4 and 5 straddle the cut from the cat to the coffee at exactly 5 s.
        for index in [0, 4, 5, 17, 29] {
            let reference = try TestMedia.ffmpegFrame(path: path, frameNumber: index * 30, width: 455, height: 256)
            let difference = frames[index].image.meanAbsoluteDifference(to: reference)
            #expect(difference < 1, "frame \(index) differs from ffmpeg's frame \(index * 30) by \(difference)")
        }
        let cut = frames[4].image.meanAbsoluteDifference(to: frames[5].image)
        #expect(cut > 20, "frames 4 and 5 should show different photos")
    }

    @Test func pillarboxIsBlack() throws {
        let frames = try self.sampleAll(try TestMedia.path("photos.mp4"))
        // The cat (451x300) fills 1080x720 of the 1280x720 frame: 100 px bars, 35 px at 256 high.
        let bar = frames[0].image.meanColor(x: 2, y: 20, width: 20, height: 200)
        #expect(bar.red < 8)
        #expect(bar.green < 8)
        #expect(bar.blue < 8)
    }

    @Test func rotatedHevcIsUpright() throws {
        let path = try TestMedia.path("photos-rotated.mov")
        let frames = try self.sampleAll(path)
        #expect(frames.map(\.index) == Array(0..<30))
        #expect(frames[0].image.width == 455)
        #expect(frames[0].image.height == 256)
        let upright = try TestMedia.ffmpegFrame(
            path: try TestMedia.path("photos.mp4"),
            frameNumber: 3 * 30,
            width: 455,
            height: 256
        )
        let difference = frames[3].image.meanAbsoluteDifference(to: upright)
        #expect(difference < 8, "rotated frame 3 differs from the upright original by \(difference)")
    }

    @Test func rotatedPatternHasRedOnTop() throws {
        let frames = try self.sampleAll(try TestMedia.path("pattern-rotated.mov"), shortSide: 120)
        #expect(frames.count == 2)
        let image = frames[0].image
        #expect(image.width == 160)
        #expect(image.height == 120)
        let top = image.meanColor(x: 10, y: 5, width: 140, height: 40)
        let bottom = image.meanColor(x: 10, y: 75, width: 140, height: 40)
        #expect(top.red > 220)
        #expect(top.green < 30)
        #expect(top.blue < 30)
        #expect(bottom.red < 30)
        #expect(bottom.green < 30)
        #expect(bottom.blue > 220)
    }

    @Test func vp9WebmYieldsThirtyFrames() throws {
        let frames = try self.sampleAll(try TestMedia.path("photos.webm"))
        #expect(frames.map(\.index) == Array(0..<30))
    }

    @Test func subSecondClipYieldsFrameZero() throws {
        let frames = try self.sampleAll(try TestMedia.path("short.mp4"))
        #expect(frames.map(\.index) == [0])
        #expect(frames.first?.image.height == 256)
        #expect(frames.first?.image.width == 341)
    }

    @Test func imageYieldsOneFrame() throws {
        let frames = try self.sampleAll(try TestMedia.path("cat.png"))
        #expect(frames.count == 1)
        #expect(frames.first?.index == 0)
        #expect(frames.first?.image.width == 385)
        #expect(frames.first?.image.height == 256)
    }

    @Test func unicodePathSamples() throws {
        let sampler = try FrameSampler(path: try TestMedia.path("café 東京 🎬.mp4"))
        #expect(try sampler.nextFrame()?.index == 0)
    }

    @Test func badFilesRaiseErrorsNamingPath() throws {
        for name in ["empty.mp4", "truncated.mp4", "not-video.mp4"] {
            let path = try TestMedia.path(name)
            let error = MediaErrorCapture.error { _ = try FrameSampler(path: path) }
            #expect(error?.path == path, "\(name): \(String(describing: error))")
            #expect(error?.description.contains(path) == true)
        }
    }

    @Test func cutOffFaststartFileRaisesUnreadable() throws {
        // photos.mp4 has its moov atom first, so its first half opens but lacks the later frames.
        let whole = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("photos.mp4")))
        let path = try TestMedia.makeTemporaryFolder() + "/cut-off.mp4"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))

        let sampler = try FrameSampler(path: path)
        var frameCount = 0
        let error = MediaErrorCapture.error {
            while try sampler.nextFrame() != nil {
                frameCount += 1
            }
        }
        guard case .unreadable(let errorPath, let reason) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("truncated"))
        #expect(frameCount > 0)
        #expect(frameCount < 30)
    }

    @Test func audioOnlyFileRaisesUnsupported() throws {
        let folder = try TestMedia.makeTemporaryFolder()
        let path = folder + "/tone.m4a"
        try TestMedia.run(
            "/usr/bin/ffmpeg",
            ["-loglevel", "error", "-nostdin", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", path]
        )
        let error = MediaErrorCapture.error { _ = try FrameSampler(path: path) }
        guard case .unsupported(let errorPath, _) = error else {
            Issue.record("expected unsupported, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
    }
}
