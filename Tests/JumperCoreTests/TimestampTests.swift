import JumperCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (0.0, "00:00:00.000"), (37.0, "00:00:37.000"), (61.5, "00:01:01.500"),
        (3723.004, "01:02:03.004"), (-2.0, "00:00:00.000"), (359_999.9996, "100:00:00.000"),
    ])
    func formatsSeconds(_ seconds: Double, _ expected: String) {
        #expect(formatTimestamp(seconds) == expected)
    }

    @Test(arguments: [
        ("00:00:37", 37.0), ("00:01:01.500", 61.5), ("01:02:03.004", 3723.004), ("12.25", 12.25), ("2:05", 125.0),
    ])
    func parsesTimestamps(_ text: String, _ expected: Double) throws {
        let parsed = try #require(parseTimestamp(text))
        #expect(abs(parsed - expected) < 1e-9)
    }

    @Test(arguments: ["", "abc", "1:2:3:4", "-5", "00:-1:00", "1.5:00", "inf"])
    func rejectsInvalidTimestamps(_ text: String) {
        #expect(parseTimestamp(text) == nil)
    }
}
