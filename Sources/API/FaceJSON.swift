import AnalysisStore
import Faces
import Foundation
import JumperCore

/// Reads face crops from the media's face analysis files, each file at most once per request.
///
/// Collections store faces without crops, so a collection of 100,000 faces stays small; the
/// crops live once in `<cache_dir>/<hash_str>/faces.jsonl`.
final class FaceCropReader {
    private let cache: CacheDirectory
    private var cropsByMedia: [String: [String: [UInt8]]] = [:]

    init(cache: CacheDirectory) {
        self.cache = cache
    }

    /// Returns the JPEG crop of `face`, or nil when its media's face file is gone or damaged.
    func crop(of face: FaceRecord) -> [UInt8]? {
        if let crops = self.cropsByMedia[face.hashString] {
            return crops[face.faceID]
        }
        var crops: [String: [UInt8]] = [:]
        if let analysis = try? self.cache.readFaceAnalysis(hashString: face.hashString) {
            for stored in analysis.faces {
                crops[stored.faceID] = stored.cropJPEG
            }
        }
        self.cropsByMedia[face.hashString] = crops
        return crops[face.faceID]
    }

    /// Returns the crop of `face` as base64 JSON, or null.
    func cropJSON(of face: FaceRecord) -> JSON {
        self.crop(of: face).map { .string(Data($0).base64EncodedString()) } ?? .null
    }
}

/// Returns a face in the contract's shape: `face_id`, `cluster_id`, `video_path`, `hash_str`,
/// `frame_idx` (decimal string), `timestamp`, `bbox` (`[x, y, w, h]` in displayed-frame
/// pixels), `score` and `image` (base64 JPEG crop).
func faceJSON(_ face: FaceRecord, crops: FaceCropReader) -> JSON {
    var object = JSONObject()
    object["face_id"] = .string(face.faceID)
    object["cluster_id"] = JSON(face.clusterID)
    object["video_path"] = .string(face.mediaPath)
    object["hash_str"] = .string(face.hashString)
    object["frame_idx"] = .string(String(face.frameIndex))
    object["timestamp"] = .string(formatTimestamp(face.timestampSeconds))
    object["bbox"] = .array(face.box.integerArray.map { .number(Double($0)) })
    object["score"] = .number((face.score * 1000).rounded() / 1000)
    object["image"] = crops.cropJSON(of: face)
    return .object(object)
}

/// Returns a cluster summary in the contract's shape: `cluster_id`, `name`, `face_count`,
/// `media_count` and `thumbnail` (the crop of the face nearest the cluster's mean).
func clusterJSON(_ summary: ClusterSummary, collection: FaceCollection, crops: FaceCropReader) -> JSON {
    var object = JSONObject()
    object["cluster_id"] = .string(summary.clusterID)
    object["name"] = JSON(summary.name)
    object["face_count"] = .number(Double(summary.faceCount))
    object["media_count"] = .number(Double(summary.mediaCount))
    object["thumbnail"] = collection.face(id: summary.representativeFaceID).map { crops.cropJSON(of: $0) } ?? .null
    return .object(object)
}
