/// `pg_hba.conf`: which lines let TCP clients in with `trust` (no password at all).
public enum PgHba {
    /// `FILE:LINE: host all all 0.0.0.0/0 trust` for each `host*` record whose method is `trust`. `local` records
    /// (Unix sockets, guarded by file permissions) are not listed.
    public static func trustLines(_ text: String, file: String) -> [String] {
        var out: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Most of a pg_hba.conf is comments: skipped on their first byte, before any Character is looked at.
            guard let first = raw.utf8.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }), first != UInt8(ascii: "#") else { continue }
            let line = raw.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 5, fields[0].hasPrefix("host") else { continue }
            // host DATABASE USER ADDRESS METHOD, or host DATABASE USER IP-ADDRESS IP-MASK METHOD
            let hasMask = fields.count >= 6 && !fields[3].contains("/") && isAddress(fields[3]) && isAddress(fields[4])
            let method = fields[hasMask ? 5 : 4]
            if method == "trust" { out.append("\(file):\(n + 1): \(fields.joined(separator: " "))") }
        }
        return out
    }

    static func isAddress(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
    }
}
