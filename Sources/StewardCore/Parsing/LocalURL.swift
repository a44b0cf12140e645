/// Whether a database URL names this host: `localhost`, a loopback address, or no host at all (a local socket).
public enum LocalURL {
    /// `postgresql://u:p@localhost/db`, `redis://127.0.0.1:6379`, `postgresql:///db` are local.
    public static func isLocal(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        var authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = String(authority)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.firstIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host.isEmpty || host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }
}
