import Foundation
import JumperCore

/// The state of a model download, reported after every received chunk.
public struct DownloadProgress: Sendable, Equatable {
    /// The file being fetched, such as `model.safetensors`.
    public let fileName: String
    /// The index of that file among the files of the model, from zero.
    public let fileIndex: Int
    public let fileCount: Int
    /// The bytes of this file on disk, resumed bytes included.
    public let bytesReceived: Int64
    /// The size of this file, when the server stated it.
    public let fileSize: Int64?
}

extension ModelInstaller {
    /// Downloads a model's checkpoint files from a mirror and installs them into `<models>/<key>/`.
    ///
    /// Files are fetched from `{baseURL}/{repository}/resolve/main/{file}` into
    /// `<models>/.downloads/<key>/` as `.part` files, so an interrupted download resumes with an
    /// HTTP `Range` request on the next attempt or the next call. Each file is checked against
    /// the sha256 the server states in `X-Linked-Etag` or `ETag` when it gives one, and against
    /// its stated size otherwise. Optional files the mirror lacks (404) are skipped. The finished
    /// folder is loaded once to validate it, then renamed into place.
    ///
    /// - Parameters:
    ///   - key: `clip-vit-b-32` or `siglip-base-16-256`.
    ///   - baseURL: The mirror; defaults to the Hugging Face hub.
    ///   - modelsDirectory: The models folder; created when missing.
    ///   - maxAttempts: Transfers per file before giving up; each retry resumes.
    ///   - progress: Called from a URLSession thread after every chunk.
    /// - Returns: The manifest of the installed model.
    /// - Throws: `InferenceError.unknownModelKey`, `.downloadFailed` naming the URL and the
    ///   reason, or the loader's error when the downloaded checkpoint does not load.
    @discardableResult
    public func download(
        key: String,
        baseURL: URL = ModelInstaller.huggingFaceBaseURL,
        modelsDirectory: String,
        maxAttempts: Int = 3,
        progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
    ) async throws -> ModelManifest {
        let model = try InstallableModel.named(key)
        let logger = self.logger.with("model.key", key)
        let downloads = (modelsDirectory as NSString).appendingPathComponent(".downloads/\(key)")
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)

        for (index, file) in model.files.enumerated() {
            let url = baseURL.appendingPathComponent(model.repository).appendingPathComponent("resolve/main").appendingPathComponent(file.name)
            let target = (downloads as NSString).appendingPathComponent(file.name)
            if FileManager.default.fileExists(atPath: target) {
                continue
            }
            let report: @Sendable (Int64, Int64?) -> Void = { received, size in
                progress(DownloadProgress(fileName: file.name, fileIndex: index, fileCount: model.files.count, bytesReceived: received, fileSize: size))
            }
            let fetched = try await self.fetch(url: url, to: target, isRequired: file.isRequired, maxAttempts: maxAttempts, logger: logger, progress: report)
            if fetched {
                logger.debug("file downloaded", ["file.name": file.name, "url": url.absoluteString])
            }
        }

        // the completed download folder becomes the staging folder of the installation
        let staging = (modelsDirectory as NSString).appendingPathComponent(".\(key).install-\(UUID().uuidString)")
        try FileManager.default.moveItem(atPath: downloads, toPath: staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let manifest = try self.finish(key: key, staging: staging, source: baseURL.appendingPathComponent(model.repository).absoluteString, modelsDirectory: modelsDirectory)
        logger.info("model downloaded", ["url": baseURL.absoluteString, "size.bytes": "\(manifest.totalSize)"])
        return manifest
    }

    /// Fetches one file into `target` through `<target>.part`; returns false when an optional
    /// file does not exist on the mirror.
    private func fetch(
        url: URL,
        to target: String,
        isRequired: Bool,
        maxAttempts: Int,
        logger: Logger,
        progress: @escaping @Sendable (Int64, Int64?) -> Void
    ) async throws -> Bool {
        let part = target + ".part"
        var lastFailure = "no attempt made"
        for attempt in 1...max(maxAttempts, 1) {
            let outcome = await HTTPFileFetcher.fetch(url: url, into: part, progress: progress)
            switch outcome.status {
            case 404 where !isRequired:
                try? FileManager.default.removeItem(atPath: part)
                return false
            case 416:
                // the part file is longer than the file on the mirror: start over
                try? FileManager.default.removeItem(atPath: part)
                lastFailure = "HTTP 416 for a resumed range"
                continue
            case 200, 206:
                break
            case let status?:
                throw InferenceError.downloadFailed(url: url.absoluteString, reason: "HTTP status \(status)")
            case nil:
                break
            }
            if let failure = outcome.failure {
                lastFailure = failure
                logger.warning("download interrupted", ["url": url.absoluteString, "attempt": "\(attempt)", "error": failure, "size.bytes": "\(outcome.partSize)"])
                continue
            }
            if let total = outcome.totalSize, total != outcome.partSize {
                lastFailure = "received \(outcome.partSize) of \(total) bytes"
                logger.warning("download incomplete", ["url": url.absoluteString, "attempt": "\(attempt)", "size.bytes": "\(outcome.partSize)"])
                continue
            }
            if let expected = outcome.sha256 {
                let actual = try SHA256.hex(ofFileAt: part)
                guard actual == expected else {
                    try? FileManager.default.removeItem(atPath: part)
                    lastFailure = "sha256 \(actual) differs from the mirror's \(expected)"
                    logger.warning("download checksum mismatch", ["url": url.absoluteString, "attempt": "\(attempt)"])
                    continue
                }
            }
            try FileManager.default.moveItem(atPath: part, toPath: target)
            return true
        }
        throw InferenceError.downloadFailed(url: url.absoluteString, reason: "\(lastFailure) after \(maxAttempts) attempts; the .part file is kept, so calling download again resumes")
    }
}
