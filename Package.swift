// swift-tools-version: 6.0
import PackageDescription

// whisper.cpp is not packaged by Debian: scripts/fetch-speech-models.sh installs it into
// <cache>/whisper.cpp/{include,lib}, with <cache> = $JUMPER_CACHE_DIR or <package>/.cache.
// The CWhisper module map cannot name that folder, so the targets that import it get the
// header and library paths (and an rpath, so binaries find libwhisper at run time) here.
let speechCacheDirectory = Context.environment["JUMPER_CACHE_DIR"] ?? "\(Context.packageDirectory)/.cache"
let whisperPrefix = "\(speechCacheDirectory)/whisper.cpp"
let whisperSwiftSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I\(whisperPrefix)/include"])]
let whisperLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L\(whisperPrefix)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(whisperPrefix)/lib"])
]

// Dependencies point one way: executable -> API -> services -> engines -> infrastructure -> C edge.
let package = Package(
    name: "Jumper",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "jumper", targets: ["jumper"])
    ],
    targets: [
        // MARK: - C edge: one system-library target per C library
        .systemLibrary(name: "CCivetweb", path: "Sources/CCivetweb"),
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        // dlib's face models behind a C interface. A translation unit with dlib's DNN headers
        // takes 35-40 s to compile, so it sits in a target of its own. It is always built with
        // optimisation because dlib's header code (image pyramid, shape predictor, chip
        // extraction) is far slower unoptimised.
        .target(
            name: "CDlibFaces",
            cxxSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("lapack"), .linkedLibrary("blas")]
        ),
        .systemLibrary(name: "CWhisper", path: "Sources/CWhisper"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPangoCairo", path: "Sources/CPangoCairo", pkgConfig: "pangocairo"),

        // MARK: - Infrastructure
        .target(name: "JumperCore"),
        .target(name: "CThreadStack", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "HTTPServer", dependencies: ["CCivetweb", "CThreadStack", "JumperCore"]),
        .target(name: "SocketIO", dependencies: ["HTTPServer", "JumperCore"]),
        .target(name: "AnalysisStore", dependencies: ["CSQLite", "JumperCore"]),

        // MARK: - Engines
        .target(name: "Media", dependencies: ["CFFmpeg", "CTurboJPEG", "JumperCore"]),
        .target(name: "Inference", dependencies: ["COpenBLAS", "JumperCore"]),
        .target(name: "Faces", dependencies: ["CDlibFaces", "COpenBLAS", "AnalysisStore", "JumperCore"]),
        .target(
            name: "Speech",
            dependencies: ["CWhisper", "Media", "JumperCore"],
            swiftSettings: whisperSwiftSettings,
            linkerSettings: whisperLinkerSettings
        ),
        .target(name: "TranscriptSearch", dependencies: ["AnalysisStore", "JumperCore"]),
        .target(
            name: "Export",
            dependencies: ["CFFmpeg", "CZlib", "CPangoCairo", "Media", "Speech", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),
        .executableTarget(
            name: "SpeechBenchmarks",
            dependencies: ["Speech", "TranscriptSearch", "JumperCore"],
            path: "Benchmarks/SpeechBenchmarks",
            swiftSettings: whisperSwiftSettings
        ),

        // MARK: - Services
        .target(name: "Search", dependencies: ["AnalysisStore", "COpenBLAS", "JumperCore"]),
        .target(
            name: "Analysis",
            dependencies: ["AnalysisStore", "Media", "Inference", "Speech", "Faces", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),

        .target(
            name: "WatchFolders",
            dependencies: ["Analysis", "AnalysisStore", "Media", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),

        // MARK: - API and executable
        .target(
            name: "API",
            dependencies: [
                "HTTPServer", "SocketIO", "Analysis", "AnalysisStore", "Search", "Media",
                "Inference", "Speech", "TranscriptSearch", "WatchFolders", "Export", "Faces", "JumperCore",
            ],
            swiftSettings: whisperSwiftSettings
        ),
        .executableTarget(
            name: "jumper",
            dependencies: ["API", "HTTPServer", "SocketIO", "Inference", "WatchFolders", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),

        // MARK: - Benchmarks
        .executableTarget(
            name: "AnalysisBenchmark",
            dependencies: ["Analysis", "Media", "Inference", "JumperCore"],
            path: "Benchmarks/AnalysisBenchmark",
            swiftSettings: whisperSwiftSettings
        ),
        .executableTarget(
            name: "FaceAnalysisBenchmark",
            dependencies: ["Analysis", "AnalysisStore", "Faces", "Media", "JumperCore"],
            path: "Benchmarks/FaceAnalysisBenchmark",
            swiftSettings: whisperSwiftSettings
        ),
        .executableTarget(
            name: "FacesBenchmark",
            dependencies: ["Faces", "AnalysisStore", "JumperCore"],
            path: "Benchmarks/FacesBenchmark"
        ),
        .executableTarget(
            name: "ImageTextBenchmark",
            dependencies: ["Inference", "JumperCore"],
            path: "Benchmarks/ImageTextBenchmark"
        ),
        .executableTarget(
            name: "SearchBenchmark",
            dependencies: ["Search", "AnalysisStore", "JumperCore"],
            path: "Benchmarks/SearchBenchmark",
            exclude: ["README.md"]
        ),
        .executableTarget(name: "MediaBenchmark", dependencies: ["Media"], path: "Benchmarks/MediaBenchmark"),
        .executableTarget(name: "SceneBenchmark", dependencies: ["Media"], path: "Benchmarks/SceneBenchmark"),

        // MARK: - Tests, one target per module
        .testTarget(name: "JumperCoreTests", dependencies: ["JumperCore"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "SocketIOTests", dependencies: ["SocketIO"]),
        .testTarget(name: "MediaTests", dependencies: ["Media"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "JumperCore"], exclude: ["Fixtures"]),
        .testTarget(name: "FacesTests", dependencies: ["Faces", "AnalysisStore"]),
        .testTarget(name: "AnalysisStoreTests", dependencies: ["AnalysisStore"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "AnalysisStore"]),
        .testTarget(name: "APITests", dependencies: ["API"], swiftSettings: whisperSwiftSettings),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Analysis", "AnalysisStore", "Faces", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),
        .testTarget(
            name: "SpeechTests",
            dependencies: ["Speech", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),
        .testTarget(name: "TranscriptSearchTests", dependencies: ["TranscriptSearch", "JumperCore"]),
        .testTarget(
            name: "WatchFoldersTests",
            dependencies: ["WatchFolders", "AnalysisStore", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),
        .testTarget(
            name: "ExportTests",
            dependencies: ["Export", "Media", "Speech", "JumperCore"],
            swiftSettings: whisperSwiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
