import Analysis
import AnalysisStore
import Faces
import Foundation
import HTTPServer
import JumperCore

extension APIService {
    /// Default and maximum `limit` of `POST /faces/clusters/faces`.
    static let defaultFacePageSize = 500
    static let maxFacePageSize = 2000
    /// Maximum `samples_per_cluster` of `POST /faces/clusters/samples`.
    static let maxSamplesPerCluster = 100

    /// `GET /faces/clusters?cache_dir=&cluster_job_name=`: every cluster, largest first.
    func faceClusters(_ request: HTTPRequest, _ fields: RequestFields) throws -> HTTPResponse {
        // GET carries its fields in the query string; a JSON body works too.
        var object = fields.object
        for (key, value) in request.query {
            object[key] = .string(value)
        }
        let (cache, name) = try self.faceCollectionTarget(RequestFields(object: object))
        return try self.runner.collections.read(cache, name: name) { collection in
            let crops = FaceCropReader(cache: cache)
            var body = JSONObject()
            body["clusters"] = .array(collection.summaries().map { clusterJSON($0, collection: collection, crops: crops) })
            body["unclustered_faces"] = .number(Double(collection.unclusteredCount))
            body["cluster_job_name"] = .string(name)
            body["eps"] = .number(collection.parameters.eps)
            body["min_samples"] = .number(Double(collection.parameters.minSamples))
            return .json(.object(body))
        }
    }

    /// `POST /faces/clusters/samples`: up to `samples_per_cluster` faces per cluster, spread
    /// evenly over the cluster's faces in the order they were found.
    func faceClusterSamples(_ fields: RequestFields) throws -> HTTPResponse {
        let (cache, name) = try self.faceCollectionTarget(fields)
        let requestedIDs = try clusterIDs(fields, "cluster_ids")
        let perCluster = try fields.int("samples_per_cluster", default: 6, range: 1...Self.maxSamplesPerCluster)
        return try self.runner.collections.read(cache, name: name) { collection in
            let clusterIDs = requestedIDs ?? collection.summaries().map(\.clusterID)
            try requireClusters(clusterIDs, in: collection, name: name)
            let crops = FaceCropReader(cache: cache)
            var samples = JSONObject()
            for clusterID in clusterIDs {
                let members = collection.faces(inClusters: [clusterID])
                let count = min(perCluster, members.count)
                let chosen = (0..<count).map { members[$0 * members.count / count] }
                samples[clusterID] = .array(chosen.map { faceJSON($0, crops: crops) })
            }
            return .json(["samples": .object(samples)])
        }
    }

    /// `POST /faces/clusters/faces`: the faces of some clusters (all faces when none is
    /// named), a page at a time. `cluster_ids` wins over `cluster_id`.
    func faceClusterFaces(_ fields: RequestFields) throws -> HTTPResponse {
        let (cache, name) = try self.faceCollectionTarget(fields)
        var requestedIDs = try clusterIDs(fields, "cluster_ids")
        if requestedIDs == nil, let single = try clusterID(fields.object["cluster_id"], field: "cluster_id") {
            requestedIDs = [single]
        }
        let limit = try fields.int("limit", default: Self.defaultFacePageSize, range: 1...Self.maxFacePageSize)
        let offset = try fields.int("offset", default: 0, range: 0...Int(Int32.max))
        return try self.runner.collections.read(cache, name: name) { collection in
            let matching: [FaceRecord]
            if let requestedIDs {
                try requireClusters(requestedIDs, in: collection, name: name)
                matching = collection.faces(inClusters: Set(requestedIDs))
            } else {
                matching = collection.faces
            }
            let page = matching.dropFirst(offset).prefix(limit)
            let crops = FaceCropReader(cache: cache)
            return .json([
                "faces": .array(page.map { faceJSON($0, crops: crops) }),
                "total": .number(Double(matching.count)),
                "limit": .number(Double(limit)),
                "offset": .number(Double(offset)),
            ])
        }
    }

    /// `PUT /faces/clusters/names`: names clusters; a null or empty name clears one. Either
    /// every assignment applies or, when one names an unknown cluster, none does.
    func renameFaceClusters(_ fields: RequestFields) throws -> HTTPResponse {
        let (cache, name) = try self.faceCollectionTarget(fields)
        guard let items = fields.object["assignments"]?.arrayValue else {
            throw APIError.badRequest("Missing required field 'assignments': give a list of {\"cluster_id\", \"name\"}.")
        }
        var assignments: [(clusterID: String, name: String?)] = []
        for (index, item) in items.enumerated() {
            guard let clusterID = try clusterID(item["cluster_id"], field: "assignments[\(index)].cluster_id") else {
                throw APIError.badRequest("Field 'assignments[\(index)].cluster_id' is missing; give the cluster's id.")
            }
            let value = item["name"] ?? .null
            guard value.isNull || value.stringValue != nil else {
                throw APIError.badRequest("Field 'assignments[\(index)].name' must be a string or null, got a \(value.typeName).")
            }
            let trimmed = value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
            assignments.append((clusterID, trimmed?.isEmpty == false ? trimmed : nil))
        }
        let changes = try self.runner.collections.update(cache, name: name) { collection in
            var changes = JSONObject()
            for assignment in assignments {
                if try collection.rename(clusterID: assignment.clusterID, to: assignment.name) {
                    changes[assignment.clusterID] = JSON(assignment.name)
                }
            }
            return changes
        }
        return .json(["updated": .number(Double(changes.count)), "changes": .object(changes)])
    }

    /// `POST /faces/recluster`: clusters the collection again in a background task of type
    /// `recluster`; names follow their faces unless `clear_names`.
    func reclusterFaces(_ fields: RequestFields) throws -> HTTPResponse {
        let (cache, name) = try self.faceCollectionTarget(fields)
        let parameters = ClusteringParameters(
            eps: try fields.double("eps") ?? ClusteringParameters.standard.eps,
            minSamples: try fields.int("min_samples", default: ClusteringParameters.standard.minSamples, range: 1...10_000)
        )
        try parameters.validate()
        let automatic = try fields.bool("auto_detect_params", default: false)
        let clearNames = try fields.bool("clear_names", default: false)
        guard self.runner.collections.exists(cache, name: name) else {
            throw FacesError.collectionNotFound(name: name, cacheDirectory: cache.path)
        }
        let collections = self.runner.collections
        let taskID = self.runner.startBackgroundTask(type: "recluster", message: "Reclustering '\(name)'") { context in
            context.report(stage: "clustering", fraction: 0.05, message: "Clustering the faces of '\(name)'")
            let report = try collections.update(cache, name: name) { collection in
                try collection.recluster(parameters: parameters, automaticParameters: automatic, clearNames: clearNames)
            }
            context.report(stage: "saving", fraction: 0.95, message: "Saved '\(name)'")
            return "Reclustered '\(name)' with eps \(report.parameters.eps) and min_samples "
                + "\(report.parameters.minSamples): \(report.clusterCount) clusters, \(report.unclustered) faces unclustered"
        }
        self.logger.info("recluster task accepted", ["task.id": taskID, "collection": name])
        return .json(
            ["message": .string("Reclustering started for '\(name)'"), "task_id": .string(taskID)],
            status: 202
        )
    }

    /// `POST /faces/clusters/modify`: merges, then moves (a null target makes a new cluster).
    /// Either every edit applies or, when one fails, none does.
    func modifyFaceClusters(_ fields: RequestFields) throws -> HTTPResponse {
        let (cache, name) = try self.faceCollectionTarget(fields)
        let merges = try parseMerges(fields)
        let moves = try parseMoves(fields)
        guard !merges.isEmpty || !moves.isEmpty else {
            throw APIError.badRequest("Give at least one item in 'merges' or 'moves'.")
        }
        return try self.runner.collections.update(cache, name: name) { collection in
            var merged = 0
            var moved = 0
            var changed: [String] = []
            for merge in merges {
                merged += try collection.merge(clusterIDs: merge.sources, into: merge.target)
                changed.append(merge.target)
            }
            for move in moves {
                let previous = move.faceIDs.compactMap { collection.face(id: $0)?.clusterID }
                changed.append(try collection.move(faceIDs: move.faceIDs, to: move.target))
                changed += previous
                moved += move.faceIDs.count
            }
            let crops = FaceCropReader(cache: cache)
            let changedIDs = Set(changed)
            let summaries = collection.summaries().filter { changedIDs.contains($0.clusterID) }
            return .json([
                "merged": .number(Double(merged)),
                "moved": .number(Double(moved)),
                "clusters": .array(summaries.map { clusterJSON($0, collection: collection, crops: crops) }),
            ])
        }
    }

    /// Returns the request's cache folder and collection name (`cluster_job_name`, default `default`).
    func faceCollectionTarget(_ fields: RequestFields) throws -> (CacheDirectory, String) {
        let cache = try fields.existingCacheDirectory()
        let name = try fields.string("cluster_job_name") ?? "default"
        try CacheDirectory.validateCollectionName(name)
        return (cache, name)
    }
}

// MARK: - Fields

/// Reads a cluster id; clients may send it as a string or an integer.
private func clusterID(_ value: JSON?, field: String) throws -> String? {
    guard let value, !value.isNull else { return nil }
    if let text = value.stringValue, !text.isEmpty {
        return text
    }
    if let number = value.intValue {
        return String(number)
    }
    throw APIError.badRequest("Field '\(field)' must be a cluster id (a string), got \(value.serializedString()).")
}

private func clusterIDs(_ fields: RequestFields, _ name: String) throws -> [String]? {
    guard let value = fields.object[name], !value.isNull else { return nil }
    guard let items = value.arrayValue else {
        throw APIError.badRequest("Field '\(name)' must be an array of cluster ids, got a \(value.typeName).")
    }
    return try items.enumerated().map { index, item in
        guard let id = try clusterID(item, field: "\(name)[\(index)]") else {
            throw APIError.badRequest("Field '\(name)[\(index)]' is null; give a cluster id.")
        }
        return id
    }
}

private func requireClusters(_ clusterIDs: [String], in collection: FaceCollection, name: String) throws {
    for clusterID in clusterIDs where collection.clusters[clusterID] == nil {
        throw APIError.notFound(
            "Cluster '\(clusterID)' not found in face collection '\(name)'; GET /api/v1/faces/clusters lists the valid ids."
        )
    }
}

private func parseMerges(_ fields: RequestFields) throws -> [(sources: [String], target: String)] {
    guard let value = fields.object["merges"], !value.isNull else { return [] }
    guard let items = value.arrayValue else {
        throw APIError.badRequest("Field 'merges' must be an array of {\"cluster_ids\", \"target_cluster_id\"}.")
    }
    return try items.enumerated().map { index, item in
        let sources = try clusterIDs(RequestFields(object: item.objectValue ?? JSONObject()), "cluster_ids")
        guard let sources, !sources.isEmpty else {
            throw APIError.badRequest("Field 'merges[\(index)].cluster_ids' is missing or empty; list the clusters to merge.")
        }
        guard let target = try clusterID(item["target_cluster_id"], field: "merges[\(index)].target_cluster_id") else {
            throw APIError.badRequest("Field 'merges[\(index)].target_cluster_id' is missing; name the cluster to merge into.")
        }
        return (sources, target)
    }
}

private func parseMoves(_ fields: RequestFields) throws -> [(faceIDs: [String], target: String?)] {
    guard let value = fields.object["moves"], !value.isNull else { return [] }
    guard let items = value.arrayValue else {
        throw APIError.badRequest("Field 'moves' must be an array of {\"face_ids\", \"target_cluster_id\"}.")
    }
    return try items.enumerated().map { index, item in
        let faceIDs = try RequestFields(object: item.objectValue ?? JSONObject()).stringArray("face_ids")
        guard let faceIDs, !faceIDs.isEmpty else {
            throw APIError.badRequest("Field 'moves[\(index)].face_ids' is missing or empty; list the faces to move.")
        }
        // a null or absent target makes a new cluster
        let target = try clusterID(item["target_cluster_id"], field: "moves[\(index)].target_cluster_id")
        return (faceIDs, target)
    }
}
