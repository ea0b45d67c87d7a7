import Foundation

#if canImport(FoundationNetworking)
    @preconcurrency import FoundationNetworking
#endif

/// One HTTP GET that appends the response body to a `.part` file, resuming with a `Range`
/// request when the file already contains bytes.
///
/// A `206 Partial Content` answer is appended; a `200` answer (a server without range
/// support) restarts the file from zero. Redirects are followed with the `Range` header kept,
/// and the `X-Linked-Etag`/`X-Linked-Size` headers that the Hugging Face hub puts on its
/// redirect are kept as the file's sha256 and size.
final class HTTPFileFetcher: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// The status, sizes and checksum of one transfer.
    struct Outcome: Sendable {
        /// The final HTTP status, or nil when no response arrived.
        var status: Int?
        /// The size of the whole file, when the server stated it.
        var totalSize: Int64?
        /// The sha256 the server stated (a 64-hex-digit ETag), if any.
        var sha256: String?
        /// The bytes now in the `.part` file.
        var partSize: Int64 = 0
        /// The transport or file error that ended the transfer early.
        var failure: String?
    }

    /// The lock protects every mutable property below, which URLSession's delegate queue and
    /// the awaiting caller both touch.
    private let lock = NSLock()
    private let partPath: String
    private let progress: @Sendable (Int64, Int64?) -> Void
    private var handle: FileHandle?
    private var outcome = Outcome()
    private var linkedSHA256: String?
    private var linkedSize: Int64?
    private var continuation: CheckedContinuation<Outcome, Never>?

    private init(partPath: String, progress: @escaping @Sendable (Int64, Int64?) -> Void) {
        self.partPath = partPath
        self.progress = progress
    }

    /// Fetches `url` into `partPath`, resuming from the bytes already there.
    ///
    /// - Parameters:
    ///   - url: The file URL.
    ///   - partPath: The partial file; created when missing.
    ///   - progress: Called with the bytes in the part file and the file size when known.
    /// - Returns: The outcome; transport failures are reported in it, not thrown.
    static func fetch(url: URL, into partPath: String, progress: @escaping @Sendable (Int64, Int64?) -> Void) async -> Outcome {
        let existing = Self.fileSize(partPath)
        var request = URLRequest(url: url)
        request.timeoutInterval = 60
        if existing > 0 {
            request.setValue("bytes=\(existing)-", forHTTPHeaderField: "Range")
        }
        let fetcher = HTTPFileFetcher(partPath: partPath, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: fetcher, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        return await withCheckedContinuation { continuation in
            fetcher.lock.lock()
            fetcher.outcome.partSize = existing
            fetcher.continuation = continuation
            fetcher.lock.unlock()
            session.dataTask(with: request).resume()
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    // MARK: - URLSessionDataDelegate

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        var redirected = request
        if let range = task.originalRequest?.value(forHTTPHeaderField: "Range") {
            redirected.setValue(range, forHTTPHeaderField: "Range")
        }
        self.lock.lock()
        if let etag = response.value(forHTTPHeaderField: "X-Linked-Etag").flatMap(Self.sha256FromETag) {
            self.linkedSHA256 = etag
        }
        if let size = response.value(forHTTPHeaderField: "X-Linked-Size").flatMap({ Int64($0) }) {
            self.linkedSize = size
        }
        self.lock.unlock()
        completionHandler(redirected)
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        // URLSession may call back into this delegate from inside the completion handler, so
        // the handler runs only after the lock is released.
        self.lock.lock()
        let disposition = self.accept(response as? HTTPURLResponse)
        self.lock.unlock()
        completionHandler(disposition)
    }

    /// Records the response and opens the part file; the caller holds the lock.
    private func accept(_ http: HTTPURLResponse?) -> URLSession.ResponseDisposition {
        let status = http?.statusCode ?? 0
        self.outcome.status = status
        self.outcome.sha256 = http?.value(forHTTPHeaderField: "X-Linked-Etag").flatMap(Self.sha256FromETag)
            ?? http?.value(forHTTPHeaderField: "ETag").flatMap(Self.sha256FromETag) ?? self.linkedSHA256
        let length = http?.value(forHTTPHeaderField: "Content-Length").flatMap { Int64($0) }
        // Other statuses and mismatched ranges take their body without writing it, so the task
        // completes normally and the caller sees the status or the failure.
        guard status == 200 || status == 206 else {
            return .allow
        }
        do {
            if status == 200 {
                // no range support, or no range requested: start over
                _ = FileManager.default.createFile(atPath: self.partPath, contents: nil)
                self.outcome.partSize = 0
                self.outcome.totalSize = length ?? self.linkedSize
            } else {
                let range = http?.value(forHTTPHeaderField: "Content-Range") ?? ""
                guard let first = Self.rangeStart(range), first == self.outcome.partSize else {
                    self.outcome.failure = "Content-Range '\(range)' does not continue at byte \(self.outcome.partSize)"
                    return .allow
                }
                self.outcome.totalSize = Self.rangeTotal(range) ?? self.linkedSize
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: self.partPath))
            try handle.seekToEnd()
            self.handle = handle
            return .allow
        } catch {
            self.outcome.failure = "cannot write '\(self.partPath)': \(error)"
            return .allow
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        self.lock.lock()
        var failed = false
        guard let handle = self.handle else {
            self.lock.unlock()
            return
        }
        do {
            try handle.write(contentsOf: data)
            self.outcome.partSize += Int64(data.count)
        } catch {
            self.outcome.failure = "cannot write '\(self.partPath)': \(error)"
            failed = true
        }
        let received = self.outcome.partSize
        let total = self.outcome.totalSize
        self.lock.unlock()
        if failed {
            dataTask.cancel()
            return
        }
        self.progress(received, total)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        self.lock.lock()
        try? self.handle?.close()
        self.handle = nil
        if let error, self.outcome.failure == nil, self.outcome.status == 200 || self.outcome.status == 206 || self.outcome.status == nil {
            self.outcome.failure = "\(error.localizedDescription)"
        }
        let outcome = self.outcome
        let continuation = self.continuation
        self.continuation = nil
        self.lock.unlock()
        continuation?.resume(returning: outcome)
    }

    // MARK: - Header parsing

    /// Returns the sha256 in an ETag such as `"abc…"` or `W/"abc…"`, or nil when it is not 64 hex digits.
    static func sha256FromETag(_ etag: String) -> String? {
        var value = etag.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("W/") {
            value.removeFirst(2)
        }
        value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let isHex = value.count == 64 && value.allSatisfy { $0.isHexDigit }
        return isHex ? value.lowercased() : nil
    }

    /// Returns `first` of `bytes first-last/total`.
    static func rangeStart(_ header: String) -> Int64? {
        guard let range = header.split(separator: " ").last?.split(separator: "/").first else { return nil }
        return range.split(separator: "-").first.flatMap { Int64($0) }
    }

    /// Returns `total` of `bytes first-last/total`, or nil when it is `*` or absent.
    static func rangeTotal(_ header: String) -> Int64? {
        header.split(separator: "/").last.flatMap { Int64($0) }
    }
}
