import CFFmpeg

/// The pixel format, colour description and frame timing of a video stream, read from its
/// codec parameters and packet timestamps without decoding.
public struct VideoFormat: Sendable, Equatable {
    /// FFmpeg's name of the decoded pixel format, such as `yuv420p` or `yuv420p10le`.
    public let pixelFormat: String?
    /// Bits per sample of the first component (8, 10, 12, ...).
    public let bitDepth: Int?
    /// FFmpeg's name of the colour primaries, such as `bt709` or `bt2020`; nil when unspecified.
    public let colorPrimaries: String?
    /// FFmpeg's name of the transfer characteristic, such as `bt709`, `smpte2084` (PQ) or
    /// `arib-std-b67` (HLG); nil when unspecified.
    public let colorTransfer: String?
    /// FFmpeg's name of the YUV matrix, such as `bt709` or `bt2020nc`; nil when unspecified.
    public let colorSpace: String?
    /// `tv` (limited range) or `pc` (full range); nil when unspecified.
    public let colorRange: String?
    /// Whether the stream is stored as interlaced fields, from the codec's field order.
    public let isInterlaced: Bool
    /// Whether the frame durations vary, see `FrameRateCheck`.
    public let isVariableFrameRate: Bool

    public init(
        pixelFormat: String?,
        bitDepth: Int?,
        colorPrimaries: String?,
        colorTransfer: String?,
        colorSpace: String?,
        colorRange: String?,
        isInterlaced: Bool,
        isVariableFrameRate: Bool
    ) {
        self.pixelFormat = pixelFormat
        self.bitDepth = bitDepth
        self.colorPrimaries = colorPrimaries
        self.colorTransfer = colorTransfer
        self.colorSpace = colorSpace
        self.colorRange = colorRange
        self.isInterlaced = isInterlaced
        self.isVariableFrameRate = isVariableFrameRate
    }

    /// The HDR transfer function: `smpte2084` for PQ, `arib-std-b67` for HLG, nil for SDR.
    public var hdrTransfer: String? {
        switch self.colorTransfer {
        case "smpte2084", "arib-std-b67": self.colorTransfer
        default: nil
        }
    }

    /// Reads the format of `stream`. `checksFrameRate` is false for still images, whose single
    /// frame has no rate to vary.
    static func read(
        _ stream: UnsafeMutablePointer<AVStream>,
        in input: InputFile,
        checksFrameRate: Bool
    ) -> VideoFormat {
        let parameters = stream.pointee.codecpar.pointee
        let format = AVPixelFormat(rawValue: parameters.format)
        var pixelFormat: String?
        var bitDepth: Int?
        if format != AV_PIX_FMT_NONE, let descriptor = av_pix_fmt_desc_get(format) {
            pixelFormat = String(cString: descriptor.pointee.name)
            bitDepth = Int(descriptor.pointee.comp.0.depth)
        }
        let primaries = parameters.color_primaries == AVCOL_PRI_UNSPECIFIED
            ? nil : av_color_primaries_name(parameters.color_primaries).map { String(cString: $0) }
        let transfer = parameters.color_trc == AVCOL_TRC_UNSPECIFIED
            ? nil : av_color_transfer_name(parameters.color_trc).map { String(cString: $0) }
        let space = parameters.color_space == AVCOL_SPC_UNSPECIFIED
            ? nil : av_color_space_name(parameters.color_space).map { String(cString: $0) }
        let range = parameters.color_range == AVCOL_RANGE_UNSPECIFIED
            ? nil : av_color_range_name(parameters.color_range).map { String(cString: $0) }
        let fieldOrder = parameters.field_order
        let isInterlaced = fieldOrder != AV_FIELD_UNKNOWN && fieldOrder != AV_FIELD_PROGRESSIVE

        return VideoFormat(
            pixelFormat: pixelFormat,
            bitDepth: bitDepth,
            colorPrimaries: primaries,
            colorTransfer: transfer,
            colorSpace: space,
            colorRange: range,
            isInterlaced: isInterlaced,
            isVariableFrameRate: checksFrameRate ? FrameRateCheck.isVariable(stream, in: input) : false
        )
    }
}
