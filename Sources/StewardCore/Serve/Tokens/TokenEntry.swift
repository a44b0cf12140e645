import Foundation

/// One API token as the daemon keeps it: a name for the audit log, its scopes, and the SHA-256 of the token (never
/// the token itself, which is shown once when it is made).
public struct TokenEntry: Sendable, Equatable, Codable {
    public var name: String
    public var scopes: Set<TokenScope>
    /// 64 lowercase hex digits.
    public var sha256: String
    public var created: Date

    public init(name: String, scopes: Set<TokenScope>, sha256: String, created: Date) {
        self.name = name
        self.scopes = scopes
        self.sha256 = sha256
        self.created = created
    }

    /// `[a-z0-9._-]{1,64}`, not starting with a dot or dash: names appear in logs, URLs and file lines unquoted.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-")
        else { return false }
        return name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }
    }

    static func isDigestHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
