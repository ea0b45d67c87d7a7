import HTTPServer
import JumperCore

/// An error a handler throws to respond with the contract's error body and status.
///
/// `message` states what failed, on which value, and what to do next.
public struct APIError: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let title: String
    public let message: String

    public init(status: Int, title: String, message: String) {
        self.status = status
        self.title = title
        self.message = message
    }

    public var description: String {
        "\(self.status) \(self.title): \(self.message)"
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(status: 400, title: "Invalid request", message: message)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(status: 404, title: "Not found", message: message)
    }

    public static func conflict(_ message: String) -> APIError {
        APIError(status: 409, title: "Conflict", message: message)
    }

    public static func modelsLoading(_ message: String) -> APIError {
        APIError(status: 503, title: "Models loading", message: message)
    }

    /// The response body: `{"error", "message"}`.
    var response: HTTPResponse {
        HTTPResponse.error(status: self.status, title: self.title, message: self.message)
    }
}
