import Foundation
import JumperCore
import Testing

@testable import Faces

/// Faces of real photos, each photo decoded several times with small crops, scales, flips
/// and brightness changes made by ffmpeg, as consecutive video frames would vary.
enum RealFaceSet {
    static let people: [(person: String, photos: [String])] = [
        ("obama", ["obama.jpg", "obama2.jpg", "obama3.jpg"]),
        ("biden", ["biden.jpg"]),
        ("collins", ["astronaut.png"]),
        ("hopper", ["grace_hopper_512x512.jpg"]),
    ]
    static let jitters = [
        "null",
        "crop=iw*0.92:ih*0.92:iw*0.04:ih*0.04",
        "scale=iw*0.8:-2",
        "crop=iw*0.95:ih*0.95:0:0,scale=iw*0.9:-2",
        "hflip",
        "eq=brightness=0.06:contrast=1.1",
    ]

    /// Faces with their person, one per photo and jitter; each photo is one media file and
    /// each jitter one frame of it.
    static let result: Result<[(person: String, face: FaceRecord)], any Error> = Result {
        let engine = try SharedEngine.get()
        var records: [(String, FaceRecord)] = []
        for (person, photos) in Self.people {
            for photo in photos {
                for (frame, filter) in Self.jitters.enumerated() {
                    let image = try TestImages.decode(photo, filter: filter)
                    let faces = try engine.detectFaces(in: image, minFaceSize: 64)
                    guard faces.count == 1 else {
                        throw TestImageError.ffmpegFailed(filter, "expected one face in \(photo), found \(faces.count)")
                    }
                    let face = faces[0]
                    records.append(
                        (
                            person,
                            FaceRecord(
                                faceID: "\(photo)#\(frame)",
                                hashString: "hash-\(photo)",
                                mediaPath: TestImages.path(photo),
                                frameIndex: frame,
                                timestampSeconds: Double(frame),
                                box: face.box,
                                score: face.score,
                                embedding: face.embedding
                            )
                        )
                    )
                }
            }
        }
        return records
    }

    static func get() throws -> [(person: String, face: FaceRecord)] {
        try Self.result.get()
    }

    /// Maps each cluster id to the set of people whose faces it holds.
    static func peopleByCluster(_ collection: FaceCollection, _ set: [(person: String, face: FaceRecord)]) -> [String: Set<String>] {
        let personOf = Dictionary(uniqueKeysWithValues: set.map { ($0.face.faceID, $0.person) })
        var result: [String: Set<String>] = [:]
        for face in collection.faces {
            if let clusterID = face.clusterID {
                result[clusterID, default: []].insert(personOf[face.faceID] ?? "composite")
            }
        }
        return result
    }

    /// Returns the id of the cluster holding most of `person`'s faces.
    static func clusterID(of person: String, in collection: FaceCollection, _ set: [(person: String, face: FaceRecord)]) -> String? {
        var counts: [String: Int] = [:]
        for (owner, face) in set where owner == person {
            if let clusterID = collection.face(id: face.faceID)?.clusterID {
                counts[clusterID, default: 0] += 1
            }
        }
        return counts.max { $0.value < $1.value }?.key
    }
}

@Suite struct RealFaceClusteringTests {
    @Test func onePersonPerCluster() throws {
        let set = try RealFaceSet.get()
        var collection = FaceCollection(name: "people")
        _ = try collection.add(set.map(\.face))
        let people = RealFaceSet.peopleByCluster(collection, set)

        #expect(collection.clusters.count == 4, "clusters: \(people)")
        for (clusterID, members) in people {
            #expect(members.count == 1, "cluster \(clusterID) mixes \(members)")
        }
        for (person, _) in RealFaceSet.people {
            let clusters = people.filter { $0.value.contains(person) }
            #expect(clusters.count == 1, "\(person) is spread over \(clusters.keys.sorted())")
        }
        #expect(collection.unclusteredCount == 0)
        let summaries = collection.summaries()
        #expect(summaries.first?.faceCount == 18)
        #expect(summaries.first?.mediaCount == 3)
    }

    @Test func sameFrameFacesNeverShareCluster() throws {
        let set = try RealFaceSet.get()
        let engine = try SharedEngine.get()
        let composite = try TestImages.decode(
            [TestImages.path("obama2.jpg"), TestImages.path("biden.jpg")],
            filter: "[0]scale=-2:800[a];[1]scale=-2:800[b];[a][b]hstack=inputs=2"
        )
        let found = try engine.detectFaces(in: composite, minFaceSize: 64)
        try #require(found.count == 2)
        let compositeFaces = found.enumerated().map { index, face in
            FaceRecord(
                faceID: "composite#\(index)",
                hashString: "hash-composite",
                mediaPath: "/composite.mp4",
                frameIndex: 0,
                timestampSeconds: 0,
                box: face.box,
                score: face.score,
                embedding: face.embedding
            )
        }

        // eps 0.9 links Obama and Biden (about 0.85 apart), so only the frame rule keeps them apart
        var collection = FaceCollection(name: "wide", parameters: ClusteringParameters(eps: 0.9, minSamples: 2))
        _ = try collection.add(set.map(\.face) + compositeFaces)
        let first = try #require(collection.face(id: "composite#0")?.clusterID)
        let second = try #require(collection.face(id: "composite#1")?.clusterID)
        #expect(first != second)

        let obamaCluster = RealFaceSet.clusterID(of: "obama", in: collection, set)
        let bidenCluster = RealFaceSet.clusterID(of: "biden", in: collection, set)
        #expect(obamaCluster != nil)
        #expect(obamaCluster != bidenCluster)

        // the default parameters keep them apart too
        var standard = FaceCollection(name: "standard")
        _ = try standard.add(set.map(\.face) + compositeFaces)
        let standardFirst = standard.face(id: "composite#0")?.clusterID
        let standardSecond = standard.face(id: "composite#1")?.clusterID
        #expect(standardFirst != nil)
        #expect(standardFirst != standardSecond)
    }

    @Test func namesSurviveRecluster() throws {
        let set = try RealFaceSet.get()
        var collection = FaceCollection(name: "names")
        _ = try collection.add(set.map(\.face))
        let obama = try #require(RealFaceSet.clusterID(of: "obama", in: collection, set))
        let hopper = try #require(RealFaceSet.clusterID(of: "hopper", in: collection, set))
        try collection.rename(clusterID: obama, to: "Barack Obama")
        try collection.rename(clusterID: hopper, to: "Grace Hopper")

        let report = try collection.recluster(parameters: ClusteringParameters(eps: 0.45, minSamples: 4))
        let newObama = try #require(RealFaceSet.clusterID(of: "obama", in: collection, set))
        let newHopper = try #require(RealFaceSet.clusterID(of: "hopper", in: collection, set))
        #expect(collection.clusters[newObama]?.name == "Barack Obama")
        #expect(collection.clusters[newHopper]?.name == "Grace Hopper")
        #expect(newObama == obama)
        #expect(report.keptNames.count == 2)

        let cleared = try collection.recluster(parameters: .standard, clearNames: true)
        #expect(cleared.keptNames.isEmpty)
        #expect(collection.clusters.values.allSatisfy { $0.name == nil })
    }

    @Test func movedFaceStaysAfterRecluster() throws {
        let set = try RealFaceSet.get()
        var collection = FaceCollection(name: "moves")
        _ = try collection.add(set.map(\.face))
        let obama = try #require(RealFaceSet.clusterID(of: "obama", in: collection, set))
        let bidenFace = try #require(set.first { $0.person == "biden" }?.face.faceID)

        // the user decides this Biden face belongs with Obama; reclustering must not undo it
        try collection.move(faceIDs: [bidenFace], to: obama)
        #expect(collection.face(id: bidenFace)?.clusterID == obama)
        try collection.recluster(parameters: .standard)
        #expect(collection.face(id: bidenFace)?.clusterID == obama)
        #expect(collection.face(id: bidenFace)?.isPinned == true)

        // a move to no cluster makes a new one
        let hopperFace = try #require(set.first { $0.person == "hopper" }?.face.faceID)
        let newCluster = try collection.move(faceIDs: [hopperFace], to: nil)
        #expect(collection.face(id: hopperFace)?.clusterID == newCluster)
        try collection.recluster(parameters: .standard)
        #expect(collection.face(id: hopperFace)?.clusterID == newCluster)

        // clear_names also releases the pins, so the face returns to Biden's faces
        try collection.recluster(parameters: .standard, clearNames: true)
        let biden = RealFaceSet.clusterID(of: "biden", in: collection, set)
        #expect(collection.face(id: bidenFace)?.clusterID == biden)
        #expect(collection.face(id: bidenFace)?.isPinned == false)
    }

    @Test func mergeJoinsClusters() throws {
        let set = try RealFaceSet.get()
        var collection = FaceCollection(name: "merge")
        _ = try collection.add(set.map(\.face))
        let biden = try #require(RealFaceSet.clusterID(of: "biden", in: collection, set))
        let collins = try #require(RealFaceSet.clusterID(of: "collins", in: collection, set))
        try collection.rename(clusterID: collins, to: "Eileen Collins")

        let merged = try collection.merge(clusterIDs: [collins], into: biden)
        #expect(merged == 1)
        #expect(collection.clusters[collins] == nil)
        #expect(collection.clusters[biden]?.name == "Eileen Collins")
        #expect(collection.faces(inClusters: [biden]).count == 12)
        #expect(throws: FacesError.clusterNotFound(clusterID: "missing")) {
            try collection.merge(clusterIDs: ["missing"], into: biden)
        }
    }

    @Test func newFacesJoinExistingClusters() throws {
        let set = try RealFaceSet.get()
        // hold back one jitter of every photo, then add those as new footage
        let held = set.filter { $0.face.frameIndex == 5 }
        let initial = set.filter { $0.face.frameIndex != 5 }
        var collection = FaceCollection(name: "incremental")
        _ = try collection.add(initial.map(\.face))
        let before = Dictionary(uniqueKeysWithValues: collection.faces.map { ($0.faceID, $0.clusterID) })

        let newFaces = held.map { entry in
            var face = entry.face
            face.faceID += "-new"
            face.hashString += "-new"
            return face
        }
        let report = try collection.add(newFaces)
        #expect(report.assignedToExisting == newFaces.count)
        #expect(report.newClusterIDs.isEmpty)
        for (faceID, clusterID) in before {
            #expect(collection.face(id: faceID)?.clusterID == clusterID, "face \(faceID) changed cluster")
        }
        for entry in held {
            let clusterID = collection.face(id: entry.face.faceID + "-new")?.clusterID
            #expect(clusterID == RealFaceSet.clusterID(of: entry.person, in: collection, set))
        }
    }

    @Test func automaticParametersSeparatePeople() throws {
        let set = try RealFaceSet.get()
        var collection = FaceCollection(name: "auto")
        _ = try collection.add(set.map(\.face))
        let report = try collection.recluster(parameters: .standard, automaticParameters: true)
        print("automatic parameters: eps \(report.parameters.eps), min_samples \(report.parameters.minSamples)")
        #expect(ClusteringParameters.automaticEpsRange.contains(report.parameters.eps))
        let people = RealFaceSet.peopleByCluster(collection, set)
        for (clusterID, members) in people {
            #expect(members.count == 1, "cluster \(clusterID) mixes \(members) at eps \(report.parameters.eps)")
        }
        #expect(people.count == 4)
    }
}
