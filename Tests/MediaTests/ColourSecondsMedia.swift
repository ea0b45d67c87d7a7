import Foundation
import JumperCore
import Testing

/// Test files made with the ffmpeg CLI whose picture is one flat colour per second (red, green,
/// blue, yellow, cyan, magenta, white, black), each in a container whose timestamps start
/// somewhere other than zero. A frame's colour identifies the second of the source it shows.
enum ColourSecondsMedia {
    /// The colours in order, as RGB.
    static let colours: [(name: String, red: Double, green: Double, blue: Double)] = [
        ("red", 255, 0, 0), ("green", 0, 128, 0), ("blue", 0, 0, 255), ("yellow", 255, 255, 0),
        ("cyan", 0, 255, 255), ("magenta", 255, 0, 255), ("white", 255, 255, 255), ("black", 0, 0, 0),
    ]

    /// A file kind: its name, the index of the colour its first presented frame shows, and its
    /// length in seconds from that frame.
    struct Kind: Sendable, CustomStringConvertible {
        let name: String
        let firstColour: Int
        let seconds: Double
        var description: String { self.name }
    }

    /// Containers whose first timestamp is not zero. MPEG-TS from ffmpeg starts at 1.48 s, the
    /// camera-style MPEG-TS at 11.4 s, MPEG-PS with MPEG-2 video at 0.54 s and Matroska at 10 s.
    /// One MP4 starts at 5 s through an empty edit. The other is cut at 1 s without re-encoding,
    /// so its edit list starts inside a group of pictures and the frames before it are dropped.
    static let kinds: [Kind] = [
        Kind(name: "plain.ts", firstColour: 0, seconds: 8),
        Kind(name: "camera.mts", firstColour: 0, seconds: 8),
        Kind(name: "program.mpg", firstColour: 0, seconds: 8),
        Kind(name: "offset.mkv", firstColour: 0, seconds: 8),
        Kind(name: "offset.mp4", firstColour: 0, seconds: 8),
        Kind(name: "editlist.mp4", firstColour: 1, seconds: 7),
    ]

    /// The folder with the files, made once per test run.
    static let folder: Result<String, TestMediaError> = {
        do {
            let folder = try TestMedia.makeTemporaryFolder()
            try ColourSecondsMedia.make(in: folder)
            return .success(folder)
        } catch let error as TestMediaError {
            return .failure(error)
        } catch {
            return .failure(TestMediaError(message: "making the colour test media failed: \(error)"))
        }
    }()

    static func path(_ name: String) throws -> String {
        try self.folder.get() + "/" + name
    }

    /// Returns the index of the colour nearest to the image's mean colour.
    static func colourIndex(of image: RGBImage) -> Int {
        let mean = image.meanColor(x: 0, y: 0, width: image.width, height: image.height)
        let distances = self.colours.map { colour in
            let red = mean.red - colour.red
            let green = mean.green - colour.green
            let blue = mean.blue - colour.blue
            return red * red + green * green + blue * blue
        }
        return distances.indices.min { distances[$0] < distances[$1] } ?? -1
    }

    private static func make(in folder: String) throws {
        var filters = ""
        var labels = ""
        for (index, colour) in self.colours.enumerated() {
            filters += "color=c=\(colour.name):s=160x120:r=25:d=1[c\(index)];"
            labels += "[c\(index)]"
        }
        let graph = filters + labels + "concat=n=\(self.colours.count):v=1:a=0,format=yuv420p[v]"
        // A keyframe every 2 s, so copying from an odd second starts at the second before.
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
            // Camera-style MPEG-TS whose only keyframe is the first frame (x264's default
            // interval of 250 frames is longer than the file).
            sources + mapping + [
                "-c:v", "libx264", "-preset", "veryfast", "-sc_threshold", "0", "-c:a", "aac",
                "-output_ts_offset", "10", "-f", "mpegts", folder + "/onekey.mts",
            ],
        ]
        for job in jobs {
            let result = try TestMedia.run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + job)
            guard result.status == 0 else {
                throw TestMediaError(message: "ffmpeg \(job.joined(separator: " ")) failed: \(result.errorOutput)")
            }
        }
    }
}
