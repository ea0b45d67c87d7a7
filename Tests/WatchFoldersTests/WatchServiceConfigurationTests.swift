import Testing

@testable import WatchFolders

@Suite struct WatchServiceConfigurationTests {
    @Test func defaultsWithoutVariables() throws {
        let configuration = try WatchServiceConfiguration(environment: [:])
        #expect(configuration.settleSeconds == 5)
        #expect(configuration.rescanSeconds == 60)
        #expect(configuration.batchSize == 50)
        #expect(configuration.pauseSeconds == 60)
        #expect(configuration.maximumInotifyWatches == nil)
        #expect(configuration.tickSeconds == 1)
    }

    @Test func readsEveryVariable() throws {
        let configuration = try WatchServiceConfiguration(environment: [
            "JUMPER_WATCH_SETTLE_SECONDS": "2",
            "JUMPER_WATCH_RESCAN_SECONDS": "0.5",
            "JUMPER_WATCH_BATCH_SIZE": "7",
            "JUMPER_WATCH_PAUSE_SECONDS": "3",
            "JUMPER_WATCH_MAX_INOTIFY_WATCHES": "10",
        ])
        #expect(configuration.settleSeconds == 2)
        #expect(configuration.rescanSeconds == 0.5)
        #expect(configuration.batchSize == 7)
        #expect(configuration.pauseSeconds == 3)
        #expect(configuration.maximumInotifyWatches == 10)
        #expect(configuration.tickSeconds == 0.5)
    }

    @Test(arguments: [
        ("JUMPER_WATCH_SETTLE_SECONDS", "soon"),
        ("JUMPER_WATCH_RESCAN_SECONDS", "0"),
        ("JUMPER_WATCH_BATCH_SIZE", "0"),
        ("JUMPER_WATCH_MAX_INOTIFY_WATCHES", "-1"),
    ])
    func rejectsInvalidValue(name: String, value: String) {
        do {
            _ = try WatchServiceConfiguration(environment: [name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect(error.description.contains(name))
            #expect(error.description.contains("'\(value)'"))
        }
    }
}
