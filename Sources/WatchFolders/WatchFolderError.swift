/// An error of the watch-folder store or service; each case names the value at fault.
public enum WatchFolderError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No watch folder has this id.
    case notFound(id: Int64)
    /// Another watch folder already watches this path.
    case duplicatePath(path: String, existingID: Int64)
    /// A stored row cannot be read back.
    case damagedRecord(field: String, record: String)
    /// A service setting from the environment is not a valid value.
    case invalidSetting(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .notFound(let id):
            return "no watch folder has id \(id); GET /api/v1/watch-folders lists the existing ones"
        case .duplicatePath(let path, let existingID):
            return "'\(path)' is already watched by watch folder \(existingID); update that one with PUT instead"
        case .damagedRecord(let field, let record):
            return "stored watch folder is damaged: field '\(field)' is missing in \(record); delete and add the folder again"
        case .invalidSetting(let name, let value, let expected):
            return "invalid \(name) '\(value)': expected \(expected)"
        }
    }
}
