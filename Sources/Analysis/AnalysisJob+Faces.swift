import AnalysisStore
import Faces
import Foundation
import JumperCore
import Media
import Speech

/// The face phase of a file: reusing stored faces, detecting them alone or alongside the
/// visual analysis from one decode, saving them and adding them to the collection.
extension AnalysisJob {
    /// Finds the file's faces unless they are stored, then adds them to the request's face
    /// collection unless it has them already. Returns the outcome for the per-file result.
    ///
    /// - Parameter sharedFaces: the faces the visual phase found on the same decoded frames,
    ///   or the error that stopped it. It is nil when this phase decodes the file itself.
    func runFaces(
        info: MediaInfo,
        cache: CacheDirectory,
        logger: Logger,
        sharedFaces: Result<FaceAnalysis, any Error>?
    ) throws -> String {
        guard info.mediaType != .audio else { return "not_applicable" }
        self.current.type = "faces"
        var outcome = "skipped"
        var analysis: FaceAnalysis
        if let stored = self.storedFaceAnalysis(info: info, cache: cache) {
            try cache.recordSourcePath(hashString: info.hashString, sourcePath: info.path)
            logger.debug("face analysis exists, skipped", ["hash": info.hashString])
            analysis = stored
        } else if let sharedFaces {
            self.update(stage: "faces", fraction: 0, message: "Finding faces", force: true)
            analysis = try sharedFaces.get()
            self.update(stage: "saving", fraction: 0.9, message: "Saving faces", force: true)
            try cache.writeFaceAnalysis(analysis, duration: info.duration ?? 0, mediaType: info.mediaType.rawValue)
            logger.info("face analysis saved", ["hash": info.hashString, "faces": String(analysis.faces.count)])
            outcome = "completed"
        } else {
            self.update(stage: "faces", fraction: 0, message: "Loading the face model", force: true)
            let engine = try self.faces.engine()
            self.update(stage: "faces", fraction: 0, message: "Finding faces", force: true)
            let analyzer = FaceAnalyzer(engine: engine, isCancelled: self.isCancelled) { fraction in
                self.update(stage: "faces", fraction: 0.9 * fraction, message: "Finding faces", force: false)
            }
            let shortSide = String(FaceAnalyzer.frameShortSide(for: info))
            logger.debug("frame decoding started", ["analyses": "faces", "frames.short_side": shortSide])
            analysis = try analyzer.analyse(info: info)
            self.update(stage: "saving", fraction: 0.9, message: "Saving faces", force: true)
            try cache.writeFaceAnalysis(analysis, duration: info.duration ?? 0, mediaType: info.mediaType.rawValue)
            logger.info("face analysis saved", ["hash": info.hashString, "faces": String(analysis.faces.count)])
            outcome = "completed"
        }

        // The collection keeps no crops: the API reads them from the media's face file.
        let records = analysis.faces.map { face -> FaceRecord in
            var record = face
            record.cropJPEG = nil
            return record
        }
        let name = self.request.clusterJobName
        self.update(stage: "clustering", fraction: 0.92, message: "Clustering faces into '\(name)'", force: true)
        let isNewAnalysis = outcome == "completed"
        let report = try self.collections.update(cache, name: name, createIfMissing: true) {
            collection -> FaceCollection.AdditionReport? in
            if collection.containsMedia(hashString: info.hashString) {
                guard isNewAnalysis else { return nil }
                collection.removeFaces(ofMedia: info.hashString)
            }
            return try collection.add(records)
        }
        self.update(stage: "clustering", fraction: 1, message: "Faces clustered into '\(name)'", force: true)
        if let report {
            logger.info(
                "faces added to collection",
                [
                    "collection": name, "faces": String(records.count),
                    "faces.assigned": String(report.assignedToExisting),
                    "clusters.new": String(report.newClusterIDs.count),
                    "faces.unclustered": String(report.unclustered),
                ]
            )
            if outcome == "skipped" {
                outcome = "completed"
            }
        }
        return outcome
    }

    /// Returns the file's stored face analysis when it can be reused: `force` is not set and
    /// it was made with the current face model.
    func storedFaceAnalysis(info: MediaInfo, cache: CacheDirectory) -> FaceAnalysis? {
        guard !self.request.force, let stored = try? cache.readFaceAnalysis(hashString: info.hashString),
            stored.modelKey == FaceModels.modelKey
        else {
            return nil
        }
        return stored
    }

    /// Returns the face analyzer for a decode shared with the visual phase, or nil when the
    /// face phase will not analyse the file or needs frames the visual ones cannot come from.
    /// When the face model fails to load, stores the error in `sharedFaces`, so the face phase
    /// reports it, and returns nil.
    func faceAnalyzerForSharedDecode(
        info: MediaInfo,
        cache: CacheDirectory,
        sharedFaces: inout Result<FaceAnalysis, any Error>?
    ) -> FaceAnalyzer? {
        guard self.request.faces, VisualAndFaceAnalyzer.canShareDecode(info: info),
            self.storedFaceAnalysis(info: info, cache: cache) == nil
        else {
            return nil
        }
        let engine: FaceEngine
        do {
            engine = try self.faces.engine()
        } catch {
            sharedFaces = .failure(error)
            return nil
        }
        // NOTE: the shared pass reports its progress through the visual phase alone, so the
        // visual share of the file's progress takes most of the time and the face share passes fast.
        return FaceAnalyzer(engine: engine, isCancelled: self.isCancelled) { _ in }
    }
}
