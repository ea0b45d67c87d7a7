import Export
import Testing

@Suite struct FrameRateTests {
    @Test(arguments: [
        (23.976, 24, true), (24000.0 / 1001, 24, true), (29.97, 30, true), (30000.0 / 1001, 30, true),
        (59.94, 60, true), (25.0, 25, false), (30.0, 30, false), (50.0, 50, false), (12.5, 13, false),
    ])
    func readsTimebaseAndNTSC(fps: Double, timebase: Int, ntsc: Bool) throws {
        let rate = try #require(FrameRate(framesPerSecond: fps))
        #expect(rate.timebase == timebase)
        #expect(rate.ntsc == ntsc)
    }

    @Test func rejectsNonPositiveRates() {
        #expect(FrameRate(framesPerSecond: 0) == nil)
        #expect(FrameRate(framesPerSecond: -25) == nil)
        #expect(FrameRate(framesPerSecond: .nan) == nil)
    }

    @Test func snapsSecondsToSequenceGrid() {
        let ntsc = FrameRate(timebase: 30, ntsc: true)
        // 1 s is 29.97 frames of 29.97 fps; the nearest frame is 30, which is 1.001 s.
        #expect(ntsc.nearestFrame(atSeconds: 1.0) == 30)
        #expect(abs(ntsc.seconds(atFrame: 30) - 1.001) < 1e-12)
        // A 25 fps frame boundary (3.52 s) lands between 29.97 fps frames, at 105.49, and rounds down.
        #expect(ntsc.nearestFrame(atSeconds: 3.52) == 105)
        #expect(FrameRate(timebase: 25, ntsc: false).nearestFrame(atSeconds: 3.52) == 88)
    }
}

@Suite struct TimecodeTests {
    @Test func parsesNonDropFrame() throws {
        let timecode = try #require(Timecode("01:00:00:00"))
        #expect(timecode.dropFrame == false)
        #expect(timecode.frameNumber(timebase: 25) == 90_000)
        #expect(timecode.frameNumber(timebase: 30) == 108_000)
        #expect(Timecode("00:00:01:12")?.frameNumber(timebase: 25) == 37)
    }

    @Test func parsesDropFrame() throws {
        let timecode = try #require(Timecode("01:00:00;00"))
        #expect(timecode.dropFrame)
        // One hour of 29.97 drop-frame timecode is 107,892 frames (108,000 minus 2 x 54).
        #expect(timecode.frameNumber(timebase: 30) == 107_892)
        #expect(Timecode("00:01:00;02")?.frameNumber(timebase: 30) == 1800)
        #expect(Timecode("00:10:00;00")?.frameNumber(timebase: 30) == 17_982)
        #expect(timecode.text == "01:00:00;00")
    }

    @Test(arguments: ["", "01:00:00", "1:2:3:4:5", "01:60:00:00", "01:00:75:00", "aa:00:00:00", "01:00:00:-1"])
    func rejectsInvalidText(_ text: String) {
        #expect(Timecode(text) == nil)
    }
}

@Suite struct FileURLTests {
    @Test(arguments: [
        ("/Volumes/Media/clip.mov", "file://localhost/Volumes/Media/clip.mov"),
        (
            "/Users/me/My Movies/Été 東京.mp4",
            "file://localhost/Users/me/My%20Movies/%C3%89t%C3%A9%20%E6%9D%B1%E4%BA%AC.mp4"
        ),
        ("/a/100%#?&;.mov", "file://localhost/a/100%25%23%3F%26%3B.mov"),
        ("C:\\Media\\Day 1\\clip.mxf", "file://localhost/C:/Media/Day%201/clip.mxf"),
        ("d:/footage/x.mov", "file://localhost/D:/footage/x.mov"),
        ("\\\\nas\\share\\a b.mov", "file://nas/share/a%20b.mov"),
    ])
    func encodesPathURL(path: String, expected: String) {
        #expect(FileURL.pathURL(forPath: path) == expected)
    }

    @Test func decomposedAccentsEncodeTheirOwnBytes() {
        // NFD "é" (e + U+0301) keeps its bytes: Premiere matches the name as the file system stores it.
        #expect(FileURL.percentEncoded("e\u{301}") == "e%CC%81")
    }
}

@Suite struct TimecodeFromFrameTests {
    @Test(arguments: [
        (90_000, 25, false, "01:00:00:00"), (90_051, 25, false, "01:00:02:01"), (2_160_000, 25, false, "00:00:00:00"),
        (107_892, 30, true, "01:00:00;00"), (1800, 30, true, "00:01:00;02"), (1799, 30, true, "00:00:59;29"),
        (17_982, 30, true, "00:10:00;00"), (3600, 60, true, "00:01:00;04"), (3599, 60, true, "00:00:59;59"),
    ])
    func formatsFrameNumber(frame: Int, timebase: Int, dropFrame: Bool, expected: String) {
        #expect(Timecode(frameNumber: frame, timebase: timebase, dropFrame: dropFrame).text == expected)
    }

    @Test func dropFrameRoundTrips() throws {
        for frame in stride(from: 0, to: 200_000, by: 7) {
            let text = Timecode(frameNumber: frame, timebase: 30, dropFrame: true).text
            let parsed = try #require(Timecode(text))
            #expect(parsed.frameNumber(timebase: 30) == frame)
        }
    }
}
