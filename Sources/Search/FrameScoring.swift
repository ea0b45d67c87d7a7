import COpenBLAS

/// BLAS kernels that score the frames of one media against query vectors.
enum FrameScoring {
    /// Returns the cosine similarity of every frame with `query` (both L2-normalised), as
    /// one `cblas_sgemv` over the media's `frameCount x dimension` matrix.
    static func cosines(of media: LoadedMedia, with query: [Float]) -> [Float] {
        let frameCount = media.frameCount
        let dimension = media.dimension
        return [Float](unsafeUninitializedCapacity: frameCount) { scores, initializedCount in
            media.vectors.withUnsafeBufferPointer { matrix in
                query.withUnsafeBufferPointer { vector in
                    cblas_sgemv(
                        CblasRowMajor,
                        CblasNoTrans,
                        Int32(frameCount),
                        Int32(dimension),
                        1,
                        matrix.baseAddress,
                        Int32(dimension),
                        vector.baseAddress,
                        1,
                        0,
                        scores.baseAddress,
                        1
                    )
                }
            }
            initializedCount = frameCount
        }
    }

    /// Returns the `frameCount x vectorCount` row-major matrix of cosines between every
    /// frame and each of `vectors` (concatenated, `vectorCount x dimension`), as one
    /// `cblas_sgemm`.
    static func cosines(of media: LoadedMedia, withEach vectors: [Float], vectorCount: Int) -> [Float] {
        let frameCount = media.frameCount
        let dimension = media.dimension
        let count = frameCount * vectorCount
        return [Float](unsafeUninitializedCapacity: count) { result, initializedCount in
            media.vectors.withUnsafeBufferPointer { matrix in
                vectors.withUnsafeBufferPointer { others in
                    cblas_sgemm(
                        CblasRowMajor,
                        CblasNoTrans,
                        CblasTrans,
                        Int32(frameCount),
                        Int32(vectorCount),
                        Int32(dimension),
                        1,
                        matrix.baseAddress,
                        Int32(dimension),
                        others.baseAddress,
                        Int32(dimension),
                        0,
                        result.baseAddress,
                        Int32(vectorCount)
                    )
                }
            }
            initializedCount = count
        }
    }

    /// Scores every frame of every media against the query and, when given, the exclude
    /// vectors, reading each media's matrix once.
    ///
    /// The exclusion penalty works like this: for each exclude vector `e`, the baseline
    /// `b_e` is its mean cosine over all frames searched, so a concept counts only where a
    /// frame matches it more than a typical frame does. A frame's penalty is
    /// `weight * max_e max(0, cos(frame, e) - b_e)`, subtracted from its cosine.
    ///
    /// - Returns: per media, in the order of `media`, the query cosines and the penalties
    ///   (nil without exclude vectors).
    static func score(
        media: [LoadedMedia],
        query: [Float],
        excludeVectors: [[Float]],
        weight: Float
    ) -> [(cosines: [Float], penalties: [Float]?)] {
        guard !excludeVectors.isEmpty else {
            return media.map { (self.cosines(of: $0, with: query), nil) }
        }

        // one sgemm per media against [query; exclude vectors], a frameCount x columnCount matrix
        let columnCount = 1 + excludeVectors.count
        let stacked = query + Array(excludeVectors.joined())
        let matrices = media.map { self.cosines(of: $0, withEach: stacked, vectorCount: columnCount) }

        var sums = [Double](repeating: 0, count: columnCount)
        var frameTotal = 0
        for matrix in matrices {
            matrix.withUnsafeBufferPointer { values in
                let frameCount = values.count / columnCount
                frameTotal += frameCount
                for column in 1..<columnCount {
                    var sum: Float = 0
                    for frame in 0..<frameCount {
                        sum += values[frame * columnCount + column]
                    }
                    sums[column] += Double(sum)
                }
            }
        }
        let baselines = sums.map { Float($0 / Double(max(frameTotal, 1))) }

        return matrices.map { matrix in
            matrix.withUnsafeBufferPointer { values in
                let frameCount = values.count / columnCount
                var cosines = [Float](repeating: 0, count: frameCount)
                var penalties = [Float](repeating: 0, count: frameCount)
                for frame in 0..<frameCount {
                    let row = frame * columnCount
                    cosines[frame] = values[row]
                    var excess: Float = 0
                    for column in 1..<columnCount {
                        excess = max(excess, values[row + column] - baselines[column])
                    }
                    penalties[frame] = weight * excess
                }
                return (cosines, penalties)
            }
        }
    }
}
