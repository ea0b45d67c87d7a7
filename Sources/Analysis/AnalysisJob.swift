import AnalysisStore
import Faces
import Foundation
import JumperCore
import Media
import Speech

/// One analysis task from start to its final event, run on the task runner's thread.
final class AnalysisJob: @unchecked Sendable {
    /// The minimum time between two progress events of one file, so a fast file does not flood clients.
    static let progressInterval: TimeInterval = 0.25

    let taskID: String
    let request: AnalysisRequest
    let models: ModelRegistry
    let speech: SpeechModels
    let faces: FaceModels
    let collections: FaceCollectionStore
    let isCancelled: @Sendable () -> Bool
    let logger: Logger
    let publish: @Sendable (TaskProgress) -> Void

    private var files: [String] = []
    private var results: [FileResult] = []
    /// The latest progress event of the task; the face phase in `AnalysisJob+Faces.swift` sets its type.
    var current: TaskProgress
    private var lastPublished = Date.distantPast
    /// Each file's share of the task's progress, in file order, summing to 1.
    private var progressWeights: [Double] = []
    /// The part of the current file's progress that the running analysis fills, as (start, length).
    private var phase: (start: Double, length: Double) = (0, 1)
    private let started = Date()

    init(
        taskID: String,
        request: AnalysisRequest,
        models: ModelRegistry,
        speech: SpeechModels,
        faces: FaceModels,
        collections: FaceCollectionStore,
        isCancelled: @escaping @Sendable () -> Bool,
        logger: Logger,
        publish: @escaping @Sendable (TaskProgress) -> Void
    ) {
        self.taskID = taskID
        self.request = request
        self.models = models
        self.speech = speech
        self.faces = faces
        self.collections = collections
        self.isCancelled = isCancelled
        self.logger = logger
        self.publish = publish
        self.current = TaskProgress(
            taskID: taskID, type: "video", stage: "queued", status: .running, mediaPath: nil,
            hashString: nil, fileIndex: 0, fileCount: request.mediaPaths.count, progress: 0,
            overallProgress: 0, message: "Queued", error: nil, etaSeconds: nil, results: nil
        )
    }

    /// Publishes the first event, before the thread starts, so a client that joins at once receives it.
    func publishQueued() {
        self.publish(self.current)
    }

    func run() {
        self.logger.info("analysis task started", ["files.requested": String(self.request.mediaPaths.count)])
        self.files = self.expandFolders()
        self.current.fileCount = self.files.count
        self.progressWeights = Self.sizeWeights(of: self.files)

        for (index, path) in self.files.enumerated() {
            if self.isCancelled() {
                // The hash of the file before must not be reported for one never opened.
                self.current.hashString = nil
                self.results.append(self.result(path, .cancelled, error: "cancelled before it started"))
                continue
            }
            self.current.fileIndex = index
            self.current.mediaPath = path
            self.current.hashString = nil
            self.results.append(self.analyseFile(path))
        }
        self.finish()
    }

    // MARK: - One file

    private func analyseFile(_ path: String) -> FileResult {
        let fileLogger = self.logger.with("media.path", path)
        self.current.error = nil
        self.phase = (0, 1)
        self.update(stage: "probing", fraction: 0, message: "Reading \((path as NSString).lastPathComponent)", force: true)
        var analyses = self.notRunAnalyses()
        var mediaType: String?
        do {
            let info = try MediaProbe.probe(path: path)
            mediaType = info.mediaType.rawValue
            self.current.type = info.mediaType.rawValue
            self.current.hashString = info.hashString
            let cache = try CacheDirectory(path: self.request.cacheDirectory)

            // Visual, face and speech analysis fill the file's progress in that order.
            let shares = Self.phaseShares(
                visual: self.request.visual && info.mediaType != .audio,
                faces: self.request.faces && info.mediaType != .audio,
                speech: self.request.speech && info.audioCodec != nil
            )
            self.phase = shares.visual
            // Set when the visual phase found the faces too, on the same decoded frames.
            var sharedFaces: Result<FaceAnalysis, any Error>?
            if self.request.visual {
                analyses["visual"] = try self.runVisual(
                    info: info,
                    cache: cache,
                    logger: fileLogger,
                    sharedFaces: &sharedFaces
                )
            }
            self.phase = shares.faces
            var faceError: String?
            if self.request.faces {
                do {
                    analyses["faces"] = try self.runFaces(
                        info: info,
                        cache: cache,
                        logger: fileLogger,
                        sharedFaces: sharedFaces
                    )
                } catch is AnalysisCancelled {
                    throw AnalysisCancelled()
                } catch {
                    // The visual analysis stays; the file is reported failed with the face error.
                    faceError = "face analysis failed: \(error)"
                    analyses["faces"] = "failed"
                    fileLogger.warning("face analysis failed", ["error": String(describing: error)])
                }
                self.current.type = info.mediaType.rawValue
            }
            self.phase = shares.speech
            var speechError: String?
            if self.request.speech {
                do {
                    analyses["speech"] = try self.runSpeech(info: info, cache: cache, logger: fileLogger)
                } catch is AnalysisCancelled {
                    throw AnalysisCancelled()
                } catch {
                    // The visual analysis stays; the file is reported failed with the speech error.
                    speechError = "speech analysis failed: \(error)"
                    analyses["speech"] = "failed"
                    fileLogger.warning("speech analysis failed", ["error": String(describing: error)])
                }
            }

            let errors = [faceError, speechError].compactMap { $0 }
            var status = FileResult.Status.skipped
            if !errors.isEmpty {
                status = .failed
            } else if analyses.values.contains("completed") {
                status = .completed
            }
            return FileResult(mediaPath: path, status: status, error: errors.isEmpty ? nil : errors.joined(separator: "; "),
                              hashString: info.hashString, mediaType: info.mediaType.rawValue, analyses: analyses)
        } catch is AnalysisCancelled {
            return self.cancelledResult(path, analyses: analyses, mediaType: mediaType, logger: fileLogger)
        } catch {
            let message = String(describing: error)
            fileLogger.warning("file analysis failed", ["error": message])
            // One event names the failure; the task goes on with the next file.
            self.current.error = message
            self.update(stage: "done", fraction: 1, message: "Failed: \(message)", force: true)
            self.current.error = nil
            return self.result(path, .failed, error: message)
        }
    }

    /// Runs visual analysis unless it exists; returns the outcome for the per-file result.
    ///
    /// When the request needs the file's faces too, both analyses share one decode and the
    /// face outcome is stored in `sharedFaces` for `runFaces`.
    private func runVisual(
        info: MediaInfo,
        cache: CacheDirectory,
        logger: Logger,
        sharedFaces: inout Result<FaceAnalysis, any Error>?
    ) throws -> String {
        guard info.mediaType != .audio else { return "not_applicable" }
        let key = self.request.visualModelKey
        if !self.request.force && cache.hasVisualAnalysis(hashString: info.hashString, modelKey: key) {
            // The manifest lists every path a content was seen at, copies included.
            try cache.recordSourcePath(hashString: info.hashString, sourcePath: info.path)
            logger.debug("visual analysis exists, skipped", ["hash": info.hashString])
            return "skipped"
        }
        let model = try self.models.visualModel(key: key, waitIfLoading: true)
        self.update(stage: "embedding", fraction: 0, message: "Analysing frames", force: true)
        let analyzer = VisualAnalyzer(model: model, isCancelled: self.isCancelled) { fraction in
            self.update(stage: "embedding", fraction: fraction, message: "Analysing frames", force: false)
        }
        let analysis: VisualAnalysis
        if let faceAnalyzer = self.faceAnalyzerForSharedDecode(info: info, cache: cache, sharedFaces: &sharedFaces) {
            let shortSide = FaceAnalyzer.frameShortSide(for: info)
            logger.debug("frame decoding started", ["analyses": "visual,faces", "frames.short_side": String(shortSide)])
            let shared = VisualAndFaceAnalyzer(visual: analyzer, faces: faceAnalyzer, isCancelled: self.isCancelled)
            let outcome = try shared.analyse(info: info)
            analysis = outcome.visual
            sharedFaces = outcome.faces
        } else {
            let shortSide = String(VisualAnalyzer.frameShortSide)
            logger.debug("frame decoding started", ["analyses": "visual", "frames.short_side": shortSide])
            analysis = try analyzer.analyse(info: info)
        }
        self.update(stage: "saving", fraction: 0.99, message: "Saving analysis", force: true)
        try cache.writeVisualAnalysis(analysis, mediaType: info.mediaType.rawValue)
        logger.info("visual analysis saved", ["hash": info.hashString, "frames": String(analysis.frameCount)])
        return "completed"
    }

    /// Runs transcription unless a transcript exists; returns the outcome for the per-file result.
    private func runSpeech(info: MediaInfo, cache: CacheDirectory, logger: Logger) throws -> String {
        guard info.audioCodec != nil else { return "not_applicable" }
        let key = self.request.speechModelKey ?? SpeechModels.defaultKey
        if !self.request.force && SpeechAnalyzer.hasTranscript(cache: cache, hashString: info.hashString, modelKey: key) {
            logger.debug("transcript exists, skipped", ["hash": info.hashString])
            return "skipped"
        }
        let engine = try self.speech.engine(key: key)
        self.current.type = "audio"
        self.update(stage: "transcribing", fraction: 0, message: "Transcribing speech", force: true)
        let analyzer = SpeechAnalyzer(
            engine: engine,
            modelKey: key,
            language: self.request.language,
            logger: logger,
            isCancelled: self.isCancelled
        ) { fraction in
            self.update(stage: "transcribing", fraction: fraction, message: "Transcribing speech", force: false)
        }
        let transcript = try analyzer.analyse(info: info, cache: cache)
        logger.info("transcript saved", ["hash": info.hashString, "segments": String(transcript.segments.count)])
        return "completed"
    }

    /// Returns the outcome of each analysis kind before any runs.
    private func notRunAnalyses() -> [String: String] {
        ["visual": "not_requested", "speech": "not_requested", "faces": "not_requested"]
    }

    /// Returns the part of a file's progress, as (start, length), that each analysis fills.
    /// Phases that do not run get none; the weights are rough relative costs per file.
    static func phaseShares(
        visual: Bool,
        faces: Bool,
        speech: Bool
    ) -> (visual: (start: Double, length: Double), faces: (start: Double, length: Double), speech: (start: Double, length: Double)) {
        let weights = [visual ? 3.0 : 0, faces ? 3.0 : 0, speech ? 2.0 : 0]
        let total = weights.reduce(0, +)
        guard total > 0 else { return ((0, 1), (0, 1), (0, 1)) }
        let lengths = weights.map { $0 / total }
        return ((0, lengths[0]), (lengths[0], lengths[1]), (lengths[0] + lengths[1], lengths[2]))
    }

    /// Reports a file whose analysis was cancelled midway. Analyses finished before the cancel
    /// are saved and stay listed as completed; the one in progress left nothing behind.
    private func cancelledResult(_ path: String, analyses: [String: String], mediaType: String?, logger: Logger) -> FileResult {
        let saved = analyses.filter { $0.value == "completed" }.keys.sorted()
        guard !saved.isEmpty else {
            logger.info("analysis cancelled, nothing written for this file")
            return self.result(path, .cancelled, error: "cancelled; nothing was written for this file")
        }
        logger.info("analysis cancelled after some analyses were saved", ["analyses.saved": saved.joined(separator: ",")])
        var outcomes = analyses
        for (kind, outcome) in analyses where outcome == "not_requested" && self.isRequested(kind) {
            outcomes[kind] = "cancelled"
        }
        let message = "cancelled; the \(saved.joined(separator: " and ")) analysis was saved, the rest was not written"
        return FileResult(mediaPath: path, status: .cancelled, error: message, hashString: self.current.hashString,
                          mediaType: mediaType, analyses: outcomes)
    }

    private func isRequested(_ kind: String) -> Bool {
        switch kind {
        case "visual": return self.request.visual
        case "speech": return self.request.speech
        case "faces": return self.request.faces
        default: return false
        }
    }

    private func result(_ path: String, _ status: FileResult.Status, error: String?) -> FileResult {
        var analyses = self.notRunAnalyses()
        if self.request.visual {
            analyses["visual"] = status == .failed ? "failed" : status.rawValue
        }
        if self.request.speech {
            analyses["speech"] = status == .failed ? "failed" : status.rawValue
        }
        if self.request.faces {
            analyses["faces"] = status == .failed ? "failed" : status.rawValue
        }
        return FileResult(mediaPath: path, status: status, error: error, hashString: self.current.hashString,
                          mediaType: nil, analyses: analyses)
    }

    // MARK: - Folders

    /// Replaces each folder by the media files inside it; a folder without any fails alone.
    /// A file named twice, or named and also inside a named folder, is analysed once.
    private func expandFolders() -> [String] {
        var expanded: [String] = []
        for path in self.request.mediaPaths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                expanded.append(path)
                continue
            }
            do {
                let found = try MediaFileFinder.mediaFiles(inFolder: path, recursive: true)
                if found.isEmpty {
                    self.results.append(self.result(path, .failed, error: "folder '\(path)' contains no media files"))
                }
                expanded += found
            } catch {
                self.results.append(self.result(path, .failed, error: String(describing: error)))
            }
        }
        var seen = Set<String>()
        return expanded.filter { seen.insert($0).inserted }
    }

    // MARK: - Events

    /// Returns each file's share of the work, proportional to its size in bytes: a cheap
    /// stand-in for duration that needs no decoding before the first event.
    static func sizeWeights(of paths: [String]) -> [Double] {
        let sizes = paths.map { path -> Double in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.doubleValue ?? 0
            // A floor keeps tiny and unreadable files from counting as no work at all.
            return max(size, 1_000_000)
        }
        let total = sizes.reduce(0, +)
        return total > 0 ? sizes.map { $0 / total } : []
    }

    func update(stage: String, fraction: Double, message: String, force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(self.lastPublished) >= Self.progressInterval else { return }
        self.lastPublished = now
        let fileFraction = stage == "probing" || stage == "done" ? fraction : self.phase.start + self.phase.length * fraction
        let index = self.current.fileIndex
        let finished = self.progressWeights.prefix(index).reduce(0, +)
        let currentWeight = index < self.progressWeights.count ? self.progressWeights[index] : 0
        let overall = min(1, finished + currentWeight * fileFraction)
        self.current.stage = stage
        self.current.message = message
        self.current.progress = fileFraction * 100
        self.current.overallProgress = overall * 100
        let elapsed = now.timeIntervalSince(self.started)
        self.current.etaSeconds = overall > 0.02 ? elapsed / overall - elapsed : nil
        self.publish(self.current)
    }

    private func finish() {
        let failed = self.results.filter { $0.status == .failed }.count
        let analysed = self.results.filter { $0.status == .completed }.count
        let skipped = self.results.filter { $0.status == .skipped }.count
        let succeeded = analysed + skipped
        let summary = "\(analysed) analysed, \(skipped) already analysed or skipped"

        var final = self.current
        final.stage = "done"
        final.progress = 100
        final.overallProgress = 100
        final.etaSeconds = 0
        final.results = self.results
        final.mediaPath = nil
        final.hashString = nil
        final.fileIndex = self.files.count

        if self.isCancelled() {
            final.status = .cancelled
            final.progress = self.current.progress
            final.overallProgress = self.current.overallProgress
            final.message = "Cancelled: \(succeeded) of \(self.results.count) files finished before the cancel"
            final.error = nil
        } else if failed > 0 && succeeded == 0 {
            final.status = .failed
            final.message = "All \(failed) files failed"
            final.error = self.results.first { $0.status == .failed }?.error
        } else {
            final.status = .completed
            final.message = failed == 0
                ? "Done: \(summary)"
                : "Done: \(summary), \(failed) failed"
            final.error = nil
        }

        self.logger.info(
            "analysis task ended",
            ["task.status": final.status.rawValue, "files.failed": String(failed), "files.total": String(self.results.count)]
        )
        self.publish(final)
    }
}
