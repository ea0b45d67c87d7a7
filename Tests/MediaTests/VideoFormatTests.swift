import Foundation
import JumperCore
import Media
import Testing

/// Checks the metadata beyond the basics: frame-rate regularity, pixel format, HDR transfer,
/// interlacing and start timecode, on files made by `scripts/make-test-media.sh`.
@Suite struct VideoFormatTests {
    @Test func constantRateClipIsNotVariable() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("photos.mp4"))
        let format = try #require(info.videoFormat)
        #expect(format.isVariableFrameRate == false)
        #expect(format.pixelFormat == "yuv420p")
        #expect(format.bitDepth == 8)
        #expect(format.hdrTransfer == nil)
        #expect(format.isInterlaced == false)
    }

    @Test func jumpingFrameTimesAreVariable() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("vfr.mp4"))
        let format = try #require(info.videoFormat)
        #expect(format.isVariableFrameRate)
        // Seven frames over 5.23 s.
        let fps = try #require(info.fps)
        #expect(abs(fps - 7 / 5.2333) < 0.05)
    }

    @Test func variableRuleToleratesRounding() {
        // 29.97 fps in a millisecond time base alternates 33 and 34 ms.
        let rounded: [Int64] = (0..<100).map { Int64((Double($0) * 1001 / 30).rounded()) }
        #expect(!FrameRateCheck.isVariable(sortedTimestamps: rounded))
        var dropped = (0..<100).map { Int64($0 * 3003) }
        dropped.remove(at: 50)
        #expect(FrameRateCheck.isVariable(sortedTimestamps: dropped))
    }

    @Test(arguments: [("hdr-pq.mp4", "smpte2084"), ("hdr-hlg.mp4", "arib-std-b67")])
    func hdrTransferIsReported(name: String, transfer: String) throws {
        let info = try MediaProbe.probe(path: try TestMedia.path(name))
        let format = try #require(info.videoFormat)
        #expect(format.hdrTransfer == transfer)
        #expect(format.colorTransfer == transfer)
        #expect(format.colorPrimaries == "bt2020")
        #expect(format.colorSpace == "bt2020nc")
        #expect(format.pixelFormat == "yuv420p10le")
        #expect(format.bitDepth == 10)
        #expect(info.videoCodec == "hevc")

        guard case .object(let object) = info.metadataJSON() else {
            Issue.record("metadataJSON did not return an object")
            return
        }
        #expect(object["hdr_transfer"] == .string(transfer))
        #expect(object["pixel_format"] == "yuv420p10le")
        #expect(object["variable_frame_rate"] == false)
    }

    @Test func interlacedMpeg2IsReported() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("interlaced.ts"))
        let format = try #require(info.videoFormat)
        #expect(format.isInterlaced)
        #expect(format.isVariableFrameRate == false)
        #expect(info.videoCodec == "mpeg2video")
        #expect(info.audioCodec == "mp2")
        #expect(info.fps == 25)
        // 720x576 with 64:45 pixels displays as 1024x576.
        #expect(info.width == 1024)
        #expect(info.height == 576)
    }

    @Test func audioHasNoVideoFormat() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("tone-cover.mp3"))
        // Cover art is an attached picture, not the file's video.
        #expect(info.videoFormat == nil)
        guard case .object(let object) = info.metadataJSON() else {
            Issue.record("metadataJSON did not return an object")
            return
        }
        #expect(object["variable_frame_rate"] == .null)
        #expect(object["hdr_transfer"] == .null)
    }

    @Test func timecodeTrackGivesStartTimecode() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("photos.mp4"))
        #expect(info.startTimecode == "01:00:00:00")
    }

    @Test func offsetStartKeepsDuration() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("offset-10s.mkv"))
        #expect(abs((info.duration ?? 0) - 6) < 0.1)
        #expect(info.videoFormat?.isVariableFrameRate == false)
    }
}
