/// The dashboard's session cookie: read from a `Cookie` header (bounded: a client cannot make the daemon split
/// megabytes), written as `Set-Cookie` with `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page
/// sends it) and `Path=/`; `Secure` when the request came over TLS (a proxy's `X-Forwarded-Proto: https`).
public enum CookieHeader {
    public static let sessionName = "steward_session"
    static let maxHeader = 8192, maxPairs = 64

    /// The value of cookie `name` in a `Cookie` header, or nil.
    public static func value(_ name: String, in header: String?) -> String? {
        guard let header, header.utf8.count <= maxHeader else { return nil }
        for pair in header.split(separator: ";", maxSplits: maxPairs, omittingEmptySubsequences: true).prefix(maxPairs) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            if parts[0].trimmingSpaces == name { return String(parts[1].trimmingSpaces) }
        }
        return nil
    }

    /// `steward_session=ID; Path=/; Max-Age=…; HttpOnly; SameSite=Strict[; Secure]`.
    public static func session(_ id: String, maxAge: Int, secure: Bool) -> String {
        "\(sessionName)=\(id); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// Tells the browser to drop the cookie (logout, a session that ended).
    public static func expired(secure: Bool) -> String { session("", maxAge: 0, secure: secure) }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
