// MARK: - Reclustering

extension FaceCollection {
    /// Outcome of `recluster(parameters:automaticParameters:clearNames:)`.
    public struct ReclusterReport: Sendable, Equatable {
        /// Parameters actually used (chosen from the data when automatic).
        public var parameters: ClusteringParameters
        /// Number of clusters afterwards.
        public var clusterCount: Int
        /// Faces in no cluster afterwards.
        public var unclustered: Int
        /// Names that followed their faces to a cluster, by cluster id afterwards.
        public var keptNames: [String: String]
    }

    /// Clusters all faces again from scratch.
    ///
    /// Faces a user moved (pinned faces) stay in their clusters, and names and cluster ids
    /// follow their faces. Each new cluster takes the id and name of the old cluster that
    /// contributed most of its faces. Pairs are matched largest overlap first, so one old
    /// cluster passes its id and name to at most one new cluster. With `clearNames`, every
    /// name and pin is dropped first.
    ///
    /// - Throws: `FacesError.invalidArgument` when the parameters are out of range.
    @discardableResult
    public mutating func recluster(
        parameters requested: ClusteringParameters,
        automaticParameters: Bool = false,
        clearNames: Bool = false
    ) throws(FacesError) -> ReclusterReport {
        try requested.validate()
        if clearNames {
            for position in self.faces.indices {
                self.faces[position].isPinned = false
            }
            for clusterID in self.clusters.keys {
                self.clusters[clusterID]?.name = nil
            }
        }

        let free = self.faces.indices.filter { !self.faces[$0].isPinned }
        var parameters = requested
        if automaticParameters {
            var embeddings = [Float]()
            embeddings.reserveCapacity(free.count * FaceEngine.embeddingDimension)
            var mediaNumbers: [String: Int32] = [:]
            var mediaIDs: [Int32] = []
            for position in free {
                let face = self.faces[position]
                embeddings.append(contentsOf: face.embedding)
                let number = mediaNumbers[face.hashString] ?? Int32(mediaNumbers.count)
                mediaNumbers[face.hashString] = number
                mediaIDs.append(number)
            }
            parameters = ClusteringParameters.automatic(
                embeddings: embeddings,
                count: free.count,
                dimension: FaceEngine.embeddingDimension,
                mediaIDs: mediaIDs,
                frameIndices: free.map { self.faces[$0].frameIndex }
            )
        }
        let labels = self.labels(of: free, parameters: parameters)

        // overlap of each new cluster with each old cluster, counted over unpinned faces
        var overlaps: [Int32: [String: Int]] = [:]
        for (index, position) in free.enumerated() where labels[index] != DensityClustering.noise {
            if let oldID = self.faces[position].clusterID {
                overlaps[labels[index], default: [:]][oldID, default: 0] += 1
            }
        }
        var pairs: [(label: Int32, oldID: String, count: Int)] = []
        for (label, counts) in overlaps {
            for (oldID, count) in counts {
                pairs.append((label, oldID, count))
            }
        }
        pairs.sort { $0.count != $1.count ? $0.count > $1.count : ($0.label, $0.oldID) < ($1.label, $1.oldID) }
        var idForLabel: [Int32: String] = [:]
        var takenOldIDs = Set<String>()
        for pair in pairs where idForLabel[pair.label] == nil && !takenOldIDs.contains(pair.oldID) {
            idForLabel[pair.label] = pair.oldID
            takenOldIDs.insert(pair.oldID)
        }

        // apply: matched labels keep the old id, the rest get new ids
        let oldClusters = self.clusters
        var newClusters: [String: FaceCluster] = [:]
        for position in self.faces.indices where self.faces[position].isPinned {
            if let clusterID = self.faces[position].clusterID {
                newClusters[clusterID] = oldClusters[clusterID] ?? FaceCluster(clusterID: clusterID)
            }
        }
        let labelCount = Int(labels.max() ?? -1) + 1
        for label in 0..<Int32(labelCount) where idForLabel[label] == nil {
            idForLabel[label] = self.makeClusterID()
        }
        for (index, position) in free.enumerated() {
            let label = labels[index]
            guard label != DensityClustering.noise, let clusterID = idForLabel[label] else {
                self.faces[position].clusterID = nil
                continue
            }
            self.faces[position].clusterID = clusterID
            if newClusters[clusterID] == nil {
                newClusters[clusterID] = oldClusters[clusterID] ?? FaceCluster(clusterID: clusterID)
            }
        }
        self.clusters = newClusters

        // pinned faces may share a frame with a face the clustering put beside them
        for clusterID in Set(self.faces.filter(\.isPinned).compactMap(\.clusterID)) {
            self.resolveFrameConflicts(in: clusterID)
        }
        self.removeEmptyClusters()
        self.parameters = parameters

        var keptNames: [String: String] = [:]
        for (clusterID, cluster) in self.clusters {
            if let name = cluster.name {
                keptNames[clusterID] = name
            }
        }
        return ReclusterReport(
            parameters: parameters,
            clusterCount: self.clusters.count,
            unclustered: self.unclusteredCount,
            keptNames: keptNames
        )
    }
}
