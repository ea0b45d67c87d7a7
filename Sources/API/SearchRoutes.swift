import AnalysisStore
import Foundation
import HTTPServer
import Inference
import JumperCore
import Media
import Search

extension APIService {
    static let maxResultsLimit = 1000

    func searchText(_ fields: RequestFields) throws -> HTTPResponse {
        let query = try fields.requiredString("query")
        let options = try VisualSearchOptions(fields: fields)
        let model = try self.models.visualModel(
            key: try self.models.resolveVisualKey(try fields.string("visual_model")),
            waitIfLoading: false
        )
        // With a text query alone, text_weight scales every score alike and cannot change the order.
        let vector = try model.embedText(query)
        return try self.runVisualSearch(vector: vector, model: model, options: options)
    }

    /// Loads what the scope needs, scores, and shapes the contract's visual matches.
    func runVisualSearch(
        vector: [Float],
        model: any VisualEmbeddingModel,
        options: VisualSearchOptions
    ) throws -> HTTPResponse {
        let cache = try CacheDirectory(existingPath: options.cacheDirectory)
        let scope = try self.resolveScope(options, cache: cache)
        let excludeVectors = try options.exclude.map { try model.embedText($0) }
        let query = VisualQuery(
            cacheDirectoryPath: options.cacheDirectory,
            modelKey: model.modelKey,
            vector: vector,
            excludeVectors: excludeVectors,
            hashStrings: scope?.hashStrings,
            maxResults: options.maxResults,
            perScene: options.perScene,
            minScore: options.minScore,
            allowedFrames: try self.allowedFrames(for: options.peopleFilter, cache: cache)
        )
        let matches: [VisualMatch]
        do {
            matches = try self.index.searchDetailed(query).matches
        } catch {
            throw APIError.badRequest("The search was rejected: \(error).")
        }
        // Copies of one file share a hash_str; a scoped search names the path the client gave.
        let requestedPaths = Dictionary(scope.map { zip($0.hashStrings, $0.paths) }.map(Array.init) ?? [],
                                        uniquingKeysWith: { first, _ in first })
        let shaped = matches.map { match in
            shape(match, videoPath: requestedPaths[match.hashString] ?? match.sourcePath, options: options)
        }
        return .json(["matches": .array(shaped), "model_key": .string(model.modelKey)])
    }

    /// Returns the content hashes a search covers, with the paths they came from, loading their
    /// analysis; nil means every loaded media.
    private func resolveScope(
        _ options: VisualSearchOptions,
        cache: CacheDirectory
    ) throws -> (hashStrings: [String], paths: [String])? {
        guard !options.searchAll, let paths = options.mediaPaths, !paths.isEmpty else {
            _ = try self.index.loadAll(cacheDirectory: cache)
            return nil
        }
        var hashes: [String] = []
        var files: [String] = []
        for path in try expandingFolders(paths) {
            do {
                hashes.append(try self.hashes.hashString(path: path))
                files.append(path)
            } catch {
                throw APIError.badRequest("Field 'media_paths' names '\(path)', which cannot be read: \(error).")
            }
        }
        _ = try self.index.load(cacheDirectory: cache, hashStrings: hashes)
        return (hashes, files)
    }
}

/// The fields every visual search shares, validated.
struct VisualSearchOptions: Sendable {
    var cacheDirectory: String
    var mediaPaths: [String]?
    var searchAll: Bool
    var maxResults: Int
    var exclude: [String]
    var textWeight: Float
    var includeImages: Bool
    var includeScores: Bool
    var minScore: Float?
    var perScene: Bool
    var peopleFilter: PeopleFilter?

    init(fields: RequestFields) throws {
        self.cacheDirectory = try fields.requiredAbsolutePath("cache_dir")
        self.mediaPaths = try fields.absolutePaths("media_paths")
        self.searchAll = try fields.bool("search_all", default: false)
        self.maxResults = try fields.int("max_results", default: 50, range: 1...APIService.maxResultsLimit)
        self.exclude = (try fields.stringArray("exclude") ?? []).filter { !$0.isEmpty }
        let weight = try fields.double("text_weight") ?? 1
        guard weight.isFinite, weight >= 0 else {
            throw APIError.badRequest("Field 'text_weight' is \(weight); it must be a number of at least 0.")
        }
        self.textWeight = Float(weight)
        self.includeImages = try fields.bool("include_images", default: true)
        self.includeScores = try fields.bool("include_scores", default: false)
        self.minScore = try fields.double("min_score").map(Float.init)
        self.perScene = try fields.bool("per_scene", default: true)
        self.peopleFilter = try PeopleFilter(fields: fields)
    }
}

private func shape(_ match: VisualMatch, videoPath: String, options: VisualSearchOptions) -> JSON {
    var object = JSONObject()
    object["frame_idx"] = .string(String(match.frameIndex))
    object["timestamp"] = .string(formatTimestamp(match.timeSeconds))
    object["image"] = options.includeImages ? .string(Data(match.thumbnail).base64EncodedString()) : .null
    object["scene_start_timestamp"] = .string(formatTimestamp(match.sceneStart))
    object["scene_end_timestamp"] = .string(formatTimestamp(match.sceneEnd))
    object["original_index"] = .number(Double(match.originalIndex))
    object["hash_str"] = .string(match.hashString)
    object["video_path"] = .string(videoPath)
    if options.includeScores {
        object["score"] = .number(Double(match.score))
    }
    return .object(object)
}

/// Returns `visual + weight * text`, L2-normalised: a picture query with text mixed in.
func mixed(visual: [Float], text: [Float]?, weight: Float) -> [Float] {
    var sum = visual
    if let text {
        for index in sum.indices {
            sum[index] += weight * text[index]
        }
    }
    let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? sum.map { $0 / norm } : sum
}

/// Replaces each folder in a search scope by the media files inside it, as `/analyze` does.
func expandingFolders(_ paths: [String]) throws -> [String] {
    var expanded: [String] = []
    for path in paths {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            expanded += try MediaFileFinder.mediaFiles(inFolder: path, recursive: true)
        } else {
            expanded.append(path)
        }
    }
    return expanded
}
