import Foundation
import Glibc
import JumperCore
import Testing

@testable import WatchFolders

@Suite struct InotifyWatcherTests {
    let logger = Logger(label: "inotify-tests", minimumLevel: .warning)

    /// Polls the watcher until `condition` holds for the collected changes or 5 s pass.
    private func waitForChanges(_ watcher: InotifyWatcher, until condition: (Set<String>) -> Bool) -> Set<String> {
        var seen: Set<String> = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            seen.formUnion(watcher.takeChanges().directories)
            if condition(seen) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return seen
    }

    @Test func reportsFolderOfNewFile() throws {
        let folder = try TemporaryFolder("inotify")
        let sub = folder.path + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let watcher = try InotifyWatcher(maximumWatches: nil, logger: self.logger) {}
        defer { watcher.stop() }
        #expect(watcher.watch(directories: [folder.path, sub]) == .complete)
        #expect(watcher.watchCount == 2)

        try folder.write("sub/new.mp4")
        let changed = self.waitForChanges(watcher) { $0.contains(sub) }
        #expect(changed.contains(sub))
    }

    @Test func capFallsBackToRescans() throws {
        let folder = try TemporaryFolder("inotify")
        for name in ["a", "b", "c"] {
            try FileManager.default.createDirectory(atPath: "\(folder.path)/\(name)", withIntermediateDirectories: true)
        }
        let watcher = try InotifyWatcher(maximumWatches: 2, logger: self.logger) {}
        defer { watcher.stop() }
        let coverage = watcher.watch(directories: [folder.path, "\(folder.path)/a", "\(folder.path)/b", "\(folder.path)/c"])
        #expect(coverage == .limitReached)
        #expect(watcher.watchCount == 2)
    }

    @Test func deletedFolderDropsItsWatch() throws {
        let folder = try TemporaryFolder("inotify")
        let sub = folder.path + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let watcher = try InotifyWatcher(maximumWatches: nil, logger: self.logger) {}
        defer { watcher.stop() }
        _ = watcher.watch(directories: [folder.path, sub])
        try FileManager.default.removeItem(atPath: sub)
        _ = self.waitForChanges(watcher) { _ in watcher.watchCount == 1 }
        #expect(watcher.watchCount == 1)
        watcher.unwatch(root: folder.path)
        #expect(watcher.watchCount == 0)
    }

    @Test func overflowEventRequestsFullRescan() throws {
        let folder = try TemporaryFolder("inotify")
        let watcher = try InotifyWatcher(maximumWatches: nil, logger: self.logger) {}
        defer { watcher.stop() }
        _ = watcher.watch(directories: [folder.path])

        // An IN_Q_OVERFLOW record as the kernel writes it: watch descriptor -1, no name.
        var record = [UInt8](repeating: 0, count: MemoryLayout<inotify_event>.size)
        withUnsafeBytes(of: Int32(-1)) { record.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: UInt32(IN_Q_OVERFLOW)) { record.replaceSubrange(4..<8, with: $0) }
        record.withUnsafeBytes { watcher.collect(buffer: $0) }

        let changes = watcher.takeChanges()
        #expect(changes.overflowed)
        #expect(changes.directories.isEmpty)
        #expect(!watcher.takeChanges().overflowed)
    }
}
