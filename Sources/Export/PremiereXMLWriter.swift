import Foundation
import Media

/// Builds an FCP7 XML (`xmeml` version 4) document, the interchange format Premiere Pro and
/// DaVinci Resolve import, with one sequence holding clips back to back.
///
/// A clip item's `in` and `out` count frames of its `rate`, which is the sequence rate, so
/// every cut lands on the sequence's frame grid even when the source runs at another rate.
/// The item's `start` and `end` are its place in the sequence. A `file`'s `duration` and
/// `timecode` count frames at the file's own rate. The source's start
/// timecode lives only in the `file` element, so it shifts neither `in` nor the timeline.
public struct PremiereXMLWriter {
    /// One clip placed in the sequence, with the probe result of its media.
    public struct Placement: Sendable {
        public let range: ClipRange
        public let media: MediaInfo
        /// Source in and out points in sequence frames (out is exclusive).
        public let inFrame: Int
        public let outFrame: Int
        /// Position in the sequence in sequence frames (end is exclusive).
        public let timelineStart: Int
        public let timelineEnd: Int
    }

    public let sequenceName: String
    public let sequenceRate: FrameRate
    public private(set) var placements: [Placement] = []
    private var cursor = 0

    public init(sequenceName: String, sequenceRate: FrameRate) {
        self.sequenceName = sequenceName
        self.sequenceRate = sequenceRate
    }

    /// The sequence length in sequence frames.
    public var durationFrames: Int {
        self.cursor
    }

    /// Appends a clip after the previous one.
    ///
    /// Start and end are rounded to the nearest sequence frame; a clip shorter than one frame
    /// is widened to one frame. An end past the media's duration is clamped to it.
    ///
    /// - Throws: `ExportError.unsupportedMedia` when the start lies at or past the media's end.
    public mutating func append(_ range: ClipRange, media: MediaInfo) throws(ExportError) {
        var end = range.end
        if let duration = media.duration {
            guard range.start < duration else {
                throw .unsupportedMedia(
                    path: range.mediaPath,
                    reason: "the clip starts at \(range.start) s but the media is \(duration) s long"
                )
            }
            end = min(end, duration)
        }
        let inFrame = self.sequenceRate.nearestFrame(atSeconds: range.start)
        let outFrame = max(inFrame + 1, self.sequenceRate.nearestFrame(atSeconds: end))
        let length = outFrame - inFrame
        self.placements.append(
            Placement(
                range: range,
                media: media,
                inFrame: inFrame,
                outFrame: outFrame,
                timelineStart: self.cursor,
                timelineEnd: self.cursor + length
            )
        )
        self.cursor += length
    }

    /// Returns the XML document as UTF-8 text.
    public func document() -> String {
        var xml = XMLBuilder()
        xml.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        xml.line("<!DOCTYPE xmeml>")
        xml.open("xmeml", attributes: "version=\"4\"")
        xml.open("sequence", attributes: "id=\"sequence-1\"")
        xml.element("name", self.sequenceName)
        xml.element("duration", String(self.cursor))
        self.appendRate(self.sequenceRate, to: &xml)
        self.appendTimecode(frame: 0, text: "00:00:00:00", dropFrame: false, rate: self.sequenceRate, to: &xml)
        xml.open("media")
        self.appendVideoTrack(to: &xml)
        self.appendAudioTrack(to: &xml)
        xml.close("media")
        xml.close("sequence")
        xml.close("xmeml")
        return xml.text
    }

    // MARK: - Tracks

    private var videoPlacements: [Int] {
        self.placements.indices.filter {
            self.placements[$0].media.width != nil && self.placements[$0].media.fps != nil
        }
    }

    private var audioPlacements: [Int] {
        self.placements.indices.filter { self.placements[$0].media.audioCodec != nil }
    }

    private func appendVideoTrack(to xml: inout XMLBuilder) {
        let first = self.videoPlacements.first.map { self.placements[$0].media }
        xml.open("video")
        xml.open("format")
        xml.open("samplecharacteristics")
        self.appendRate(self.sequenceRate, to: &xml)
        xml.element("width", String(first?.width ?? 1920))
        xml.element("height", String(first?.height ?? 1080))
        xml.element("anamorphic", "FALSE")
        xml.element("pixelaspectratio", "square")
        xml.element("fielddominance", "none")
        xml.close("samplecharacteristics")
        xml.close("format")
        xml.open("track")
        for index in self.videoPlacements {
            self.appendClipItem(index, kind: "video", to: &xml)
        }
        xml.close("track")
        xml.close("video")
    }

    private func appendAudioTrack(to xml: inout XMLBuilder) {
        xml.open("audio")
        xml.open("format")
        xml.open("samplecharacteristics")
        xml.element("depth", "16")
        xml.element("samplerate", "48000")
        xml.close("samplecharacteristics")
        xml.close("format")
        xml.open("track")
        for index in self.audioPlacements {
            self.appendClipItem(index, kind: "audio", to: &xml)
        }
        xml.close("track")
        xml.close("audio")
    }

    // MARK: - Clip items

    private func clipItemID(_ index: Int, kind: String) -> String {
        "clipitem-\(kind)-\(index + 1)"
    }

    private func fileID(for index: Int) -> String {
        let path = self.placements[index].range.mediaPath
        let firstUse = self.placements.firstIndex { $0.range.mediaPath == path } ?? index
        return "file-\(firstUse + 1)"
    }

    /// Returns true for the clip item that defines its file: the first video item using the
    /// file, or the first audio item for audio-only media. Later items refer to it by id.
    private func definesFile(_ index: Int, kind: String) -> Bool {
        let path = self.placements[index].range.mediaPath
        let usesFile = { (other: Int) in self.placements[other].range.mediaPath == path }
        if let firstVideo = self.videoPlacements.first(where: usesFile) {
            return kind == "video" && firstVideo == index
        }
        return kind == "audio" && self.audioPlacements.first(where: usesFile) == index
    }

    private func appendClipItem(_ index: Int, kind: String, to xml: inout XMLBuilder) {
        let placement = self.placements[index]
        xml.open("clipitem", attributes: "id=\"\(self.clipItemID(index, kind: kind))\"")
        xml.element("name", self.clipName(placement))
        xml.element("enabled", "TRUE")
        let fileDuration = placement.media.duration.map { self.sequenceRate.nearestFrame(atSeconds: $0) }
        xml.element("duration", String(fileDuration ?? placement.outFrame))
        self.appendRate(self.sequenceRate, to: &xml)
        xml.element("start", String(placement.timelineStart))
        xml.element("end", String(placement.timelineEnd))
        xml.element("in", String(placement.inFrame))
        xml.element("out", String(placement.outFrame))

        if self.definesFile(index, kind: kind) {
            self.appendFile(placement, id: self.fileID(for: index), to: &xml)
        } else {
            xml.line("<file id=\"\(self.fileID(for: index))\"/>")
        }
        if kind == "audio" {
            xml.open("sourcetrack")
            xml.element("mediatype", "audio")
            xml.element("trackindex", "1")
            xml.close("sourcetrack")
        }
        self.appendLinks(index, to: &xml)
        xml.close("clipitem")
    }

    /// Links the video and audio items of one clip, so Premiere moves and trims them together.
    private func appendLinks(_ index: Int, to xml: inout XMLBuilder) {
        if let videoPosition = self.videoPlacements.firstIndex(of: index) {
            xml.open("link")
            xml.element("linkclipref", self.clipItemID(index, kind: "video"))
            xml.element("mediatype", "video")
            xml.element("trackindex", "1")
            xml.element("clipindex", String(videoPosition + 1))
            xml.close("link")
        }
        if let audioPosition = self.audioPlacements.firstIndex(of: index) {
            xml.open("link")
            xml.element("linkclipref", self.clipItemID(index, kind: "audio"))
            xml.element("mediatype", "audio")
            xml.element("trackindex", "1")
            xml.element("clipindex", String(audioPosition + 1))
            xml.element("groupindex", "1")
            xml.close("link")
        }
    }

    private func clipName(_ placement: Placement) -> String {
        if let name = placement.range.name, !name.isEmpty {
            return name
        }
        return (placement.range.mediaPath as NSString).lastPathComponent
    }

    // MARK: - Files, rates and timecodes

    private func appendFile(_ placement: Placement, id: String, to xml: inout XMLBuilder) {
        let media = placement.media
        let fileRate = media.fps.flatMap { FrameRate(framesPerSecond: $0) } ?? self.sequenceRate
        xml.open("file", attributes: "id=\"\(id)\"")
        xml.element("name", (placement.range.mediaPath as NSString).lastPathComponent)
        xml.element("pathurl", FileURL.pathURL(forPath: placement.range.mediaPath))
        self.appendRate(fileRate, to: &xml)
        if let duration = media.duration {
            xml.element("duration", String(fileRate.nearestFrame(atSeconds: duration)))
        }

        let timecode = media.startTimecode.flatMap { Timecode($0) }
        self.appendTimecode(
            frame: timecode?.frameNumber(timebase: fileRate.timebase) ?? 0,
            text: timecode?.text ?? "00:00:00:00",
            dropFrame: timecode?.dropFrame ?? false,
            rate: fileRate,
            to: &xml
        )

        xml.open("media")
        if let width = media.width, let height = media.height, media.fps != nil {
            xml.open("video")
            xml.open("samplecharacteristics")
            self.appendRate(fileRate, to: &xml)
            xml.element("width", String(width))
            xml.element("height", String(height))
            xml.element("anamorphic", "FALSE")
            xml.element("pixelaspectratio", "square")
            xml.close("samplecharacteristics")
            xml.close("video")
        }

        if media.audioCodec != nil {
            xml.open("audio")
            xml.open("samplecharacteristics")
            xml.element("depth", "16")
            xml.element("samplerate", String(media.sampleRate ?? 48000))
            xml.close("samplecharacteristics")
            xml.element("channelcount", String(media.channels ?? 2))
            xml.close("audio")
        }
        xml.close("media")
        xml.close("file")
    }

    private func appendRate(_ rate: FrameRate, to xml: inout XMLBuilder) {
        xml.open("rate")
        xml.element("timebase", String(rate.timebase))
        xml.element("ntsc", rate.ntsc ? "TRUE" : "FALSE")
        xml.close("rate")
    }

    private func appendTimecode(frame: Int, text: String, dropFrame: Bool, rate: FrameRate, to xml: inout XMLBuilder) {
        xml.open("timecode")
        self.appendRate(rate, to: &xml)
        xml.element("string", text)
        xml.element("frame", String(frame))
        xml.element("displayformat", dropFrame ? "DF" : "NDF")
        xml.close("timecode")
    }
}

/// Indented XML text built element by element; values are escaped.
struct XMLBuilder {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ content: String) {
        self.text += String(repeating: "  ", count: self.depth) + content + "\n"
    }

    mutating func open(_ name: String, attributes: String = "") {
        self.line(attributes.isEmpty ? "<\(name)>" : "<\(name) \(attributes)>")
        self.depth += 1
    }

    mutating func close(_ name: String) {
        self.depth -= 1
        self.line("</\(name)>")
    }

    mutating func element(_ name: String, _ value: String) {
        self.line("<\(name)>\(XMLText.escaped(value))</\(name)>")
    }
}
