/// The input layer of a transformer text tower: a learned vector per token id plus a learned
/// vector per position, summed.
///
/// CLIP and SigLIP build their text input the same way; only what they do with the encoder's
/// output differs.
struct TextInputEmbedding: Sendable {
    let vocabularySize: Int
    let maxPositions: Int
    let width: Int
    private let tokens: [Float]
    private let positions: [Float]

    /// Reads `<prefix>.token_embedding.weight` and `<prefix>.position_embedding.weight`.
    ///
    /// - Throws: `InferenceError` naming a missing tensor or one of the wrong shape.
    init(file: SafeTensorsFile, prefix: String, tower: CheckpointConfig.Tower) throws {
        self.vocabularySize = tower.vocabularySize
        self.maxPositions = tower.maxPositions
        self.width = tower.shape.width
        self.tokens = try file.floats("\(prefix).token_embedding.weight", shape: [tower.vocabularySize, self.width])
        self.positions = try file.floats("\(prefix).position_embedding.weight", shape: [tower.maxPositions, self.width])
    }

    /// Returns the rows of every sequence one after the other, `offsets[i]` being the first
    /// row of sequence `i` (as the encoder expects them).
    ///
    /// - Precondition: every sequence is non-empty, fits the position table and uses ids
    ///   below the vocabulary size.
    func rows(for sequences: [[Int]], offsets: [Int]) -> [Float] {
        let width = self.width
        var x = [Float](repeating: 0, count: offsets[sequences.count] * width)
        for (sequenceIndex, sequence) in sequences.enumerated() {
            precondition(!sequence.isEmpty && sequence.count <= self.maxPositions, "sequence length \(sequence.count) is out of range")
            for (position, id) in sequence.enumerated() {
                precondition(id >= 0 && id < self.vocabularySize, "token id \(id) is out of range")
                let row = (offsets[sequenceIndex] + position) * width
                for column in 0..<width {
                    x[row + column] = self.tokens[id * width + column] + self.positions[position * width + column]
                }
            }
        }
        return x
    }
}
