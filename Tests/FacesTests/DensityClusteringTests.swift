import Foundation
import JumperCore
import Testing

@testable import Faces

/// Deterministic pseudo-random numbers for synthetic embeddings.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// Returns a normally distributed value (Box-Muller).
    mutating func gaussian() -> Float {
        let first = max(Double.leastNonzeroMagnitude, Double.random(in: 0..<1, using: &self))
        let second = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(first)).squareRoot() * cos(2 * Double.pi * second))
    }
}

/// Synthetic faces: `people` identities about 0.85 apart, each face about 0.3 from the
/// other faces of its identity, like dlib embeddings.
func syntheticEmbeddings(people: Int, facesPerPerson: Int, seed: UInt64) -> (values: [Float], identities: [Int]) {
    var generator = SplitMix64(state: seed)
    let dimension = 128
    let identityScale: Float = 0.85 / (2 * Float(dimension)).squareRoot()
    let faceScale: Float = 0.3 / (2 * Float(dimension)).squareRoot()
    var values: [Float] = []
    var identities: [Int] = []
    values.reserveCapacity(people * facesPerPerson * dimension)
    for person in 0..<people {
        let centre = (0..<dimension).map { _ in generator.gaussian() * identityScale }
        for _ in 0..<facesPerPerson {
            for component in 0..<dimension {
                values.append(centre[component] + generator.gaussian() * faceScale)
            }
            identities.append(person)
        }
    }
    return (values, identities)
}

@Suite struct DensityClusteringTests {
    @Test func neighborGraphMatchesBruteForce() {
        // 2600 points cross tile borders in both directions
        var generator = SplitMix64(state: 7)
        let count = 2600
        let dimension = 8
        let values = (0..<(count * dimension)).map { _ in generator.gaussian() * 0.3 }
        let radius: Float = 0.35
        let graph = NeighborGraph(embeddings: values, count: count, dimension: dimension, radius: radius)

        var expected = Set<Int>()
        for first in 0..<count {
            for second in (first + 1)..<count {
                var sum: Float = 0
                for component in 0..<dimension {
                    let difference = values[first * dimension + component] - values[second * dimension + component]
                    sum += difference * difference
                }
                // pairs within float rounding of the radius may fall either way
                if sum.squareRoot() <= radius - 1e-4 {
                    expected.insert(first * count + second)
                }
            }
        }
        let found = Set(graph.edges.map { Int($0.first) * count + Int($0.second) })
        #expect(!expected.isEmpty)
        #expect(expected.isSubset(of: found))
        #expect(found.count - expected.count < 5)
        #expect(graph.edges.allSatisfy { $0.first < $0.second })
        #expect(graph.edges.allSatisfy { $0.distance <= radius + 1e-4 })
    }

    @Test func syntheticPeopleAreSeparated() {
        let (values, identities) = syntheticEmbeddings(people: 20, facesPerPerson: 30, seed: 1)
        let frameIDs = (0..<identities.count).map { Int32($0) }
        let labels = DensityClustering.labels(
            embeddings: values,
            count: identities.count,
            dimension: 128,
            frameIDs: frameIDs,
            parameters: .standard
        )
        #expect(Set(labels).count == 20)
        #expect(!labels.contains(DensityClustering.noise))
        for person in 0..<20 {
            let personLabels = Set(identities.indices.filter { identities[$0] == person }.map { labels[$0] })
            #expect(personLabels.count == 1)
        }
    }

    @Test func sameFrameNeverSharesLabel() {
        // two identities, every frame showing both; a wide eps links the identities
        let (values, identities) = syntheticEmbeddings(people: 2, facesPerPerson: 40, seed: 2)
        let frameIDs = identities.indices.map { Int32($0 % 40) }
        let labels = DensityClustering.labels(
            embeddings: values,
            count: identities.count,
            dimension: 128,
            frameIDs: frameIDs,
            parameters: ClusteringParameters(eps: 1.2, minSamples: 3)
        )
        var seen: [Int32: Set<Int32>] = [:]
        for index in labels.indices where labels[index] != DensityClustering.noise {
            let inserted = seen[labels[index], default: []].insert(frameIDs[index]).inserted
            #expect(inserted, "label \(labels[index]) holds two faces of frame \(frameIDs[index])")
        }
        #expect(Set(labels).count == 2)
    }

    @Test func sparseFacesAreNoise() {
        let (values, _) = syntheticEmbeddings(people: 6, facesPerPerson: 1, seed: 3)
        let labels = DensityClustering.labels(
            embeddings: values,
            count: 6,
            dimension: 128,
            frameIDs: (0..<6).map { Int32($0) },
            parameters: .standard
        )
        #expect(labels.allSatisfy { $0 == DensityClustering.noise })
    }

    @Test func kneeFindsBend() {
        let curve: [Float] = Array(repeating: 0.3, count: 90) + [0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.4, 1.4]
        let knee = ClusteringParameters.knee(of: curve)
        #expect(knee >= 0.3)
        #expect(knee <= 0.5)
    }

    @Test func invalidParametersAreRejected() {
        var collection = FaceCollection(name: "invalid")
        #expect(throws: FacesError.self) {
            try collection.recluster(parameters: ClusteringParameters(eps: 0, minSamples: 5))
        }
        #expect(throws: FacesError.self) {
            try collection.recluster(parameters: ClusteringParameters(eps: 0.5, minSamples: 0))
        }
    }

    @Test func collectionJSONRoundTrips() throws {
        let (values, _) = syntheticEmbeddings(people: 3, facesPerPerson: 8, seed: 4)
        let faces = (0..<24).map { index in
            FaceRecord(
                faceID: "face-\(index)",
                hashString: "hash-\(index / 8)",
                mediaPath: "/media/clip \(index / 8).mov",
                frameIndex: index % 8,
                timestampSeconds: Double(index % 8),
                box: FaceBox(x: 10, y: 20.5, width: 64, height: 64),
                score: 1.05,
                embedding: Array(values[(index * 128)..<((index + 1) * 128)]),
                cropJPEG: index == 0 ? [0xFF, 0xD8, 0xFF, 0xD9] : nil
            )
        }
        var collection = FaceCollection(name: "round trip")
        _ = try collection.add(faces)
        let first = try #require(collection.summaries().first)
        try collection.rename(clusterID: first.clusterID, to: "Ada")
        try collection.move(faceIDs: ["face-1"], to: nil)

        let text = collection.json().serializedString()
        let restored = try FaceCollection(json: try JSON.parse(text))
        #expect(restored.name == collection.name)
        #expect(restored.faces == collection.faces)
        #expect(restored.clusters == collection.clusters)
        #expect(restored.parameters == collection.parameters)
        #expect(restored.nextClusterNumber == collection.nextClusterNumber)
        #expect(restored.face(id: "face-0")?.cropJPEG == [0xFF, 0xD8, 0xFF, 0xD9])
    }

    @Test func duplicateFaceIDIsRejected() throws {
        let (values, _) = syntheticEmbeddings(people: 1, facesPerPerson: 1, seed: 5)
        let face = FaceRecord(
            faceID: "same",
            hashString: "hash",
            mediaPath: "/a.mov",
            frameIndex: 0,
            timestampSeconds: 0,
            box: FaceBox(x: 0, y: 0, width: 10, height: 10),
            score: 1,
            embedding: values
        )
        var collection = FaceCollection(name: "duplicates")
        #expect(throws: FacesError.self) {
            _ = try collection.add([face, face])
        }
        var short = face
        short.embedding = [0.1, 0.2]
        #expect(throws: FacesError.embeddingDimensionMismatch(faceID: "same", count: 2, expected: 128)) {
            _ = try collection.add([short])
        }
    }
}

@Suite struct SampledClusteringTests {
    @Test func sampledGraphMatchesFullGraph() {
        var generator = SplitMix64(state: 11)
        let count = 3000
        let dimension = 8
        let values = (0..<(count * dimension)).map { _ in generator.gaussian() * 0.3 }
        let rows = stride(from: 0, to: count, by: 3).map { $0 }
        let full = NeighborGraph(embeddings: values, count: count, dimension: dimension, radius: 0.35)
        let sampled = NeighborGraph(embeddings: values, count: count, dimension: dimension, radius: 0.35, rows: rows)

        let rowSet = Set(rows)
        let expected = Set(
            full.edges.filter { rowSet.contains(Int($0.first)) || rowSet.contains(Int($0.second)) }
                .map { Int($0.first) * count + Int($0.second) }
        )
        let found = sampled.edges.map { Int($0.first) * count + Int($0.second) }
        #expect(!expected.isEmpty)
        #expect(Set(found).count == found.count, "a pair is listed twice")
        // pairs at the radius may fall either way between the two float computations
        #expect(Set(found).symmetricDifference(expected).count < 5)
    }

    @Test func largeSetSeparatesPeople() {
        // above exactLimit the sampled path runs: 25 faces per person, 1000 people
        let people = 1000
        let (values, identities) = syntheticEmbeddings(people: people, facesPerPerson: 25, seed: 12)
        #expect(identities.count > DensityClustering.exactLimit)
        let labels = DensityClustering.labels(
            embeddings: values,
            count: identities.count,
            dimension: 128,
            frameIDs: identities.indices.map { Int32($0) },
            parameters: .standard
        )
        var labelsByPerson: [Int: Set<Int32>] = [:]
        var peopleByLabel: [Int32: Set<Int>] = [:]
        for index in labels.indices {
            labelsByPerson[identities[index], default: []].insert(labels[index])
            if labels[index] != DensityClustering.noise {
                peopleByLabel[labels[index], default: []].insert(identities[index])
            }
        }
        #expect(peopleByLabel.values.allSatisfy { $0.count == 1 })
        #expect(labelsByPerson.values.allSatisfy { $0.count == 1 })
        #expect(!labels.contains(DensityClustering.noise))
    }
}
