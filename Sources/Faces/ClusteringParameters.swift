import COpenBLAS
import Foundation

/// Parameters of the density clustering, as `POST /faces/recluster` takes them.
public struct ClusteringParameters: Sendable, Equatable {
    /// Maximum Euclidean distance (not squared, not cosine) between two dlib embeddings for
    /// them to count as neighbours. dlib's embeddings of one person are mostly 0.2-0.45 apart
    /// and of different people 0.6 or more, and dlib's own same-person threshold is 0.6.
    public var eps: Double
    /// Number of faces within `eps` of a face, itself included, that make it a core face.
    public var minSamples: Int

    /// The contract's defaults: eps 0.48, min_samples 5.
    public static let standard = ClusteringParameters(eps: 0.48, minSamples: 5)

    public init(eps: Double, minSamples: Int) {
        self.eps = eps
        self.minSamples = minSamples
    }

    /// Throws when `eps` or `minSamples` is outside its valid range.
    public func validate() throws(FacesError) {
        if !(self.eps > 0 && self.eps <= 2) {
            throw .invalidArgument(name: "eps", value: "\(self.eps)", expected: "a distance in (0, 2], such as 0.48")
        }
        if self.minSamples < 1 {
            throw .invalidArgument(name: "min_samples", value: "\(self.minSamples)", expected: "an integer of at least 1")
        }
    }

    // MARK: - Choosing parameters from the data

    /// Range that automatic detection keeps `eps` in: below 0.3 one person splits into many
    /// clusters, above 0.6 different people start to merge.
    public static let automaticEpsRange = 0.3...0.6
    /// Faces sampled to estimate the k-distance curve.
    static let automaticSampleSize = 2000

    /// Frames closer than this (same media file) count as one shot for automatic detection.
    static let shotWindowFrames = 10

    /// Chooses `minSamples` from the number of faces and `eps` at the knee of the sorted
    /// k-distance curve (the distance of each face to its `minSamples - 1`-th nearest other
    /// face), clamped to `automaticEpsRange`.
    ///
    /// Faces of the same media file less than `shotWindowFrames` frames apart are left out
    /// of each other's neighbours. Consecutive frames of one shot are near-duplicates, and
    /// counting them would put the knee at the near-duplicate distance. The distance that
    /// matters is the one between sightings of one person in different shots.
    ///
    /// `minSamples` grows with the logarithm of the face count, from 3 for a few dozen faces
    /// to 10 for tens of thousands. The curve comes from a sample of at most 2000 faces
    /// measured against all faces, so the cost is at most `2000 * count * dimension`.
    ///
    /// - Parameters:
    ///   - mediaIDs: one value per face, equal for faces of one media file.
    ///   - frameIndices: one frame index per face.
    public static func automatic(
        embeddings: [Float],
        count: Int,
        dimension: Int,
        mediaIDs: [Int32],
        frameIndices: [Int]
    ) -> ClusteringParameters {
        let minSamples = max(3, min(10, Int(log(Double(max(count, 1))).rounded())))
        let neighborRank = minSamples - 1
        guard count > minSamples else {
            return ClusteringParameters(eps: Self.standard.eps, minSamples: minSamples)
        }

        let sample = Self.sampleIndices(count: count, limit: Self.automaticSampleSize)
        let distances = Self.kthNeighborDistances(
            of: sample,
            embeddings: embeddings,
            count: count,
            dimension: dimension,
            rank: neighborRank,
            isSameShot: { first, second in
                mediaIDs[first] == mediaIDs[second]
                    && abs(frameIndices[first] - frameIndices[second]) < Self.shotWindowFrames
            }
        ).sorted()
        let knee = Self.knee(of: distances)
        let eps = min(Self.automaticEpsRange.upperBound, max(Self.automaticEpsRange.lowerBound, Double(knee)))
        return ClusteringParameters(eps: eps, minSamples: minSamples)
    }

    /// Returns up to `limit` evenly spaced indices in `0..<count`.
    private static func sampleIndices(count: Int, limit: Int) -> [Int] {
        if count <= limit {
            return Array(0..<count)
        }
        return (0..<limit).map { $0 * count / limit }
    }

    /// Returns, for each sampled face, the distance to its `rank`-th nearest other face.
    private static func kthNeighborDistances(
        of sample: [Int],
        embeddings: [Float],
        count: Int,
        dimension: Int,
        rank: Int,
        isSameShot: (Int, Int) -> Bool
    ) -> [Float] {
        var sampleValues = [Float](repeating: 0, count: sample.count * dimension)
        for (row, face) in sample.enumerated() {
            for component in 0..<dimension {
                sampleValues[row * dimension + component] = embeddings[face * dimension + component]
            }
        }
        var norms = [Float](repeating: 0, count: count)
        for face in 0..<count {
            var sum: Float = 0
            for component in 0..<dimension {
                let value = embeddings[face * dimension + component]
                sum += value * value
            }
            norms[face] = sum
        }

        var result: [Float] = []
        let columnTile = 4096
        var nearest = [[Float]](repeating: [], count: sample.count)
        var gram = [Float](repeating: 0, count: sample.count * columnTile)
        var columnStart = 0
        while columnStart < count {
            let columnCount = min(columnTile, count - columnStart)
            sampleValues.withUnsafeBufferPointer { rows in
                embeddings.withUnsafeBufferPointer { columns in
                    gram.withUnsafeMutableBufferPointer { output in
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(sample.count), Int32(columnCount), Int32(dimension),
                            1, rows.baseAddress!, Int32(dimension),
                            columns.baseAddress! + columnStart * dimension, Int32(dimension),
                            0, output.baseAddress!, Int32(columnCount)
                        )
                    }
                }
            }
            // keep the `rank` smallest distances per sampled face, excluding the face itself
            for (row, face) in sample.enumerated() {
                for column in 0..<columnCount where !isSameShot(face, columnStart + column) {
                    let squared = norms[face] + norms[columnStart + column] - 2 * gram[row * columnCount + column]
                    let distance = max(0, squared).squareRoot()
                    if nearest[row].count < rank {
                        nearest[row].append(distance)
                        nearest[row].sort()
                    } else if distance < nearest[row][rank - 1] {
                        nearest[row][rank - 1] = distance
                        nearest[row].sort()
                    }
                }
            }
            columnStart += columnCount
        }
        // a face with fewer than `rank` faces outside its shot gets the largest distance
        for row in 0..<sample.count {
            result.append(nearest[row].count == rank ? nearest[row][rank - 1] : 2)
        }
        return result
    }

    /// Returns the value at the knee of an ascending curve: the point farthest below the
    /// straight line from its first to its last point (the "kneedle" rule).
    static func knee(of sorted: [Float]) -> Float {
        guard sorted.count >= 3, let first = sorted.first, let last = sorted.last, last > first else {
            return sorted.last ?? 0
        }
        let steps = Float(sorted.count - 1)
        var bestIndex = 0
        var bestGap: Float = -1
        for (index, value) in sorted.enumerated() {
            let line = first + (last - first) * Float(index) / steps
            let gap = line - value
            if gap > bestGap {
                bestGap = gap
                bestIndex = index
            }
        }
        return sorted[bestIndex]
    }
}
