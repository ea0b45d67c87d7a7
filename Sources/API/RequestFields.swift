import AnalysisStore
import Foundation
import HTTPServer
import JumperCore

/// Typed access to the fields of a JSON request body, throwing a 400 that names the field.
struct RequestFields: Sendable {
    let object: JSONObject

    /// Parses the body as a JSON object; an empty body counts as `{}`.
    init(request: HTTPRequest) throws {
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            self.object = JSONObject()
            return
        }
        let value: JSON
        do {
            value = try JSON.parse(request.body)
        } catch {
            throw APIError.badRequest("The request body is not valid JSON (\(error)). Send a JSON object.")
        }
        guard let object = value.objectValue else {
            throw APIError.badRequest("The request body is a JSON \(value.typeName); send a JSON object.")
        }
        self.object = object
    }

    init(object: JSONObject) {
        self.object = object
    }

    /// Returns whether the field is present and not null.
    func has(_ name: String) -> Bool {
        guard let value = self.object[name] else { return false }
        return !value.isNull
    }

    func string(_ name: String) throws -> String? {
        guard let value = self.object[name], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw APIError.badRequest("Field '\(name)' must be a string, got a \(value.typeName).")
        }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try self.string(name) else {
            throw APIError.badRequest("Missing required field '\(name)'.")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.badRequest("Field '\(name)' is empty; give a non-empty value.")
        }
        return text
    }

    func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let value = self.object[name], !value.isNull else { return defaultValue }
        guard let flag = value.boolValue else {
            throw APIError.badRequest("Field '\(name)' must be true or false, got a \(value.typeName).")
        }
        return flag
    }

    func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let value = self.object[name], !value.isNull else { return defaultValue }
        guard let number = value.intValue else {
            throw APIError.badRequest("Field '\(name)' must be an integer, got \(value.serializedString()).")
        }
        guard range.contains(number) else {
            throw APIError.badRequest(
                "Field '\(name)' is \(number); it must be between \(range.lowerBound) and \(range.upperBound)."
            )
        }
        return number
    }

    func double(_ name: String) throws -> Double? {
        guard let value = self.object[name], !value.isNull else { return nil }
        guard let number = value.doubleValue else {
            throw APIError.badRequest("Field '\(name)' must be a number, got a \(value.typeName).")
        }
        return number
    }

    func stringArray(_ name: String) throws -> [String]? {
        guard let value = self.object[name], !value.isNull else { return nil }
        guard let elements = value.arrayValue else {
            throw APIError.badRequest("Field '\(name)' must be an array of strings, got a \(value.typeName).")
        }
        return try elements.enumerated().map { index, element in
            guard let text = element.stringValue else {
                throw APIError.badRequest(
                    "Field '\(name)[\(index)]' must be a string, got a \(element.typeName)."
                )
            }
            return text
        }
    }

    /// Reads an absolute path field; a relative path is a 400 naming the field and the value.
    func absolutePath(_ name: String) throws -> String? {
        guard let path = try self.string(name) else { return nil }
        try requireAbsolute(path, field: name)
        return path
    }

    func requiredAbsolutePath(_ name: String) throws -> String {
        guard let path = try self.absolutePath(name), !path.isEmpty else {
            throw APIError.badRequest("Missing required field '\(name)': give an absolute path.")
        }
        return path
    }

    /// Opens the existing cache folder named by the required field `cache_dir`, creating nothing.
    /// Endpoints that only read analysis use this, because only `/analyze` may create the folder.
    ///
    /// - Throws: a 400 when the field is missing or relative or names a file, and
    ///   `StoreError.cacheDirectoryNotFound` (a 404) when the folder does not exist.
    func existingCacheDirectory() throws -> CacheDirectory {
        try CacheDirectory(existingPath: try self.requiredAbsolutePath("cache_dir"))
    }

    /// Reads an array of absolute paths; each relative one is a 400 naming its index.
    func absolutePaths(_ name: String) throws -> [String]? {
        guard let paths = try self.stringArray(name) else { return nil }
        for (index, path) in paths.enumerated() {
            try requireAbsolute(path, field: "\(name)[\(index)]")
        }
        return paths
    }
}

/// Throws a 400 unless `path` is absolute.
func requireAbsolute(_ path: String, field: String) throws {
    guard path.hasPrefix("/") else {
        throw APIError.badRequest(
            "Field '\(field)' is '\(path)', a relative path; media and cache folders are named by absolute path on the server's machine."
        )
    }
}
