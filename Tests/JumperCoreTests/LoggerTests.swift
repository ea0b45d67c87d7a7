import JumperCore
import Testing

@Suite struct LoggerTests {
    @Test func dropsRecordsBelowMinimumLevel() {
        let sink = MemoryLogSink()
        let logger = Logger(label: "test", minimumLevel: .info, sink: sink)
        logger.debug("hidden")
        logger.info("shown")
        #expect(sink.records.map(\.message) == ["shown"])
    }

    @Test func carriesMetadataFromParent() throws {
        let sink = MemoryLogSink()
        let logger = Logger(label: "test", sink: sink).with("task.id", "t1")
        logger.warning("file failed", ["media.path": "/a.mp4"])
        let record = try #require(sink.records.first)
        #expect(record.level == .warning)
        #expect(record.metadata == ["task.id": "t1", "media.path": "/a.mp4"])
    }

    @Test func formatsSortedQuotedMetadata() {
        let sink = MemoryLogSink()
        Logger(label: "jumper", sink: sink).info("listening", ["z": "1", "path": "/a b/c=d"])
        let line = formatLogLine(sink.records[0])
        #expect(line.hasSuffix(#"info jumper: listening path="/a b/c=d" z=1"#))
    }

    @Test func parsesLevelNames() {
        #expect(LogLevel(name: "WARNING") == .warning)
        #expect(LogLevel(name: "verbose") == nil)
    }
}
