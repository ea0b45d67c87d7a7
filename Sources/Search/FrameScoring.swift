import COpenBLAS
import Dispatch
import Foundation

/// BLAS kernels that score the frames of one media against query vectors.
enum FrameScoring {
    /// Values widened to Float per BLAS call (21 rows of 384-d vectors). A block this small
    /// stays in cache between the widening and the BLAS call. It also keeps OpenBLAS on the
    /// calling thread, because OpenBLAS's gemv runs single-threaded below
    /// 2304 x GEMM_MULTITHREAD_THRESHOLD elements (`interface/gemv.c`, threshold 4 by
    /// default), which avoids its worker threads spinning between calls. The index
    /// spreads media over its own threads instead (see `parallelMap`).
    static let blockValues = 8192

    /// Returns the `frameCount x vectorCount` row-major matrix of cosines between every
    /// frame and each of `vectors` (concatenated, `vectorCount x dimension`).
    ///
    /// It widens blocks of rows from bfloat16 into a scratch buffer and scores each block
    /// with `cblas_sgemv` (one vector) or `cblas_sgemm` (several).
    static func cosines(of media: LoadedMedia, withEach vectors: [Float], vectorCount: Int) -> [Float] {
        let frameCount = media.frameCount
        let dimension = media.dimension
        let blockRows = max(1, min(frameCount, self.blockValues / dimension))
        var block = [Float](repeating: 0, count: blockRows * dimension)
        var result = [Float](repeating: 0, count: frameCount * vectorCount)

        media.vectors.withUnsafeBufferPointer { matrix in
            vectors.withUnsafeBufferPointer { others in
                block.withUnsafeMutableBufferPointer { block in
                    result.withUnsafeMutableBufferPointer { result in
                        var firstRow = 0
                        while firstRow < frameCount {
                            let rows = min(blockRows, frameCount - firstRow)
                            BFloat16.widen(
                                matrix.baseAddress! + firstRow * dimension,
                                into: block.baseAddress!,
                                count: rows * dimension
                            )
                            self.multiply(
                                block: block.baseAddress!,
                                rows: rows,
                                dimension: dimension,
                                vectors: others.baseAddress!,
                                vectorCount: vectorCount,
                                into: result.baseAddress! + firstRow * vectorCount
                            )
                            firstRow += rows
                        }
                    }
                }
            }
        }
        return result
    }

    /// Writes `block x vectors^T` (`rows x vectorCount`, row-major) to `output`.
    private static func multiply(
        block: UnsafePointer<Float>,
        rows: Int,
        dimension: Int,
        vectors: UnsafePointer<Float>,
        vectorCount: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        if vectorCount == 1 {
            cblas_sgemv(
                CblasRowMajor,
                CblasNoTrans,
                Int32(rows),
                Int32(dimension),
                1,
                block,
                Int32(dimension),
                vectors,
                1,
                0,
                output,
                1
            )
        } else {
            cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasTrans,
                Int32(rows),
                Int32(vectorCount),
                Int32(dimension),
                1,
                block,
                Int32(dimension),
                vectors,
                Int32(dimension),
                0,
                output,
                Int32(vectorCount)
            )
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
        weight: Float,
        threadCount: Int
    ) -> [(cosines: [Float], penalties: [Float]?)] {
        guard !excludeVectors.isEmpty else {
            return self.parallelMap(media, threadCount: threadCount) { item in
                (self.cosines(of: item, withEach: query, vectorCount: 1), nil)
            }
        }

        // each media against [query; exclude vectors] in one pass, a frameCount x columnCount matrix
        let columnCount = 1 + excludeVectors.count
        let stacked = query + Array(excludeVectors.joined())
        let matrices = self.parallelMap(media, threadCount: threadCount) { item in
            self.cosines(of: item, withEach: stacked, vectorCount: columnCount)
        }

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

    /// Applies `transform` to every media on up to `threadCount` threads, taking media one
    /// at a time so that long and short media balance out. Results keep the order of `media`.
    static func parallelMap<Result>(
        _ media: [LoadedMedia],
        threadCount: Int,
        _ transform: @Sendable (LoadedMedia) -> Result
    ) -> [Result] {
        let workerCount = min(media.count, threadCount)
        guard workerCount > 1 else { return media.map(transform) }

        var results = [Result?](repeating: nil, count: media.count)
        let nextIndex = WorkCounter()
        results.withUnsafeMutableBufferPointer { slots in
            // each index is claimed by exactly one worker, so the writes never overlap
            let output = UnsafeSendablePointer(base: slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workerCount) { _ in
                while let index = nextIndex.claim(below: media.count) {
                    output.base[index] = transform(media[index])
                }
            }
        }
        return results.map { $0! }
    }
}

/// Hands out increasing indices to worker threads.
private final class WorkCounter: @unchecked Sendable {
    // The lock protects `next`.
    private let lock = NSLock()
    private var next = 0

    /// Returns the next unclaimed index, or nil once `limit` is reached.
    func claim(below limit: Int) -> Int? {
        self.lock.lock()
        defer { self.lock.unlock() }
        guard self.next < limit else { return nil }
        self.next += 1
        return self.next - 1
    }
}

/// A pointer passed to worker threads that write disjoint elements.
private struct UnsafeSendablePointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
}
