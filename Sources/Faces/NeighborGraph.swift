import COpenBLAS
import Dispatch

/// The pairs of embeddings within a radius of each other, found with a blocked Gram matrix.
///
/// Squared distances come from `|a|^2 + |b|^2 - 2 a.b`, with the dot products of one tile of
/// rows against one tile of columns computed by `cblas_sgemm` and scanned while the tile is
/// still in cache. Only tiles on or above the diagonal are computed, so each pair is seen once.
/// Cost: `count^2 * dimension` multiply-adds, about 1.3e12 for 100,000 faces of 128 values.
struct NeighborGraph {
    /// One pair of neighbours, `first < second`, with their Euclidean distance.
    struct Edge {
        var first: UInt32
        var second: UInt32
        var distance: Float
    }

    /// Number of embeddings.
    let count: Int
    /// Pairs within the radius, each listed once.
    var edges: [Edge]

    /// Rows and columns per tile: 512 x 2048 floats (4 MiB) stay in cache while scanned.
    static let rowTile = 512
    static let columnTile = 2048

    /// Finds all pairs within `radius` (Euclidean) among `count` row-major embeddings of
    /// `dimension` values each.
    init(embeddings: [Float], count: Int, dimension: Int, radius: Float) {
        precondition(embeddings.count == count * dimension, "embeddings must hold count * dimension values")
        self.count = count
        self.edges = []
        if count < 2 {
            return
        }

        var norms = [Float](repeating: 0, count: count)
        embeddings.withUnsafeBufferPointer { values in
            for index in 0..<count {
                var sum: Float = 0
                for component in 0..<dimension {
                    let value = values[index * dimension + component]
                    sum += value * value
                }
                norms[index] = sum
            }
        }

        let radiusSquared = radius * radius
        var tile = [Float](repeating: 0, count: Self.rowTile * Self.columnTile)
        var rowStart = 0
        while rowStart < count {
            let rowCount = min(Self.rowTile, count - rowStart)
            var columnStart = rowStart
            while columnStart < count {
                let columnCount = min(Self.columnTile, count - columnStart)
                embeddings.withUnsafeBufferPointer { values in
                    tile.withUnsafeMutableBufferPointer { gram in
                        cblas_sgemm(
                            CblasRowMajor,
                            CblasNoTrans,
                            CblasTrans,
                            Int32(rowCount),
                            Int32(columnCount),
                            Int32(dimension),
                            1,
                            values.baseAddress! + rowStart * dimension,
                            Int32(dimension),
                            values.baseAddress! + columnStart * dimension,
                            Int32(dimension),
                            0,
                            gram.baseAddress!,
                            Int32(columnCount)
                        )
                    }
                }
                Self.scan(
                    tile: tile,
                    rowStart: rowStart,
                    rowCount: rowCount,
                    columnStart: columnStart,
                    columnCount: columnCount,
                    norms: norms,
                    radiusSquared: radiusSquared,
                    into: &self.edges
                )
                columnStart += columnCount
            }
            rowStart += rowCount
        }
    }

    /// Appends the pairs of one tile whose squared distance is at most `radiusSquared`.
    ///
    /// The rows are split over two workers, each scanning 16 columns at a time with SIMD.
    private static func scan(
        tile: [Float],
        rowStart: Int,
        rowCount: Int,
        columnStart: Int,
        columnCount: Int,
        norms: [Float],
        radiusSquared: Float,
        into edges: inout [Edge]
    ) {
        let workers = 2
        let found = UnsafeMutableBufferPointer<[Edge]>.allocate(capacity: workers)
        found.initialize(repeating: [])
        defer { found.deallocate() }

        tile.withUnsafeBufferPointer { gramBuffer in
            norms.withUnsafeBufferPointer { normBuffer in
                // The workers read disjoint rows of the tile and write their own slot of
                // `found`, and the buffers outlive concurrentPerform, which returns only
                // when every worker is done.
                nonisolated(unsafe) let gram = gramBuffer.baseAddress!
                nonisolated(unsafe) let norms = normBuffer.baseAddress!
                nonisolated(unsafe) let results = found
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var local: [Edge] = []
                    let rowsPerWorker = (rowCount + workers - 1) / workers
                    let firstRow = worker * rowsPerWorker
                    let lastRow = min(rowCount, firstRow + rowsPerWorker)
                    guard firstRow < lastRow else { return }
                    for localRow in firstRow..<lastRow {
                        let row = rowStart + localRow
                        // a.b >= (|a|^2 + |b|^2 - r^2) / 2  <=>  |a - b|^2 <= r^2
                        let rowBound = SIMD16<Float>(repeating: (norms[row] - radiusSquared) * 0.5)
                        let rowProducts = UnsafeRawPointer(gram + localRow * columnCount)
                        let columnNorms = UnsafeRawPointer(norms + columnStart)
                        // on a diagonal tile only the columns right of the diagonal count
                        var column = columnStart == rowStart ? localRow + 1 : 0
                        while column + 16 <= columnCount {
                            let byteOffset = column * MemoryLayout<Float>.stride
                            let products = rowProducts.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<Float>.self)
                            let halfNorms = columnNorms.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<Float>.self) * 0.5
                            let mask = (products - halfNorms) .>= rowBound
                            if any(mask) {
                                for lane in 0..<16 where mask[lane] {
                                    Self.append(row, columnStart + column + lane, products[lane], norms, &local)
                                }
                            }
                            column += 16
                        }
                        while column < columnCount {
                            let product = gram[localRow * columnCount + column]
                            if product - norms[columnStart + column] * 0.5 >= rowBound[0] {
                                Self.append(row, columnStart + column, product, norms, &local)
                            }
                            column += 1
                        }
                    }
                    results[worker] = local
                }
            }
        }
        for worker in 0..<workers {
            edges.append(contentsOf: found[worker])
        }
    }

    private static func append(
        _ row: Int,
        _ column: Int,
        _ product: Float,
        _ norms: UnsafePointer<Float>,
        _ edges: inout [Edge]
    ) {
        let squared = max(0, norms[row] + norms[column] - 2 * product)
        edges.append(Edge(first: UInt32(row), second: UInt32(column), distance: squared.squareRoot()))
    }
}
