import Foundation
import JumperCore

// MARK: - JSON form for storage

extension FaceRecord {
    /// Returns the record as JSON. The embedding is base64 of 128 little-endian float32
    /// values (`embedding_f32le`), exact and about 5x smaller than a number array.
    public func json() -> JSON {
        var object = JSONObject()
        object["face_id"] = .string(self.faceID)
        object["hash_str"] = .string(self.hashString)
        object["video_path"] = .string(self.mediaPath)
        object["frame_idx"] = .number(Double(self.frameIndex))
        object["timestamp"] = .number(self.timestampSeconds)
        object["bbox"] = .array([self.box.x, self.box.y, self.box.width, self.box.height].map { .number($0) })
        object["score"] = .number(self.score)
        object["embedding_f32le"] = .string(Self.encode(self.embedding))
        object["image"] = self.cropJPEG.map { .string(Data($0).base64EncodedString()) } ?? .null
        object["cluster_id"] = JSON(self.clusterID)
        object["pinned"] = .bool(self.isPinned)
        return .object(object)
    }

    /// Reads a record written by `json()`.
    ///
    /// - Throws: `FacesError.invalidJSON` naming the first missing or mistyped field.
    public init(json: JSON) throws(FacesError) {
        func field<T>(_ key: String, _ expected: String, _ read: (JSON) -> T?) throws(FacesError) -> T {
            guard let value = json[key], let typed = read(value) else {
                throw .invalidJSON(field: key, expected: expected)
            }
            return typed
        }
        let bbox = try field("bbox", "an array of 4 numbers") { value -> [Double]? in
            let numbers = value.arrayValue?.compactMap(\.doubleValue)
            return numbers?.count == 4 ? numbers : nil
        }
        let embedding = try field("embedding_f32le", "base64 of 128 little-endian float32 values") {
            $0.stringValue.flatMap(Self.decode)
        }
        var crop: [UInt8]?
        if let image = json["image"], !image.isNull {
            guard let text = image.stringValue, let data = Data(base64Encoded: text) else {
                throw .invalidJSON(field: "image", expected: "base64 JPEG or null")
            }
            crop = [UInt8](data)
        }
        var clusterID: String?
        if let cluster = json["cluster_id"], !cluster.isNull {
            guard let text = cluster.stringValue else {
                throw .invalidJSON(field: "cluster_id", expected: "a string or null")
            }
            clusterID = text
        }
        self.init(
            faceID: try field("face_id", "a string") { $0.stringValue },
            hashString: try field("hash_str", "a string") { $0.stringValue },
            mediaPath: try field("video_path", "a string") { $0.stringValue },
            frameIndex: try field("frame_idx", "an integer") { $0.intValue },
            timestampSeconds: try field("timestamp", "a number of seconds") { $0.doubleValue },
            box: FaceBox(x: bbox[0], y: bbox[1], width: bbox[2], height: bbox[3]),
            score: try field("score", "a number") { $0.doubleValue },
            embedding: embedding,
            cropJPEG: crop,
            clusterID: clusterID,
            isPinned: json["pinned"]?.boolValue ?? false
        )
    }

    private static func encode(_ values: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    private static func decode(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count == FaceEngine.embeddingDimension * 4 else {
            return nil
        }
        let bytes = [UInt8](data)
        return (0..<FaceEngine.embeddingDimension).map { index in
            var bits: UInt32 = 0
            for byte in 0..<4 {
                bits |= UInt32(bytes[index * 4 + byte]) << (8 * UInt32(byte))
            }
            return Float(bitPattern: bits)
        }
    }
}

extension FaceCollection {
    /// Returns the whole collection as JSON: name, clustering parameters, clusters and faces.
    public func json() -> JSON {
        var object = JSONObject()
        object["name"] = .string(self.name)
        object["eps"] = .number(self.parameters.eps)
        object["min_samples"] = .number(Double(self.parameters.minSamples))
        object["next_cluster_number"] = .number(Double(self.nextClusterNumber))
        let clusters = self.clusters.values.sorted { $0.clusterID < $1.clusterID }
        object["clusters"] = .array(
            clusters.map { cluster in
                .object(JSONObject(["cluster_id": .string(cluster.clusterID), "name": JSON(cluster.name)]))
            }
        )
        object["faces"] = .array(self.faces.map { $0.json() })
        return .object(object)
    }

    /// Reads a collection written by `json()`.
    ///
    /// - Throws: `FacesError.invalidJSON` naming the first missing or mistyped field, also
    ///   when a face names a cluster that the collection does not list.
    public init(json: JSON) throws(FacesError) {
        guard let name = json["name"]?.stringValue else {
            throw .invalidJSON(field: "name", expected: "a string")
        }
        guard let eps = json["eps"]?.doubleValue, let minSamples = json["min_samples"]?.intValue else {
            throw .invalidJSON(field: "eps, min_samples", expected: "a number and an integer")
        }
        guard let nextNumber = json["next_cluster_number"]?.intValue else {
            throw .invalidJSON(field: "next_cluster_number", expected: "an integer")
        }
        guard let clusterValues = json["clusters"]?.arrayValue, let faceValues = json["faces"]?.arrayValue else {
            throw .invalidJSON(field: "clusters, faces", expected: "arrays")
        }
        self.init(name: name, parameters: ClusteringParameters(eps: eps, minSamples: minSamples))
        self.nextClusterNumber = nextNumber
        for value in clusterValues {
            guard let clusterID = value["cluster_id"]?.stringValue else {
                throw .invalidJSON(field: "clusters[].cluster_id", expected: "a string")
            }
            self.clusters[clusterID] = FaceCluster(clusterID: clusterID, name: value["name"]?.stringValue)
        }
        for value in faceValues {
            let face = try FaceRecord(json: value)
            if let clusterID = face.clusterID, self.clusters[clusterID] == nil {
                throw .invalidJSON(field: "faces[].cluster_id", expected: "one of the listed clusters, not '\(clusterID)'")
            }
            self.positions[face.faceID] = self.faces.count
            self.faces.append(face)
        }
    }
}
