import Foundation

// MARK: - Visual analysis

extension CacheDirectory {
    /// Writes the visual analysis of one media file atomically, then records it in the
    /// manifest (also atomically), keeping the paths the media was seen at before.
    ///
    /// - Parameters:
    ///   - analysis: the analysis; `validate()` must pass.
    ///   - mediaType: `video`, `audio` or `image`, stored in the manifest.
    /// - Throws: `StoreError.invalidAnalysis` for an invalid analysis, `fileOperationFailed`
    ///   when the disk rejects the write. A failed write leaves the previous file in place.
    public func writeVisualAnalysis(_ analysis: VisualAnalysis, mediaType: String) throws(StoreError) {
        try analysis.validate()
        let folder = self.mediaFolderPath(hashString: analysis.hashString)
        try createFolder(folder)
        AnalysisStore.removeStaleTemporaryFiles(inFolder: folder, minimumAgeSeconds: Self.staleTemporaryFileAge)

        let now = Date()
        let bytes = VisualFileFormat.encode(analysis, createdAt: formatISO8601(now))
        try writeFileAtomically(bytes, to: self.visualAnalysisPath(hashString: analysis.hashString))

        let record = AnalysisRecord(
            kind: "visual",
            modelKey: analysis.modelKey,
            file: Self.visualFileName,
            createdAt: now
        )
        try self.recordAnalysis(
            record,
            hashString: analysis.hashString,
            sourcePath: analysis.sourcePath,
            duration: analysis.duration,
            mediaType: mediaType
        )
    }

    /// Reads a whole visual analysis, thumbnails included; returns nil when none exists.
    ///
    /// - Throws: `StoreError.damagedFile` or `unsupportedVersion` naming the file when it
    ///   is truncated, corrupted or too new.
    public func readVisualAnalysis(hashString: String) throws(StoreError) -> VisualAnalysis? {
        guard let (file, header) = try self.openVisualFile(hashString: hashString) else { return nil }
        return VisualAnalysis(
            hashString: header.hashString,
            sourcePath: header.sourcePath,
            modelKey: header.modelKey,
            dimension: header.dimension,
            duration: header.duration,
            frameTimes: header.frameTimes,
            vectors: try VisualFileFormat.readVectors(from: file, header: header),
            sceneStarts: header.sceneStarts,
            thumbnails: try VisualFileFormat.readThumbnails(from: file, header: header)
        )
    }

    /// Reads only the model key and frame count of a visual analysis; returns nil when none
    /// exists. It reads the header, not the vectors or thumbnails.
    public func readVisualHeader(hashString: String) throws(StoreError) -> (modelKey: String, frameCount: Int)? {
        guard let header = try self.readVisualFileHeader(hashString: hashString) else { return nil }
        return (header.modelKey, header.frameCount)
    }

    /// Reads the full header of a visual analysis file; returns nil when none exists.
    public func readVisualFileHeader(hashString: String) throws(StoreError) -> VisualFileHeader? {
        try self.openVisualFile(hashString: hashString)?.1
    }

    /// Reads the header and the vectors (as Float32) of a visual analysis, without the
    /// thumbnails; returns nil when none exists. This is what a search index keeps.
    public func readVisualVectors(
        hashString: String
    ) throws(StoreError) -> (header: VisualFileHeader, vectors: [Float])? {
        guard let (file, header) = try self.openVisualFile(hashString: hashString) else { return nil }
        return (header, try VisualFileFormat.readVectors(from: file, header: header))
    }

    /// Reads the thumbnails of some frames of the file `header` was read from. A frame
    /// without a thumbnail yields an empty array.
    ///
    /// - Throws: `StoreError.damagedFile` when the file was replaced or removed since the
    ///   header was read (load it again), or for a frame index out of range.
    public func readThumbnails(of header: VisualFileHeader, frameIndices: [Int]) throws(StoreError) -> [[UInt8]] {
        guard let file = try ReadableFile(path: header.path), file.identity == header.identity else {
            throw StoreError.damagedFile(
                path: header.path,
                reason: "the file was replaced or removed after it was loaded; load the analysis again"
            )
        }
        var thumbnails: [[UInt8]] = []
        thumbnails.reserveCapacity(frameIndices.count)
        for frameIndex in frameIndices {
            guard header.thumbnailLengths.indices.contains(frameIndex) else {
                throw StoreError.damagedFile(
                    path: header.path,
                    reason: "frame index \(frameIndex) is outside 0..<\(header.frameCount)"
                )
            }
            let bytes = try file.readBytes(
                count: header.thumbnailLengths[frameIndex],
                offset: header.thumbnailOffsets[frameIndex]
            )
            thumbnails.append(bytes)
        }
        return thumbnails
    }

    /// Returns true when a readable visual analysis made with `modelKey` exists. A damaged
    /// file counts as absent.
    public func hasVisualAnalysis(hashString: String, modelKey: String) -> Bool {
        guard let header = try? self.readVisualHeader(hashString: hashString) else { return false }
        return header.modelKey == modelKey
    }

    private func openVisualFile(hashString: String) throws(StoreError) -> (ReadableFile, VisualFileHeader)? {
        try validateHashString(hashString)
        let path = self.visualAnalysisPath(hashString: hashString)
        guard let file = try ReadableFile(path: path) else { return nil }
        let header = try VisualFileFormat.readHeader(from: file)
        guard header.hashString == hashString else {
            throw StoreError.damagedFile(
                path: path,
                reason: "the header names hash_str '\(header.hashString)', not its folder's '\(hashString)'"
            )
        }
        return (file, header)
    }
}

// MARK: - Other analysis kinds

extension CacheDirectory {
    /// Writes another kind of analysis (a transcript JSON, face data) atomically as
    /// `fileName` in the media folder and records it in the manifest.
    ///
    /// - Parameters:
    ///   - bytes: the file content, in whatever format that kind defines.
    ///   - record: the manifest entry; `record.file` must be a plain file name.
    ///   - hashString: the media's content hash.
    ///   - sourcePath: absolute path of the media file.
    ///   - duration: media duration in seconds.
    ///   - mediaType: `video`, `audio` or `image`.
    public func writeAnalysisFile(
        _ bytes: [UInt8],
        record: AnalysisRecord,
        hashString: String,
        sourcePath: String,
        duration: Double,
        mediaType: String
    ) throws(StoreError) {
        try validateHashString(hashString)
        try validateFileName(record.file, hashString: hashString)
        let folder = self.mediaFolderPath(hashString: hashString)
        try createFolder(folder)
        AnalysisStore.removeStaleTemporaryFiles(inFolder: folder, minimumAgeSeconds: Self.staleTemporaryFileAge)
        try writeFileAtomically(bytes, to: "\(folder)/\(record.file)")
        try self.recordAnalysis(
            record,
            hashString: hashString,
            sourcePath: sourcePath,
            duration: duration,
            mediaType: mediaType
        )
    }

    /// Reads a file of the media folder written by `writeAnalysisFile`; returns nil when
    /// it does not exist.
    public func readAnalysisFile(hashString: String, fileName: String) throws(StoreError) -> [UInt8]? {
        try validateHashString(hashString)
        try validateFileName(fileName, hashString: hashString)
        let path = "\(self.mediaFolderPath(hashString: hashString))/\(fileName)"
        return try ReadableFile(path: path)?.readAll()
    }

    private func recordAnalysis(
        _ record: AnalysisRecord,
        hashString: String,
        sourcePath: String,
        duration: Double,
        mediaType: String
    ) throws(StoreError) {
        let makeManifest = {
            MediaManifest(
                hashString: hashString,
                sourcePath: sourcePath,
                fileSize: fileSize(fromHashString: hashString) ?? 0,
                duration: duration,
                mediaType: mediaType,
                createdAt: record.createdAt
            )
        }
        try self.updateManifest(hashString: hashString, createIfMissing: makeManifest) { manifest in
            manifest.recordSourcePath(sourcePath)
            manifest.duration = duration
            manifest.mediaType = mediaType
            manifest.analyses[record.kind] = record
        }
    }

    private func validateFileName(_ name: String, hashString: String) throws(StoreError) {
        let isPlainName = !name.isEmpty && !name.hasPrefix(".") && !name.contains("/")
        guard isPlainName, name != MediaManifest.fileName else {
            throw StoreError.invalidAnalysis(
                hashString: hashString,
                reason: "file name '\(name)' is not a plain file name other than manifest.json"
            )
        }
    }
}
