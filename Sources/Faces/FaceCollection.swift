import COpenBLAS

/// The faces of one collection (`cluster_job_name`) and the people they are clustered into.
///
/// A plain value: the caller owns persistence (`json()` and `init(json:)`) and serialises
/// access. Cluster ids are decimal strings that are never reused within a collection.
/// `add(_:)` and `recluster(...)` block while they compute (about 7 s for 100,000 faces on
/// 2 cores), so call them from a thread you own, not from the cooperative pool.
public struct FaceCollection: Sendable {
    /// The collection's name (`cluster_job_name`).
    public let name: String
    /// All faces, in the order they were added.
    public internal(set) var faces: [FaceRecord]
    /// Clusters by id; every face's `clusterID` is a key here.
    public internal(set) var clusters: [String: FaceCluster]
    /// Parameters of the last full clustering, also used to assign new faces.
    public internal(set) var parameters: ClusteringParameters
    /// Number the next new cluster id gets.
    var nextClusterNumber: Int
    /// Position of each face in `faces`.
    var positions: [String: Int]

    public init(name: String, parameters: ClusteringParameters = .standard) {
        self.name = name
        self.faces = []
        self.clusters = [:]
        self.parameters = parameters
        self.nextClusterNumber = 1
        self.positions = [:]
    }

    // MARK: - Reading

    /// Returns the face with this id, or nil.
    public func face(id: String) -> FaceRecord? {
        self.positions[id].map { self.faces[$0] }
    }

    /// Number of faces in no cluster.
    public var unclusteredCount: Int {
        self.faces.count { $0.clusterID == nil }
    }

    /// Returns the faces of the given clusters in insertion order.
    public func faces(inClusters clusterIDs: Set<String>) -> [FaceRecord] {
        self.faces.filter { face in face.clusterID.map { clusterIDs.contains($0) } ?? false }
    }

    /// Returns a summary per cluster, largest first (ties by id).
    public func summaries() -> [ClusterSummary] {
        var members: [String: [Int]] = [:]
        for (position, face) in self.faces.enumerated() {
            if let clusterID = face.clusterID {
                members[clusterID, default: []].append(position)
            }
        }
        var result: [ClusterSummary] = []
        for (clusterID, positions) in members {
            let centroid = self.centroid(of: positions)
            let representative = positions.min { first, second in
                squaredDistance(self.faces[first].embedding, centroid)
                    < squaredDistance(self.faces[second].embedding, centroid)
            }!
            result.append(
                ClusterSummary(
                    clusterID: clusterID,
                    name: self.clusters[clusterID]?.name,
                    faceCount: positions.count,
                    mediaCount: Set(positions.map { self.faces[$0].hashString }).count,
                    representativeFaceID: self.faces[representative].faceID
                )
            )
        }
        return result.sorted {
            $0.faceCount != $1.faceCount ? $0.faceCount > $1.faceCount : $0.clusterID < $1.clusterID
        }
    }

    // MARK: - Adding faces

    /// Outcome of `add(_:)`.
    public struct AdditionReport: Sendable, Equatable {
        /// New faces that joined an existing cluster.
        public var assignedToExisting: Int
        /// Clusters formed from faces that fit no existing cluster.
        public var newClusterIDs: [String]
        /// Faces in no cluster after the call, old and new.
        public var unclustered: Int
    }

    /// Adds faces and clusters them without reshuffling existing clusters.
    ///
    /// Each new face joins the existing cluster whose mean embedding is nearest, if that is
    /// within `parameters.eps` and the cluster has no face of the same frame yet. Faces that
    /// fit no cluster, together with faces left unclustered before, are then clustered among
    /// themselves, and dense groups become new clusters.
    ///
    /// - Throws: `FacesError.invalidArgument` for a duplicate face id,
    ///   `.embeddingDimensionMismatch` for an embedding that is not 128 values long.
    public mutating func add(_ newFaces: [FaceRecord]) throws(FacesError) -> AdditionReport {
        var seen = Set<String>()
        for face in newFaces {
            if self.positions[face.faceID] != nil || !seen.insert(face.faceID).inserted {
                throw .invalidArgument(name: "face_id", value: face.faceID, expected: "an id not yet in the collection")
            }
            if face.embedding.count != FaceEngine.embeddingDimension {
                throw .embeddingDimensionMismatch(
                    faceID: face.faceID,
                    count: face.embedding.count,
                    expected: FaceEngine.embeddingDimension
                )
            }
        }

        let firstNew = self.faces.count
        for var face in newFaces {
            face.clusterID = nil
            face.isPinned = false
            self.positions[face.faceID] = self.faces.count
            self.faces.append(face)
        }
        let newPositions = Array(firstNew..<self.faces.count)
        let assigned = self.assignToNearestClusters(newPositions)

        let unclustered = self.faces.indices.filter { self.faces[$0].clusterID == nil }
        let newClusterIDs = self.clusterAmongThemselves(unclustered, parameters: self.parameters)
        return AdditionReport(
            assignedToExisting: assigned,
            newClusterIDs: newClusterIDs,
            unclustered: self.unclusteredCount
        )
    }

    /// Assigns each face at `positions` to the nearest existing cluster mean within eps whose
    /// cluster has no face of its frame, closest pairs first. Returns how many joined.
    mutating func assignToNearestClusters(_ positions: [Int]) -> Int {
        let clusterIDs = Array(Set(self.faces.compactMap(\.clusterID))).sorted()
        if clusterIDs.isEmpty || positions.isEmpty {
            return 0
        }
        var members: [String: [Int]] = [:]
        var frames: [String: Set<FrameKey>] = [:]
        for (position, face) in self.faces.enumerated() {
            if let clusterID = face.clusterID {
                members[clusterID, default: []].append(position)
                frames[clusterID, default: []].insert(face.frame)
            }
        }
        let dimension = FaceEngine.embeddingDimension
        var centroids = [Float]()
        centroids.reserveCapacity(clusterIDs.count * dimension)
        for clusterID in clusterIDs {
            centroids.append(contentsOf: self.centroid(of: members[clusterID] ?? []))
        }
        // distances in chunks of faces, so memory stays at chunk size times cluster count
        let eps = Float(self.parameters.eps)
        let chunkSize = 4096
        var pairs: [(row: Int, column: Int, distance: Float)] = []
        var chunkStart = 0
        while chunkStart < positions.count {
            let chunkCount = min(chunkSize, positions.count - chunkStart)
            var candidates = [Float]()
            candidates.reserveCapacity(chunkCount * dimension)
            for position in positions[chunkStart..<(chunkStart + chunkCount)] {
                candidates.append(contentsOf: self.faces[position].embedding)
            }
            let distances = pairwiseDistances(
                rows: candidates,
                rowCount: chunkCount,
                columns: centroids,
                columnCount: clusterIDs.count,
                dimension: dimension
            )
            for row in 0..<chunkCount {
                for column in 0..<clusterIDs.count {
                    let distance = distances[row * clusterIDs.count + column]
                    if distance <= eps {
                        pairs.append((chunkStart + row, column, distance))
                    }
                }
            }
            chunkStart += chunkCount
        }
        pairs.sort { $0.distance < $1.distance }

        var assigned = 0
        for pair in pairs {
            let position = positions[pair.row]
            let clusterID = clusterIDs[pair.column]
            let frame = self.faces[position].frame
            if self.faces[position].clusterID != nil || frames[clusterID, default: []].contains(frame) {
                continue
            }
            self.faces[position].clusterID = clusterID
            frames[clusterID, default: []].insert(frame)
            assigned += 1
        }
        return assigned
    }

    /// Runs the density clustering on the faces at `positions` alone and makes each cluster
    /// found a new cluster; returns the new ids, largest cluster first.
    mutating func clusterAmongThemselves(_ positions: [Int], parameters: ClusteringParameters) -> [String] {
        if positions.isEmpty {
            return []
        }
        let labels = self.labels(of: positions, parameters: parameters)
        let clusterCount = Int(labels.max() ?? -1) + 1
        let ids = (0..<clusterCount).map { _ in self.makeClusterID() }
        for (index, position) in positions.enumerated() where labels[index] != DensityClustering.noise {
            let clusterID = ids[Int(labels[index])]
            self.faces[position].clusterID = clusterID
            self.clusters[clusterID] = FaceCluster(clusterID: clusterID)
        }
        return ids
    }

    // MARK: - Helpers

    /// Returns the density-clustering labels of the faces at `positions`.
    func labels(of positions: [Int], parameters: ClusteringParameters) -> [Int32] {
        let dimension = FaceEngine.embeddingDimension
        var embeddings = [Float]()
        embeddings.reserveCapacity(positions.count * dimension)
        var frameNumbers: [FrameKey: Int32] = [:]
        var frameIDs = [Int32]()
        frameIDs.reserveCapacity(positions.count)
        for position in positions {
            let face = self.faces[position]
            embeddings.append(contentsOf: face.embedding)
            let frame = face.frame
            if let number = frameNumbers[frame] {
                frameIDs.append(number)
            } else {
                let number = Int32(frameNumbers.count)
                frameNumbers[frame] = number
                frameIDs.append(number)
            }
        }
        return DensityClustering.labels(
            embeddings: embeddings,
            count: positions.count,
            dimension: dimension,
            frameIDs: frameIDs,
            parameters: parameters
        )
    }

    /// Returns the mean embedding of the faces at `positions`.
    func centroid(of positions: [Int]) -> [Float] {
        var sum = [Float](repeating: 0, count: FaceEngine.embeddingDimension)
        for position in positions {
            let embedding = self.faces[position].embedding
            for component in sum.indices {
                sum[component] += embedding[component]
            }
        }
        let scale = positions.isEmpty ? 0 : 1 / Float(positions.count)
        return sum.map { $0 * scale }
    }

    /// Returns a cluster id never used before in this collection.
    mutating func makeClusterID() -> String {
        let clusterID = "\(self.nextClusterNumber)"
        self.nextClusterNumber += 1
        return clusterID
    }

    /// Removes clusters that no face belongs to any more.
    mutating func removeEmptyClusters() {
        let used = Set(self.faces.compactMap(\.clusterID))
        self.clusters = self.clusters.filter { used.contains($0.key) }
    }
}

/// Returns the squared Euclidean distance between two vectors of equal length.
func squaredDistance(_ first: [Float], _ second: [Float]) -> Float {
    var sum: Float = 0
    for index in first.indices {
        let difference = first[index] - second[index]
        sum += difference * difference
    }
    return sum
}

/// Returns the `rowCount x columnCount` Euclidean distances between two sets of row-major
/// vectors, through one `cblas_sgemm`.
func pairwiseDistances(rows: [Float], rowCount: Int, columns: [Float], columnCount: Int, dimension: Int) -> [Float] {
    var products = [Float](repeating: 0, count: rowCount * columnCount)
    rows.withUnsafeBufferPointer { rowValues in
        columns.withUnsafeBufferPointer { columnValues in
            products.withUnsafeMutableBufferPointer { output in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(rowCount), Int32(columnCount), Int32(dimension),
                    1, rowValues.baseAddress!, Int32(dimension),
                    columnValues.baseAddress!, Int32(dimension),
                    0, output.baseAddress!, Int32(columnCount)
                )
            }
        }
    }
    let rowNorms = (0..<rowCount).map { row in
        (0..<dimension).reduce(Float(0)) { $0 + rows[row * dimension + $1] * rows[row * dimension + $1] }
    }
    let columnNorms = (0..<columnCount).map { column in
        (0..<dimension).reduce(Float(0)) { $0 + columns[column * dimension + $1] * columns[column * dimension + $1] }
    }
    for row in 0..<rowCount {
        for column in 0..<columnCount {
            let squared = rowNorms[row] + columnNorms[column] - 2 * products[row * columnCount + column]
            products[row * columnCount + column] = max(0, squared).squareRoot()
        }
    }
    return products
}
