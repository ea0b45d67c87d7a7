import AnalysisStore
import Faces
import Foundation
import JumperCore

/// The `people_filter` and `people_mode` fields of a visual search: only frames where the
/// named people are seen.
///
/// A person is a cluster of a face collection, named by `cluster_id` or by `person_name`.
/// Names compare without regard to case, and several clusters with one name count as one
/// person. With `people_mode` `all` (the default) a frame must show every person, with
/// `any` at least one. An unknown collection, cluster or person name is a 404.
struct PeopleFilter: Sendable {
    enum Mode: String, Sendable {
        case all, any
    }

    struct Person: Sendable {
        var collection: String
        var personName: String?
        var clusterID: String?
    }

    var people: [Person]
    var mode: Mode

    /// Reads the fields; returns nil when `people_filter` is absent, null or empty.
    init?(fields: RequestFields) throws {
        let modeText = try fields.string("people_mode") ?? "all"
        guard let mode = Mode(rawValue: modeText) else {
            throw APIError.badRequest("Field 'people_mode' is '\(modeText)'; use \"all\" or \"any\".")
        }
        guard let value = fields.object["people_filter"], !value.isNull else { return nil }
        guard let items = value.arrayValue else {
            throw APIError.badRequest(
                "Field 'people_filter' must be an array of {\"cluster_job_name\", \"person_name\" or \"cluster_id\"}, got a \(value.typeName)."
            )
        }
        if items.isEmpty { return nil }
        var people: [Person] = []
        for (index, item) in items.enumerated() {
            let field = "people_filter[\(index)]"
            guard item.objectValue != nil else {
                throw APIError.badRequest("Field '\(field)' must be an object, got a \(item.typeName).")
            }
            let itemFields = RequestFields(object: item.objectValue ?? JSONObject())
            let collection = try itemFields.string("cluster_job_name") ?? "default"
            let personName = try itemFields.string("person_name")?.trimmingCharacters(in: .whitespacesAndNewlines)
            var clusterID = item["cluster_id"]?.stringValue
            if clusterID == nil, let number = item["cluster_id"]?.intValue {
                clusterID = String(number)
            }
            guard (personName?.isEmpty == false) || clusterID != nil else {
                throw APIError.badRequest("Field '\(field)' needs 'person_name' or 'cluster_id' to name a person.")
            }
            people.append(Person(collection: collection, personName: personName?.isEmpty == false ? personName : nil, clusterID: clusterID))
        }
        self.people = people
        self.mode = mode
    }
}

extension APIService {
    /// Returns the frames (by content hash) where the filter's people are seen, or nil when
    /// there is no filter.
    ///
    /// - Throws: a 404 naming the collection, cluster or person that does not exist.
    func allowedFrames(for filter: PeopleFilter?, cache: CacheDirectory) throws -> [String: Set<Int>]? {
        guard let filter else { return nil }
        var result: [String: Set<Int>]?
        for person in filter.people {
            let frames = try self.frames(of: person, cache: cache)
            guard let current = result else {
                result = frames
                continue
            }
            switch filter.mode {
            case .any:
                result = current.merging(frames) { $0.union($1) }
            case .all:
                var intersection: [String: Set<Int>] = [:]
                for (hash, indices) in current {
                    let shared = indices.intersection(frames[hash] ?? [])
                    if !shared.isEmpty {
                        intersection[hash] = shared
                    }
                }
                result = intersection
            }
        }
        return result ?? [:]
    }

    private func frames(of person: PeopleFilter.Person, cache: CacheDirectory) throws -> [String: Set<Int>] {
        try CacheDirectory.validateCollectionName(person.collection)
        return try self.runner.collections.read(cache, name: person.collection) { collection in
            var clusterIDs: Set<String> = []
            if let clusterID = person.clusterID {
                guard collection.clusters[clusterID] != nil else {
                    throw APIError.notFound(
                        "Field 'people_filter': cluster '\(clusterID)' not found in face collection '\(person.collection)'; GET /api/v1/faces/clusters lists the valid ids."
                    )
                }
                clusterIDs.insert(clusterID)
            }
            if let personName = person.personName {
                let named = collection.clusters.values.filter {
                    $0.name?.caseInsensitiveCompare(personName) == .orderedSame
                }
                guard !named.isEmpty else {
                    throw APIError.notFound(
                        "Field 'people_filter': no person named '\(personName)' in face collection '\(person.collection)'; name a cluster with PUT /api/v1/faces/clusters/names first."
                    )
                }
                // with both fields, `cluster_id` picks the cluster and the name only has to exist
                if person.clusterID == nil {
                    clusterIDs.formUnion(named.map(\.clusterID))
                }
            }
            var frames: [String: Set<Int>] = [:]
            for face in collection.faces(inClusters: clusterIDs) {
                frames[face.hashString, default: []].insert(face.frameIndex)
            }
            return frames
        }
    }
}
