/// A stretch of speech found by voice-activity detection, in samples from the start of the audio.
struct SpeechSpan: Equatable {
    var start: Int
    var end: Int

    var length: Int { self.end - self.start }
}

/// One whisper.cpp call's input: speech spans cut out of the file and joined end to end.
///
/// Silence between spans is left out, so whisper.cpp never sees long silence (where it invents
/// text) and each 30-second pass holds as much speech as possible. `fileTime(atWindowTime:)` maps
/// times reported by whisper.cpp back to the file; offsets are counted in samples, so long files do
/// not drift.
struct SpeechWindow: Equatable {
    struct Piece: Equatable {
        /// First sample of the piece in the file.
        var fileStart: Int
        /// First sample of the piece in the window.
        var windowStart: Int
        var length: Int
    }

    var pieces: [Piece] = []

    var length: Int { self.pieces.last.map { $0.windowStart + $0.length } ?? 0 }

    /// Copies the window's pieces out of the file's samples.
    func samples(from audio: [Float]) -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(self.length)
        for piece in self.pieces {
            result.append(contentsOf: audio[piece.fileStart..<(piece.fileStart + piece.length)])
        }
        return result
    }

    /// Maps a time in seconds within the window to seconds from the start of the file.
    ///
    /// A time on the boundary between two pieces maps to the end of the earlier piece when
    /// `isEnd` is true (the end of a word) and to the start of the later piece otherwise.
    func fileTime(atWindowTime seconds: Double, isEnd: Bool, sampleRate: Int) -> Double {
        guard let first = self.pieces.first, let last = self.pieces.last else { return 0 }
        let sample = seconds * Double(sampleRate)
        var chosen = sample <= Double(first.windowStart) ? first : last
        for piece in self.pieces {
            let pieceStart = Double(piece.windowStart)
            let pieceEnd = Double(piece.windowStart + piece.length)
            let contains = isEnd ? (sample > pieceStart && sample <= pieceEnd) : (sample >= pieceStart && sample < pieceEnd)
            if contains {
                chosen = piece
                break
            }
        }
        let offset = min(max(sample - Double(chosen.windowStart), 0), Double(chosen.length))
        return (Double(chosen.fileStart) + offset) / Double(sampleRate)
    }

    /// Groups speech spans into windows of at most `maxLength` samples each.
    ///
    /// Spans closer than `joinGap` samples are first merged into one piece together with the
    /// silence between them, so short pauses inside a sentence stay in the audio whisper.cpp sees.
    /// A span longer than `maxLength` becomes a window of its own.
    static func plan(spans: [SpeechSpan], maxLength: Int, joinGap: Int) -> [SpeechWindow] {
        var merged: [SpeechSpan] = []
        for span in spans where span.length > 0 {
            if let last = merged.last, span.start - last.end < joinGap, span.end - last.start <= maxLength {
                merged[merged.count - 1].end = max(last.end, span.end)
            } else {
                merged.append(span)
            }
        }

        var windows: [SpeechWindow] = []
        var current = SpeechWindow()
        for span in merged {
            if current.length > 0 && current.length + span.length > maxLength {
                windows.append(current)
                current = SpeechWindow()
            }
            current.pieces.append(Piece(fileStart: span.start, windowStart: current.length, length: span.length))
        }
        if current.length > 0 {
            windows.append(current)
        }
        return windows
    }
}
