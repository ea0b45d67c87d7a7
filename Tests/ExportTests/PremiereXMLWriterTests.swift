import Export
import Foundation
import Media
import Testing

@Suite struct PremiereXMLWriterTests {
    private func media(path: String, fps: Double?, duration: Double, timecode: String? = nil, audio: Bool = true)
        -> MediaInfo
    {
        MediaInfo(
            path: path,
            hashString: "00000000-1",
            mediaType: fps == nil ? .audio : .video,
            fileSize: 1,
            duration: duration,
            width: fps == nil ? nil : 1920,
            height: fps == nil ? nil : 1080,
            rotation: 0,
            fps: fps,
            videoCodec: fps == nil ? nil : "h264",
            audioCodec: audio ? "aac" : nil,
            sampleRate: audio ? 48000 : nil,
            channels: audio ? 2 : nil,
            creationTime: nil,
            startTimecode: timecode
        )
    }

    @Test func placesClipsBackToBackOnSequenceGrid() throws {
        var writer = PremiereXMLWriter(sequenceName: "cut", sequenceRate: FrameRate(timebase: 30, ntsc: true))
        try writer.append(
            ClipRange(mediaPath: "/a.mp4", start: 1.0, end: 3.52),
            media: self.media(path: "/a.mp4", fps: 25, duration: 10)
        )
        try writer.append(
            ClipRange(mediaPath: "/b.mp4", start: 0.5, end: 2.0),
            media: self.media(path: "/b.mp4", fps: 29.97, duration: 6)
        )
        #expect(writer.placements.map(\.inFrame) == [30, 15])
        #expect(writer.placements.map(\.outFrame) == [105, 60])
        #expect(writer.placements.map(\.timelineStart) == [0, 75])
        #expect(writer.placements.map(\.timelineEnd) == [75, 120])
        #expect(writer.durationFrames == 120)
    }

    @Test func clampsEndAndRejectsStartPastMedia() throws {
        var writer = PremiereXMLWriter(sequenceName: "cut", sequenceRate: FrameRate(timebase: 25, ntsc: false))
        try writer.append(
            ClipRange(mediaPath: "/a.mp4", start: 8, end: 20),
            media: self.media(path: "/a.mp4", fps: 25, duration: 10)
        )
        #expect(writer.placements[0].outFrame == 250)
        #expect(throws: ExportError.self) {
            try writer.append(
                ClipRange(mediaPath: "/a.mp4", start: 10, end: 12),
                media: self.media(path: "/a.mp4", fps: 25, duration: 10)
            )
        }
    }

    @Test func definesEachFileOnceWithTimecode() throws {
        var writer = PremiereXMLWriter(sequenceName: "A & B", sequenceRate: FrameRate(timebase: 25, ntsc: false))
        let media = self.media(path: "/x y.mov", fps: 25, duration: 10, timecode: "01:00:00:00")
        try writer.append(ClipRange(mediaPath: "/x y.mov", start: 0, end: 1), media: media)
        try writer.append(ClipRange(mediaPath: "/x y.mov", start: 2, end: 3), media: media)
        let xml = writer.document()
        #expect(xml.components(separatedBy: "<file id=\"file-1\">").count == 2)
        #expect(xml.components(separatedBy: "<file id=\"file-1\"/>").count == 4)
        #expect(xml.contains("<pathurl>file://localhost/x%20y.mov</pathurl>"))
        #expect(xml.contains("<string>01:00:00:00</string>"))
        #expect(xml.contains("<frame>90000</frame>"))
        #expect(xml.contains("<name>A &amp; B</name>"))
    }

    @Test func audioOnlyMediaHasNoVideoItem() throws {
        var writer = PremiereXMLWriter(sequenceName: "s", sequenceRate: FrameRate(timebase: 25, ntsc: false))
        try writer.append(
            ClipRange(mediaPath: "/voice.wav", start: 0, end: 1),
            media: self.media(path: "/voice.wav", fps: nil, duration: 5)
        )
        let xml = writer.document()
        #expect(!xml.contains("clipitem-video-1"))
        #expect(xml.contains("<clipitem id=\"clipitem-audio-1\">"))
        #expect(xml.contains("<file id=\"file-1\">"))
    }
}

@Suite struct DocxWriterTests {
    @Test func marksRightToLeftParagraphs() throws {
        let cues = [
            TranscriptCue(startMilliseconds: 0, endMilliseconds: 1000, text: "Hello <world>"),
            TranscriptCue(startMilliseconds: 1000, endMilliseconds: 2000, text: "مرحبا بالعالم"),
        ]
        let bytes = DocxWriter.document(
            cues,
            title: "t",
            includeTimestamps: false,
            created: DateParts(year: 2024, month: 5, day: 1, hour: 0, minute: 0, second: 0)
        )
        let folder = NSTemporaryDirectory() + "export-docx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/t.docx"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        process.arguments = ["-p", folder + "/t.docx", "word/document.xml"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let document = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(document.contains("<w:t xml:space=\"preserve\">Hello &lt;world&gt;</w:t>"))
        #expect(
            document.contains(
                "<w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:rtl/></w:rPr><w:t xml:space=\"preserve\">مرحبا"
            )
        )
        #expect(document.components(separatedBy: "<w:bidi/>").count == 2)
    }
}
