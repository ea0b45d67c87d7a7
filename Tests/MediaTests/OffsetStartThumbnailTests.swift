import Foundation
import JumperCore
import Media
import Testing

/// Checks that `FrameExtractor` counts times from the first presented frame in containers whose
/// timestamps start above zero, by the colour of the frame it returns.
@Suite struct OffsetStartThumbnailTests {
    /// Times inside a second, on the first frame of a second, and on the last frame before one.
    private static let times: [Double] = [0, 0.5, 1, 2.5, 3, 3.96, 4, 5.5, 6.2]

    @Test(arguments: ColourSecondsMedia.kinds)
    func frameShowsColourOfRequestedSecond(kind: ColourSecondsMedia.Kind) throws {
        let path = try ColourSecondsMedia.path(kind.name)
        for time in Self.times {
            let image = try FrameExtractor.frame(path: path, atSeconds: time, maxLongSide: 160)
            let expected = kind.firstColour + Int(time.rounded(.down))
            #expect(
                ColourSecondsMedia.colourIndex(of: image) == expected,
                "\(kind.name) at \(time) s shows colour \(ColourSecondsMedia.colourIndex(of: image)), not \(expected)"
            )
        }
    }

    @Test(arguments: ColourSecondsMedia.kinds)
    func lastFrameBeforeEndIsLastColour(kind: ColourSecondsMedia.Kind) throws {
        let path = try ColourSecondsMedia.path(kind.name)
        let image = try FrameExtractor.frame(path: path, atSeconds: kind.seconds - 0.02, maxLongSide: 160)
        #expect(ColourSecondsMedia.colourIndex(of: image) == kind.firstColour + Int(kind.seconds) - 1)
    }

    @Test(arguments: ColourSecondsMedia.kinds)
    func timeAtEndIsErrorNamingDuration(kind: ColourSecondsMedia.Kind) throws {
        let path = try ColourSecondsMedia.path(kind.name)
        for time in [kind.seconds, kind.seconds + 0.5, 100] {
            do {
                _ = try FrameExtractor.frame(path: path, atSeconds: time, maxLongSide: 160)
                Issue.record("\(kind.name) at \(time) s returned a frame")
            } catch let error as MediaError {
                guard case .timeBeyondEnd(_, let requested, let duration) = error else {
                    Issue.record("\(kind.name) at \(time) s threw \(error)")
                    continue
                }
                #expect(requested == time)
                #expect(abs(duration - kind.seconds) < 0.05, "\(kind.name) duration \(duration)")
                #expect(!error.description.contains("corrupt"))
                #expect(error.description.contains("long"))
            }
        }
    }

    @Test func transportStreamWithOneKeyframe() throws {
        let path = try ColourSecondsMedia.path("onekey.mts")
        for time in [0.5, 2, 3.5, 5, 7.5] {
            let image = try FrameExtractor.frame(path: path, atSeconds: time, maxLongSide: 160)
            #expect(ColourSecondsMedia.colourIndex(of: image) == Int(time), "onekey.mts at \(time) s")
        }
    }

    @Test func stillImageIgnoresTime() throws {
        let path = try ColourSecondsMedia.path("still.jpg")
        for time in [0.0, 3, 100] {
            let image = try FrameExtractor.frame(path: path, atSeconds: time, maxLongSide: 160)
            #expect(ColourSecondsMedia.colourIndex(of: image) == 0)
        }
    }
}
