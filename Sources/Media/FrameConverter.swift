import CFFmpeg
import JumperCore

/// The size rule for a converted frame, applied in display orientation.
enum FrameSizing: Sendable {
    /// The shorter displayed side becomes exactly this many pixels, upscaling if needed.
    case shortSide(Int)
    /// The longer displayed side becomes at most this many pixels; never upscales.
    case maxLongSide(Int)
}

/// Converts decoded frames to upright RGB24 at a requested size: one libswscale pass for
/// scaling and colour conversion, then a turn into display orientation. HDR frames (PQ or
/// HLG) go through `ToneMapper` instead of libswscale.
///
/// Not thread-safe: use an instance from one thread at a time.
final class FrameConverter {
    let path: String
    let orientation: DisplayOrientation
    private var scaleContext: OpaquePointer?
    private var toneMapper: ToneMapper?

    init(path: String, orientation: DisplayOrientation) {
        self.path = path
        self.orientation = orientation
    }

    deinit {
        sws_freeContext(self.scaleContext)
    }

    /// Returns the displayed size (square pixels, display orientation) of a stored picture.
    func displaySize(storedWidth: Int, storedHeight: Int, sampleAspectRatio: AVRational) -> (
        width: Double, height: Double
    ) {
        let aspect = FFmpegSupport.double(sampleAspectRatio) ?? 1
        let width = Double(storedWidth) * (aspect > 0 ? aspect : 1)
        let height = Double(storedHeight)
        return self.orientation.swapsAxes ? (height, width) : (width, height)
    }

    /// Returns the output size in display orientation for a displayed size and a sizing rule.
    static func outputSize(displayWidth: Double, displayHeight: Double, sizing: FrameSizing) -> (
        width: Int, height: Int
    ) {
        let scale: Double
        switch sizing {
        case .shortSide(let side):
            scale = Double(side) / min(displayWidth, displayHeight)
        case .maxLongSide(let side):
            scale = min(1, Double(side) / max(displayWidth, displayHeight))
        }
        let width = max(1, Int((displayWidth * scale).rounded()))
        let height = max(1, Int((displayHeight * scale).rounded()))
        return (width, height)
    }

    /// Converts `frame` to an upright RGB image sized by `sizing`.
    ///
    /// - Throws: `MediaError.decodeFailed` when libswscale cannot convert the frame's format.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, sizing: FrameSizing) throws(MediaError) -> RGBImage {
        let storedWidth = Int(frame.pointee.width)
        let storedHeight = Int(frame.pointee.height)
        let display = self.displaySize(
            storedWidth: storedWidth,
            storedHeight: storedHeight,
            sampleAspectRatio: frame.pointee.sample_aspect_ratio
        )
        let output = Self.outputSize(displayWidth: display.width, displayHeight: display.height, sizing: sizing)
        // Scale in stored orientation, then turn the small result.
        let scaledWidth = self.orientation.swapsAxes ? output.height : output.width
        let scaledHeight = self.orientation.swapsAxes ? output.width : output.height

        let scaled: RGBImage
        if ToneMapper.isHDR(frame) {
            let toneMapper = self.toneMapper ?? ToneMapper(path: self.path)
            self.toneMapper = toneMapper
            scaled = try toneMapper.convert(frame, width: scaledWidth, height: scaledHeight)
        } else {
            scaled = try self.scale(frame, toWidth: scaledWidth, height: scaledHeight)
        }
        return self.orientation.apply(to: scaled)
    }

    private func scale(_ frame: UnsafeMutablePointer<AVFrame>, toWidth width: Int, height: Int) throws(MediaError)
        -> RGBImage
    {
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT
        // An interlaced frame weaves two fields taken 1/50 or 1/60 s apart, which shows moving
        // edges as combs. Reading every other line (the top field) gives one moment in time at
        // half the height, which the downscale to analysis size hardly misses.
        let fieldStep: Int32 = frame.pointee.interlaced_frame != 0 && frame.pointee.height >= 2 ? 2 : 1
        let sourceHeight = frame.pointee.height / fieldStep
        self.scaleContext = sws_getCachedContext(
            self.scaleContext,
            frame.pointee.width,
            sourceHeight,
            sourceFormat,
            Int32(width),
            Int32(height),
            AV_PIX_FMT_RGB24,
            flags,
            nil,
            nil,
            nil
        )
        guard let context = self.scaleContext else {
            let formatName = av_get_pix_fmt_name(sourceFormat).map { String(cString: $0) } ?? "unknown"
            throw MediaError.decodeFailed(
                path: self.path,
                function: "sws_getCachedContext",
                reason: "cannot convert pixel format '\(formatName)' to RGB"
            )
        }
        self.configureColorspace(context, for: frame)

        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let scaledRows = pixels.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var destination: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            var destinationStrides: [Int32] = [Int32(width * 3), 0, 0, 0]
            return withUnsafePointer(to: &frame.pointee.data) { dataTuple in
                withUnsafePointer(to: &frame.pointee.linesize) { strideTuple in
                    let planes = UnsafeRawPointer(dataTuple).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
                    let frameStrides = UnsafeRawPointer(strideTuple).assumingMemoryBound(to: Int32.self)
                    var strides = (0..<8).map { frameStrides[$0] * fieldStep }
                    return sws_scale(
                        context,
                        planes,
                        &strides,
                        0,
                        sourceHeight,
                        &destination,
                        &destinationStrides
                    )
                }
            }
        }
        if scaledRows <= 0 {
            try FFmpegSupport.check(scaledRows < 0 ? scaledRows : -1, "sws_scale", path: self.path)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Picks the YUV matrix from the frame's colorspace (BT.709 when unspecified and the
    /// frame is HD, BT.601 below 720 lines) and the input range from its color range.
    private func configureColorspace(_ context: OpaquePointer, for frame: UnsafeMutablePointer<AVFrame>) {
        let matrix: Int32
        switch frame.pointee.colorspace {
        case AVCOL_SPC_BT709:
            matrix = SWS_CS_ITU709
        case AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M:
            matrix = SWS_CS_ITU601
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL:
            matrix = SWS_CS_BT2020
        case AVCOL_SPC_SMPTE240M:
            matrix = SWS_CS_SMPTE240M
        case AVCOL_SPC_FCC:
            matrix = SWS_CS_FCC
        default:
            matrix = frame.pointee.height >= 720 || frame.pointee.width >= 1280 ? SWS_CS_ITU709 : SWS_CS_ITU601
        }
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let isJPEGFormat =
            format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P
            || format == AV_PIX_FMT_YUVJ444P || format == AV_PIX_FMT_YUVJ440P
        let isFullRange = frame.pointee.color_range == AVCOL_RANGE_JPEG || isJPEGFormat

        // NOTE: the return value is ignored because libswscale rejects colorspace details
        // for RGB sources (PNG), which need none.
        let coefficients = sws_getCoefficients(matrix)
        _ = sws_setColorspaceDetails(
            context,
            coefficients,
            isFullRange ? 1 : 0,
            sws_getCoefficients(SWS_CS_DEFAULT),
            1,
            0,
            1 << 16,
            1 << 16
        )
    }
}
