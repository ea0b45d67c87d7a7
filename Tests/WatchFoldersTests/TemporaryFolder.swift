import Foundation

/// A fresh folder under the system's temporary folder, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init(_ label: String) throws {
        self.path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    /// Writes `bytes` zero bytes to `name` (which may contain subfolders) and returns its path.
    @discardableResult
    func write(_ name: String, bytes: Int = 16) throws -> String {
        let path = (self.path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(count: bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
