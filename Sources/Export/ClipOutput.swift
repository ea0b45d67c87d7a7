import CFFmpeg

/// A muxer writing one clip file. Frees its context on deinit; call `finish` to complete the file.
///
/// Not thread-safe: use an instance from one thread at a time.
final class ClipOutput {
    let path: String
    let formatContext: UnsafeMutablePointer<AVFormatContext>
    private var isOpen = false

    /// Creates a muxer for `path`, choosing the container from the file name's extension.
    ///
    /// - Throws: `ExportError.clipFailed` when no muxer matches the extension.
    init(path: String) throws(ExportError) {
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let code = avformat_alloc_output_context2(&context, nil, nil, path)
        guard code >= 0, let context else {
            throw .clipFailed(
                path: path,
                function: "avformat_alloc_output_context2",
                reason: FFmpegCall.errorText(code)
            )
        }
        self.path = path
        self.formatContext = context
    }

    deinit {
        if self.isOpen {
            avio_closep(&self.formatContext.pointee.pb)
        }
        avformat_free_context(self.formatContext)
    }

    /// True when the container wants codec headers in `extradata` rather than in the stream.
    var needsGlobalHeader: Bool {
        (self.formatContext.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0
    }

    /// True for the MP4 and QuickTime muxers, which take the `movflags` option.
    var isMOVFamily: Bool {
        let name = String(cString: self.formatContext.pointee.oformat.pointee.name)
        return ["mp4", "mov", "ipod", "3gp", "3g2", "psp", "ismv", "f4v"].contains(name)
    }

    /// Adds a stream and returns it.
    func addStream() throws(ExportError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(self.formatContext, nil) else {
            throw .clipFailed(path: self.path, function: "avformat_new_stream", reason: "out of memory")
        }
        return stream
    }

    /// Opens the file and writes the container header. MP4 and MOV files get their index at the
    /// front (`+faststart`), so players and editors can start reading before the whole file arrives.
    func writeHeader() throws(ExportError) {
        try FFmpegCall.check(
            avio_open(&self.formatContext.pointee.pb, self.path, AVIO_FLAG_WRITE),
            "avio_open",
            path: self.path
        )
        self.isOpen = true
        var options: OpaquePointer? = nil
        if self.isMOVFamily {
            av_dict_set(&options, "movflags", "+faststart", 0)
        }
        defer { av_dict_free(&options) }
        try FFmpegCall.check(
            avformat_write_header(self.formatContext, &options),
            "avformat_write_header",
            path: self.path
        )
    }

    /// Writes one packet, taking its reference.
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(ExportError) {
        try FFmpegCall.check(
            av_interleaved_write_frame(self.formatContext, packet),
            "av_interleaved_write_frame",
            path: self.path
        )
    }

    /// Writes the trailer (the MP4 index) and closes the file.
    func finish() throws(ExportError) {
        try FFmpegCall.check(av_write_trailer(self.formatContext), "av_write_trailer", path: self.path)
        avio_closep(&self.formatContext.pointee.pb)
        self.isOpen = false
    }

    /// Copies the stream's side data (the display matrix that rotates phone video, HDR
    /// metadata) and metadata tags from an input stream to an output stream.
    func copySideDataAndMetadata(from input: UnsafeMutablePointer<AVStream>, to output: UnsafeMutablePointer<AVStream>)
        throws(ExportError)
    {
        try self.copySideData(from: input, to: output)
        av_dict_copy(&output.pointee.metadata, input.pointee.metadata, 0)
    }

    /// Sets the start timecode of the clip on its video stream, or removes a copied one when
    /// `timecode` is nil. The MP4 and MOV muxers write it as a `tmcd` track.
    func setStartTimecode(_ timecode: String?, on stream: UnsafeMutablePointer<AVStream>) {
        av_dict_set(&stream.pointee.metadata, "timecode", timecode, 0)
    }

    /// Copies the stream's side data, such as the display matrix, and its `language` tag.
    func copySideData(from input: UnsafeMutablePointer<AVStream>, to output: UnsafeMutablePointer<AVStream>)
        throws(ExportError)
    {
        if let language = av_dict_get(input.pointee.metadata, "language", nil, 0) {
            av_dict_set(&output.pointee.metadata, "language", language.pointee.value, 0)
        }
        for index in 0..<Int(input.pointee.nb_side_data) {
            let entry = input.pointee.side_data[index]
            guard let destination = av_stream_new_side_data(output, entry.type, entry.size) else {
                throw .clipFailed(path: self.path, function: "av_stream_new_side_data", reason: "out of memory")
            }
            destination.update(from: entry.data, count: entry.size)
        }
    }
}
