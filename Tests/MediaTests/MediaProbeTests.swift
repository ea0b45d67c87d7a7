import Foundation
import JumperCore
import Media
import Testing

@Suite struct MediaProbeTests {
    @Test func probeReadsH264Mp4() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("photos.mp4"))
        #expect(info.mediaType == .video)
        #expect(abs((info.duration ?? 0) - 30) < 0.1)
        #expect(info.width == 1280)
        #expect(info.height == 720)
        #expect(info.rotation == 0)
        #expect(info.fps == 30)
        #expect(info.videoCodec == "h264")
        #expect(info.audioCodec == "aac")
        #expect(info.sampleRate == 48000)
        #expect(info.channels == 2)
        #expect(info.creationTime?.hasPrefix("2024-05-01T12:00:00") == true)
        #expect(info.startTimecode == "01:00:00:00")
        #expect(info.fileSize > 0)
        #expect(info.hashString == (try ContentHash.hashString(ofFileAt: try TestMedia.path("photos.mp4"))))
    }

    @Test func probeAppliesRotationToDisplayedSize() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("photos-rotated.mov"))
        #expect(info.mediaType == .video)
        #expect(info.rotation == 90)
        #expect(info.width == 1280)
        #expect(info.height == 720)
        #expect(info.videoCodec == "hevc")
        #expect(info.audioCodec == nil)
        #expect(info.sampleRate == nil)
        #expect(abs((info.duration ?? 0) - 30) < 0.1)
    }

    @Test func probeReadsVp9Webm() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("photos.webm"))
        #expect(info.mediaType == .video)
        #expect(info.videoCodec == "vp9")
        #expect(info.width == 1280)
        #expect(info.height == 720)
        #expect(info.fps == 30)
        #expect(abs((info.duration ?? 0) - 30) < 0.1)
    }

    @Test func pngIsImage() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("cat.png"))
        #expect(info.mediaType == .image)
        #expect(info.width == 451)
        #expect(info.height == 300)
        #expect(info.videoCodec == "png")
        #expect(info.duration == nil)
        #expect(info.fps == nil)
    }

    @Test func coverArtDoesNotMakeAudioVideo() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("tone-cover.mp3"))
        #expect(info.mediaType == .audio)
        #expect(info.audioCodec == "mp3")
        #expect(info.sampleRate == 44100)
        #expect(info.channels == 1)
        #expect(abs((info.duration ?? 0) - 2) < 0.2)
        #expect(info.fps == nil)
    }

    @Test func unicodePathProbes() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("café 東京 🎬.mp4"))
        #expect(info.mediaType == .video)
        #expect(info.width == 1280)
        #expect(info.path.hasSuffix("café 東京 🎬.mp4"))
    }

    @Test func metadataJSONHasContractKeys() throws {
        let info = try MediaProbe.probe(path: try TestMedia.path("tone-cover.mp3"))
        guard case .object(let object) = info.metadataJSON() else {
            Issue.record("metadataJSON did not return an object")
            return
        }
        #expect(
            object.keys.prefix(15) == [
                "media_path", "hash_str", "media_type", "file_size", "duration", "width", "height", "rotation",
                "fps", "video_codec", "audio_codec", "sample_rate", "channels", "creation_time", "start_timecode",
            ]
        )
        #expect(object["media_type"] == "audio")
        #expect(object["fps"] == .null)
        #expect(object["sample_rate"] == 44100)
    }

    // MARK: - Bad files

    @Test func emptyFileRaisesEmptyFile() throws {
        let path = try TestMedia.path("empty.mp4")
        let error = MediaErrorCapture.error { _ = try MediaProbe.probe(path: path) }
        guard case .emptyFile(let errorPath) = error else {
            Issue.record("expected emptyFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("empty (0 bytes)") == true)
    }

    @Test func truncatedFileRaisesMissingMoov() throws {
        let path = try TestMedia.path("truncated.mp4")
        let error = MediaErrorCapture.error { _ = try MediaProbe.probe(path: path) }
        guard case .unreadable(let errorPath, let reason) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("moov atom not found"))
        #expect(error?.description.contains(path) == true)
    }

    @Test func textFileRaisesUnsupported() throws {
        let path = try TestMedia.path("not-video.mp4")
        let error = MediaErrorCapture.error { _ = try MediaProbe.probe(path: path) }
        guard case .unsupported(let errorPath, let reason) = error else {
            Issue.record("expected unsupported, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("invalid data"))
        #expect(error?.description.contains("is not a media file FFmpeg can read") == true)
    }

    @Test func folderRaisesNotAFile() throws {
        let folder = try TestMedia.folder.get()
        let error = MediaErrorCapture.error { _ = try MediaProbe.probe(path: folder) }
        guard case .notAFile(let errorPath) = error else {
            Issue.record("expected notAFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == folder)
    }

    @Test func missingFileRaisesFileNotFound() {
        let error = MediaErrorCapture.error { _ = try MediaProbe.probe(path: "/nonexistent/clip.mp4") }
        guard case .fileNotFound(let errorPath) = error else {
            Issue.record("expected fileNotFound, got \(String(describing: error))")
            return
        }
        #expect(errorPath == "/nonexistent/clip.mp4")
    }
}

/// Runs a throwing body and returns the `MediaError` it raised, or nil.
enum MediaErrorCapture {
    static func error(_ body: () throws -> Void) -> MediaError? {
        do {
            try body()
            return nil
        } catch let error as MediaError {
            return error
        } catch {
            Issue.record("expected a MediaError, got \(error)")
            return nil
        }
    }
}
