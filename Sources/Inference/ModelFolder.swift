import COpenBLAS
import Foundation
import JumperCore

/// A model folder on disk: paths of its files and JSON reading with errors that name the file.
struct ModelFolder: Sendable {
    let directory: String

    /// Returns the path of `name` inside the folder.
    func path(_ name: String) -> String {
        (self.directory as NSString).appendingPathComponent(name)
    }

    /// Parses the JSON file `name`.
    ///
    /// - Throws: `InferenceError.missingModelFile` or `.invalidModelFile`.
    func readJSON(_ name: String) throws -> JSON {
        let path = self.path(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InferenceError.missingModelFile(path: path)
        }
        do {
            return try JSON.parse(data)
        } catch {
            throw InferenceError.invalidModelFile(path: path, reason: "not valid JSON: \(error)")
        }
    }

    /// Runs OpenBLAS on one thread unless `OPENBLAS_NUM_THREADS` is set.
    ///
    /// The setting is process-wide. Measured with the label-bridge release benchmark on a shared
    /// 2-vCPU machine: a second BLAS thread raised the CPU time per text query from about 8 to
    /// 35 ms and per frame from 26 to 33 ms, because its worker spins while the small GEMMs of
    /// one query finish. The depthwise convolutions of label-bridge still use both cores
    /// through Dispatch.
    static func configureBLASThreads(logger: Logger) {
        if let configured = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] {
            logger.debug("openblas threads set by environment", ["blas.threads": configured])
            return
        }
        openblas_set_num_threads(1)
    }
}
