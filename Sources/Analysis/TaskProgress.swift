import JumperCore

/// The state of a task, shaped as the contract's Socket.IO `progress` payload.
public struct TaskProgress: Sendable {
    public enum Status: String, Sendable {
        case running, completed, failed, cancelled
    }

    public var taskID: String
    public var type: String
    public var stage: String
    public var status: Status
    public var mediaPath: String?
    public var hashString: String?
    public var fileIndex: Int
    public var fileCount: Int
    /// Progress of the current file, 0 to 100.
    public var progress: Double
    /// Progress of the whole task, 0 to 100.
    public var overallProgress: Double
    public var message: String
    public var error: String?
    public var etaSeconds: Double?
    /// Per-file results; present only on the final event.
    public var results: [FileResult]?

    /// Returns whether this is the one event that ends a task.
    public var isFinal: Bool {
        self.status != .running
    }

    /// Returns the Socket.IO payload, with snake_case keys.
    public func json() -> JSON {
        var object = JSONObject()
        object["task_id"] = .string(self.taskID)
        object["type"] = .string(self.type)
        object["stage"] = .string(self.stage)
        object["status"] = .string(self.status.rawValue)
        object["media_path"] = JSON(self.mediaPath)
        object["hash_str"] = JSON(self.hashString)
        object["file_index"] = .number(Double(self.fileIndex))
        object["file_count"] = .number(Double(self.fileCount))
        object["progress"] = .number(roundedPercent(self.progress))
        object["overall_progress"] = .number(roundedPercent(self.overallProgress))
        object["message"] = .string(self.message)
        object["error"] = JSON(self.error)
        object["eta_seconds"] = JSON(self.etaSeconds.map { ($0 * 10).rounded() / 10 })
        if let results = self.results {
            object["results"] = .array(results.map { $0.json() })
        }
        return .object(object)
    }
}

/// The outcome of one file of a task.
public struct FileResult: Sendable {
    public enum Status: String, Sendable {
        case completed, skipped, failed, cancelled
    }

    public var mediaPath: String
    public var status: Status
    public var error: String?
    public var hashString: String?
    public var mediaType: String?
    /// Outcome per analysis kind: `completed`, `skipped`, `failed`, `not_requested` or `not_available`.
    public var analyses: [String: String]

    public func json() -> JSON {
        var object = JSONObject()
        object["media_path"] = .string(self.mediaPath)
        object["status"] = .string(self.status.rawValue)
        object["error"] = JSON(self.error)
        object["hash_str"] = JSON(self.hashString)
        object["media_type"] = JSON(self.mediaType)
        var kinds = JSONObject()
        for key in self.analyses.keys.sorted() {
            kinds[key] = .string(self.analyses[key] ?? "")
        }
        object["analyses"] = .object(kinds)
        return .object(object)
    }
}

private func roundedPercent(_ value: Double) -> Double {
    (min(100, max(0, value)) * 10).rounded() / 10
}
