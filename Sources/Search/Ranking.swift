/// A unit of the plain ranking: its cosine score and ordinal, the key that orders it.
struct PlainUnit {
    var score: Float
    var ordinal: UInt64
}

extension VisualSearchIndex {
    /// Ranks the frames (or scenes) of `media` for `query` and returns the best ones with
    /// their position in the plain cosine ranking.
    func rank(media: [LoadedMedia], query: VisualQuery) -> [(RankedCandidate, originalIndex: Int)] {
        let scores = FrameScoring.score(
            media: media,
            query: query.vector,
            excludeVectors: query.excludeVectors,
            weight: query.excludeWeight,
            threadCount: self.maxScoringThreads
        )
        // the plain ranking only differs from the final one when something re-ranks
        let needsPlainRanking = !query.excludeVectors.isEmpty || query.allowedFrames != nil

        var selector = TopKSelector(capacity: query.maxResults)
        var plainUnits: [PlainUnit] = []
        for (position, item) in media.enumerated() {
            var allowedMask: [Bool]?
            if let allowedFrames = query.allowedFrames {
                var mask = [Bool](repeating: false, count: item.frameCount)
                for frame in allowedFrames[item.hashString] ?? [] where mask.indices.contains(frame) {
                    mask[frame] = true
                }
                allowedMask = mask
            }
            var collector = CandidateCollector(
                position: position,
                cosines: scores[position].cosines,
                penalties: scores[position].penalties,
                allowedMask: allowedMask,
                minScore: query.minScore,
                recordsPlainUnits: needsPlainRanking
            )
            if query.perScene {
                collector.collectScenes(
                    sceneIndexOfFrame: item.sceneIndexOfFrame,
                    into: &selector,
                    plainUnits: &plainUnits
                )
            } else {
                collector.collectFrames(into: &selector, plainUnits: &plainUnits)
            }
        }

        let best = selector.sorted()
        guard needsPlainRanking else {
            return best.enumerated().map { ($0.element, $0.offset) }
        }
        return zip(best, Self.plainPositions(of: best, among: plainUnits)).map { ($0, $1) }
    }

    /// Returns, for each candidate, how many plain units rank before it by plain score.
    ///
    /// Sorted by plain key, the candidates that a given unit ranks before form a suffix of
    /// the list. One binary search per unit and a prefix sum therefore count them all in
    /// O(units x log(candidates)), without sorting every unit.
    static func plainPositions(of candidates: [RankedCandidate], among units: [PlainUnit]) -> [Int] {
        let order = candidates.indices.sorted { left, right in
            Self.plainKeyRanksBefore(candidates[left].plainScore, candidates[left].ordinal,
                                     candidates[right].plainScore, candidates[right].ordinal)
        }
        var startCounts = [Int](repeating: 0, count: candidates.count + 1)
        for unit in units {
            // first position in `order` that this unit ranks before
            var low = 0
            var high = order.count
            while low < high {
                let middle = (low + high) / 2
                let candidate = candidates[order[middle]]
                if Self.plainKeyRanksBefore(unit.score, unit.ordinal, candidate.plainScore, candidate.ordinal) {
                    high = middle
                } else {
                    low = middle + 1
                }
            }
            startCounts[low] += 1
        }
        var positions = [Int](repeating: 0, count: candidates.count)
        var running = 0
        for (sortedIndex, candidateIndex) in order.enumerated() {
            running += startCounts[sortedIndex]
            positions[candidateIndex] = running
        }
        return positions
    }

    private static func plainKeyRanksBefore(
        _ score: Float,
        _ ordinal: UInt64,
        _ otherScore: Float,
        _ otherOrdinal: UInt64
    ) -> Bool {
        score > otherScore || (score == otherScore && ordinal < otherOrdinal)
    }
}

/// Walks the cosines of one media and offers its units (frames or scenes) to a selector.
private struct CandidateCollector {
    let position: Int
    let cosines: [Float]
    let penalties: [Float]?
    let allowedMask: [Bool]?
    let minScore: Float?
    let recordsPlainUnits: Bool

    private func finalScore(_ frame: Int) -> Float {
        self.cosines[frame] - (self.penalties?[frame] ?? 0)
    }

    private func isAllowed(_ frame: Int) -> Bool {
        self.allowedMask?[frame] ?? true
    }

    private func passesMinScore(_ score: Float) -> Bool {
        guard let minScore = self.minScore else { return true }
        return score >= minScore
    }

    /// Offers every frame as its own unit.
    mutating func collectFrames(into selector: inout TopKSelector, plainUnits: inout [PlainUnit]) {
        for frame in self.cosines.indices {
            let ordinal = RankedCandidate.ordinal(mediaPosition: self.position, index: frame)
            if self.recordsPlainUnits {
                plainUnits.append(PlainUnit(score: self.cosines[frame], ordinal: ordinal))
            }
            let score = self.finalScore(frame)
            guard self.isAllowed(frame), self.passesMinScore(score), score >= selector.threshold else { continue }
            selector.offer(
                RankedCandidate(
                    score: score,
                    ordinal: ordinal,
                    mediaPosition: self.position,
                    frameIndex: frame,
                    plainScore: self.cosines[frame]
                )
            )
        }
    }

    /// Offers the best allowed frame of each scene. Frames are sorted by time, so each
    /// scene's frames are one contiguous run.
    mutating func collectScenes(
        sceneIndexOfFrame: [Int32],
        into selector: inout TopKSelector,
        plainUnits: inout [PlainUnit]
    ) {
        var runStart = 0
        while runStart < self.cosines.count {
            let scene = sceneIndexOfFrame[runStart]
            var runEnd = runStart
            var plainBest = -Float.infinity
            var bestScore = -Float.infinity
            var bestFrame = -1
            while runEnd < self.cosines.count && sceneIndexOfFrame[runEnd] == scene {
                plainBest = max(plainBest, self.cosines[runEnd])
                let score = self.finalScore(runEnd)
                if self.isAllowed(runEnd) && score > bestScore {
                    bestScore = score
                    bestFrame = runEnd
                }
                runEnd += 1
            }

            let ordinal = RankedCandidate.ordinal(mediaPosition: self.position, index: Int(scene))
            if self.recordsPlainUnits {
                plainUnits.append(PlainUnit(score: plainBest, ordinal: ordinal))
            }
            if bestFrame >= 0 && self.passesMinScore(bestScore) && bestScore >= selector.threshold {
                selector.offer(
                    RankedCandidate(
                        score: bestScore,
                        ordinal: ordinal,
                        mediaPosition: self.position,
                        frameIndex: bestFrame,
                        plainScore: plainBest
                    )
                )
            }
            runStart = runEnd
        }
    }
}
