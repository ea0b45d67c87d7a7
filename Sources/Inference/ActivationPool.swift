import Foundation

/// Float arrays kept between forward passes, so that activations reuse warm memory.
///
/// Without it every layer allocates fresh pages, and the page faults cost about a quarter of
/// the image network's CPU time. In the release benchmark (batch of 8, 2-vCPU machine) the
/// pool cut the CPU time per frame from about 24 to 17 ms. Arrays come back with stale
/// contents, so only layers that overwrite every value may take them.
/// Thread-safe: concurrent forward passes each take their own arrays.
final class ActivationPool: @unchecked Sendable {
    /// The lock protects `buffers`.
    private let lock = NSLock()
    private var buffers: [[Float]] = []
    /// The number of arrays kept. A forward pass has at most four activations alive at once,
    /// so the pool retains about the peak activation memory of one pass.
    private let maxRetainedBuffers = 8

    /// Returns an array of `count` values whose contents are unspecified.
    func take(count: Int) -> [Float] {
        self.lock.lock()
        var bestIndex: Int?
        for (index, buffer) in self.buffers.enumerated() where buffer.capacity >= count {
            if let best = bestIndex, self.buffers[best].capacity <= buffer.capacity {
                continue
            }
            bestIndex = index
        }
        var buffer: [Float] = []
        if let bestIndex {
            self.buffers.swapAt(bestIndex, self.buffers.count - 1)
            buffer = self.buffers.removeLast()
        }
        self.lock.unlock()

        if buffer.count > count {
            buffer.removeLast(buffer.count - count)
        } else if buffer.count < count {
            buffer.append(contentsOf: repeatElement(0, count: count - buffer.count))
        }
        return buffer
    }

    /// Moves `values` into the pool for a later `take` and leaves it empty, dropping the
    /// smallest kept array when the pool is full.
    ///
    /// Moving out (instead of copying) keeps the pooled array uniquely referenced, so writing
    /// to it later never triggers a copy-on-write.
    func recycle(_ values: inout [Float]) {
        var buffer: [Float] = []
        swap(&buffer, &values)
        self.lock.lock()
        defer { self.lock.unlock() }
        if self.buffers.count < self.maxRetainedBuffers {
            self.buffers.append(buffer)
            return
        }
        guard let smallest = self.buffers.indices.min(by: { self.buffers[$0].capacity < self.buffers[$1].capacity }),
            self.buffers[smallest].capacity < buffer.capacity
        else {
            return
        }
        self.buffers[smallest] = buffer
    }
}
