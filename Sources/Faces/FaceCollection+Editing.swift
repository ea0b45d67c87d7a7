// MARK: - Names, merges and moves

extension FaceCollection {
    /// Sets or clears (nil) the name of a cluster; returns whether the name changed.
    ///
    /// - Throws: `FacesError.clusterNotFound` for an unknown id.
    @discardableResult
    public mutating func rename(clusterID: String, to name: String?) throws(FacesError) -> Bool {
        guard var cluster = self.clusters[clusterID] else {
            throw .clusterNotFound(clusterID: clusterID)
        }
        let changed = cluster.name != name
        cluster.name = name
        self.clusters[clusterID] = cluster
        return changed
    }

    /// Moves every face of `clusterIDs` into `target` and removes the emptied clusters.
    /// Returns the number of clusters merged into the target.
    ///
    /// The target keeps its name, or takes the name of the first named source. Where two
    /// faces of one frame would end up together, one stays (a face a user placed, otherwise
    /// the one nearest the merged cluster's mean) and the others become unclustered.
    ///
    /// - Throws: `FacesError.clusterNotFound` for an unknown source or target id.
    @discardableResult
    public mutating func merge(clusterIDs: [String], into target: String) throws(FacesError) -> Int {
        guard self.clusters[target] != nil else {
            throw .clusterNotFound(clusterID: target)
        }
        for clusterID in clusterIDs where self.clusters[clusterID] == nil {
            throw .clusterNotFound(clusterID: clusterID)
        }
        let sources = Set(clusterIDs).subtracting([target])
        if sources.isEmpty {
            return 0
        }

        if self.clusters[target]?.name == nil {
            let clusters = self.clusters
            self.clusters[target]?.name = clusterIDs.compactMap { clusters[$0]?.name }.first
        }
        for position in self.faces.indices {
            if let clusterID = self.faces[position].clusterID, sources.contains(clusterID) {
                self.faces[position].clusterID = target
            }
        }
        self.resolveFrameConflicts(in: target)
        self.removeEmptyClusters()
        return sources.count
    }

    /// Moves faces into `target`, or into a new cluster when `target` is nil, and pins them
    /// there so reclustering leaves them in place. Returns the id of the cluster they are in.
    ///
    /// An unpinned face of the target that shares a frame with a moved face leaves the
    /// target (it becomes unclustered).
    ///
    /// - Throws: `FacesError.faceNotFound`, `.clusterNotFound`, or `.invalidArgument` when two
    ///   of the faces, or a face and a pinned face of the target, come from one frame.
    @discardableResult
    public mutating func move(faceIDs: [String], to target: String?) throws(FacesError) -> String {
        var positions: [Int] = []
        for faceID in faceIDs {
            guard let position = self.positions[faceID] else {
                throw .faceNotFound(faceID: faceID)
            }
            positions.append(position)
        }
        if let target, self.clusters[target] == nil {
            throw .clusterNotFound(clusterID: target)
        }

        // the collection treats two faces of one frame as two different people
        var movedFrames: [FrameKey: String] = [:]
        for position in positions {
            let face = self.faces[position]
            if let other = movedFrames[face.frame], other != face.faceID {
                throw .invalidArgument(
                    name: "face_ids",
                    value: "\(other), \(face.faceID)",
                    expected: "faces from different frames, because two faces of one frame cannot be one person"
                )
            }
            movedFrames[face.frame] = face.faceID
        }
        let movedIDs = Set(faceIDs)
        if let target {
            for face in self.faces where face.clusterID == target && face.isPinned && !movedIDs.contains(face.faceID) {
                if let moved = movedFrames[face.frame] {
                    throw .invalidArgument(
                        name: "face_ids",
                        value: moved,
                        expected: "a face from another frame than face '\(face.faceID)', which a user placed in cluster '\(target)'"
                    )
                }
            }
        }

        let clusterID: String
        if let target {
            clusterID = target
        } else {
            clusterID = self.makeClusterID()
            self.clusters[clusterID] = FaceCluster(clusterID: clusterID)
        }
        for position in self.faces.indices where self.faces[position].clusterID == clusterID {
            let face = self.faces[position]
            if !movedIDs.contains(face.faceID) && movedFrames[face.frame] != nil {
                self.faces[position].clusterID = nil
            }
        }
        for position in positions {
            self.faces[position].clusterID = clusterID
            self.faces[position].isPinned = true
        }
        self.removeEmptyClusters()
        return clusterID
    }

    /// Leaves at most one face per frame in `clusterID`: a pinned face first, otherwise the face
    /// nearest the cluster's mean embedding. The others become unclustered.
    mutating func resolveFrameConflicts(in clusterID: String) {
        let members = self.faces.indices.filter { self.faces[$0].clusterID == clusterID }
        var byFrame: [FrameKey: [Int]] = [:]
        for position in members {
            byFrame[self.faces[position].frame, default: []].append(position)
        }
        if byFrame.count == members.count {
            return
        }
        let centroid = self.centroid(of: members)
        for (_, positions) in byFrame where positions.count > 1 {
            let keeper = positions.min { first, second in
                let firstFace = self.faces[first]
                let secondFace = self.faces[second]
                if firstFace.isPinned != secondFace.isPinned {
                    return firstFace.isPinned
                }
                return squaredDistance(firstFace.embedding, centroid) < squaredDistance(secondFace.embedding, centroid)
            }!
            for position in positions where position != keeper && !self.faces[position].isPinned {
                self.faces[position].clusterID = nil
            }
        }
    }
}

// MARK: - Media

extension FaceCollection {
    /// Returns whether any face of the media `hashString` is in the collection.
    public func containsMedia(hashString: String) -> Bool {
        self.faces.contains { $0.hashString == hashString }
    }

    /// Removes every face of the media `hashString` (before its faces are added again after a
    /// re-analysis) and the clusters left empty. Returns how many faces were removed.
    @discardableResult
    public mutating func removeFaces(ofMedia hashString: String) -> Int {
        let before = self.faces.count
        self.faces.removeAll { $0.hashString == hashString }
        self.positions = Dictionary(uniqueKeysWithValues: self.faces.enumerated().map { ($0.element.faceID, $0.offset) })
        self.removeEmptyClusters()
        return before - self.faces.count
    }
}
