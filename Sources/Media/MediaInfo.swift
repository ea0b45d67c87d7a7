import JumperCore

/// The metadata of a media file, with every field of the contract's `Meta` object.
public struct MediaInfo: Sendable {
    public let path: String
    /// The content identifier, see `ContentHash`.
    public let hashString: String
    public let mediaType: MediaType
    /// The file size in bytes.
    public let fileSize: Int64
    /// The duration in seconds, or nil for an image or when the container stores none.
    public let duration: Double?
    /// The displayed width in pixels, after rotation and sample aspect ratio; nil for audio.
    public let width: Int?
    /// The displayed height in pixels, after rotation; nil for audio.
    public let height: Int?
    /// The clockwise turn in degrees (0, 90, 180 or 270) applied to stored pixels for display,
    /// read from the display matrix. It is the negation of `av_display_rotation_get`, the
    /// convention of QuickTime players and of the old `rotate` tag that phones write.
    public let rotation: Int
    /// The average frame rate in frames per second; nil for audio and images.
    public let fps: Double?
    /// FFmpeg's short codec name of the video stream, such as `h264`, `hevc`, `vp9`, `png`.
    public let videoCodec: String?
    /// FFmpeg's short codec name of the audio stream, such as `aac`, `mp3`, `opus`.
    public let audioCodec: String?
    /// The audio sample rate in hertz.
    public let sampleRate: Int?
    /// The number of audio channels.
    public let channels: Int?
    /// The `creation_time` tag as the container stores it (usually ISO 8601 in UTC).
    public let creationTime: String?
    /// The `timecode` tag of the container or of a stream, such as `01:00:00:00`.
    public let startTimecode: String?
    /// Pixel format, colour description (HDR transfer) and frame-rate regularity of the video
    /// stream; nil for audio.
    public let videoFormat: VideoFormat?

    public init(
        path: String,
        hashString: String,
        mediaType: MediaType,
        fileSize: Int64,
        duration: Double?,
        width: Int?,
        height: Int?,
        rotation: Int,
        fps: Double?,
        videoCodec: String?,
        audioCodec: String?,
        sampleRate: Int?,
        channels: Int?,
        creationTime: String?,
        startTimecode: String?,
        videoFormat: VideoFormat? = nil
    ) {
        self.path = path
        self.hashString = hashString
        self.mediaType = mediaType
        self.fileSize = fileSize
        self.duration = duration
        self.width = width
        self.height = height
        self.rotation = rotation
        self.fps = fps
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.sampleRate = sampleRate
        self.channels = channels
        self.creationTime = creationTime
        self.startTimecode = startTimecode
        self.videoFormat = videoFormat
    }

    /// Builds the contract's `Meta` object: snake_case keys in the documented order, null for
    /// what does not apply. Extension keys follow them: `variable_frame_rate`, `pixel_format`,
    /// `bit_depth`, `hdr_transfer`, `color_primaries`, `color_transfer`, `color_space`,
    /// `color_range` and `interlaced`, all null for audio.
    public func metadataJSON() -> JSON {
        var object = JSONObject()
        object["media_path"] = .string(self.path)
        object["hash_str"] = .string(self.hashString)
        object["media_type"] = .string(self.mediaType.rawValue)
        object["file_size"] = .number(Double(self.fileSize))
        object["duration"] = JSON(self.duration)
        object["width"] = JSON(self.width)
        object["height"] = JSON(self.height)
        object["rotation"] = JSON(self.rotation)
        object["fps"] = JSON(self.fps)
        object["video_codec"] = JSON(self.videoCodec)
        object["audio_codec"] = JSON(self.audioCodec)
        object["sample_rate"] = JSON(self.sampleRate)
        object["channels"] = JSON(self.channels)
        object["creation_time"] = JSON(self.creationTime)
        object["start_timecode"] = JSON(self.startTimecode)

        let format = self.videoFormat
        object["variable_frame_rate"] = JSON(format.map { $0.isVariableFrameRate })
        object["pixel_format"] = JSON(format?.pixelFormat)
        object["bit_depth"] = JSON(format?.bitDepth)
        object["hdr_transfer"] = JSON(format?.hdrTransfer)
        object["color_primaries"] = JSON(format?.colorPrimaries)
        object["color_transfer"] = JSON(format?.colorTransfer)
        object["color_space"] = JSON(format?.colorSpace)
        object["color_range"] = JSON(format?.colorRange)
        object["interlaced"] = JSON(format.map { $0.isInterlaced })
        return .object(object)
    }
}
