import Analysis
import AnalysisStore
import Export
import Faces
import Foundation
import HTTPServer
import Inference
import JumperCore
import Media
import Search
import Speech
import SocketIO
import WatchFolders

/// The `/api/v1` endpoints: authentication, validation and the contract's JSON shapes.
///
/// Handlers validate and then ask a service (the task runner, the search index, the media
/// layer); they never decode media or run a model themselves.
public final class APIService: Sendable {
    public static let basePath = "/api/v1"

    let models: ModelRegistry
    let speech: SpeechModels
    let runner: TaskRunner
    let index: VisualSearchIndex
    let authenticator: Authenticator
    let hashes = MediaHashCache()
    let transcripts: TranscriptLibrary
    /// Nil when the watch-folder store could not be opened; those endpoints then return 503.
    let watchFolders: WatchFolderService?
    /// The server's own data folder (keys, indexes); exports must never be written into it.
    let dataDirectory: String
    let logger: Logger

    public init(
        licenseKeys: LicenseKeyStore,
        dataDirectory: String,
        models: ModelRegistry,
        speech: SpeechModels,
        runner: TaskRunner,
        index: VisualSearchIndex,
        logger: Logger,
        watchFolders: WatchFolderService? = nil
    ) {
        self.authenticator = Authenticator(keys: licenseKeys)
        self.models = models
        self.speech = speech
        self.transcripts = TranscriptLibrary(dataDirectory: dataDirectory, logger: logger)
        self.dataDirectory = dataDirectory
        self.runner = runner
        self.index = index
        self.logger = logger
        self.watchFolders = watchFolders
    }

    /// A handler of one endpoint: the request, its parsed body and the path parameters.
    typealias Handler = @Sendable (APIService, HTTPRequest, RequestFields, RouteParameters) async throws -> HTTPResponse

    /// Every endpoint: method, path pattern below `/api/v1`, whether it needs a key, handler.
    static let endpoints: [(method: String, path: String, needsKey: Bool, handler: Handler)] = [
        ("GET", "/health", false, { service, _, _, _ in service.health() }),
        ("GET", "/models/loaded", true, { service, _, _, _ in service.loadedModels() }),
        ("GET", "/models/available", true, { service, _, _, _ in service.availableModels() }),
        ("POST", "/models/load", true, { service, _, fields, _ in try service.loadModels(fields) }),
        ("POST", "/media/metadata", true, { service, _, fields, _ in try service.mediaMetadata(fields) }),
        ("POST", "/analyze", true, { service, _, fields, _ in try await service.analyze(fields) }),
        ("POST", "/analyze/cancel", true, { service, _, fields, _ in try service.cancelAnalysis(fields) }),
        ("GET", "/tasks/{task_id}", true, { service, _, _, parameters in try service.task(parameters) }),
        ("POST", "/analysis-data/load", true, { service, _, fields, _ in try service.loadAnalysisData(fields) }),
        (
            "POST", "/analysis-data/load-for-media", true,
            { service, _, fields, _ in try service.loadAnalysisDataForMedia(fields) }
        ),
        (
            "POST", "/analysis-data/load-transcriptions", true,
            { service, _, fields, _ in try service.loadTranscriptions(fields) }
        ),
        ("POST", "/transcriptions", true, { service, _, fields, _ in try service.transcriptions(fields) }),
        ("POST", "/search/transcript", true, { service, _, fields, _ in try service.searchTranscript(fields) }),
        ("POST", "/search/text", true, { service, _, fields, _ in try service.searchText(fields) }),
        ("POST", "/search/image", true, { service, _, fields, _ in try service.searchImage(fields) }),
        ("POST", "/search/frame", true, { service, _, fields, _ in try service.searchFrame(fields) }),
        ("POST", "/cache-paths", true, { service, _, fields, _ in try service.cachePaths(fields) }),
        ("POST", "/thumbnails", true, { service, _, fields, _ in try service.thumbnails(fields) }),
        ("POST", "/thumbnails/scene", true, { service, _, fields, _ in try service.sceneThumbnails(fields) }),
        ("GET", "/watch-folders", true, { service, _, _, _ in try service.listWatchFolders() }),
        ("POST", "/watch-folders", true, { service, _, fields, _ in try service.createWatchFolder(fields) }),
        (
            "PUT", "/watch-folders/{id}", true,
            { service, _, fields, parameters in try service.updateWatchFolder(fields, parameters) }
        ),
        ("DELETE", "/watch-folders/{id}", true, { service, _, _, parameters in try service.deleteWatchFolder(parameters) }),
        ("POST", "/watch-folders/service/start", true, { service, _, _, _ in try service.startWatchService() }),
        ("POST", "/watch-folders/service/stop", true, { service, _, _, _ in try service.stopWatchService() }),
        ("GET", "/watch-folders/service/status", true, { service, _, _, _ in try service.watchServiceStatus() }),
        ("POST", "/export/transcript", true, { service, _, fields, _ in try service.exportTranscript(fields) }),
        ("POST", "/export/clips", true, { service, _, fields, _ in try service.exportClips(fields) }),
        ("POST", "/export/premiere-xml", true, { service, _, fields, _ in try service.exportPremiereXML(fields) }),
        ("GET", "/faces/clusters", true, { service, request, fields, _ in try service.faceClusters(request, fields) }),
        ("POST", "/faces/clusters/samples", true, { service, _, fields, _ in try service.faceClusterSamples(fields) }),
        ("POST", "/faces/clusters/faces", true, { service, _, fields, _ in try service.faceClusterFaces(fields) }),
        ("PUT", "/faces/clusters/names", true, { service, _, fields, _ in try service.renameFaceClusters(fields) }),
        ("POST", "/faces/recluster", true, { service, _, fields, _ in try service.reclusterFaces(fields) }),
        ("POST", "/faces/clusters/modify", true, { service, _, fields, _ in try service.modifyFaceClusters(fields) }),
    ]

    /// Registers every endpoint on the router, wrapped in authentication and error mapping.
    public func register(on router: inout Router) {
        for endpoint in Self.endpoints {
            let handler = endpoint.handler
            let needsKey = endpoint.needsKey
            router.add(endpoint.method, Self.basePath + endpoint.path) { [self] request, parameters in
                let fields = try RequestFields(request: request)
                if needsKey, let rejection = self.authenticator.reject(request, fields: fields) {
                    return rejection
                }
                return try await handler(self, request, fields, parameters)
            }
        }
    }

    /// Maps any error a handler throws to the contract's status and body.
    public func response(for error: any Error, request: HTTPRequest) -> HTTPResponse {
        switch error {
        case let apiError as APIError:
            return apiError.response
        case let modelError as ModelError:
            return Self.response(for: modelError)
        case let damaged as DamagedTranscriptError:
            // the stored file is at fault, not the server, and analysing again with force replaces it
            self.logger.warning(
                "damaged transcript requested",
                ["request.id": request.requestID, "file.path": damaged.path]
            )
            return APIError(status: 409, title: "Damaged transcript", message: damaged.description).response
        case let taskError as TaskError:
            return APIError.conflict(taskError.description).response
        case let speechError as SpeechError:
            return APIError(status: 500, title: "Speech failed", message: speechError.description).response
        case let exportError as ExportError:
            return self.response(for: exportError, request: request)
        case let mediaError as MediaError:
            // A file the client named cannot be used: the request is at fault, not the server.
            return APIError(status: 400, title: "Invalid media", message: mediaError.description).response
        case let facesError as FacesError:
            return self.response(for: facesError, request: request)
        case StoreError.cacheDirectoryNotFound:
            return APIError.notFound(String(describing: error)).response
        case StoreError.invalidCacheDirectory, StoreError.invalidHashString, StoreError.invalidCollectionName:
            return APIError.badRequest(String(describing: error)).response
        case let storeError as StoreError:
            self.logger.error("analysis storage failed", ["request.id": request.requestID, "error": storeError.description])
            return APIError(status: 500, title: "Analysis storage failed", message: storeError.description).response
        default:
            self.logger.error(
                "request failed",
                ["request.id": request.requestID, "http.path": request.path, "error": String(describing: error)]
            )
            var body = JSONObject()
            body["error"] = "Internal server error"
            body["message"] = .string(
                "The server failed to handle this request; the server log has details under this request_id."
            )
            body["request_id"] = .string(request.requestID)
            return .json(.object(body), status: 500)
        }
    }

    private func response(for error: FacesError, request: HTTPRequest) -> HTTPResponse {
        switch error {
        case .collectionNotFound, .clusterNotFound, .faceNotFound:
            return APIError.notFound(error.description).response
        case .invalidArgument:
            return APIError.badRequest(error.description).response
        default:
            self.logger.error("face operation failed", ["request.id": request.requestID, "error": error.description])
            return APIError(status: 500, title: "Face operation failed", message: error.description).response
        }
    }

    private static func response(for error: ModelError) -> HTTPResponse {
        switch error {
        case .unknownKey, .notInstalled:
            return APIError.badRequest(error.description).response
        case .loading:
            var response = APIError.modelsLoading(error.description).response
            response.headers.append((name: "Retry-After", value: "2"))
            return response
        case .loadFailed:
            return APIError(status: 500, title: "Model failed to load", message: error.description).response
        }
    }
}
