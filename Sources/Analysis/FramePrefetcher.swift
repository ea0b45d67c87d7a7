import Foundation
import Media

/// Decodes the frames of a `FrameSampler` on a thread of its own, up to `capacity` frames
/// ahead of the consumer, so decoding and the consumer's work overlap on two cores.
///
/// One consumer thread calls `next()` until it returns nil or throws, and must call `stop()`
/// when it leaves early (cancel, error), so the decoding thread ends.
final class FramePrefetcher: @unchecked Sendable {
    private let sampler: FrameSampler
    private let capacity: Int
    // The condition's lock protects every field below; the sampler is used by the decoding
    // thread alone once `start()` ran.
    private let condition = NSCondition()
    private var frames: [SampledFrame] = []
    private var isFinished = false
    private var failure: (any Error)?
    private var isStopped = false

    init(sampler: FrameSampler, capacity: Int = 3) {
        self.sampler = sampler
        self.capacity = max(1, capacity)
    }

    /// Starts the decoding thread.
    func start() {
        let thread = Thread { [self] in
            self.decodeAll()
        }
        thread.name = "frame-prefetch"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Returns the next frame, waiting for it to be decoded; nil after the last one.
    ///
    /// - Throws: the error the sampler threw while decoding.
    func next() throws -> SampledFrame? {
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.frames.isEmpty && !self.isFinished {
            self.condition.wait()
        }
        if !self.frames.isEmpty {
            let frame = self.frames.removeFirst()
            self.condition.broadcast()
            return frame
        }
        if let failure = self.failure {
            throw failure
        }
        return nil
    }

    /// Tells the decoding thread to stop after the frame it is decoding.
    func stop() {
        self.condition.lock()
        self.isStopped = true
        self.condition.broadcast()
        self.condition.unlock()
    }

    private func decodeAll() {
        while true {
            self.condition.lock()
            while self.frames.count >= self.capacity && !self.isStopped {
                self.condition.wait()
            }
            let stopped = self.isStopped
            self.condition.unlock()
            if stopped {
                break
            }

            let result = Result { try self.sampler.nextFrame() }
            self.condition.lock()
            switch result {
            case .success(let frame?):
                self.frames.append(frame)
                self.condition.broadcast()
                self.condition.unlock()
                continue
            case .success(nil):
                break
            case .failure(let error):
                self.failure = error
            }
            self.condition.unlock()
            break
        }
        self.condition.lock()
        self.isFinished = true
        self.condition.broadcast()
        self.condition.unlock()
    }
}
