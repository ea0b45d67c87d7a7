import API
import Analysis
import Foundation
import HTTPServer
import JumperCore
import Search
import SocketIO

/// Builds every service of the server from its options and starts listening.
struct Server {
    let options: ServeOptions
    let logger: Logger

    /// Starts the server and blocks until SIGINT or SIGTERM.
    func run() throws {
        try FileManager.default.createDirectory(atPath: self.options.dataDirectory, withIntermediateDirectories: true)
        let licenseKeys = try LicenseKeyStore.load(dataDirectory: self.options.dataDirectory, logger: self.logger)

        let models = ModelRegistry(modelsDirectory: self.options.resolvedModelsDirectory, logger: self.logger)
        let socket = SocketIOServer(logger: self.logger.labelled("jumper.socketio"))
        let speech = SpeechModels(modelsDirectory: self.options.resolvedModelsDirectory, logger: self.logger.labelled("jumper.speech"))
        let runner = TaskRunner(models: models, speech: speech, logger: self.logger.labelled("jumper.analysis")) { progress in
            socket.emit("progress", progress.json(), toRoom: progress.taskID)
        }
        // A client that joins the room of a task that already ended gets its final event at once.
        socket.setJoinHandler { room in
            guard let final = runner.finalEvent(taskID: room) else { return [] }
            return [(event: "progress", payload: final.json())]
        }
        let index = VisualSearchIndex(logger: self.logger.labelled("jumper.search"))
        let watchFolders = try self.makeWatchFolderService(runner: runner, models: models, speech: speech)
        let api = APIService(
            licenseKeys: licenseKeys,
            dataDirectory: self.options.dataDirectory,
            models: models,
            speech: speech,
            runner: runner,
            index: index,
            logger: self.logger.labelled("jumper.api"),
            watchFolders: watchFolders
        )

        let http = HTTPServer(
            configuration: HTTPServerConfiguration(host: self.options.host, port: self.options.port),
            logger: self.logger.labelled("jumper.http")
        )
        var router = Router(errorMapper: { error, request in api.response(for: error, request: request) })
        api.register(on: &router)
        let routes = router
        http.setRequestHandler { request in await routes.handle(request) }
        socket.attach(to: http)
        try http.start()

        // Loading the default model up front makes the first search fast instead of a 503.
        if models.isDownloaded(key: models.activeKey) {
            models.startLoading(key: models.activeKey)
        } else {
            self.logger.warning(
                "default visual model is not installed; analysis and search will fail until it is",
                ["models.dir": self.options.resolvedModelsDirectory]
            )
        }
        self.logger.info(
            "listening",
            [
                "url": "http://\(self.options.host):\(http.port)\(APIService.basePath)",
                "data.dir": self.options.dataDirectory,
                "keys.file": LicenseKeyStore.keysFilePath(dataDirectory: self.options.dataDirectory),
            ]
        )
        self.restoreWatchFolderService(watchFolders)
        waitForTerminationSignal()
        self.logger.info("stopping")
        watchFolders?.shutDown()
        _ = runner.cancel(taskID: nil)
        http.stop()
    }
}

/// Blocks the calling thread until the process receives SIGINT or SIGTERM.
private func waitForTerminationSignal() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    // Blocked in this thread, which every thread created later inherits, so sigwait receives them.
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    var received: Int32 = 0
    sigwait(&signals, &received)
}
