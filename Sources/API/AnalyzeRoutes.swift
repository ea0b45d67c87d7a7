import Analysis
import AnalysisStore
import HTTPServer
import JumperCore
import Speech

extension APIService {
    func analyze(_ fields: RequestFields) async throws -> HTTPResponse {
        guard let paths = try fields.absolutePaths("media_paths"), !paths.isEmpty else {
            throw APIError.badRequest("Missing required field 'media_paths': give a list of absolute file or folder paths.")
        }

        let cacheDirectory = try fields.requiredAbsolutePath("cache_dir")
        // Checked now so a bad folder or a missing model is a 400, not a task where every file
        // fails. The folder itself is created only once the task is certain to start.
        try CacheDirectory.validatePath(cacheDirectory)

        let visualKey = try self.models.resolveVisualKey(try fields.string("visual_model"))
        guard self.models.isDownloaded(key: visualKey) else {
            throw ModelError.notInstalled(key: visualKey, folder: self.models.folder(forKey: visualKey))
        }
        let speechKey = try self.speech.resolveKey(try fields.string("speech_model"))
        let speech = try fields.bool("speech", default: true)
        if speech && !self.speech.isDownloaded(key: speechKey) {
            throw ModelError.notInstalled(key: speechKey, folder: self.speech.modelsDirectory + "/" + speechKey)
        }

        let faces = try fields.bool("faces", default: false)
        let clusterJobName = try fields.string("cluster_job_name") ?? "default"
        try CacheDirectory.validateCollectionName(clusterJobName)
        if faces && !self.runner.faces.isDownloaded {
            throw ModelError.notInstalled(key: FaceModels.modelKey, folder: self.runner.faces.folder)
        }

        let request = AnalysisRequest(
            mediaPaths: paths,
            cacheDirectory: cacheDirectory,
            visual: try fields.bool("visual", default: true),
            speech: speech,
            faces: faces,
            clusterJobName: clusterJobName,
            visualModelKey: visualKey,
            speechModelKey: speechKey,
            language: try Self.speechLanguage(fields),
            force: try fields.bool("force", default: false)
        )

        let taskID = try await self.runner.start(request) {
            _ = try CacheDirectory(path: cacheDirectory)
        }
        self.logger.info("analysis task accepted", ["task.id": taskID, "files.requested": String(paths.count)])
        return .json(
            ["message": .string("Analysis started for \(paths.count) path(s)"), "task_id": .string(taskID)],
            status: 202
        )
    }

    func cancelAnalysis(_ fields: RequestFields) throws -> HTTPResponse {
        let outcome = self.runner.cancel(taskID: try fields.string("task_id"))
        return .json(["cancelled": .bool(outcome.cancelled), "task_id": JSON(outcome.taskID)])
    }

    func task(_ parameters: RouteParameters) throws -> HTTPResponse {
        let taskID = parameters["task_id"] ?? ""
        guard let progress = self.runner.progress(taskID: taskID) else {
            throw APIError.notFound("No task with id '\(taskID)'. Task ids come from POST /api/v1/analyze.")
        }
        return .json(progress.json())
    }

    /// Reads `language` ("auto" when absent), rejecting a code Whisper does not know.
    static func speechLanguage(_ fields: RequestFields) throws -> String {
        let language = try fields.string("language") ?? "auto"
        guard SpeechEngine.isSupportedLanguage(language) else {
            throw APIError.badRequest(
                "Field 'language' is '\(language)', which is not a Whisper language code; give 'auto' or a code such as 'en', 'fr' or 'ja'."
            )
        }
        return language
    }
}
