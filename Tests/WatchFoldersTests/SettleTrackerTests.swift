import Testing

@testable import WatchFolders

@Suite struct SettleTrackerTests {
    /// A wall clock far after every modification time used below.
    let wallClock = 2_000_000_000.0
    let oldFile = FileSignature(size: 100, modifiedNanoseconds: 1_000_000_000_000_000_000)

    @Test func settlesAfterPeriodUnchanged() {
        var tracker = SettleTracker(settleSeconds: 5)
        tracker.observe(path: "/w/a.mp4", signature: self.oldFile, now: 10)
        #expect(tracker.takeSettled(now: 14.9, wallClockSeconds: self.wallClock).isEmpty)
        let settled = tracker.takeSettled(now: 15, wallClockSeconds: self.wallClock)
        #expect(settled.map(\.path) == ["/w/a.mp4"])
        #expect(tracker.count == 0)
    }

    @Test func growingFileRestartsPeriod() {
        var tracker = SettleTracker(settleSeconds: 5)
        var signature = self.oldFile
        for second in 0..<10 {
            signature.size += 1_000
            tracker.observe(path: "/w/a.mp4", signature: signature, now: Double(second))
            #expect(tracker.takeSettled(now: Double(second), wallClockSeconds: self.wallClock).isEmpty)
        }
        #expect(tracker.takeSettled(now: 13.9, wallClockSeconds: self.wallClock).isEmpty)
        #expect(tracker.takeSettled(now: 14, wallClockSeconds: self.wallClock).count == 1)
    }

    @Test func sameObservationKeepsStartTime() {
        var tracker = SettleTracker(settleSeconds: 5)
        for second in 0...5 {
            tracker.observe(path: "/w/a.mp4", signature: self.oldFile, now: Double(second))
        }
        #expect(tracker.takeSettled(now: 5, wallClockSeconds: self.wallClock).count == 1)
    }

    @Test func recentModificationTimeHoldsFile() {
        var tracker = SettleTracker(settleSeconds: 5)
        let modified = FileSignature(size: 10, modifiedNanoseconds: Int64(self.wallClock - 2) * 1_000_000_000)
        tracker.observe(path: "/w/a.mp4", signature: modified, now: 0)
        #expect(tracker.takeSettled(now: 10, wallClockSeconds: self.wallClock).isEmpty)
        #expect(tracker.takeSettled(now: 10, wallClockSeconds: self.wallClock + 3).count == 1)
    }

    @Test func futureModificationTimeDoesNotBlock() {
        var tracker = SettleTracker(settleSeconds: 5)
        let future = FileSignature(size: 10, modifiedNanoseconds: Int64(self.wallClock + 3_600) * 1_000_000_000)
        tracker.observe(path: "/w/a.mp4", signature: future, now: 0)
        #expect(tracker.takeSettled(now: 5, wallClockSeconds: self.wallClock).count == 1)
    }

    @Test func removedFileIsNeverTaken() {
        var tracker = SettleTracker(settleSeconds: 1)
        tracker.observe(path: "/w/a.mp4", signature: self.oldFile, now: 0)
        tracker.observe(path: "/w/b.mp4", signature: self.oldFile, now: 0)
        tracker.remove(path: "/w/a.mp4")
        #expect(tracker.takeSettled(now: 2, wallClockSeconds: self.wallClock).map(\.path) == ["/w/b.mp4"])
    }
}
