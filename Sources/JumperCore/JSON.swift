/// A JSON value: what request bodies parse into and what responses are built from.
///
/// Objects keep their keys in insertion order, so responses list fields in the order the
/// contract documents them.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    // MARK: - Reading values

    public subscript(key: String) -> JSON? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    public var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    public var doubleValue: Double? {
        guard case .number(let value) = self else { return nil }
        return value
    }

    /// The value as an integer, or nil when it is not a number with an integral value.
    public var intValue: Int? {
        guard case .number(let value) = self, value.rounded() == value, abs(value) < 9e15 else {
            return nil
        }
        return Int(value)
    }

    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    public var arrayValue: [JSON]? {
        guard case .array(let value) = self else { return nil }
        return value
    }

    public var objectValue: JSONObject? {
        guard case .object(let value) = self else { return nil }
        return value
    }

    public var isNull: Bool {
        self == .null
    }

    /// The name of this value's JSON type, for error messages ("expected a string, got a number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON object whose keys keep their insertion order.
public struct JSONObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: JSON] = [:]

    public init() {}

    public init(_ pairs: KeyValuePairs<String, JSON>) {
        for (key, value) in pairs {
            self[key] = value
        }
    }

    public subscript(key: String) -> JSON? {
        get { self.values[key] }
        set {
            if let newValue {
                if self.values.updateValue(newValue, forKey: key) == nil {
                    self.keys.append(key)
                }
            } else if self.values.removeValue(forKey: key) != nil {
                self.keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int {
        self.keys.count
    }

    /// The pairs in insertion order.
    public var pairs: [(key: String, value: JSON)] {
        self.keys.map { ($0, self.values[$0] ?? .null) }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.values == rhs.values
    }
}

// MARK: - Literals

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }

    public init(dictionaryLiteral elements: (String, JSON)...) {
        var object = JSONObject()
        for (key, value) in elements {
            object[key] = value
        }
        self = .object(object)
    }
}

extension JSON {
    /// Wraps an optional string, mapping nil to JSON null.
    public init(_ value: String?) {
        self = value.map { .string($0) } ?? .null
    }

    /// Wraps an optional integer, mapping nil to JSON null.
    public init(_ value: Int?) {
        self = value.map { .number(Double($0)) } ?? .null
    }

    /// Wraps an optional double, mapping nil and non-finite values to JSON null.
    public init(_ value: Double?) {
        guard let value, value.isFinite else {
            self = .null
            return
        }
        self = .number(value)
    }

    /// Wraps an optional boolean, mapping nil to JSON null.
    public init(_ value: Bool?) {
        self = value.map { .bool($0) } ?? .null
    }
}
