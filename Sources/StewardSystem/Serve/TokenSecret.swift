import Crypto
import Foundation

/// Making and hashing API tokens. A token is `stw_` and 32 random bytes in unpadded base64url (47 characters):
/// enough entropy that a fast hash (SHA-256) is safe to store, and a prefix that secret scanners can recognise.
public enum TokenSecret {
    public static let prefix = "stw_"
    /// Longer presented values are refused before hashing: a client cannot make the daemon hash megabytes.
    public static let maxLength = 128

    public static func generate() -> String {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        return prefix + bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of the token's UTF-8 bytes, as 64 lowercase hex digits (what the token file keeps).
    public static func digestHex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of the token's UTF-8 bytes.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// Whether a presented value could be a token at all (checked before any hashing).
    public static func isPlausible(_ token: String) -> Bool {
        token.utf8.count <= maxLength && token.hasPrefix(prefix)
    }

    /// Compares two equal-length byte strings in time independent of where they differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(hex.utf8.count / 2)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            out.append(UInt8(nibble(high) << 4 | nibble(low)))
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8 { c >= 0x61 ? c - 0x61 + 10 : c - 0x30 }
}
