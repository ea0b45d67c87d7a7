import CZlib

/// Builds a ZIP archive in memory, as the ZIP application note (PKWARE APPNOTE 6.3) lays it
/// out: a local header and data per entry, then the central directory and its end record.
///
/// Entries are deflated with zlib, or stored when deflating would not make them smaller. No
/// ZIP64: the archive and each entry must stay under 4 GiB, far beyond a transcript document.
public struct ZipWriter {
    /// An entry whose local header is already written, kept for the central directory.
    private struct Entry {
        var nameBytes: [UInt8]
        var method: UInt16
        var crc: UInt32
        var compressedSize: UInt32
        var uncompressedSize: UInt32
        var localHeaderOffset: UInt32
    }

    private var bytes: [UInt8] = []
    private var entries: [Entry] = []
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// Creates an empty archive whose entries carry the given modification time in MS-DOS form.
    /// The ZIP format stores local time without a time zone, and callers pass UTC.
    public init(year: Int = 1980, month: Int = 1, day: Int = 1, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.dosTime = UInt16(hour << 11 | minute << 5 | second / 2)
        self.dosDate = UInt16(max(0, year - 1980) << 9 | month << 5 | day)
    }

    /// Appends a file entry named `name` (forward slashes, no leading slash) with `data`.
    public mutating func addFile(name: String, data: [UInt8]) {
        let crc = Self.crc32(data)
        let deflated = Self.deflate(data)
        let useDeflate = deflated.map { $0.count < data.count } ?? false
        let payload = useDeflate ? deflated ?? data : data
        let entry = Entry(
            nameBytes: Array(name.utf8),
            method: useDeflate ? 8 : 0,
            crc: crc,
            compressedSize: UInt32(payload.count),
            uncompressedSize: UInt32(data.count),
            localHeaderOffset: UInt32(self.bytes.count)
        )

        // local file header
        self.append32(0x0403_4b50)
        self.append16(20)  // version needed to extract: 2.0 (deflate)
        self.append16(0x0800)  // flags: bit 11, names are UTF-8
        self.append16(entry.method)
        self.append16(self.dosTime)
        self.append16(self.dosDate)
        self.append32(entry.crc)
        self.append32(entry.compressedSize)
        self.append32(entry.uncompressedSize)
        self.append16(UInt16(entry.nameBytes.count))
        self.append16(0)  // extra field length
        self.bytes += entry.nameBytes
        self.bytes += payload
        self.entries.append(entry)
    }

    /// Returns the finished archive: the entries followed by the central directory.
    public func finish() -> [UInt8] {
        var archive = self
        let directoryOffset = UInt32(archive.bytes.count)
        for entry in archive.entries {
            archive.append32(0x0201_4b50)
            archive.append16(0x0314)  // made by: version 2.0, Unix
            archive.append16(20)
            archive.append16(0x0800)
            archive.append16(entry.method)
            archive.append16(archive.dosTime)
            archive.append16(archive.dosDate)
            archive.append32(entry.crc)
            archive.append32(entry.compressedSize)
            archive.append32(entry.uncompressedSize)
            archive.append16(UInt16(entry.nameBytes.count))
            archive.append16(0)  // extra field length
            archive.append16(0)  // comment length
            archive.append16(0)  // disk number
            archive.append16(0)  // internal attributes
            archive.append32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
            archive.append32(entry.localHeaderOffset)
            archive.bytes += entry.nameBytes
        }
        let directorySize = UInt32(archive.bytes.count) - directoryOffset

        // end of central directory record
        archive.append32(0x0605_4b50)
        archive.append16(0)
        archive.append16(0)
        archive.append16(UInt16(archive.entries.count))
        archive.append16(UInt16(archive.entries.count))
        archive.append32(directorySize)
        archive.append32(directoryOffset)
        archive.append16(0)
        return archive.bytes
    }

    /// Returns zlib's CRC-32 of `data`, the checksum ZIP stores per entry.
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }

    /// Returns `data` as raw deflate data at zlib's default level, or nil when zlib fails.
    static func deflate(_ data: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflate_init_raw(&stream, Z_DEFAULT_COMPRESSION) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))))
        var input = data
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(destination.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }

    private mutating func append16(_ value: UInt16) {
        self.bytes.append(UInt8(value & 0xFF))
        self.bytes.append(UInt8(value >> 8))
    }

    private mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            self.bytes.append(UInt8((value >> UInt32(shift)) & 0xFF))
        }
    }
}
