import Export
import Foundation
import Testing

@Suite struct FileNameSanitizerTests {
    @Test(arguments: [
        ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j.mp4"),
        ("tab\there\u{7}", "tab_here_.mp4"),
        ("trailing dots... ", "trailing dots.mp4"),
        ("  leading", "leading.mp4"),
        ("CON", "CON_.mp4"),
        ("com1.backup", "com1_.backup.mp4"),
        ("lpt9", "lpt9_.mp4"),
        ("CONSOLE", "CONSOLE.mp4"),
        ("...", "clip.mp4"),
        ("", "clip.mp4"),
        ("café 東京 🎬", "café 東京 🎬.mp4"),
    ])
    func safeNameCleansComponent(input: String, expected: String) {
        #expect(FileNameSanitizer.safeName(input, suffix: ".mp4", fallback: "clip") == expected)
    }

    @Test func safeNameComposesDecomposedAccents() {
        let decomposed = "cafe\u{301}"
        #expect(FileNameSanitizer.safeName(decomposed).unicodeScalars.count == 4)
    }

    @Test func safeNameCutsLongNamesAtCharacterBoundary() {
        let name = FileNameSanitizer.safeName(String(repeating: "東", count: 200), suffix: ".mp4")
        #expect(name.utf8.count <= 240)
        #expect(name.hasSuffix("東.mp4"))
    }

    @Test func createUniqueFileAddsNumberSuffix() throws {
        let folder = NSTemporaryDirectory() + "export-names-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try FileNameSanitizer.createUniqueFile(folder: folder, stem: "clip", suffix: ".mp4")
        let second = try FileNameSanitizer.createUniqueFile(folder: folder, stem: "clip", suffix: ".mp4")
        let third = try FileNameSanitizer.createUniqueFile(folder: folder, stem: "clip", suffix: ".mp4")
        #expect(first == folder + "/clip.mp4")
        #expect(second == folder + "/clip (2).mp4")
        #expect(third == folder + "/clip (3).mp4")
    }
}
