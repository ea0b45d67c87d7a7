import CFFmpeg

/// Reads a media file's metadata without decoding it.
public enum MediaProbe {
    /// Probes the file at `path`: type, duration, displayed size, rotation, frame rate, codecs,
    /// audio format, creation time and start timecode, plus its content hash.
    ///
    /// A file is an `image` when its only video is a single picture read by an image demuxer
    /// (PNG, JPEG, WebP, ...), `audio` when it has audio and no video other than cover art, and
    /// `video` otherwise. Blocks for the time FFmpeg needs to read the stream headers.
    ///
    /// - Throws: `MediaError` when the file is missing, a folder, empty, unreadable, or not
    ///   media FFmpeg can read, or has neither audio nor video.
    public static func probe(path: String) throws -> MediaInfo {
        let input = try InputFile(path: path)
        let hashString = try ContentHash.hashString(ofFileAt: path)
        let format = input.formatContext.pointee
        let videoStream = input.primaryVideoStream()
        let audioStream = input.primaryAudioStream()

        let mediaType: MediaType
        if let videoStream, self.isStillImage(videoStream, formatName: input.formatName) {
            mediaType = .image
        } else if videoStream != nil {
            mediaType = .video
        } else if audioStream != nil {
            mediaType = .audio
        } else {
            throw MediaError.unsupported(path: path, reason: "the file has neither a video nor an audio stream")
        }

        var width: Int?
        var height: Int?
        var rotation = 0
        var fps: Double?
        var videoCodec: String?
        var videoFormat: VideoFormat?
        if let videoStream {
            let parameters = videoStream.pointee.codecpar.pointee
            let orientation = input.displayOrientation(of: videoStream)
            let converter = FrameConverter(path: path, orientation: orientation)
            let aspect =
                parameters.sample_aspect_ratio.num > 0
                ? parameters.sample_aspect_ratio : videoStream.pointee.sample_aspect_ratio
            let display = converter.displaySize(
                storedWidth: Int(parameters.width),
                storedHeight: Int(parameters.height),
                sampleAspectRatio: aspect
            )
            width = Int(display.width.rounded())
            height = Int(display.height.rounded())
            rotation = orientation.clockwiseRotation
            videoCodec = String(cString: avcodec_get_name(parameters.codec_id))
            videoFormat = VideoFormat.read(videoStream, in: input, checksFrameRate: mediaType == .video)
            if mediaType == .video {
                fps =
                    FFmpegSupport.double(videoStream.pointee.avg_frame_rate)
                    ?? FFmpegSupport.double(videoStream.pointee.r_frame_rate)
            }
        }

        var audioCodec: String?
        var sampleRate: Int?
        var channels: Int?
        if let audioStream {
            let parameters = audioStream.pointee.codecpar.pointee
            audioCodec = String(cString: avcodec_get_name(parameters.codec_id))
            sampleRate = parameters.sample_rate > 0 ? Int(parameters.sample_rate) : nil
            channels = parameters.ch_layout.nb_channels > 0 ? Int(parameters.ch_layout.nb_channels) : nil
        }

        var duration: Double?
        if mediaType != .image {
            if format.duration > 0 {
                duration = Double(format.duration) / Double(cffmpeg_time_base())
                // Matroska's segment duration counts from timestamp 0, so a file whose
                // timestamps start at 10 s and run for 6 s declares 16 s.
                if input.formatName.hasPrefix("matroska"), format.start_time > 0,
                    format.start_time != FFmpegSupport.noTimestamp, format.start_time < format.duration
                {
                    duration = Double(format.duration - format.start_time) / Double(cffmpeg_time_base())
                }
            } else if let stream = videoStream ?? audioStream, stream.pointee.duration > 0 {
                duration = Double(stream.pointee.duration) * (FFmpegSupport.double(stream.pointee.time_base) ?? 0)
            }
        }

        return MediaInfo(
            path: path,
            hashString: hashString,
            mediaType: mediaType,
            fileSize: input.fileSize,
            duration: duration,
            width: width,
            height: height,
            rotation: rotation,
            fps: fps,
            videoCodec: videoCodec,
            audioCodec: audioCodec,
            sampleRate: sampleRate,
            channels: channels,
            creationTime: self.firstTag("creation_time", in: input),
            startTimecode: self.firstTag("timecode", in: input),
            videoFormat: videoFormat
        )
    }

    /// Returns true for a single picture: an image demuxer (`image2`, `png_pipe`, ...), any GIF,
    /// or a still-image codec whose stream has at most one frame and no audio next to it.
    public static func isStillImage(_ stream: UnsafeMutablePointer<AVStream>, formatName: String) -> Bool {
        // A GIF is a picture to an editor even when it is animated: its first frame stands for it.
        if formatName == "image2" || formatName.hasSuffix("_pipe") || formatName == "gif" {
            return true
        }
        let codec = stream.pointee.codecpar.pointee.codec_id
        let isStillCodec =
            codec == AV_CODEC_ID_MJPEG || codec == AV_CODEC_ID_PNG || codec == AV_CODEC_ID_WEBP
            || codec == AV_CODEC_ID_BMP || codec == AV_CODEC_ID_TIFF
        return isStillCodec && stream.pointee.nb_frames <= 1 && formatName != "mjpeg"
            && stream.pointee.duration <= 0
    }

    /// Returns a tag from the container, or else from the first stream that has it.
    private static func firstTag(_ key: String, in input: InputFile) -> String? {
        if let value = FFmpegSupport.tag(key, in: input.formatContext.pointee.metadata) {
            return value
        }
        for stream in input.streams {
            if let value = FFmpegSupport.tag(key, in: stream.pointee.metadata) {
                return value
            }
        }
        return nil
    }
}
