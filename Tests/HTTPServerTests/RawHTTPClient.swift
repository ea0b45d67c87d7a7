import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A parsed HTTP response as read from the socket.
struct RawResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}

/// An error of the test client, carrying what it was doing.
struct RawClientError: Error, CustomStringConvertible {
    let description: String
}

/// A blocking TCP client on 127.0.0.1 that writes raw bytes and parses HTTP/1.1 responses,
/// so tests can control keep-alive and chunked bodies exactly.
final class RawHTTPClient {
    private let socketDescriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeoutSeconds: Int = 10) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawClientError(description: "socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw RawClientError(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        self.socketDescriptor = descriptor
    }

    deinit {
        close(self.socketDescriptor)
    }

    func send(_ text: String) throws {
        try self.send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(self.socketDescriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw RawClientError(description: "send failed: errno \(errno)") }
            offset += count
        }
    }

    /// Reads more bytes into the buffer; returns false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(self.socketDescriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        guard count > 0 else { throw RawClientError(description: "recv failed or timed out: errno \(errno)") }
        self.buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    func readExactly(_ count: Int) throws -> [UInt8] {
        while self.buffer.count < count {
            guard try self.fill() else {
                throw RawClientError(description: "connection closed after \(self.buffer.count) of \(count) bytes")
            }
        }
        let bytes = Array(self.buffer[0..<count])
        self.buffer.removeFirst(count)
        return bytes
    }

    /// Reads one response head and, when it declares a Content-Length, its body.
    func readResponse() throws -> RawResponse {
        let head = try self.readResponseHead()
        let length = Int(head.headers["content-length"] ?? "0") ?? 0
        let body = try self.readExactly(length)
        return RawResponse(status: head.status, headers: head.headers, body: body)
    }

    /// Reads one response head and leaves any body unread.
    func readResponseHead() throws -> RawResponse {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            if let range = self.buffer.firstRange(of: terminator) {
                headerEnd = range.upperBound
            } else if try !self.fill() {
                throw RawClientError(description: "connection closed before a full response head")
            }
        }
        let head = String(decoding: self.buffer[0..<headerEnd!], as: UTF8.self)
        self.buffer.removeFirst(headerEnd!)
        let lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw RawClientError(description: "invalid status line '\(lines[0])'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return RawResponse(status: status, headers: headers, body: [])
    }

    /// Returns true when the server has closed the connection (a read returns end of stream).
    func isClosedByServer() -> Bool {
        guard self.buffer.isEmpty else { return false }
        return (try? self.fill()) == false
    }
}

/// Sends one request on a new connection and reads the response.
func rawRequest(
    port: Int,
    method: String,
    path: String,
    headers: [String: String] = [:],
    body: [UInt8] = []
) throws -> RawResponse {
    let client = try RawHTTPClient(port: port)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for (name, value) in headers {
        head += "\(name): \(value)\r\n"
    }
    if !body.isEmpty {
        head += "Content-Length: \(body.count)\r\n"
    }
    head += "\r\n"
    try client.send(Array(head.utf8) + body)
    return try client.readResponse()
}

/// Runs blocking client code on a new thread and returns its result.
///
/// Blocking socket calls must stay off Swift's cooperative pool: on a 2-core machine the pool
/// has 2 threads, and clients parked in `recv` there would starve the server's async handlers.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Sends one request from a thread off the cooperative pool.
func request(
    port: Int,
    method: String,
    path: String,
    headers: [String: String] = [:],
    body: [UInt8] = []
) async throws -> RawResponse {
    try await onThread {
        try rawRequest(port: port, method: method, path: path, headers: headers, body: body)
    }
}
