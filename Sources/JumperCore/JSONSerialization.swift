/// An error raised when text is not valid JSON, with the byte offset where parsing stopped.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String

    public var description: String {
        "invalid JSON at byte \(self.offset): \(self.reason)"
    }
}

extension JSON {
    /// Parses UTF-8 JSON text. Nesting deeper than `maxDepth` is rejected so a hostile body
    /// cannot exhaust the stack.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 256) throws -> JSON {
        var parser = JSONParser(bytes: Array(bytes), maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    /// Parses JSON text from a string.
    public static func parse(_ text: String) throws -> JSON {
        try parse(Array(text.utf8))
    }

    /// Serialises the value as compact UTF-8 JSON.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        self.write(to: &output)
        return output
    }

    /// Serialises the value as a compact JSON string.
    public func serializedString() -> String {
        String(decoding: self.serialized(), as: UTF8.self)
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            writeNumber(value, to: &output)
        case .string(let value):
            writeString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, pair) in object.pairs.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(pair.key, to: &output)
                output.append(UInt8(ascii: ":"))
                pair.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}

private func writeNumber(_ value: Double, to output: inout [UInt8]) {
    guard value.isFinite else {
        output.append(contentsOf: "null".utf8)
        return
    }
    if value.rounded() == value && abs(value) < 1e15 {
        output.append(contentsOf: String(Int64(value)).utf8)
    } else {
        output.append(contentsOf: "\(value)".utf8)
    }
}

private func writeString(_ value: String, to output: inout [UInt8]) {
    let hexDigits = Array("0123456789abcdef".utf8)
    output.append(UInt8(ascii: "\""))
    for byte in value.utf8 {
        switch byte {
        case UInt8(ascii: "\""):
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"):
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"):
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"):
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"):
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            output.append(contentsOf: Array("\\u00".utf8))
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0xF)])
        default:
            output.append(byte)
        }
    }
    output.append(UInt8(ascii: "\""))
}

/// A recursive-descent parser over UTF-8 bytes (RFC 8259).
private struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var position = 0
    var depth = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws -> JSON {
        let value = try self.parseValue()
        self.skipWhitespace()
        guard self.position == self.bytes.count else {
            throw self.error("unexpected text after the JSON value")
        }
        return value
    }

    func error(_ reason: String) -> JSONParseError {
        JSONParseError(offset: self.position, reason: reason)
    }

    mutating func skipWhitespace() {
        while self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case 0x20, 0x09, 0x0A, 0x0D: self.position += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws -> JSON {
        self.skipWhitespace()
        guard self.position < self.bytes.count else { throw self.error("unexpected end of input") }
        switch self.bytes[self.position] {
        case UInt8(ascii: "{"): return try self.parseObject()
        case UInt8(ascii: "["): return try self.parseArray()
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): return try self.parseLiteral("true", value: .bool(true))
        case UInt8(ascii: "f"): return try self.parseLiteral("false", value: .bool(false))
        case UInt8(ascii: "n"): return try self.parseLiteral("null", value: .null)
        default: return try self.parseNumber()
        }
    }

    mutating func parseLiteral(_ word: String, value: JSON) throws -> JSON {
        let expected = Array(word.utf8)
        guard self.position + expected.count <= self.bytes.count,
            Array(self.bytes[self.position..<self.position + expected.count]) == expected
        else { throw self.error("expected '\(word)'") }
        self.position += expected.count
        return value
    }

    mutating func enterContainer() throws {
        self.depth += 1
        guard self.depth <= self.maxDepth else { throw self.error("nesting deeper than \(self.maxDepth)") }
    }

    mutating func parseObject() throws -> JSON {
        try self.enterContainer()
        defer { self.depth -= 1 }
        self.position += 1
        var object = JSONObject()
        self.skipWhitespace()
        if self.position < self.bytes.count && self.bytes[self.position] == UInt8(ascii: "}") {
            self.position += 1
            return .object(object)
        }
        while true {
            self.skipWhitespace()
            guard self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: "\"") else {
                throw self.error("expected a string key")
            }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: ":") else {
                throw self.error("expected ':' after an object key")
            }
            self.position += 1
            object[key] = try self.parseValue()
            self.skipWhitespace()
            guard self.position < self.bytes.count else { throw self.error("unterminated object") }
            let separator = self.bytes[self.position]
            self.position += 1
            if separator == UInt8(ascii: "}") { return .object(object) }
            guard separator == UInt8(ascii: ",") else { throw self.error("expected ',' or '}' in an object") }
        }
    }

    mutating func parseArray() throws -> JSON {
        try self.enterContainer()
        defer { self.depth -= 1 }
        self.position += 1
        var elements: [JSON] = []
        self.skipWhitespace()
        if self.position < self.bytes.count && self.bytes[self.position] == UInt8(ascii: "]") {
            self.position += 1
            return .array(elements)
        }
        while true {
            elements.append(try self.parseValue())
            self.skipWhitespace()
            guard self.position < self.bytes.count else { throw self.error("unterminated array") }
            let separator = self.bytes[self.position]
            self.position += 1
            if separator == UInt8(ascii: "]") { return .array(elements) }
            guard separator == UInt8(ascii: ",") else { throw self.error("expected ',' or ']' in an array") }
        }
    }

    mutating func parseNumber() throws -> JSON {
        let start = self.position
        let allowed = Set("+-0123456789.eE".utf8)
        while self.position < self.bytes.count && allowed.contains(self.bytes[self.position]) {
            self.position += 1
        }
        let text = String(decoding: self.bytes[start..<self.position], as: UTF8.self)
        guard !text.isEmpty, let value = Double(text), value.isFinite else {
            self.position = start
            throw self.error("invalid value")
        }
        return .number(value)
    }

    mutating func parseHex4() throws -> UInt32 {
        guard self.position + 4 <= self.bytes.count else { throw self.error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.position]
            self.position += 1
            guard let digit = hexValue(byte) else { throw self.error("invalid \\u escape") }
            value = value << 4 | digit
        }
        return value
    }

    mutating func parseString() throws -> String {
        self.position += 1
        var scalars: [UInt8] = []
        while true {
            guard self.position < self.bytes.count else { throw self.error("unterminated string") }
            let byte = self.bytes[self.position]
            self.position += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw self.error("control character in a string") }
            guard byte == UInt8(ascii: "\\") else {
                scalars.append(byte)
                continue
            }
            guard self.position < self.bytes.count else { throw self.error("unterminated escape") }
            let escape = self.bytes[self.position]
            self.position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"): try self.appendUnicodeEscape(to: &scalars)
            default: throw self.error("invalid escape")
            }
        }
        guard let text = String(validating: scalars, as: UTF8.self) else {
            throw self.error("string is not valid UTF-8")
        }
        return text
    }

    mutating func appendUnicodeEscape(to output: inout [UInt8]) throws {
        var code = try self.parseHex4()
        if (0xD800..<0xDC00).contains(code) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard self.position + 2 <= self.bytes.count,
                self.bytes[self.position] == UInt8(ascii: "\\"),
                self.bytes[self.position + 1] == UInt8(ascii: "u")
            else { throw self.error("unpaired surrogate in \\u escape") }
            self.position += 2
            let low = try self.parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw self.error("invalid low surrogate") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw self.error("invalid code point") }
        output.append(contentsOf: Array(String(Character(scalar)).utf8))
    }
}

private func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
}
