import CFFmpeg
import JumperCore

/// Converts HDR frames (PQ or HLG transfer) to SDR BT.709 RGB24 through a libavfilter graph:
/// `zscale` scales and linearises, converts BT.2020 primaries to BT.709, `tonemap` compresses
/// highlights with the Möbius curve, and `zscale` applies the BT.709 transfer.
///
/// Diffuse white is taken as 203 nits, the HDR reference white of ITU-R BT.2408, so the
/// picture keeps the brightness of its SDR grade. Highlights up to the stream's peak
/// (MaxCLL, else the mastering display's maximum, else 1,000 nits) roll off into SDR white.
/// Möbius leaves values below 30 % of SDR white linear, which keeps skin and mid tones
/// unchanged. It needs FFmpeg built with libzimg, as Debian 12's FFmpeg 5.1 is.
///
/// Not thread-safe: use an instance from one thread at a time.
final class ToneMapper {
    /// Diffuse white in nits: linear 1.0 after the first `zscale`.
    static let referenceWhiteNits = 203.0
    /// The peak assumed when the stream states none, in nits.
    static let defaultPeakNits = 1000.0

    private struct Configuration: Equatable {
        let width: Int32
        let height: Int32
        let format: Int32
        let outputWidth: Int
        let outputHeight: Int
        let description: String
    }

    let path: String
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private var source: UnsafeMutablePointer<AVFilterContext>?
    private var sink: UnsafeMutablePointer<AVFilterContext>?
    private var configuration: Configuration?
    private let output: UnsafeMutablePointer<AVFrame>

    init(path: String) {
        self.path = path
        self.output = av_frame_alloc()
    }

    deinit {
        avfilter_graph_free(&self.graph)
        var output: UnsafeMutablePointer<AVFrame>? = self.output
        av_frame_free(&output)
    }

    /// Returns true when `frame` uses the PQ or HLG transfer.
    static func isHDR(_ frame: UnsafeMutablePointer<AVFrame>) -> Bool {
        frame.pointee.color_trc == AVCOL_TRC_SMPTE2084 || frame.pointee.color_trc == AVCOL_TRC_ARIB_STD_B67
    }

    /// Tone-maps `frame` to SDR and scales it to `width` x `height` RGB24, in stored orientation.
    ///
    /// - Throws: `MediaError.decodeFailed` naming the libavfilter call that failed.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) throws(MediaError) -> RGBImage {
        let description = Self.filterDescription(for: frame, width: width, height: height)
        let configuration = Configuration(
            width: frame.pointee.width,
            height: frame.pointee.height,
            format: frame.pointee.format,
            outputWidth: width,
            outputHeight: height,
            description: description
        )
        if configuration != self.configuration {
            try self.buildGraph(configuration)
        }
        guard let source = self.source, let sink = self.sink else {
            preconditionFailure("buildGraph sets the source and the sink")
        }

        try self.check(av_buffersrc_add_frame_flags(source, frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)), "av_buffersrc_add_frame_flags")
        av_frame_unref(self.output)
        try self.check(av_buffersink_get_frame(sink, self.output), "av_buffersink_get_frame")
        defer { av_frame_unref(self.output) }

        let outputWidth = Int(self.output.pointee.width)
        let outputHeight = Int(self.output.pointee.height)
        let stride = Int(self.output.pointee.linesize.0)
        guard let data = self.output.pointee.data.0, outputWidth == width, outputHeight == height else {
            throw MediaError.decodeFailed(
                path: self.path,
                function: "av_buffersink_get_frame",
                reason: "the tone-mapping graph returned \(outputWidth)x\(outputHeight), expected \(width)x\(height)"
            )
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<height {
                (buffer.baseAddress! + row * width * 3).update(from: data + row * stride, count: width * 3)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Returns the filter chain for `frame`'s colour description and peak brightness.
    static func filterDescription(for frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) -> String {
        let transfer = frame.pointee.color_trc == AVCOL_TRC_ARIB_STD_B67 ? "arib-std-b67" : "smpte2084"
        let matrix: String
        switch frame.pointee.colorspace {
        case AVCOL_SPC_BT709: matrix = "709"
        case AVCOL_SPC_BT2020_CL: matrix = "2020_cl"
        default: matrix = "2020_ncl"
        }
        let primaries = frame.pointee.color_primaries == AVCOL_PRI_BT709 ? "709" : "2020"
        let range = frame.pointee.color_range == AVCOL_RANGE_JPEG ? "full" : "limited"
        let peak = self.peakNits(of: frame) / self.referenceWhiteNits
        let white = Int(self.referenceWhiteNits)
        return [
            "zscale=w=\(width):h=\(height):filter=bicubic:tin=\(transfer):min=\(matrix):pin=\(primaries):rin=\(range)"
                + ":t=linear:npl=\(white)",
            "format=gbrpf32le",
            "zscale=p=709",
            "tonemap=mobius:desat=0:peak=\(String(format: "%.3f", max(1, peak)))",
            "zscale=t=709:m=709:r=full",
            "format=rgb24",
        ].joined(separator: ",")
    }

    /// Returns the brightest level the frame may contain, in nits: the content light level's
    /// MaxCLL, else the mastering display's maximum luminance, else `defaultPeakNits`.
    static func peakNits(of frame: UnsafeMutablePointer<AVFrame>) -> Double {
        if let side = av_frame_get_side_data(frame, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL) {
            let level = UnsafeRawPointer(side.pointee.data).assumingMemoryBound(to: AVContentLightMetadata.self)
            if level.pointee.MaxCLL > 0 {
                return Double(level.pointee.MaxCLL)
            }
        }
        if let side = av_frame_get_side_data(frame, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA) {
            let display = UnsafeRawPointer(side.pointee.data).assumingMemoryBound(to: AVMasteringDisplayMetadata.self)
            if display.pointee.has_luminance != 0, let nits = FFmpegSupport.double(display.pointee.max_luminance), nits > 0 {
                return nits
            }
        }
        return self.defaultPeakNits
    }

    private func buildGraph(_ configuration: Configuration) throws(MediaError) {
        avfilter_graph_free(&self.graph)
        self.source = nil
        self.sink = nil
        self.configuration = nil
        guard let graph = avfilter_graph_alloc() else {
            throw MediaError.decodeFailed(path: self.path, function: "avfilter_graph_alloc", reason: "out of memory")
        }
        self.graph = graph
        // The graph runs one small frame at a time; its own threads would only compete with the decoder's.
        graph.pointee.nb_threads = 1

        let arguments =
            "video_size=\(configuration.width)x\(configuration.height):pix_fmt=\(configuration.format)"
            + ":time_base=1/1:pixel_aspect=1/1"
        var source: UnsafeMutablePointer<AVFilterContext>?
        try self.check(
            avfilter_graph_create_filter(&source, avfilter_get_by_name("buffer"), "in", arguments, nil, graph),
            "avfilter_graph_create_filter(buffer)"
        )
        var sink: UnsafeMutablePointer<AVFilterContext>?
        try self.check(
            avfilter_graph_create_filter(&sink, avfilter_get_by_name("buffersink"), "out", nil, nil, graph),
            "avfilter_graph_create_filter(buffersink)"
        )

        // The chain's open input is fed by "in" and its open output feeds "out".
        var outputs = avfilter_inout_alloc()
        var inputs = avfilter_inout_alloc()
        defer {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
        }
        outputs?.pointee.name = av_strdup("in")
        outputs?.pointee.filter_ctx = source
        outputs?.pointee.pad_idx = 0
        outputs?.pointee.next = nil
        inputs?.pointee.name = av_strdup("out")
        inputs?.pointee.filter_ctx = sink
        inputs?.pointee.pad_idx = 0
        inputs?.pointee.next = nil
        try self.check(
            avfilter_graph_parse_ptr(graph, configuration.description, &inputs, &outputs, nil),
            "avfilter_graph_parse_ptr"
        )
        try self.check(avfilter_graph_config(graph, nil), "avfilter_graph_config")
        self.source = source
        self.sink = sink
        self.configuration = configuration
    }

    private func check(_ code: Int32, _ function: String) throws(MediaError) {
        try FFmpegSupport.check(code, function, path: self.path)
    }
}

/// A tone mapper contains a filter graph that must not be used from two threads at once.
@available(*, unavailable)
extension ToneMapper: Sendable {}
