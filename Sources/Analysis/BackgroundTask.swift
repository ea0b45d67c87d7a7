import Foundation
import JumperCore

/// The handle a background task's work receives to report its progress.
public final class BackgroundTaskContext: @unchecked Sendable {
    private let publish: (_ stage: String, _ percent: Double, _ message: String) -> Void

    init(publish: @escaping (_ stage: String, _ percent: Double, _ message: String) -> Void) {
        self.publish = publish
    }

    /// Publishes a running event at `fraction` (0 to 1) of the work.
    public func report(stage: String, fraction: Double, message: String) {
        self.publish(stage, min(1, max(0, fraction)) * 100, message)
    }
}

extension TaskRunner {
    /// Runs `work` on a thread of its own as a task of `type` (such as `recluster`) and
    /// returns its id at once. Progress goes to the same listeners, Socket.IO rooms and
    /// `progress(taskID:)` as analysis tasks, ending with one completed or failed event.
    ///
    /// Background tasks do not take the analysis slot: they run beside an analysis task and
    /// are not stopped by a new one. `work` returns the final event's message.
    public func startBackgroundTask(
        type: String,
        message: String,
        work: @escaping @Sendable (BackgroundTaskContext) throws -> String
    ) -> String {
        let taskID = UUID().uuidString.lowercased()
        let logger = self.logger.with("task.id", taskID)
        let started = Date()
        let initial = TaskProgress(
            taskID: taskID, type: type, stage: "queued", status: .running, mediaPath: nil, hashString: nil,
            fileIndex: 0, fileCount: 0, progress: 0, overallProgress: 0, message: message, error: nil,
            etaSeconds: nil, results: nil
        )
        self.publish(initial)
        let context = BackgroundTaskContext { [weak self] stage, percent, text in
            var event = initial
            event.stage = stage
            event.progress = percent
            event.overallProgress = percent
            event.message = text
            let elapsed = Date().timeIntervalSince(started)
            event.etaSeconds = percent > 2 ? elapsed * (100 - percent) / percent : nil
            self?.publish(event)
        }
        let thread = Thread { [self] in
            logger.info("background task started", ["task.type": type])
            var final = initial
            final.stage = "done"
            final.etaSeconds = 0
            do {
                final.message = try work(context)
                final.status = .completed
                final.progress = 100
                final.overallProgress = 100
            } catch {
                final.status = .failed
                final.error = String(describing: error)
                final.message = "Failed: \(error)"
                logger.warning("background task failed", ["task.type": type, "error": String(describing: error)])
            }
            logger.info("background task ended", ["task.type": type, "task.status": final.status.rawValue])
            self.publish(final)
        }
        thread.name = "\(type)-task"
        thread.stackSize = 8 << 20
        thread.start()
        return taskID
    }
}
