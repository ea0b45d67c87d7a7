import API
import Analysis
import Foundation
import JumperCore
import WatchFolders

extension Server {
    /// Opens the watch-folder store in the data folder and builds the service, with its
    /// tunables from `JUMPER_WATCH_*` environment variables. A store that cannot be opened
    /// disables the watch-folder endpoints (503) instead of stopping the server.
    ///
    /// - Throws: `ConfigurationError` when a `JUMPER_WATCH_*` variable is invalid.
    func makeWatchFolderService(runner: TaskRunner, models: ModelRegistry, speech: SpeechModels) throws -> WatchFolderService? {
        let configuration: WatchServiceConfiguration
        do {
            configuration = try WatchServiceConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ConfigurationError(error.description)
        }
        let logger = self.logger.labelled("jumper.watch")
        do {
            let store = try WatchFolderStore(dataDirectory: self.options.dataDirectory)
            return WatchFolderService(
                store: store,
                runner: runner,
                models: models,
                speech: speech,
                configuration: configuration,
                logger: logger
            )
        } catch {
            logger.error(
                "watch-folder store could not be opened; watch folders are disabled",
                ["data.dir": self.options.dataDirectory, "error": String(describing: error)]
            )
            return nil
        }
    }

    /// Starts the watch-folder service when it was running before the server last stopped.
    func restoreWatchFolderService(_ service: WatchFolderService?) {
        do {
            try service?.restoreState()
        } catch {
            self.logger.error("watch-folder service state could not be restored", ["error": String(describing: error)])
        }
    }
}
