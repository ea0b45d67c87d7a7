/// A face stored in a collection: where it was found, its embedding and its cluster.
public struct FaceRecord: Sendable, Equatable {
    /// Unique id within the collection.
    public var faceID: String
    /// `hash_str` of the media file the face was found in.
    public var hashString: String
    /// Path of the media file when the face was found (a hint: files move, hashes do not).
    public var mediaPath: String
    /// Frame index: the frame at `frameIndex` seconds of media time.
    public var frameIndex: Int
    /// Media time of the frame in seconds.
    public var timestampSeconds: Double
    /// Bounding box in pixels of the displayed frame.
    public var box: FaceBox
    /// Detector score.
    public var score: Double
    /// dlib's 128-D embedding.
    public var embedding: [Float]
    /// The JPEG crop of the face, when stored with the record.
    public var cropJPEG: [UInt8]?
    /// Cluster the face belongs to, or nil when it is unclustered.
    public var clusterID: String?
    /// Whether a user moved the face into its cluster: it then stays there through reclusters.
    public var isPinned: Bool

    public init(
        faceID: String,
        hashString: String,
        mediaPath: String,
        frameIndex: Int,
        timestampSeconds: Double,
        box: FaceBox,
        score: Double,
        embedding: [Float],
        cropJPEG: [UInt8]? = nil,
        clusterID: String? = nil,
        isPinned: Bool = false
    ) {
        self.faceID = faceID
        self.hashString = hashString
        self.mediaPath = mediaPath
        self.frameIndex = frameIndex
        self.timestampSeconds = timestampSeconds
        self.box = box
        self.score = score
        self.embedding = embedding
        self.cropJPEG = cropJPEG
        self.clusterID = clusterID
        self.isPinned = isPinned
    }

    /// The frame the face was found in; two faces of one frame never share a cluster.
    public var frame: FrameKey {
        FrameKey(hashString: self.hashString, frameIndex: self.frameIndex)
    }
}

/// A frame of a media file, identified by content hash and frame index.
public struct FrameKey: Hashable, Sendable {
    public var hashString: String
    public var frameIndex: Int

    public init(hashString: String, frameIndex: Int) {
        self.hashString = hashString
        self.frameIndex = frameIndex
    }
}

/// A cluster of faces, presumably one person.
public struct FaceCluster: Sendable, Equatable {
    public var clusterID: String
    /// The name a user gave, or nil.
    public var name: String?

    public init(clusterID: String, name: String? = nil) {
        self.clusterID = clusterID
        self.name = name
    }
}

/// Summary of one cluster, as `GET /faces/clusters` lists it.
public struct ClusterSummary: Sendable, Equatable {
    public var clusterID: String
    public var name: String?
    public var faceCount: Int
    /// Number of distinct media files (by hash) the cluster's faces come from.
    public var mediaCount: Int
    /// The face to show for the cluster: the one nearest the cluster's mean embedding.
    public var representativeFaceID: String
}
