/// An error raised by the visual search index for a query it cannot run.
public enum SearchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The query's vectors or limits are invalid.
    case invalidQuery(reason: String)
    /// The query vector's length differs from the dimension of media analysed with the
    /// same model key.
    case dimensionMismatch(modelKey: String, hashString: String, mediaDimension: Int, queryDimension: Int)

    public var description: String {
        switch self {
        case .invalidQuery(let reason):
            return "invalid visual query: \(reason)"
        case .dimensionMismatch(let modelKey, let hashString, let mediaDimension, let queryDimension):
            return "query vector has \(queryDimension) values but media '\(hashString)' analysed with model "
                + "'\(modelKey)' has \(mediaDimension)-dimensional vectors; embed the query with the same model"
        }
    }
}
