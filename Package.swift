// swift-tools-version: 6.0
import PackageDescription

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

        // MARK: - Infrastructure
        .target(name: "JumperCore"),
        .target(name: "HTTPServer", dependencies: ["CCivetweb", "JumperCore"]),
        .target(name: "SocketIO", dependencies: ["HTTPServer", "JumperCore"]),
        .target(name: "AnalysisStore", dependencies: ["JumperCore"]),

        // MARK: - Engines
        .target(name: "Media", dependencies: ["CFFmpeg", "CTurboJPEG", "JumperCore"]),
        .target(name: "Inference", dependencies: ["COpenBLAS", "JumperCore"]),

        // MARK: - Services
        .target(name: "Search", dependencies: ["AnalysisStore", "COpenBLAS", "JumperCore"]),
        .target(
            name: "Analysis",
            dependencies: ["AnalysisStore", "Media", "Inference", "JumperCore"]
        ),

        // MARK: - API and executable
        .target(
            name: "API",
            dependencies: [
                "HTTPServer", "SocketIO", "Analysis", "AnalysisStore", "Search", "Media",
                "Inference", "JumperCore",
            ]
        ),
        .executableTarget(
            name: "jumper",
            dependencies: ["API", "HTTPServer", "SocketIO", "JumperCore"]
        ),

        // MARK: - Benchmarks
        .executableTarget(
            name: "AnalysisBenchmark",
            dependencies: ["Analysis", "Media", "Inference", "JumperCore"],
            path: "Benchmarks/AnalysisBenchmark"
        ),
        .executableTarget(
            name: "ImageTextBenchmark",
            dependencies: ["Inference", "JumperCore"],
            path: "Benchmarks/ImageTextBenchmark"
        ),
        .executableTarget(
            name: "SearchBenchmark",
            dependencies: ["Search", "AnalysisStore", "JumperCore"],
            path: "Benchmarks/SearchBenchmark"
        ),

        // MARK: - Tests, one target per module
        .testTarget(name: "JumperCoreTests", dependencies: ["JumperCore"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "SocketIOTests", dependencies: ["SocketIO"]),
        .testTarget(name: "MediaTests", dependencies: ["Media"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "JumperCore"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalysisStoreTests", dependencies: ["AnalysisStore"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "AnalysisStore"]),
        .testTarget(name: "APITests", dependencies: ["API"]),
    ]
)
