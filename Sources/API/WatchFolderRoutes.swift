import Analysis
import AnalysisStore
import Foundation
import HTTPServer
import JumperCore
import WatchFolders

extension APIService {
    func listWatchFolders() throws -> HTTPResponse {
        let folders = try self.requireWatchFolders().store.allFolders()
        return .json(["watch_folders": .array(folders.map { $0.json() })])
    }

    func createWatchFolder(_ fields: RequestFields) throws -> HTTPResponse {
        let service = try self.requireWatchFolders()
        guard fields.has("path") else {
            throw APIError.badRequest("Missing required field 'path': give the absolute path of an existing folder.")
        }
        guard fields.has("cache_dir") else {
            throw APIError.badRequest("Missing required field 'cache_dir': give the absolute path where analysis goes.")
        }
        var folder = WatchFolder(path: "/", cacheDirectory: "/")
        try self.apply(fields, to: &folder)
        let created = try Self.mapStoreErrors { try service.store.insert(folder) }
        service.reloadFolders()
        self.logger.info("watch folder added", ["folder.id": String(created.id), "folder.path": created.path])
        return .json(created.json(), status: 201)
    }

    func updateWatchFolder(_ fields: RequestFields, _ parameters: RouteParameters) throws -> HTTPResponse {
        let service = try self.requireWatchFolders()
        let id = try Self.watchFolderID(parameters)
        var folder = try Self.mapStoreErrors { try service.store.folder(id: id) }
        try self.apply(fields, to: &folder)
        folder.updatedAt = Date()
        try Self.mapStoreErrors { try service.store.update(folder) }
        service.reloadFolders()
        return .json(folder.json())
    }

    func deleteWatchFolder(_ parameters: RouteParameters) throws -> HTTPResponse {
        let service = try self.requireWatchFolders()
        let id = try Self.watchFolderID(parameters)
        try Self.mapStoreErrors { try service.store.delete(id: id) }
        service.reloadFolders()
        self.logger.info("watch folder deleted", ["folder.id": String(id)])
        return .json(["deleted": JSON(Int(id))])
    }

    func startWatchService() throws -> HTTPResponse {
        let service = try self.requireWatchFolders()
        try service.start()
        return .json(service.status())
    }

    func stopWatchService() throws -> HTTPResponse {
        let service = try self.requireWatchFolders()
        try service.stop()
        return .json(service.status())
    }

    func watchServiceStatus() throws -> HTTPResponse {
        .json(try self.requireWatchFolders().status())
    }

    // MARK: - Validation

    /// Copies every field present in the body onto `folder`, rejecting the first invalid one
    /// with a 400 that names it. Absent fields keep their current values.
    private func apply(_ fields: RequestFields, to folder: inout WatchFolder) throws {
        if fields.has("path") {
            // Resolving `..` and symbolic links makes two spellings of one folder compare equal.
            let path = WatchFolder.normalizedPath(
                URL(fileURLWithPath: try fields.requiredAbsolutePath("path")).resolvingSymlinksInPath().path
            )
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw APIError.badRequest(
                    "Field 'path' is '\(path)', which is not an existing folder; create it or give the path of an existing folder."
                )
            }
            folder.path = path
        }

        if fields.has("cache_dir") {
            let cacheDirectory = try fields.requiredAbsolutePath("cache_dir")
            do {
                folder.cacheDirectory = try CacheDirectory(path: cacheDirectory).path
            } catch {
                throw APIError.badRequest("Field 'cache_dir': \(error)")
            }
        }

        folder.recursive = try fields.bool("recursive", default: folder.recursive)
        folder.visual = try fields.bool("visual", default: folder.visual)
        folder.speech = try fields.bool("speech", default: folder.speech)
        folder.faces = try fields.bool("faces", default: folder.faces)
        folder.enabled = try fields.bool("enabled", default: folder.enabled)

        if fields.has("cluster_job_name") {
            folder.clusterJobName = try fields.requiredString("cluster_job_name")
        }

        // A null model key selects the server's default model at analysis time.
        // A model that is not installed would pause the folder at its first file, so it is
        // rejected here, where the user sees the error.
        if fields.object["visual_model"] != nil {
            folder.visualModel = try fields.string("visual_model")
            let key = try self.models.resolveVisualKey(folder.visualModel)
            guard self.models.isDownloaded(key: key) else {
                throw ModelError.notInstalled(key: key, folder: self.models.folder(forKey: key))
            }
        }
        if fields.object["speech_model"] != nil {
            folder.speechModel = try fields.string("speech_model")
            let key = try self.speech.resolveKey(folder.speechModel)
            guard self.speech.isDownloaded(key: key) else {
                throw ModelError.notInstalled(key: key, folder: self.speech.modelsDirectory + "/" + key)
            }
        }

        if fields.has("language") {
            folder.language = try Self.speechLanguage(fields)
        }

        if fields.has("excluded_extensions") {
            folder.excludedExtensions = try Self.exclusionList(fields, "excluded_extensions")
        }
        if fields.has("excluded_filename_globs") {
            folder.excludedFilenameGlobs = try Self.exclusionList(fields, "excluded_filename_globs")
        }
    }

    /// Reads a list of extensions or globs: non-empty strings without a `/`, since they match
    /// a file name, never a directory.
    private static func exclusionList(_ fields: RequestFields, _ name: String) throws -> [String] {
        let values = try fields.stringArray(name) ?? []
        for (index, value) in values.enumerated() {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed != "." else {
                throw APIError.badRequest("Field '\(name)[\(index)]' is empty; give a value such as '.xml' or '*_proxy.*'.")
            }
            guard !value.contains("/") else {
                throw APIError.badRequest(
                    "Field '\(name)[\(index)]' is '\(value)'; it matches file names only, so it cannot contain '/'."
                )
            }
        }
        return values
    }

    private static func watchFolderID(_ parameters: RouteParameters) throws -> Int64 {
        let text = parameters["id"] ?? ""
        guard let id = Int64(text) else {
            throw APIError.notFound("No watch folder has id '\(text)'. GET /api/v1/watch-folders lists the existing ones.")
        }
        return id
    }

    private func requireWatchFolders() throws -> WatchFolderService {
        guard let service = self.watchFolders else {
            throw APIError(
                status: 503,
                title: "Watch folders unavailable",
                message: "The watch-folder store could not be opened when the server started; the server log contains the error."
            )
        }
        return service
    }

    /// Turns the store's not-found and duplicate errors into 404 and 409.
    private static func mapStoreErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as WatchFolderError {
            switch error {
            case .notFound:
                throw APIError.notFound(error.description)
            case .duplicatePath:
                throw APIError.conflict(error.description)
            case .damagedRecord, .invalidSetting:
                throw error
            }
        }
    }
}
