import Foundation

/// The token file (`serve.tokens`, by default `/etc/steward/tokens`, root's and 0600): one token a line,
/// `NAME SCOPES sha256:HEX CREATED`, `#` comments and blank lines ignored. A plain text file so an operator can read
/// and revoke by hand, and so the daemon needs no database to authenticate.
public enum TokenFile {
    public static let maxTokens = 256
    /// A bound on what is read before parsing (256 lines of about 120 bytes, plus comments).
    public static let maxBytes = 64 * 1024

    public static func parse(_ text: String) -> Result<[TokenEntry], TokenFileError> {
        var entries: [TokenEntry] = []
        var names = Set<String>()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 4 else { return .failure(TokenFileError(line: line, .fields(fields.count))) }
            guard TokenEntry.isValidName(fields[0]) else { return .failure(TokenFileError(line: line, .badName(String(fields[0].prefix(64))))) }
            let scopes: Set<TokenScope>
            switch TokenScope.parseList(fields[1]) {
            case .success(let parsed): scopes = parsed
            case .failure(let reason): return .failure(TokenFileError(line: line, reason))
            }
            guard fields[2].hasPrefix("sha256:"), TokenEntry.isDigestHex(String(fields[2].dropFirst(7))) else {
                return .failure(TokenFileError(line: line, .badDigest))
            }
            guard let created = ISO8601DateFormatter().date(from: fields[3]) else {
                return .failure(TokenFileError(line: line, .badTime(String(fields[3].prefix(40)))))
            }
            guard names.insert(fields[0]).inserted else { return .failure(TokenFileError(line: line, .duplicate(fields[0]))) }
            guard entries.count < maxTokens else { return .failure(TokenFileError(line: line, .tooMany(maxTokens))) }
            entries.append(TokenEntry(name: fields[0], scopes: scopes, sha256: String(fields[2].dropFirst(7)), created: created))
        }
        return .success(entries)
    }

    /// The file's text: a header saying what it is, then one line per token in the given order.
    public static func format(_ entries: [TokenEntry]) -> String {
        let formatter = ISO8601DateFormatter()
        var text = """
            # steward serve API tokens (steward serve token add|list|revoke). One a line: NAME SCOPES sha256:HEX CREATED.
            # Only the SHA-256 of each token is kept; delete a line to revoke that token. Keep this file root's, mode 0600.

            """
        for entry in entries {
            text += "\(entry.name) \(TokenScope.format(entry.scopes)) sha256:\(entry.sha256) \(formatter.string(from: entry.created))\n"
        }
        return text
    }
}
