import Export
import Foundation
import Testing

/// Checks that both cutting modes count times from the first presented frame in containers
/// whose timestamps start above zero. The source shows one flat colour per second, so the
/// colour of a clip's first frame (decoded by the ffmpeg CLI) shows where the clip starts.
@Suite struct ClipTimingTests {
    /// A source kind: its file name and the colour index of its first presented frame.
    struct Kind: Sendable, CustomStringConvertible {
        let name: String
        let firstColour: Int
        var description: String { self.name }
    }

    static let kinds: [Kind] = [
        Kind(name: "plain.ts", firstColour: 0),
        Kind(name: "camera.mts", firstColour: 0),
        Kind(name: "program.mpg", firstColour: 0),
        Kind(name: "offset.mkv", firstColour: 0),
        Kind(name: "offset.mp4", firstColour: 0),
        Kind(name: "editlist.mp4", firstColour: 1),
    ]

    @Test(arguments: Self.kinds)
    func reencodeStartsAtRequestedSecond(kind: Kind) throws {
        let source = try ColourClipMedia.path(kind.name)
        let clip = try ClipExporter.export(
            ClipRange(mediaPath: source, start: 3, end: 5),
            mode: .reencode,
            handles: 0,
            outputFolder: try ColourClipMedia.makeFolder()
        )
        // MPEG-PS stores a PTS on only some frames, and FFmpeg's guesses for the others can be
        // a frame off, so the cut may move by one frame there.
        let tolerance = kind.name.hasSuffix(".mpg") ? 0.041 : 0.001
        #expect(abs(clip.start - 3) < tolerance, "start \(clip.start)")
        #expect(abs(clip.end - 5) < tolerance, "end \(clip.end)")
        #expect(try ColourClipMedia.firstFrameColour(clip.outputPath) == kind.firstColour + 3)
        #expect(try ColourClipMedia.lastFrameColour(clip.outputPath) == kind.firstColour + 4)
        let duration = try ColourClipMedia.videoDuration(clip.outputPath)
        #expect(abs(duration - 2) < 0.05, "clip lasts \(duration) s")
    }

    @Test(arguments: Self.kinds)
    func copyStartsAtKeyframeBeforeStart(kind: Kind) throws {
        let source = try ColourClipMedia.path(kind.name)
        let clip = try ClipExporter.export(
            ClipRange(mediaPath: source, start: 3, end: 5),
            mode: .copy,
            handles: 0,
            outputFolder: try ColourClipMedia.makeFolder()
        )
        #expect(clip.start <= 3)
        #expect(clip.start > 1.9, "start \(clip.start)")
        #expect(clip.end >= 5 - 0.001, "end \(clip.end)")
        let expected = kind.firstColour + Int((clip.start + 0.001).rounded(.down))
        #expect(try ColourClipMedia.firstFrameColour(clip.outputPath) == expected)
        let duration = try ColourClipMedia.videoDuration(clip.outputPath)
        #expect(abs(duration - (clip.end - clip.start)) < 0.1, "clip lasts \(duration) s, reported \(clip.end - clip.start)")
    }

    /// A camera-style MPEG-TS whose only keyframe is its first frame: copying must start there.
    @Test func copyFromOnlyKeyframeOfTransportStream() throws {
        let clip = try ClipExporter.export(
            ClipRange(mediaPath: try ColourClipMedia.path("onekey.mts"), start: 3, end: 5),
            mode: .copy,
            handles: 0,
            outputFolder: try ColourClipMedia.makeFolder()
        )
        #expect(clip.start == 0)
        #expect(clip.end >= 5 - 0.001, "end \(clip.end)")
        #expect(try ColourClipMedia.firstFrameColour(clip.outputPath) == 0)
    }

    @Test func reencodeFromOnlyKeyframeOfTransportStream() throws {
        let clip = try ClipExporter.export(
            ClipRange(mediaPath: try ColourClipMedia.path("onekey.mts"), start: 3, end: 5),
            mode: .reencode,
            handles: 0,
            outputFolder: try ColourClipMedia.makeFolder()
        )
        #expect(abs(clip.start - 3) < 0.001, "start \(clip.start)")
        #expect(try ColourClipMedia.firstFrameColour(clip.outputPath) == 3)
        #expect(try ColourClipMedia.lastFrameColour(clip.outputPath) == 4)
    }

    /// MKV and MP4 state durations from timestamp 0, so a start past the end of the media
    /// but before the stated duration must still be rejected.
    @Test(arguments: ["offset.mkv", "offset.mp4", "camera.mts"])
    func startPastEndRejected(name: String) throws {
        let path = try ColourClipMedia.path(name)
        for mode in ClipMode.allCases {
            #expect {
                _ = try ClipExporter.export(
                    ClipRange(mediaPath: path, start: 9, end: 10),
                    mode: mode,
                    handles: 0,
                    outputFolder: try ColourClipMedia.makeFolder()
                )
            } throws: { error in
                String(describing: error).contains("the clip starts at 9.0 s but the media is 8.0")
            }
        }
    }

    @Test func reencodeFromFirstFrame() throws {
        let clip = try ClipExporter.export(
            ClipRange(mediaPath: try ColourClipMedia.path("plain.ts"), start: 0, end: 1),
            mode: .reencode,
            handles: 0,
            outputFolder: try ColourClipMedia.makeFolder()
        )
        #expect(clip.start == 0)
        #expect(try ColourClipMedia.firstFrameColour(clip.outputPath) == 0)
        #expect(try ColourClipMedia.lastFrameColour(clip.outputPath) == 0)
    }

    @Test(arguments: [ClipMode.copy, .reencode])
    func stillImageRejected(mode: ClipMode) throws {
        let path = try ColourClipMedia.path("still.jpg")
        #expect {
            _ = try ClipExporter.export(
                ClipRange(mediaPath: path, start: 0, end: 1),
                mode: mode,
                handles: 0,
                outputFolder: try ColourClipMedia.makeFolder()
            )
        } throws: { error in
            String(describing: error).contains("stills cannot be cut into clips")
        }
    }
}

// MARK: - Media

/// Colour-per-second test files made with the ffmpeg CLI once per test run.
private enum ColourClipMedia {
    static let colours: [(name: String, red: Double, green: Double, blue: Double)] = [
        ("red", 255, 0, 0), ("green", 0, 128, 0), ("blue", 0, 0, 255), ("yellow", 255, 255, 0),
        ("cyan", 0, 255, 255), ("magenta", 255, 0, 255), ("white", 255, 255, 255), ("black", 0, 0, 0),
    ]

    static let folder: Result<String, ToolError> = {
        do {
            let folder = try ColourClipMedia.makeFolder()
            try ColourClipMedia.make(in: folder)
            return .success(folder)
        } catch let error as ToolError {
            return .failure(error)
        } catch {
            return .failure(ToolError(message: "making the colour test media failed: \(error)"))
        }
    }()

    static func path(_ name: String) throws -> String {
        try self.folder.get() + "/" + name
    }

    static func makeFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "export-timing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func firstFrameColour(_ path: String) throws -> Int {
        self.colourIndex(of: try self.frame(["-i", path, "-fps_mode", "passthrough", "-frames:v", "1"]))
    }

    static func lastFrameColour(_ path: String) throws -> Int {
        self.colourIndex(of: try self.frame(["-i", path, "-fps_mode", "passthrough", "-update", "1"]))
    }

    /// Returns the video's duration from the number of frames ffprobe decodes, at 25 fps. Frame
    /// timestamps cannot be used, because copied MPEG-PS packets have a PTS on only some frames.
    static func videoDuration(_ path: String) throws -> Double {
        let output = try self.run(
            "/usr/bin/ffprobe",
            [
                "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                "stream=nb_read_frames", "-of", "csv=p=0", path,
            ]
        )
        // MPEG-TS lists the stream once per program as well, so the first number is taken.
        let numbers = output.split(whereSeparator: \.isNewline).compactMap {
            Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
        }
        guard let count = numbers.first else {
            throw ToolError(message: "ffprobe counted no frames in '\(path)': \(output)")
        }
        return count / 25
    }

    /// Decodes one frame with the ffmpeg CLI as 16x12 RGB and returns its mean colour.
    private static func frame(_ input: [String]) throws -> (red: Double, green: Double, blue: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments =
            ["-hide_banner", "-loglevel", "error", "-nostdin"] + input
            + ["-s", "16x12", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "-"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        let pixels = data.suffix(16 * 12 * 3)
        guard process.terminationStatus == 0, pixels.count == 16 * 12 * 3 else {
            throw ToolError(message: "ffmpeg \(input.joined(separator: " ")) returned no frame")
        }
        var sums = [0.0, 0.0, 0.0]
        for (index, value) in pixels.enumerated() {
            sums[index % 3] += Double(value)
        }
        let count = Double(16 * 12)
        return (sums[0] / count, sums[1] / count, sums[2] / count)
    }

    private static func colourIndex(of mean: (red: Double, green: Double, blue: Double)) -> Int {
        let distances = self.colours.map { colour in
            let red = mean.red - colour.red
            let green = mean.green - colour.green
            let blue = mean.blue - colour.blue
            return red * red + green * green + blue * blue
        }
        return distances.indices.min { distances[$0] < distances[$1] } ?? -1
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(message: "\(executable) failed: \(String(decoding: errorOutput, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func make(in folder: String) throws {
        var filters = ""
        var labels = ""
        for (index, colour) in self.colours.enumerated() {
            filters += "color=c=\(colour.name):s=160x120:r=25:d=1[c\(index)];"
            labels += "[c\(index)]"
        }
        let graph = filters + labels + "concat=n=\(self.colours.count):v=1:a=0,format=yuv420p[v]"
        let h264 = [
            "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
        ]
        let sources = ["-filter_complex", graph, "-f", "lavfi", "-i", "sine=frequency=440:duration=8"]
        let mapping = ["-map", "[v]", "-map", "0:a"]
        let jobs: [[String]] = [
            sources + mapping + h264 + ["-c:a", "aac", "-f", "mpegts", folder + "/plain.ts"],
            sources + mapping + h264 + ["-c:a", "aac", "-output_ts_offset", "10", "-f", "mpegts", folder + "/camera.mts"],
            sources + mapping + ["-c:v", "mpeg2video", "-q:v", "4", "-c:a", "mp2", folder + "/program.mpg"],
            sources + mapping + h264 + ["-c:a", "aac", "-output_ts_offset", "10", folder + "/offset.mkv"],
            sources + mapping + h264 + ["-c:a", "aac", folder + "/source.mp4"],
            ["-i", folder + "/source.mp4", "-c", "copy", "-output_ts_offset", "5", folder + "/offset.mp4"],
            ["-ss", "1", "-i", folder + "/source.mp4", "-c", "copy", folder + "/editlist.mp4"],
            sources + ["-map", "[v]", "-frames:v", "1", folder + "/still.jpg"],
            sources + mapping + [
                "-c:v", "libx264", "-preset", "veryfast", "-sc_threshold", "0", "-c:a", "aac",
                "-output_ts_offset", "10", "-f", "mpegts", folder + "/onekey.mts",
            ],
        ]
        for job in jobs {
            try self.run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + job)
        }
    }
}

private struct ToolError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}
