import CTurboJPEG
import JumperCore

/// Compresses RGB images to baseline JPEG with libturbojpeg, 4:2:0 chroma subsampling.
public enum JPEGEncoder {
    /// Encodes `image` as JPEG.
    ///
    /// - Parameters:
    ///   - image: the picture, RGB24.
    ///   - quality: libjpeg quality from 1 (smallest) to 100 (best).
    /// - Returns: the JPEG file's bytes, starting with the SOI marker FF D8.
    /// - Throws: `MediaError.encodeFailed` with libturbojpeg's message.
    public static func encode(_ image: RGBImage, quality: Int = 80) throws -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality must be 1...100")
        guard let handle = tjInitCompress() else {
            throw MediaError.encodeFailed(reason: "tjInitCompress failed: \(String(cString: tjGetErrorStr()))")
        }
        defer { tjDestroy(handle) }

        var output: UnsafeMutablePointer<UInt8>? = nil
        var outputSize: UInt = 0
        defer { tjFree(output) }
        let code = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(
                handle,
                pixels.baseAddress,
                Int32(image.width),
                Int32(image.width * 3),
                Int32(image.height),
                Int32(TJPF_RGB.rawValue),
                &output,
                &outputSize,
                Int32(TJSAMP_420.rawValue),
                Int32(quality),
                TJFLAG_FASTDCT
            )
        }
        guard code == 0, let output else {
            throw MediaError.encodeFailed(reason: "tjCompress2 failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(outputSize)))
    }
}
