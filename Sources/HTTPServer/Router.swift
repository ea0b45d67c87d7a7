import JumperCore

/// The values of a route's `{name}` segments for one request, percent-decoded.
public struct RouteParameters: Sendable, Equatable {
    public private(set) var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Returns the value captured by `{name}`, or nil when the route has no such segment.
    public subscript(name: String) -> String? {
        self.values[name]
    }
}

/// Dispatches requests to handlers by method and path pattern.
///
/// Patterns are literal segments and `{name}` captures, such as
/// `/api/v1/watch-folders/{id}`; a capture matches one non-empty segment. A literal segment
/// wins over a capture at the same position. A trailing slash in the request is ignored.
/// Unknown paths get 404 and known paths with another method get 405 with an `Allow` header.
/// Errors thrown by handlers go to the error-mapping closure given at creation.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, RouteParameters) async throws -> HTTPResponse
    public typealias ErrorMapper = @Sendable (any Error, HTTPRequest) -> HTTPResponse

    private struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: Handler
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(String)
    }

    private var routes: [Route] = []
    private let errorMapper: ErrorMapper

    /// Creates an empty router.
    /// - Parameter errorMapper: turns an error thrown by a handler into a response.
    public init(errorMapper: @escaping ErrorMapper) {
        self.errorMapper = errorMapper
    }

    /// Adds a handler for `method` (case-insensitive) and `pattern`.
    ///
    /// - Precondition: no route with the same method and the same segments exists.
    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let segments = Router.splitPath(pattern).map { segment -> Segment in
            if segment.hasPrefix("{") && segment.hasSuffix("}") && segment.count > 2 {
                return .capture(String(segment.dropFirst().dropLast()))
            }
            return .literal(segment)
        }
        let upperMethod = method.uppercased()
        precondition(
            !self.routes.contains { $0.method == upperMethod && $0.segments == segments },
            "duplicate route \(upperMethod) \(pattern)"
        )
        self.routes.append(Route(method: upperMethod, pattern: pattern, segments: segments, handler: handler))
    }

    /// The registered routes as `(method, pattern)` pairs, in registration order.
    public var registeredRoutes: [(method: String, pattern: String)] {
        self.routes.map { ($0.method, $0.pattern) }
    }

    /// Finds the route for the request, runs it and maps a thrown error to a response.
    /// A `HEAD` request falls back to the `GET` route of the same path.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let requestSegments = Router.splitPath(request.rawPath).map { HTTPRequest.percentDecode($0) }
        var bestMatch: (route: Route, parameters: [String: String], score: Int)?
        var allowedMethods: [String] = []

        for route in self.routes {
            guard let match = Router.match(route.segments, requestSegments) else { continue }
            if !allowedMethods.contains(route.method) {
                allowedMethods.append(route.method)
            }
            let methodMatches = route.method == request.method
                || (request.method == "HEAD" && route.method == "GET")
            guard methodMatches else { continue }
            // A HEAD route beats the GET fallback, and more literal segments beat captures.
            let score = match.literalCount * 2 + (route.method == request.method ? 1 : 0)
            if bestMatch == nil || score > bestMatch!.score {
                bestMatch = (route, match.parameters, score)
            }
        }

        if let bestMatch {
            do {
                return try await bestMatch.route.handler(request, RouteParameters(bestMatch.parameters))
            } catch {
                return self.errorMapper(error, request)
            }
        }
        if allowedMethods.isEmpty {
            return .error(
                status: 404,
                title: "Not found",
                message: "No endpoint \(request.method) \(request.path). Check the path against the API documentation."
            )
        }
        if allowedMethods.contains("GET") && !allowedMethods.contains("HEAD") {
            allowedMethods.append("HEAD")
        }
        var response = HTTPResponse.error(
            status: 405,
            title: "Method not allowed",
            message: "\(request.path) does not accept \(request.method). Allowed methods: "
                + allowedMethods.joined(separator: ", ") + "."
        )
        response.setHeader("Allow", allowedMethods.joined(separator: ", "))
        return response
    }

    // MARK: - Matching

    private static func splitPath(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func match(
        _ segments: [Segment],
        _ requestSegments: [String]
    ) -> (parameters: [String: String], literalCount: Int)? {
        guard segments.count == requestSegments.count else { return nil }
        var parameters: [String: String] = [:]
        var literalCount = 0
        for (segment, value) in zip(segments, requestSegments) {
            switch segment {
            case .literal(let literal):
                guard literal == value else { return nil }
                literalCount += 1
            case .capture(let name):
                guard !value.isEmpty else { return nil }
                parameters[name] = value
            }
        }
        return (parameters, literalCount)
    }
}
