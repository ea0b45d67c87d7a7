import Foundation
import JumperCore

/// A license tier. Only `pro` may use the public API.
public enum LicenseTier: String, Sendable {
    case pro
    case basic
}

/// The license keys this server accepts, each with its tier.
///
/// Keys come from the `JUMPER_LICENSE_KEYS` environment variable (`key:tier` pairs separated by
/// commas) and from the keys file in the data folder (one `key:tier` per line, `#` comments).
/// When neither names a key, the first start writes one random Pro key to the keys file with
/// owner-only permissions. Keys are compared in constant time and never logged.
public struct LicenseKeyStore: Sendable {
    private let keys: [(key: [UInt8], tier: LicenseTier)]

    /// Returns the path of the keys file inside a data folder.
    public static func keysFilePath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("license-keys")
    }

    init(entries: [(String, LicenseTier)]) {
        self.keys = entries.map { (Array($0.0.utf8), $0.1) }
    }

    public var count: Int {
        self.keys.count
    }

    /// Loads the keys from the environment and the keys file, generating a Pro key when there is none.
    public static func load(
        dataDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) throws -> LicenseKeyStore {
        var entries: [(String, LicenseTier)] = []
        if let variable = environment["JUMPER_LICENSE_KEYS"] {
            entries += try parseKeyList(variable.split(separator: ","), source: "JUMPER_LICENSE_KEYS")
        }
        let filePath = keysFilePath(dataDirectory: dataDirectory)
        if let text = try? String(contentsOfFile: filePath, encoding: .utf8) {
            // Numbered by line, comments included, so an error names the line to fix.
            entries += try parseKeyList(text.split(separator: "\n", omittingEmptySubsequences: false), source: filePath)
        }
        try rejectConflictingTiers(entries)
        if entries.isEmpty {
            let key = try generateProKey(filePath: filePath)
            entries.append((key, .pro))
            logger.notice("generated a pro license key", ["keys.file": filePath])
        } else if FileManager.default.fileExists(atPath: filePath) {
            logger.info("license keys loaded", ["keys.count": String(entries.count), "keys.file": filePath])
        } else {
            logger.info("license keys loaded from JUMPER_LICENSE_KEYS", ["keys.count": String(entries.count)])
        }
        return LicenseKeyStore(entries: entries)
    }

    /// Returns the tier of a key, comparing against every known key in constant time.
    public func tier(of candidate: String) -> LicenseTier? {
        let candidateBytes = Array(candidate.utf8)
        var found: LicenseTier?
        for entry in self.keys where constantTimeEqual(entry.key, candidateBytes) {
            found = entry.tier
        }
        return found
    }
}

/// Compares two byte strings in time that depends only on their lengths.
func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
    let length = max(lhs.count, rhs.count)
    for index in 0..<length {
        let left = index < lhs.count ? lhs[index] : 0
        let right = index < rhs.count ? rhs[index] : 0
        difference |= left ^ right
    }
    return difference == 0
}

private func parseKeyList(_ items: [Substring], source: String) throws -> [(String, LicenseTier)] {
    var entries: [(String, LicenseTier)] = []
    for (position, item) in items.enumerated() {
        let trimmed = item.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let tier = LicenseTier(rawValue: parts[1].lowercased()) else {
            // The entry itself is not quoted: it would print a key.
            throw ConfigurationError(
                "invalid license key entry \(position + 1) in \(source): write each as key:tier with tier pro or basic"
            )
        }
        entries.append((parts[0], tier))
    }
    return entries
}

/// Rejects a key listed with two different tiers, which would make its tier depend on order.
private func rejectConflictingTiers(_ entries: [(String, LicenseTier)]) throws {
    var tiers: [String: LicenseTier] = [:]
    for (key, tier) in entries {
        if let known = tiers[key], known != tier {
            throw ConfigurationError(
                "a license key is listed as both \(known.rawValue) and \(tier.rawValue); keep one entry per key"
            )
        }
        tiers[key] = tier
    }
}

private func generateProKey(filePath: String) throws -> String {
    var generator = SystemRandomNumberGenerator()
    let key = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    let folder = (filePath as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let existing = (try? String(contentsOfFile: filePath, encoding: .utf8)) ?? ""
    let header = existing.isEmpty ? "# Jumper license keys, one key:tier per line (tier pro or basic).\n" : existing
    let text = header + (header.hasSuffix("\n") ? "" : "\n") + "\(key):pro\n"
    let temporaryPath = filePath + ".tmp"
    // Created with owner-only permissions before any byte is written.
    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else {
        throw ConfigurationError("cannot create license keys file \(filePath): \(String(cString: strerror(errno)))")
    }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    fsync(descriptor)
    close(descriptor)
    guard written == bytes.count, rename(temporaryPath, filePath) == 0 else {
        throw ConfigurationError("cannot write license keys file \(filePath): \(String(cString: strerror(errno)))")
    }
    return key
}

/// An invalid server configuration, reported at start-up.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
