/// A candidate unit of a ranking (a frame, or the best frame of a scene) with the key that
/// orders it: higher score first, then lower ordinal, so equal scores rank stably.
struct RankedCandidate {
    var score: Float
    /// Position of the media in the searched list (high 32 bits) and the frame or scene
    /// index (low 32 bits).
    var ordinal: UInt64
    var mediaPosition: Int
    var frameIndex: Int
    /// Score of this unit in the ranking by plain cosine: the frame's cosine, or with
    /// per-scene de-duplication the best cosine of its scene among all its frames.
    var plainScore: Float

    /// Returns true when `self` ranks before `other`.
    func ranksBefore(_ other: RankedCandidate) -> Bool {
        self.score > other.score || (self.score == other.score && self.ordinal < other.ordinal)
    }

    static func ordinal(mediaPosition: Int, index: Int) -> UInt64 {
        UInt64(mediaPosition) << 32 | UInt64(index)
    }
}

/// Keeps the best `capacity` candidates offered, in O(log capacity) per offer, without
/// sorting everything: a binary min-heap whose root is the worst candidate kept.
struct TopKSelector {
    let capacity: Int
    private var heap: [RankedCandidate] = []

    init(capacity: Int) {
        self.capacity = capacity
        self.heap.reserveCapacity(min(capacity, 4096))
    }

    /// The score a candidate must beat to enter once the selector is full; -infinity before.
    var threshold: Float {
        self.heap.count < self.capacity ? -.infinity : self.heap[0].score
    }

    mutating func offer(_ candidate: RankedCandidate) {
        if self.heap.count < self.capacity {
            self.heap.append(candidate)
            self.siftUp(self.heap.count - 1)
        } else if candidate.ranksBefore(self.heap[0]) {
            self.heap[0] = candidate
            self.siftDown(0)
        }
    }

    /// Returns the kept candidates, best first.
    func sorted() -> [RankedCandidate] {
        self.heap.sorted { $0.ranksBefore($1) }
    }

    // the worst candidate (the one every other ranks before) sits at the root
    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.heap[parent].ranksBefore(self.heap[child]) else { return }
            self.heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var worst = parent
            if left < self.heap.count && self.heap[worst].ranksBefore(self.heap[left]) {
                worst = left
            }
            if right < self.heap.count && self.heap[worst].ranksBefore(self.heap[right]) {
                worst = right
            }
            guard worst != parent else { return }
            self.heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
