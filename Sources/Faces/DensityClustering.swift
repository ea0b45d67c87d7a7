/// DBSCAN on face embeddings with Euclidean distance, plus the rule that two faces from the
/// same frame never share a cluster.
///
/// A face is a core face when at least `minSamples` faces, itself included, lie within `eps`
/// (the scikit-learn convention). Core faces within `eps` of each other join one cluster,
/// and every other face within `eps` of a core face joins the cluster of its nearest such
/// core face. Unlike plain DBSCAN, links are taken in order of increasing distance. A link
/// is skipped when it would put two faces of one frame into one cluster, so where two
/// people are linked through a shared frame, the closer links decide who goes where.
///
/// Up to `exactLimit` faces the clustering is exact DBSCAN, at a cost of `count^2 / 2`
/// distances. Above it only `exactLimit` evenly spaced faces are core candidates, whose
/// neighbour counts are still exact against all faces (the DBSCAN++ scheme of Jang and
/// Jiang, 2019), which bounds the cost at `exactLimit * count` distances.
enum DensityClustering {
    /// Label of a face that belongs to no cluster.
    static let noise: Int32 = -1
    /// Largest face count clustered exactly; also the number of core candidates above it.
    // NOTE: above this count, a person with fewer faces than about count / exactLimit times
    // minSamples may have no core candidate and end up unclustered or in a nearby cluster.
    static let exactLimit = 20_000

    /// Returns a label per face: clusters numbered from 0 by decreasing size, or `noise`.
    ///
    /// - Parameters:
    ///   - embeddings: `count * dimension` values, one face after another.
    ///   - frameIDs: one value per face; faces with equal values come from the same frame.
    static func labels(
        embeddings: [Float],
        count: Int,
        dimension: Int,
        frameIDs: [Int32],
        parameters: ClusteringParameters
    ) -> [Int32] {
        precondition(frameIDs.count == count, "one frame id per face")
        if count == 0 {
            return []
        }
        var candidates: [Int]?
        var isCandidate = [Bool](repeating: true, count: count)
        if count > Self.exactLimit {
            let sample = (0..<Self.exactLimit).map { $0 * count / Self.exactLimit }
            isCandidate = [Bool](repeating: false, count: count)
            for face in sample {
                isCandidate[face] = true
            }
            candidates = sample
        }
        let graph = NeighborGraph(
            embeddings: embeddings,
            count: count,
            dimension: dimension,
            radius: Float(parameters.eps),
            rows: candidates
        )

        // core faces: neighbour counts include the face itself, and are complete for candidates
        var neighborCounts = [Int32](repeating: 1, count: count)
        for edge in graph.edges {
            neighborCounts[Int(edge.first)] += 1
            neighborCounts[Int(edge.second)] += 1
        }
        let isCore = (0..<count).map { isCandidate[$0] && Int(neighborCounts[$0]) >= parameters.minSamples }

        // links between core faces, closest first, never joining two faces of one frame
        var sets = ConstrainedUnionFind(frameIDs: frameIDs)
        let edges = graph.edges.sorted { $0.distance < $1.distance }
        for edge in edges where isCore[Int(edge.first)] && isCore[Int(edge.second)] {
            sets.union(Int(edge.first), Int(edge.second))
        }

        // border faces join the cluster of their nearest core neighbour that has room
        var isAssignedBorder = [Bool](repeating: false, count: count)
        for edge in edges {
            let first = Int(edge.first)
            let second = Int(edge.second)
            if isCore[first] == isCore[second] {
                continue
            }
            let border = isCore[first] ? second : first
            let core = isCore[first] ? first : second
            if isAssignedBorder[border] {
                continue
            }
            if sets.union(core, border) {
                isAssignedBorder[border] = true
            }
        }

        // number the clusters that contain a core face by decreasing size
        var sizes: [Int: Int] = [:]
        for face in 0..<count where isCore[face] || isAssignedBorder[face] {
            sizes[sets.find(face), default: 0] += 1
        }
        let ordered = sizes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var numbers: [Int: Int32] = [:]
        for (index, entry) in ordered.enumerated() {
            numbers[entry.key] = Int32(index)
        }
        return (0..<count).map { face in
            guard isCore[face] || isAssignedBorder[face] else { return Self.noise }
            return numbers[sets.find(face)] ?? Self.noise
        }
    }
}

/// Disjoint sets of faces that refuse a union when both sets contain a face of one frame.
struct ConstrainedUnionFind {
    private var parents: [Int]
    private var sizes: [Int]
    /// Frames present in each set, stored at the set's root.
    private var frames: [Set<Int32>]

    init(frameIDs: [Int32]) {
        self.parents = Array(frameIDs.indices)
        self.sizes = [Int](repeating: 1, count: frameIDs.count)
        self.frames = frameIDs.map { [$0] }
    }

    /// Returns the root of the set containing `element`.
    mutating func find(_ element: Int) -> Int {
        var root = element
        while self.parents[root] != root {
            root = self.parents[root]
        }
        var current = element
        while self.parents[current] != root {
            let next = self.parents[current]
            self.parents[current] = root
            current = next
        }
        return root
    }

    /// Joins the sets of `first` and `second` unless they share a frame; returns whether both
    /// are now in one set.
    @discardableResult
    mutating func union(_ first: Int, _ second: Int) -> Bool {
        var rootA = self.find(first)
        var rootB = self.find(second)
        if rootA == rootB {
            return true
        }
        if self.sizes[rootA] < self.sizes[rootB] {
            swap(&rootA, &rootB)
        }
        // a set never contains two faces of one frame, so its size is its number of frames
        let smaller = self.frames[rootB]
        let larger = self.frames[rootA]
        if smaller.contains(where: { larger.contains($0) }) {
            return false
        }
        self.parents[rootB] = rootA
        self.sizes[rootA] += self.sizes[rootB]
        self.frames[rootA].formUnion(smaller)
        self.frames[rootB] = []
        return true
    }
}
