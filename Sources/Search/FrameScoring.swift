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

    /// Computes the exclusion penalty of every frame of every media.
    ///
    /// For each exclude vector `e`, the baseline `b_e` is its mean cosine over all frames
    /// searched, so a concept counts only where a frame matches it more than a typical
    /// frame does. A frame's penalty is `weight * max_e max(0, cos(frame, e) - b_e)`.
    ///
    /// - Returns: one penalty array per media, in the order of `media`.
    static func exclusionPenalties(media: [LoadedMedia], excludeVectors: [[Float]], weight: Float) -> [[Float]] {
        let vectorCount = excludeVectors.count
        let flattened = Array(excludeVectors.joined())
        let cosinesPerMedia = media.map { self.cosines(of: $0, withEach: flattened, vectorCount: vectorCount) }

        // baselines: mean cosine of each exclude vector over every searched frame
        var sums = [Double](repeating: 0, count: vectorCount)
        var frameTotal = 0
        for cosines in cosinesPerMedia {
            frameTotal += cosines.count / vectorCount
            for (index, value) in cosines.enumerated() {
                sums[index % vectorCount] += Double(value)
            }
        }
        let baselines = sums.map { Float($0 / Double(max(frameTotal, 1))) }

        return cosinesPerMedia.map { cosines in
            let frameCount = cosines.count / vectorCount
            return (0..<frameCount).map { frame in
                var excess: Float = 0
                for vector in 0..<vectorCount {
                    excess = max(excess, cosines[frame * vectorCount + vector] - baselines[vector])
                }
                return weight * excess
            }
        }
    }
}
