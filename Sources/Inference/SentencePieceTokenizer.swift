import Foundation

/// A SentencePiece unigram tokenizer read from a `spiece.model` protobuf, with the text
/// handling of transformers 4.40's `SiglipTokenizer`.
///
/// Steps: lowercase; prefix `▁`; drop ASCII punctuation; collapse whitespace runs to one space
/// and trim; NFKC; spaces to `▁`; the Viterbi segmentation with the highest total piece score,
/// where a character no piece covers becomes `<unk>` and adjacent unknowns merge into one;
/// append `</s>`; truncate and pad with `</s>` to the maximum length.
// NOTE: NFKC stands in for the model's precompiled nmt_nfkc character map, which also removes
// some control characters; texts with control characters may tokenize differently.
struct SentencePieceTokenizer: Sendable {
    private static let unknownPenalty: Float = 10
    private static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    /// Piece text to id and score, for normal and user-defined pieces.
    private let pieces: [String: (id: Int, score: Float)]
    private let maxPieceLength: Int
    private let unknownScore: Float
    let unknownID: Int
    let endID: Int
    let vocabularySize: Int

    /// Reads the pieces of a SentencePiece `ModelProto` file.
    ///
    /// - Throws: `InferenceError.missingModelFile` or `.invalidModelFile` naming the file.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InferenceError.missingModelFile(path: path)
        }
        var reader = ProtobufReader(bytes: [UInt8](data), path: path)
        var pieces: [String: (id: Int, score: Float)] = [:]
        var maxLength = 1
        var minScore = Float.infinity
        var unknownID: Int?
        var endID: Int?
        var index = 0
        while let (field, value) = try reader.next() {
            guard field == 1, case .bytes(let message) = value else { continue }
            var pieceReader = ProtobufReader(bytes: message, path: path)
            var text = ""
            var score: Float = 0
            var type = 1
            while let (pieceField, pieceValue) = try pieceReader.next() {
                switch (pieceField, pieceValue) {
                case (1, .bytes(let bytes)): text = String(decoding: bytes, as: UTF8.self)
                case (2, .fixed32(let bits)): score = Float(bitPattern: bits)
                case (3, .varint(let number)): type = Int(number)
                default: break
                }
            }
            switch type {
            case 1, 4:
                pieces[text] = (index, score)
                maxLength = max(maxLength, text.unicodeScalars.count)
                minScore = min(minScore, score)
            case 2:
                unknownID = index
            default:
                if text == "</s>" {
                    endID = index
                }
            }
            index += 1
        }
        guard let unknownID, let endID, !pieces.isEmpty else {
            throw InferenceError.invalidModelFile(path: path, reason: "no pieces, '<unk>' or '</s>' found; expected a SentencePiece model")
        }
        self.pieces = pieces
        self.maxPieceLength = maxLength
        self.unknownScore = minScore - Self.unknownPenalty
        self.unknownID = unknownID
        self.endID = endID
        self.vocabularySize = index
    }

    /// Returns exactly `length` token ids: the pieces, `</s>`, then `</s>` padding.
    func tokenIDs(for text: String, length: Int = 64) -> [Int] {
        var ids = self.pieceIDs(Self.normalised(text))
        if ids.count > length - 1 {
            ids.removeLast(ids.count - (length - 1))
        }
        ids.append(self.endID)
        return ids + [Int](repeating: self.endID, count: length - ids.count)
    }

    /// Applies SiglipTokenizer's canonicalisation and SentencePiece's normalisation.
    static func normalised(_ text: String) -> String {
        // The tokenizer prefixes `▁`, and SentencePiece merges it with the whitespace after it,
        // so leading whitespace of the text vanishes.
        var canonical = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.lowercased().replacingOccurrences(of: "\u{2581}", with: " ").unicodeScalars {
            if Self.punctuation.contains(scalar) {
                continue
            }
            if scalar.properties.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace, !canonical.isEmpty {
                canonical.append(" ")
            }
            pendingSpace = false
            canonical.append(scalar)
        }
        let compatible = ("\u{2581}" + String(canonical)).precomposedStringWithCompatibilityMapping
        return compatible.replacingOccurrences(of: " ", with: "\u{2581}")
    }

    /// Returns the ids of the best-scoring segmentation of normalised text.
    private func pieceIDs(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        let count = scalars.count
        guard count > 0 else { return [] }

        // Viterbi over scalar positions: best[end] is the best score of text[0..<end]
        var best = [Float](repeating: -Float.infinity, count: count + 1)
        var previous = [(start: Int, id: Int)](repeating: (0, 0), count: count + 1)
        best[0] = 0
        for start in 0..<count where best[start] > -Float.infinity {
            var hasSingleCharacter = false
            var piece = String.UnicodeScalarView()
            for end in (start + 1)...min(count, start + self.maxPieceLength) {
                piece.append(scalars[end - 1])
                guard let (id, score) = self.pieces[String(piece)] else { continue }
                if end == start + 1 {
                    hasSingleCharacter = true
                }
                if best[start] + score > best[end] {
                    best[end] = best[start] + score
                    previous[end] = (start, id)
                }
            }
            if !hasSingleCharacter, best[start] + self.unknownScore > best[start + 1] {
                best[start + 1] = best[start] + self.unknownScore
                previous[start + 1] = (start, self.unknownID)
            }
        }

        var ids: [Int] = []
        var end = count
        while end > 0 {
            let (start, id) = previous[end]
            // adjacent unknown characters become one <unk>, as SentencePiece merges them
            if !(id == self.unknownID && ids.last == self.unknownID) {
                ids.append(id)
            }
            end = start
        }
        return ids.reversed()
    }
}

/// A reader of protobuf wire format: a field number and its value, one field at a time.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)
    }

    let bytes: [UInt8]
    let path: String
    private var offset = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Returns the next field, or nil at the end of the message.
    ///
    /// - Throws: `InferenceError.invalidModelFile` on a truncated field or unknown wire type.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard self.offset < self.bytes.count else { return nil }
        let key = try self.varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0:
            return (field, .varint(try self.varint()))
        case 1:
            return (field, .fixed64(try self.littleEndian(8)))
        case 2:
            let length = Int(try self.varint())
            guard length >= 0, self.offset + length <= self.bytes.count else { throw self.truncated() }
            defer { self.offset += length }
            return (field, .bytes(Array(self.bytes[self.offset..<(self.offset + length)])))
        case 5:
            return (field, .fixed32(UInt32(try self.littleEndian(4))))
        default:
            throw InferenceError.invalidModelFile(path: self.path, reason: "protobuf wire type \(key & 7) at byte \(self.offset) is not supported")
        }
    }

    private mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while self.offset < self.bytes.count, shift < 64 {
            let byte = self.bytes[self.offset]
            self.offset += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                return value
            }
            shift += 7
        }
        throw self.truncated()
    }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        guard self.offset + count <= self.bytes.count else { throw self.truncated() }
        var value: UInt64 = 0
        for index in 0..<count {
            value |= UInt64(self.bytes[self.offset + index]) << (8 * UInt64(index))
        }
        self.offset += count
        return value
    }

    private func truncated() -> InferenceError {
        InferenceError.invalidModelFile(path: self.path, reason: "protobuf field truncated at byte \(self.offset)")
    }
}
