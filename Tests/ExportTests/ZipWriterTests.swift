import Export
import Foundation
import Testing

@Suite struct ZipWriterTests {
    @Test func crc32MatchesCheckValue() {
        #expect(ZipWriter.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func archiveReadsBackWithUnzip() throws {
        var writer = ZipWriter(year: 2024, month: 5, day: 1, hour: 12, minute: 30, second: 10)
        let repeated = String(repeating: "quarterly results ", count: 200)
        writer.addFile(name: "[Content_Types].xml", data: Array(repeated.utf8))
        writer.addFile(name: "word/日本語.txt", data: Array("四半期".utf8))
        writer.addFile(name: "empty", data: [])
        let archive = writer.finish()

        let folder = NSTemporaryDirectory() + "export-zip-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/test.zip"
        try Data(archive).write(to: URL(fileURLWithPath: path))

        // unzip -t checks every entry's CRC and sizes; -l lists names and dates.
        let test = try Self.run(["/usr/bin/unzip", "-t", path])
        #expect(test.status == 0)
        #expect(test.output.contains("No errors detected"))
        let listing = try Self.run(["/usr/bin/unzip", "-l", path])
        #expect(listing.output.contains("word/日本語.txt"))
        #expect(listing.output.contains("2024-05-01 12:30"))
        let extracted = try Self.run(["/usr/bin/unzip", "-p", path, "[[]Content_Types].xml"])
        #expect(extracted.output == repeated)
        // The repeated text deflates to far less than its 3600 bytes.
        #expect(archive.count < 1000)
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
