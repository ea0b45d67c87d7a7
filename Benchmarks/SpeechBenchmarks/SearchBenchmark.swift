import Foundation
import JumperCore
import TranscriptSearch

/// Search latency over generated transcripts: one-hour files of 5-second segments, words drawn
/// from a Zipf distribution over a 30,000-word vocabulary, 1 % of segments with Chinese text.
struct SearchBenchmark {
    let options: Options
    let logger: Logger

    static let segmentsPerHour = 720
    static let commonWords = [
        "the", "and", "of", "to", "a", "in", "that", "he", "was", "it", "his", "for", "with", "as", "had", "you",
        "not", "be", "her", "on", "at", "by", "which", "have", "or", "from", "this", "him", "but", "all", "she",
        "they", "were", "my", "are", "me", "one", "their", "so", "an", "said", "them", "we", "who", "would",
        "been", "will", "no", "when", "there", "if", "more", "out", "up", "into", "do", "any", "your", "what",
        "has", "man", "could", "other", "than", "our", "some", "very", "time", "upon", "about", "may", "its",
        "only", "now", "like", "little", "then", "can", "should", "made", "did", "us", "such", "great", "before",
        "must", "two", "these", "see", "know", "over", "much", "down", "after", "first", "mister", "good", "men",
        "café", "élan", "naïve", "rocket", "launch", "weather", "dashwood", "leisure", "prudently", "amiable",
    ]
    static let chinesePhrases = ["我们明天去北京大学参观", "今天天气很好", "东京塔很高", "欢迎来到上海"]

    func run() throws {
        let path = options.workDirectory + "/transcripts-\(options.hours)h.sqlite"
        let reuse = FileManager.default.fileExists(atPath: path)
        let index = try TranscriptIndex(databasePath: path, logger: logger)
        let vocabulary = Self.vocabulary()
        var random = SplitMix64(seed: 42)

        let indexedCount = try index.indexedHashStrings().count
        if !reuse || indexedCount != options.hours {
            let sampler = ZipfSampler(count: vocabulary.count, exponent: 1.05)
            let start = Date()
            for hour in 0..<options.hours {
                var segments: [JSON] = []
                for position in 0..<Self.segmentsPerHour {
                    let count = 6 + Int(random.next() % 13)
                    var words = (0..<count).map { _ in vocabulary[sampler.sample(&random)] }
                    if random.next() % 100 == 0 {
                        words.append(Self.chinesePhrases[Int(random.next() % UInt64(Self.chinesePhrases.count))])
                    }
                    let start = Double(position * 5)
                    segments.append(["id": .number(Double(position)), "start": .number(start), "end": .number(start + 4.8), "text": .string(words.joined(separator: " "))])
                }
                try index.index(hashString: String(format: "hash%05d", hour), sourcePath: "/media/file\(hour).mp4", transcript: ["segments": .array(segments)])
            }
            print(String(format: "search benchmark: indexed %d hours (%d segments) in %.1f s", options.hours, options.hours * Self.segmentsPerHour, Date().timeIntervalSince(start)))
        } else {
            print("search benchmark: reusing \(path)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(String(format: "search benchmark: database %.0f MB", Double(size) / 1_000_000))

        let queries: [(String, String)] = [
            ("common word", vocabulary[4]), ("common word", vocabulary[30]),
            ("mid word", vocabulary[300]), ("mid word", vocabulary[1_500]),
            ("rare word", vocabulary[8_000]), ("rare word", vocabulary[25_000]),
            ("two words", "\(vocabulary[60]) \(vocabulary[400])"), ("two words", "\(vocabulary[900]) \(vocabulary[2_000])"),
            ("phrase", "\"\(vocabulary[10]) \(vocabulary[11])\""), ("phrase", "\"\(vocabulary[200]) \(vocabulary[201])\""),
            ("accent/case", "CAFE"), ("accent/case", "Naive Elan"),
            ("chinese", "北京大学"), ("chinese", "天气"),
            ("no match", "zzzzqqq"), ("hostile", "\"unbalanced AND ( NEAR"),
        ]
        var all: [Double] = []
        var byKind: [String: [Double]] = [:]
        for (kind, query) in queries {
            _ = try index.search(query: query, hashStrings: nil, maxResults: 50)
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try index.search(query: query, hashStrings: nil, maxResults: 50)
                let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                all.append(milliseconds)
                byKind[kind, default: []].append(milliseconds)
            }
        }
        let filtered = (0..<50).map { String(format: "hash%05d", $0 * 7) }
        var filteredTimes: [Double] = []
        for (_, query) in queries.prefix(8) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try index.search(query: query, hashStrings: filtered, maxResults: 50)
            filteredTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        print(String(format: "search latency over %d hours: median %.2f ms, p95 %.2f ms, max %.2f ms (%d runs, max_results 50)", options.hours, percentile(all, 0.5), percentile(all, 0.95), all.max() ?? 0, all.count))
        for kind in byKind.keys.sorted() {
            print(String(format: "  %-12@ median %.2f ms", kind as NSString, percentile(byKind[kind]!, 0.5)))
        }
        print(String(format: "  filtered to 50 files: median %.2f ms", percentile(filteredTimes, 0.5)))
    }

    /// Common English words first, then generated syllable words up to 30,000.
    static func vocabulary() -> [String] {
        var words = Self.commonWords
        let syllables = ["ka", "lo", "mi", "ten", "ra", "sol", "ve", "dun", "pe", "shi", "gor", "al", "nu", "bri", "tas", "om", "fe", "zan", "ci", "dro"]
        var seen = Set(words)
        var index = 0
        while words.count < 30_000 {
            var value = index
            var word = ""
            repeat {
                word += syllables[value % syllables.count]
                value /= syllables.count
            } while value > 0
            if word.count >= 4 && seen.insert(word).inserted { words.append(word) }
            index += 1
        }
        return words
    }
}

private func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
}

/// A small deterministic random generator, so every run indexes the same transcripts.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Samples ranks 0..<count with probability proportional to 1 / (rank + 1)^exponent.
struct ZipfSampler {
    private var cumulative: [Double] = []

    init(count: Int, exponent: Double) {
        var total = 0.0
        for rank in 0..<count {
            total += 1 / pow(Double(rank + 1), exponent)
            self.cumulative.append(total)
        }
        self.cumulative = self.cumulative.map { $0 / total }
    }

    func sample(_ random: inout SplitMix64) -> Int {
        let target = Double(random.next() >> 11) / Double(1 << 53)
        var low = 0
        var high = self.cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if self.cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
