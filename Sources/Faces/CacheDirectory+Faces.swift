import AnalysisStore
import Foundation

// MARK: - Face analysis files

extension CacheDirectory {
    /// Returns where the face analysis of `hashString` lives, whether or not it exists.
    public func faceAnalysisPath(hashString: String) -> String {
        "\(self.mediaFolderPath(hashString: hashString))/\(FaceAnalysis.fileName)"
    }

    /// Writes the face analysis of one media file atomically and records it in the manifest.
    ///
    /// - Parameters:
    ///   - duration: media duration in seconds, for the manifest.
    ///   - mediaType: `video` or `image`, for the manifest.
    public func writeFaceAnalysis(_ analysis: FaceAnalysis, duration: Double, mediaType: String) throws(StoreError) {
        let now = Date()
        let record = AnalysisRecord(
            kind: FaceAnalysis.kind,
            modelKey: analysis.modelKey,
            file: FaceAnalysis.fileName,
            createdAt: now
        )
        try self.writeAnalysisFile(
            analysis.encoded(createdAt: now),
            record: record,
            hashString: analysis.hashString,
            sourcePath: analysis.sourcePath,
            duration: duration,
            mediaType: mediaType
        )
    }

    /// Reads the whole face analysis of `hashString`, crops included; nil when none exists.
    ///
    /// - Throws: `StoreError.damagedFile` naming the file when it cannot be decoded.
    public func readFaceAnalysis(hashString: String) throws(StoreError) -> FaceAnalysis? {
        guard let bytes = try self.readAnalysisFile(hashString: hashString, fileName: FaceAnalysis.fileName) else {
            return nil
        }
        do {
            return try FaceAnalysis.decode(bytes)
        } catch {
            throw StoreError.damagedFile(path: self.faceAnalysisPath(hashString: hashString), reason: error.description)
        }
    }

    /// Reads only the header line of the face analysis of `hashString`. Returns nil when none
    /// exists or when it is damaged, because a damaged file counts as absent, as for visual analysis.
    public func readFaceAnalysisHeader(hashString: String) -> FaceAnalysis.Header? {
        guard let handle = FileHandle(forReadingAtPath: self.faceAnalysisPath(hashString: hashString)) else {
            return nil
        }
        defer { try? handle.close() }
        var firstLine: [UInt8] = []
        // the header is a few hundred bytes; stop at the first newline
        while firstLine.count < 1 << 20, let chunk = try? handle.read(upToCount: 4096), !chunk.isEmpty {
            if let newline = chunk.firstIndex(of: 0x0A) {
                firstLine += chunk[chunk.startIndex..<newline]
                return try? FaceAnalysis.decodeHeader(firstLine)
            }
            firstLine += chunk
        }
        return nil
    }

    /// Returns true when a readable face analysis made with `modelKey` exists (any model when nil).
    public func hasFaceAnalysis(hashString: String, modelKey: String? = nil) -> Bool {
        guard let header = self.readFaceAnalysisHeader(hashString: hashString) else { return false }
        return modelKey == nil || header.modelKey == modelKey
    }
}
