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
    ///
    /// With `rows` (sorted indices), finds only the pairs that include at least one of those
    /// faces, at a cost of `rows.count * count * dimension`. A pair of two row faces is
    /// listed once.
    init(embeddings: [Float], count: Int, dimension: Int, radius: Float, rows: [Int]? = nil) {
        precondition(embeddings.count == count * dimension, "embeddings must hold count * dimension values")
        if let rows {
            self.init(embeddings: embeddings, count: count, dimension: dimension, radius: radius, subset: rows)
        } else {
            self.init(embeddings: embeddings, count: count, dimension: dimension, radius: radius, allPairs: ())
        }
    }

    private init(embeddings: [Float], count: Int, dimension: Int, radius: Float, allPairs: Void) {
        self.count = count
        self.edges = []
        if count < 2 {
            return
        }

        let norms = Self.squaredNorms(embeddings, count: count, dimension: dimension)

        let radiusSquared = radius * radius
        var tile = [Float](repeating: 0, count: Self.rowTile * Self.columnTile)
        var rowStart = 0
        while rowStart < count {
            let rowCount = min(Self.rowTile, count - rowStart)
            var columnStart = rowStart
            while columnStart < count {
                let columnCount = min(Self.columnTile, count - columnStart)
                let rowValues = Array(embeddings[(rowStart * dimension)..<((rowStart + rowCount) * dimension)])
                Self.multiply(
                    rowValues,
                    rowCount: rowCount,
                    embeddings,
                    columnStart: columnStart,
                    columnCount: columnCount,
                    dimension: dimension,
                    into: &tile
                )
                Self.scan(
                    tile: tile,
                    rowStart: rowStart,
                    rowCount: rowCount,
                    columnStart: columnStart,
                    columnCount: columnCount,
                    rowNorms: Array(norms[rowStart..<(rowStart + rowCount)]),
                    norms: norms,
                    radiusSquared: radiusSquared,
                    isDiagonal: columnStart == rowStart,
                    into: &self.edges
                )
                columnStart += columnCount
            }
            rowStart += rowCount
        }
    }

    private init(embeddings: [Float], count: Int, dimension: Int, radius: Float, subset rows: [Int]) {
        self.count = count
        self.edges = []
        let norms = Self.squaredNorms(embeddings, count: count, dimension: dimension)
        var isRow = [Bool](repeating: false, count: count)
        for row in rows {
            isRow[row] = true
        }
        let radiusSquared = radius * radius
        var tile = [Float](repeating: 0, count: Self.rowTile * Self.columnTile)
        var rowValues = [Float](repeating: 0, count: Self.rowTile * dimension)
        var tileEdges: [Edge] = []
        var rowStart = 0
        while rowStart < rows.count {
            let rowCount = min(Self.rowTile, rows.count - rowStart)
            for local in 0..<rowCount {
                let source = rows[rowStart + local] * dimension
                for component in 0..<dimension {
                    rowValues[local * dimension + component] = embeddings[source + component]
                }
            }
            var columnStart = 0
            while columnStart < count {
                let columnCount = min(Self.columnTile, count - columnStart)
                Self.multiply(
                    rowValues,
                    rowCount: rowCount,
                    embeddings,
                    columnStart: columnStart,
                    columnCount: columnCount,
                    dimension: dimension,
                    into: &tile
                )
                // the scan works in tile rows; map them back to face indices afterwards
                tileEdges.removeAll(keepingCapacity: true)
                Self.scan(
                    tile: tile,
                    rowStart: 0,
                    rowCount: rowCount,
                    columnStart: columnStart,
                    columnCount: columnCount,
                    rowNorms: rows[rowStart..<(rowStart + rowCount)].map { norms[$0] },
                    norms: norms,
                    radiusSquared: radiusSquared,
                    isDiagonal: false,
                    into: &tileEdges
                )
                for edge in tileEdges {
                    let first = rows[rowStart + Int(edge.first)]
                    let second = Int(edge.second)
                    // skip the face itself, and list a pair of two row faces once
                    if first == second || (isRow[second] && second < first) {
                        continue
                    }
                    self.edges.append(Edge(first: UInt32(min(first, second)), second: UInt32(max(first, second)), distance: edge.distance))
                }
                columnStart += columnCount
            }
            rowStart += rowCount
        }
    }

    /// Returns the squared length of each embedding.
    private static func squaredNorms(_ embeddings: [Float], count: Int, dimension: Int) -> [Float] {
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
        return norms
    }

    /// Computes `tile = rows * columns^T` for `rowCount` rows and the columns
    /// `columnStart..<columnStart + columnCount` of `columns`.
    private static func multiply(
        _ rows: [Float],
        rowCount: Int,
        _ columns: [Float],
        columnStart: Int,
        columnCount: Int,
        dimension: Int,
        into tile: inout [Float]
    ) {
        rows.withUnsafeBufferPointer { rowValues in
            columns.withUnsafeBufferPointer { columnValues in
                tile.withUnsafeMutableBufferPointer { gram in
                    cblas_sgemm(
                        CblasRowMajor,
                        CblasNoTrans,
                        CblasTrans,
                        Int32(rowCount),
                        Int32(columnCount),
                        Int32(dimension),
                        1,
                        rowValues.baseAddress!,
                        Int32(dimension),
                        columnValues.baseAddress! + columnStart * dimension,
                        Int32(dimension),
                        0,
                        gram.baseAddress!,
                        Int32(columnCount)
                    )
                }
            }
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
        rowNorms: [Float],
        norms: [Float],
        radiusSquared: Float,
        isDiagonal: Bool,
        into edges: inout [Edge]
    ) {
        let workers = 2
        let found = UnsafeMutableBufferPointer<[Edge]>.allocate(capacity: workers)
        found.initialize(repeating: [])
        defer { found.deallocate() }

        tile.withUnsafeBufferPointer { gramBuffer in
            rowNorms.withUnsafeBufferPointer { rowNormBuffer in
            norms.withUnsafeBufferPointer { normBuffer in
                // The workers read disjoint rows of the tile and write their own slot of
                // `found`, and the buffers outlive concurrentPerform, which returns only
                // when every worker is done.
                nonisolated(unsafe) let gram = gramBuffer.baseAddress!
                nonisolated(unsafe) let norms = normBuffer.baseAddress!
                nonisolated(unsafe) let rowNorms = rowNormBuffer.baseAddress!
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
                        let rowBound = SIMD16<Float>(repeating: (rowNorms[localRow] - radiusSquared) * 0.5)
                        let rowProducts = UnsafeRawPointer(gram + localRow * columnCount)
                        let columnNorms = UnsafeRawPointer(norms + columnStart)
                        // on a diagonal tile only the columns right of the diagonal count
                        var column = isDiagonal ? localRow + 1 : 0
                        while column + 16 <= columnCount {
                            let byteOffset = column * MemoryLayout<Float>.stride
                            let products = rowProducts.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<Float>.self)
                            let halfNorms = columnNorms.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<Float>.self) * 0.5
                            let mask = (products - halfNorms) .>= rowBound
                            if any(mask) {
                                for lane in 0..<16 where mask[lane] {
                                    Self.append(row, columnStart + column + lane, products[lane], rowNorms[localRow], norms, &local)
                                }
                            }
                            column += 16
                        }
                        while column < columnCount {
                            let product = gram[localRow * columnCount + column]
                            if product - norms[columnStart + column] * 0.5 >= rowBound[0] {
                                Self.append(row, columnStart + column, product, rowNorms[localRow], norms, &local)
                            }
                            column += 1
                        }
                    }
                    results[worker] = local
                }
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
        _ rowNorm: Float,
        _ norms: UnsafePointer<Float>,
        _ edges: inout [Edge]
    ) {
        let squared = max(0, rowNorm + norms[column] - 2 * product)
        edges.append(Edge(first: UInt32(row), second: UInt32(column), distance: squared.squareRoot()))
    }
}
