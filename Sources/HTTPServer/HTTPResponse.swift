import JumperCore

/// An HTTP response that a handler returns. The server adds `Content-Length`, `Connection`
/// and `X-Request-Id` when it writes the response.
public struct HTTPResponse: Sendable {
    /// The status code, such as 200 or 404.
    public var status: Int
    /// Header fields in the order they are written. Names keep the case given here.
    public var headers: [(name: String, value: String)]
    /// The response body.
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Builds a response whose body is `value` serialised as compact JSON.
    public static func json(_ value: JSON, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [(name: "Content-Type", value: "application/json")],
            body: value.serialized()
        )
    }

    /// Builds the project's error body `{"error": title, "message": message}` as JSON.
    public static func error(status: Int, title: String, message: String) -> HTTPResponse {
        let body: JSON = ["error": .string(title), "message": .string(message)]
        return .json(body, status: status)
    }

    /// Builds a plain-text response encoded as UTF-8.
    public static func text(
        _ text: String,
        status: Int = 200,
        contentType: String = "text/plain; charset=UTF-8"
    ) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [(name: "Content-Type", value: contentType)],
            body: Array(text.utf8)
        )
    }

    /// Returns the first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowerCased = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowerCased }?.value
    }

    /// Adds a header field, keeping any existing field of the same name.
    public mutating func addHeader(_ name: String, _ value: String) {
        self.headers.append((name: name, value: value))
    }

    /// Replaces every field named `name` (compared case-insensitively) with one field.
    public mutating func setHeader(_ name: String, _ value: String) {
        let lowerCased = name.lowercased()
        self.headers.removeAll { $0.name.lowercased() == lowerCased }
        self.headers.append((name: name, value: value))
    }
}

/// Returns the standard reason phrase for a status code, or "Unknown" for an unlisted code.
func reasonPhrase(for status: Int) -> String {
    switch status {
    case 100: "Continue"
    case 101: "Switching Protocols"
    case 200: "OK"
    case 201: "Created"
    case 202: "Accepted"
    case 204: "No Content"
    case 206: "Partial Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 304: "Not Modified"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 408: "Request Timeout"
    case 409: "Conflict"
    case 411: "Length Required"
    case 413: "Payload Too Large"
    case 415: "Unsupported Media Type"
    case 422: "Unprocessable Entity"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 501: "Not Implemented"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    default: "Unknown"
    }
}
