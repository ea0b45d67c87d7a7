import Foundation

/// One HTTP request as handlers receive it, with the whole body read and the path decoded.
public struct HTTPRequest: Sendable {
    /// A random identifier (12 lower-case hex digits) that the response repeats in `X-Request-Id`.
    public let requestID: String
    /// The request method in upper case, such as `GET` or `POST`.
    public let method: String
    /// The percent-decoded path without the query string, such as `/api/v1/health`.
    public let path: String
    /// The path as the client sent it, still percent-encoded, so a router can split it into
    /// segments before decoding (an encoded `/` then stays inside its segment).
    public let rawPath: String
    /// The decoded query parameters. When a name repeats, the last value wins.
    public let query: [String: String]
    /// The request headers with lower-cased names. Repeated headers are joined with `, `.
    public let headers: [String: String]
    /// The request body, empty when the request has none.
    public let body: [UInt8]
    /// The client's IP address.
    public let remoteAddress: String

    public init(
        requestID: String = HTTPRequest.makeRequestID(),
        method: String,
        path: String,
        rawPath: String? = nil,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: [UInt8] = [],
        remoteAddress: String = "127.0.0.1"
    ) {
        self.requestID = requestID
        self.method = method
        self.path = path
        self.rawPath = rawPath ?? path
        self.query = query
        var lowerCased: [String: String] = [:]
        for (name, value) in headers {
            lowerCased[name.lowercased()] = value
        }
        self.headers = lowerCased
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// Returns the value of the header `name`, compared case-insensitively, or nil when absent.
    public func header(_ name: String) -> String? {
        self.headers[name.lowercased()]
    }

    /// Returns a new random request identifier of 12 lower-case hex digits (48 random bits).
    public static func makeRequestID() -> String {
        let value = UInt64.random(in: 0..<(1 << 48))
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}

// MARK: - Query strings

extension HTTPRequest {
    /// Parses an `application/x-www-form-urlencoded` query string into decoded name-value pairs.
    ///
    /// A `+` stands for a space, and an invalid percent escape is kept literally.
    public static func parseQuery(_ queryString: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in queryString.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(String(parts[0]), plusAsSpace: true)
            let value = parts.count > 1 ? percentDecode(String(parts[1]), plusAsSpace: true) : ""
            parameters[name] = value
        }
        return parameters
    }

    /// Decodes `%XX` escapes as UTF-8 bytes. An invalid escape is kept as written.
    public static func percentDecode(_ text: String, plusAsSpace: Bool = false) -> String {
        guard text.contains("%") || (plusAsSpace && text.contains("+")) else {
            return text
        }
        let bytes = Array(text.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else if byte == UInt8(ascii: "+"), plusAsSpace {
                decoded.append(UInt8(ascii: " "))
                index += 1
            } else {
                decoded.append(byte)
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
