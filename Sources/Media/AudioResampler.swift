import CFFmpeg

/// Converts decoded frames of any layout and sample format to 16 kHz mono float.
struct AudioResampler {
    let path: String
    private var context: OpaquePointer?
    private var outputBuffer: UnsafeMutablePointer<Float>?
    private var outputCapacity = 0

    init(path: String) {
        self.path = path
    }

    mutating func close() {
        swr_free(&self.context)
        self.outputBuffer?.deallocate()
        self.outputBuffer = nil
    }

    mutating func convert(frame: UnsafeMutablePointer<AVFrame>, into samples: inout [Float]) throws(MediaError) {
        if self.context == nil {
            try self.configure(frame: frame)
        }
        let inputCount = Int(frame.pointee.nb_samples)
        let input = UnsafeMutableRawPointer(frame.pointee.extended_data)!.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        try self.run(input: input, inputCount: inputCount, into: &samples)
    }

    mutating func flush(into samples: inout [Float]) throws(MediaError) {
        guard self.context != nil else { return }
        try self.run(input: nil, inputCount: 0, into: &samples)
    }

    private mutating func configure(frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        var inputLayout = AVChannelLayout()
        if frame.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame.pointee.ch_layout.nb_channels == 0 {
            av_channel_layout_default(&inputLayout, max(frame.pointee.ch_layout.nb_channels, 1))
        } else {
            try FFmpegSupport.check(av_channel_layout_copy(&inputLayout, &frame.pointee.ch_layout), "av_channel_layout_copy", path: self.path)
        }
        defer { av_channel_layout_uninit(&inputLayout) }
        var outputLayout = AVChannelLayout()
        av_channel_layout_default(&outputLayout, 1)
        defer { av_channel_layout_uninit(&outputLayout) }

        let status = swr_alloc_set_opts2(
            &self.context,
            &outputLayout,
            AV_SAMPLE_FMT_FLT,
            Int32(AudioExtractor.sampleRate),
            &inputLayout,
            AVSampleFormat(frame.pointee.format),
            frame.pointee.sample_rate,
            0,
            nil
        )
        try FFmpegSupport.check(status, "swr_alloc_set_opts2", path: self.path)
        try FFmpegSupport.check(swr_init(self.context), "swr_init", path: self.path)
    }

    private mutating func run(input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, inputCount: Int, into samples: inout [Float]) throws(MediaError) {
        let needed = Int(swr_get_out_samples(self.context, Int32(inputCount))) + 256
        if needed > self.outputCapacity {
            self.outputBuffer?.deallocate()
            self.outputBuffer = .allocate(capacity: needed)
            self.outputCapacity = needed
        }
        var outputPlane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(self.outputBuffer!).assumingMemoryBound(to: UInt8.self)
        let converted = swr_convert(self.context, &outputPlane, Int32(self.outputCapacity), input, Int32(inputCount))
        try FFmpegSupport.check(converted, "swr_convert", path: self.path)
        samples.append(contentsOf: UnsafeBufferPointer(start: self.outputBuffer, count: Int(converted)))
    }
}
