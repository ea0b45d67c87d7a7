/// Checks that `value` is a content hash of the form `1a2b3c4d-123456`: 8 lowercase hex
/// digits of CRC-32, `-`, then the file size in decimal bytes.
///
/// The check also keeps a hash from naming anything outside its own folder (`..`, `/`).
public func isValidHashString(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    guard bytes.count >= 10, bytes.count <= 29, bytes[8] == UInt8(ascii: "-") else {
        return false
    }
    for byte in bytes[0..<8] {
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        let isHexLetter = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")
        guard isDigit || isHexLetter else { return false }
    }
    for byte in bytes[9...] {
        guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
    }
    return true
}

/// Returns the file size in bytes that a valid hash string carries after its `-`.
func fileSize(fromHashString value: String) -> Int? {
    guard isValidHashString(value), let dash = value.firstIndex(of: "-") else { return nil }
    return Int(value[value.index(after: dash)...])
}

/// Throws `StoreError.invalidHashString` unless `value` is a valid hash string.
func validateHashString(_ value: String) throws(StoreError) {
    guard isValidHashString(value) else { throw StoreError.invalidHashString(value) }
}
