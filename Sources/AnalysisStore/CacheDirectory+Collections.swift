import Glibc

// MARK: - Face collections

extension CacheDirectory {
    /// Name of the folder under the cache folder that contains one subfolder per face collection.
    public static let collectionsFolderName = "collections"
    /// Maximum length of a collection name, in UTF-8 bytes, so the folder name fits every file system.
    public static let maxCollectionNameLength = 200

    /// Returns the folder of the face collection `name`, whether or not it exists.
    public func collectionFolderPath(name: String) -> String {
        "\(self.path)/\(Self.collectionsFolderName)/\(name)"
    }

    /// Throws unless `name` can be a collection's folder name: not empty, at most
    /// `maxCollectionNameLength` bytes, without `/` or NUL, and not starting with a dot.
    public static func validateCollectionName(_ name: String) throws(StoreError) {
        let isPlain = !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0")
        guard isPlain, name.utf8.count <= Self.maxCollectionNameLength else {
            throw StoreError.invalidCollectionName(name)
        }
    }

    /// Writes `bytes` atomically as `fileName` in the folder of collection `name`, creating the
    /// folder when missing.
    public func writeCollectionFile(_ bytes: [UInt8], collection name: String, fileName: String) throws(StoreError) {
        try Self.validateCollectionName(name)
        try Self.validateCollectionName(fileName)
        let folder = self.collectionFolderPath(name: name)
        try createFolder(folder)
        AnalysisStore.removeStaleTemporaryFiles(inFolder: folder, minimumAgeSeconds: Self.staleTemporaryFileAge)
        try writeFileAtomically(bytes, to: "\(folder)/\(fileName)")
    }

    /// Reads `fileName` of collection `name`; returns nil when it does not exist.
    public func readCollectionFile(collection name: String, fileName: String) throws(StoreError) -> [UInt8]? {
        try Self.validateCollectionName(name)
        try Self.validateCollectionName(fileName)
        return try ReadableFile(path: "\(self.collectionFolderPath(name: name))/\(fileName)")?.readAll()
    }

    /// Lists the names of the collection folders, sorted; an absent collections folder lists none.
    public func collectionNames() throws(StoreError) -> [String] {
        let folder = "\(self.path)/\(Self.collectionsFolderName)"
        var status = stat()
        guard stat(folder, &status) == 0 else { return [] }
        return try listFolder(folder).filter { !$0.hasPrefix(".") }.sorted()
    }
}
