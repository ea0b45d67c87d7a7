import Faces
import Foundation
import JumperCore

/// An error starting or stopping a task.
public enum TaskError: Error, CustomStringConvertible, Sendable {
    case stillStopping(taskID: String)

    public var description: String {
        switch self {
        case .stillStopping(let taskID):
            "analysis task '\(taskID)' is still stopping; retry in a few seconds"
        }
    }
}

/// Runs analysis tasks one at a time on a thread of its own and reports their progress.
///
/// A new task first requests the running one to stop and waits a short grace period. If the
/// old task is still running after it, the new one is rejected with `TaskError.stillStopping`.
public final class TaskRunner: @unchecked Sendable {
    /// How long a new task waits for the previous one to stop before giving up.
    public static let stopGracePeriod: Duration = .seconds(5)
    /// How many finished tasks keep their final event for late joiners and pollers.
    static let rememberedTaskCount = 200

    private let models: ModelRegistry
    private let speech: SpeechModels
    /// The face model, loaded by the first task that finds faces.
    public let faces: FaceModels
    /// The face collections; analysis and the face endpoints share it so their edits serialise.
    public let collections = FaceCollectionStore()
    private let reporter: @Sendable (TaskProgress) -> Void
    let logger: Logger
    // The lock protects every field below.
    private let lock = NSLock()
    private var running: RunningTask?
    private var latest: [String: TaskProgress] = [:]
    private var finishedOrder: [String] = []

    public init(
        models: ModelRegistry,
        speech: SpeechModels,
        logger: Logger,
        reporter: @escaping @Sendable (TaskProgress) -> Void
    ) {
        self.models = models
        self.speech = speech
        self.faces = FaceModels(modelsDirectory: models.modelsDirectory, logger: logger)
        self.logger = logger
        self.reporter = reporter
    }

    /// Returns whether an analysis task is running now.
    public var isBusy: Bool {
        self.lock.withLock { self.running != nil }
    }

    /// The id of the running task, if any.
    public var runningTaskID: String? {
        self.lock.withLock { self.running?.id }
    }

    /// Returns the latest progress of a task, running or finished.
    public func progress(taskID: String) -> TaskProgress? {
        self.lock.withLock { self.latest[taskID] }
    }

    /// Returns the final event of a task that has ended.
    public func finalEvent(taskID: String) -> TaskProgress? {
        self.lock.withLock {
            guard let event = self.latest[taskID], event.isFinal else { return nil }
            return event
        }
    }

    /// Starts an analysis task and returns its id, stopping a running one first.
    ///
    /// - Parameters:
    ///   - request: what to analyse and where to store it.
    ///   - prepare: runs once the task is certain to start, before its thread does. An error
    ///     it throws cancels the start and is rethrown. `/analyze` creates the cache folder
    ///     here, so a request rejected with `TaskError.stillStopping` leaves nothing on disk.
    public func start(_ request: AnalysisRequest, prepare: () throws -> Void = {}) async throws -> String {
        if let previous = self.requestStopOfRunningTask() {
            let deadline = ContinuousClock.now + Self.stopGracePeriod
            while self.isBusy && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            if self.isBusy {
                throw TaskError.stillStopping(taskID: previous)
            }
        }

        guard let taskID = try self.startIfIdle(request, prepare: prepare) else {
            // Another request started a task while this one waited.
            throw TaskError.stillStopping(taskID: self.runningTaskID ?? "unknown")
        }
        return taskID
    }

    /// Starts an analysis task only when none is running, and never stops a running one.
    ///
    /// Background work (the watch-folder service) uses this so that it never cancels a task a
    /// client started. Returns the new task's id, or nil when a task is running.
    public func startIfIdle(_ request: AnalysisRequest) -> String? {
        self.startIfIdle(request, prepare: {})
    }

    /// Starts an analysis task when none is running, after `prepare` succeeds.
    private func startIfIdle(_ request: AnalysisRequest, prepare: () throws -> Void) rethrows -> String? {
        let current = RunningTask(id: Self.makeTaskID())
        let accepted: Bool = self.lock.withLock {
            guard self.running == nil else { return false }
            self.running = current
            return true
        }
        guard accepted else { return nil }

        // the slot is taken, so no other task can start while `prepare` runs
        do {
            try prepare()
        } catch {
            self.lock.withLock { self.running = nil }
            throw error
        }

        let job = AnalysisJob(
            taskID: current.id,
            request: request,
            models: self.models,
            speech: self.speech,
            faces: self.faces,
            collections: self.collections,
            isCancelled: { current.isCancelled },
            logger: self.logger.with("task.id", current.id),
            publish: { [weak self] progress in self?.publish(progress) }
        )
        let thread = Thread { [self] in
            job.run()
            self.lock.withLock { self.running = nil }
        }
        thread.name = "analysis-task"
        thread.stackSize = 8 << 20
        job.publishQueued()
        thread.start()
        return current.id
    }

    /// Asks a task to stop. With no id, the running task is cancelled.
    public func cancel(taskID: String?) -> (cancelled: Bool, taskID: String?) {
        self.lock.withLock {
            guard let running = self.running, taskID == nil || taskID == running.id else {
                return (false, taskID)
            }
            running.cancel()
            return (true, running.id)
        }
    }

    private func requestStopOfRunningTask() -> String? {
        self.lock.withLock {
            self.running?.cancel()
            return self.running?.id
        }
    }

    func publish(_ progress: TaskProgress) {
        self.lock.withLock {
            self.latest[progress.taskID] = progress
            if progress.isFinal {
                self.finishedOrder.append(progress.taskID)
                while self.finishedOrder.count > Self.rememberedTaskCount {
                    self.latest.removeValue(forKey: self.finishedOrder.removeFirst())
                }
            }
        }
        self.reporter(progress)
    }

    private static func makeTaskID() -> String {
        UUID().uuidString.lowercased()
    }
}

/// A task's id and its cancel flag, shared between the runner and the task's thread.
final class RunningTask: @unchecked Sendable {
    let id: String
    // The lock protects `cancelled`.
    private let lock = NSLock()
    private var cancelled = false

    init(id: String) {
        self.id = id
    }

    var isCancelled: Bool {
        self.lock.withLock { self.cancelled }
    }

    func cancel() {
        self.lock.withLock { self.cancelled = true }
    }
}
