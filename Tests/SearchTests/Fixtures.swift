import AnalysisStore
import Foundation
import JumperCore
import Search

/// A temporary cache folder removed when the value is released.
final class TemporaryCache: Sendable {
    let path: String
    let cache: CacheDirectory

    init() throws {
        var template = Array((NSTemporaryDirectory() + "search-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        self.path = String(cString: created)
        self.cache = try CacheDirectory(path: self.path)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// Dimension of the hand-made vectors: axis 0 is the query concept, axis 1 the filler
/// that normalises each vector, axis 2 an excluded concept, axis 3 unused.
let handDimension = 4

/// Returns the unit vector of an axis.
func axis(_ index: Int, dimension: Int = handDimension) -> [Float] {
    (0..<dimension).map { $0 == index ? 1 : 0 }
}

/// Returns a unit vector whose cosine with axis 0 is `query` and with axis 2 is `excluded`.
func handVector(query: Float, excluded: Float = 0) -> [Float] {
    let filler = (1 - query * query - excluded * excluded).squareRoot()
    return [query, filler, excluded, 0]
}

/// Writes a media whose frame N (at N s) has cosine `queryScores[N]` with axis 0.
func writeMedia(
    _ cache: CacheDirectory,
    hashString: String,
    queryScores: [Float],
    excludedScores: [Float]? = nil,
    sceneStarts: [Double] = [0],
    modelKey: String = "hand-4",
    dimension: Int = handDimension
) throws {
    var vectors: [Float] = []
    for (frame, score) in queryScores.enumerated() {
        var vector = handVector(query: score, excluded: excludedScores?[frame] ?? 0)
        vector += [Float](repeating: 0, count: max(0, dimension - handDimension))
        vectors += vector.prefix(dimension)
    }
    let analysis = VisualAnalysis(
        hashString: hashString,
        sourcePath: "/media/\(hashString).mov",
        modelKey: modelKey,
        dimension: dimension,
        duration: Double(queryScores.count),
        frameTimes: queryScores.indices.map(Double.init),
        vectors: vectors,
        sceneStarts: sceneStarts,
        thumbnails: queryScores.indices.map { frame in Array("jpeg-\(hashString)-\(frame)".utf8) }
    )
    try cache.writeVisualAnalysis(analysis, mediaType: "video")
}

func makeIndex() -> (VisualSearchIndex, MemoryLogSink) {
    let sink = MemoryLogSink()
    return (VisualSearchIndex(logger: Logger(label: "search-test", minimumLevel: .debug, sink: sink)), sink)
}

/// SplitMix64, seeded so every run builds the same vectors.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

func randomUnitVector(dimension: Int, generator: inout SeededGenerator) -> [Float] {
    let values = (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
    let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return values.map { $0 / norm }
}
