import CCivetweb
import Foundation
import JumperCore

extension HTTPServer {
    /// Serves one request on the calling civetweb worker thread and returns the status code
    /// written, or 0 to let civetweb handle a WebSocket upgrade itself.
    func serve(_ connection: OpaquePointer) -> Int {
        guard let info = mg_get_request_info(connection) else { return 0 }
        let rawPath = info.pointee.local_uri.map { String(cString: $0) } ?? "/"
        if isWebSocketUpgrade(info), self.hasWebSocketRoute(for: HTTPRequest.percentDecode(rawPath)) {
            return 0
        }

        let startTime = DispatchTime.now()
        let requestID = HTTPRequest.makeRequestID()
        let keepAlive = clientWantsKeepAlive(info)
        let response: HTTPResponse
        var closeConnection = !keepAlive
        var isBodyRejected = false

        switch self.readBody(connection, info: info) {
        case .complete(let body):
            let request = makeRequest(info: info, requestID: requestID, body: body)
            response = self.respond(to: request)
        case .tooLarge:
            // The rest of the body stays unread, so the connection cannot carry another request.
            closeConnection = true
            isBodyRejected = true
            let limit = self.configuration.maxRequestBodyBytes
            response = .error(
                status: 413,
                title: "Payload too large",
                message: "The request body exceeds the limit of \(limit) bytes (\(formatMebibytes(limit))). "
                    + "Send a smaller body."
            )
        case .failed:
            closeConnection = true
            isBodyRejected = true
            response = .error(
                status: 400,
                title: "Bad request",
                message: "The request body ended before its declared length or timed out. Resend the request."
            )
        }

        let method = info.pointee.request_method.map { String(cString: $0) } ?? "GET"
        if isBodyRejected {
            self.logger.warning(
                "request body rejected",
                [
                    "http.method": method,
                    "http.path": HTTPRequest.percentDecode(rawPath),
                    "http.status": String(response.status),
                    "http.content_length": String(info.pointee.content_length),
                    "request.id": requestID,
                ]
            )
        }
        if closeConnection {
            mg_disable_connection_keep_alive(connection)
        }
        let written = writeResponse(
            connection,
            response: response,
            requestID: requestID,
            closeConnection: closeConnection,
            omitBody: method == "HEAD"
        )
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - startTime.uptimeNanoseconds) / 1e6
        self.logger.debug(
            "request handled",
            [
                "http.method": method,
                "http.path": HTTPRequest.percentDecode(rawPath),
                "http.status": String(response.status),
                "http.duration_ms": String((elapsed * 100).rounded() / 100),
                "request.id": requestID,
                "http.written": written ? "true" : "false",
            ]
        )
        return response.status
    }

    /// Runs the blocking handler for the request's path or, when there is none, the async
    /// request handler while this worker thread waits.
    private func respond(to request: HTTPRequest) -> HTTPResponse {
        if let blockingHandler = self.blockingHandler(for: request.path) {
            return blockingHandler(request)
        }
        let handler = self.currentRequestHandler()
        let box = ResponseBox()
        Task {
            let response = await handler(request)
            box.complete(response)
        }
        return box.wait()
    }

    // MARK: - Request body

    enum BodyReadResult {
        case complete([UInt8])
        case tooLarge
        case failed
    }

    /// Reads the whole body, declared by `Content-Length` or sent chunked, up to the limit.
    /// A body over the limit is left unread when its length is declared.
    func readBody(_ connection: OpaquePointer, info: UnsafePointer<mg_request_info>) -> BodyReadResult {
        let limit = self.configuration.maxRequestBodyBytes
        let declaredLength = info.pointee.content_length
        if declaredLength > Int64(limit) {
            return .tooLarge
        }
        if declaredLength != 0, expectsContinue(info) {
            // civetweb 1.15 does not send the interim response for callback handlers, and
            // clients such as curl wait for it (curl for 1 s) before they send the body.
            let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            let written = interim.withUnsafeBytes { mg_write(connection, $0.baseAddress, $0.count) }
            guard written == interim.count else { return .failed }
        }
        if declaredLength > 0 {
            var body = [UInt8](repeating: 0, count: Int(declaredLength))
            var received = 0
            while received < body.count {
                let count = body.withUnsafeMutableBytes { buffer in
                    mg_read(connection, buffer.baseAddress! + received, buffer.count - received)
                }
                guard count > 0 else { return .failed }
                received += Int(count)
            }
            return .complete(body)
        }
        guard declaredLength < 0, isChunked(info) else {
            return .complete([])
        }

        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                mg_read(connection, buffer.baseAddress, buffer.count)
            }
            if count == 0 {
                return .complete(body)
            }
            guard count > 0 else { return .failed }
            guard body.count + Int(count) <= limit else { return .tooLarge }
            body.append(contentsOf: chunk[0..<Int(count)])
        }
    }
}

// MARK: - Request and response helpers

/// Builds an ``HTTPRequest`` from civetweb's request information.
func makeRequest(info: UnsafePointer<mg_request_info>, requestID: String, body: [UInt8]) -> HTTPRequest {
    let request = info.pointee
    let rawPath = request.local_uri.map { String(cString: $0) } ?? "/"
    let queryString = request.query_string.map { String(cString: $0) } ?? ""

    var headers: [String: String] = [:]
    var headerTable = request.http_headers
    let headerCount = Int(request.num_headers)
    withUnsafeBytes(of: &headerTable) { raw in
        let fields = raw.bindMemory(to: mg_header.self)
        for index in 0..<min(headerCount, fields.count) {
            guard let name = fields[index].name, let value = fields[index].value else { continue }
            let key = String(cString: name).lowercased()
            let text = String(cString: value)
            if let existing = headers[key] {
                headers[key] = existing + ", " + text
            } else {
                headers[key] = text
            }
        }
    }

    var addressTuple = request.remote_addr
    let remoteAddress = withUnsafeBytes(of: &addressTuple) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }

    return HTTPRequest(
        requestID: requestID,
        method: request.request_method.map { String(cString: $0) } ?? "GET",
        path: HTTPRequest.percentDecode(rawPath),
        rawPath: rawPath,
        query: HTTPRequest.parseQuery(queryString),
        headers: headers,
        body: body,
        remoteAddress: remoteAddress
    )
}

private func headerValue(_ info: UnsafePointer<mg_request_info>, _ name: String) -> String? {
    var headerTable = info.pointee.http_headers
    let headerCount = Int(info.pointee.num_headers)
    return withUnsafeBytes(of: &headerTable) { raw in
        let fields = raw.bindMemory(to: mg_header.self)
        for index in 0..<min(headerCount, fields.count) {
            guard let fieldName = fields[index].name, let value = fields[index].value else { continue }
            if String(cString: fieldName).caseInsensitiveCompare(name) == .orderedSame {
                return String(cString: value)
            }
        }
        return nil
    }
}

private func isWebSocketUpgrade(_ info: UnsafePointer<mg_request_info>) -> Bool {
    guard let upgrade = headerValue(info, "Upgrade") else { return false }
    return upgrade.lowercased().contains("websocket")
}

private func expectsContinue(_ info: UnsafePointer<mg_request_info>) -> Bool {
    headerValue(info, "Expect")?.lowercased().contains("100-continue") ?? false
}

private func isChunked(_ info: UnsafePointer<mg_request_info>) -> Bool {
    headerValue(info, "Transfer-Encoding")?.lowercased().contains("chunked") ?? false
}

extension HTTPServer {
    /// Writes a JSON error for a request civetweb rejected before any handler saw it, such
    /// as a malformed request line, and closes the connection.
    func answerProtocolError(_ connection: OpaquePointer, status: Int, detail: String) {
        let requestID = HTTPRequest.makeRequestID()
        let reason = reasonPhrase(for: status)
        let explanation = detail.isEmpty ? reason : detail
        let response = HTTPResponse.error(
            status: status,
            title: reason,
            message: "The server could not read the request: \(explanation). Check the request line and headers."
        )
        self.logger.warning(
            "request rejected by the HTTP parser",
            ["http.status": String(status), "error": explanation, "request.id": requestID]
        )
        _ = writeResponse(connection, response: response, requestID: requestID, closeConnection: true, omitBody: false)
    }
}

/// Applies HTTP/1.1 keep-alive rules: 1.1 keeps the connection unless the client sends
/// `Connection: close`, 1.0 closes it unless the client sends `Connection: keep-alive`.
private func clientWantsKeepAlive(_ info: UnsafePointer<mg_request_info>) -> Bool {
    let version = info.pointee.http_version.map { String(cString: $0) } ?? "1.1"
    let connectionHeader = headerValue(info, "Connection")?.lowercased() ?? ""
    if version == "1.0" {
        return connectionHeader.contains("keep-alive")
    }
    return !connectionHeader.contains("close")
}

/// Writes the status line, headers and body in one `mg_write` call, so a small response
/// leaves in one TCP segment. Returns false when the client has gone.
private func writeResponse(
    _ connection: OpaquePointer,
    response: HTTPResponse,
    requestID: String,
    closeConnection: Bool,
    omitBody: Bool
) -> Bool {
    var head = "HTTP/1.1 \(response.status) \(reasonPhrase(for: response.status))\r\n"
    for header in response.headers {
        let name = header.name.lowercased()
        if name == "content-length" || name == "connection" || name == "x-request-id" {
            continue
        }
        head += "\(header.name): \(header.value)\r\n"
    }
    // 1xx, 204 and 304 responses carry no body and must not declare a length (RFC 9110).
    let hasNoBody = response.status < 200 || response.status == 204 || response.status == 304
    if !hasNoBody {
        head += "Content-Length: \(response.body.count)\r\n"
    }
    head += "X-Request-Id: \(requestID)\r\n"
    head += closeConnection ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n"

    var bytes = Array(head.utf8)
    if !omitBody && !hasNoBody {
        bytes.append(contentsOf: response.body)
    }
    let written = bytes.withUnsafeBytes { buffer in
        mg_write(connection, buffer.baseAddress, buffer.count)
    }
    return written == bytes.count
}

private func formatMebibytes(_ bytes: Int) -> String {
    let mebibytes = Double(bytes) / 1_048_576
    return mebibytes == mebibytes.rounded() ? "\(Int(mebibytes)) MiB" : "\((mebibytes * 10).rounded() / 10) MiB"
}

/// Hands a response from the handler's task to the waiting worker thread.
private final class ResponseBox: @unchecked Sendable {
    // The semaphore orders the write of `response` before its read.
    private let semaphore = DispatchSemaphore(value: 0)
    private var response: HTTPResponse?

    func complete(_ response: HTTPResponse) {
        self.response = response
        self.semaphore.signal()
    }

    func wait() -> HTTPResponse {
        self.semaphore.wait()
        return self.response ?? .error(status: 500, title: "Internal server error", message: "The handler returned no response.")
    }
}
