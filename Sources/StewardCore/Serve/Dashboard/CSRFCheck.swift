/// Whether a state-changing form post may be taken (SameSite=Strict alone is not enough: an old browser, a
/// same-site subdomain). Two checks, both must pass: the form's hidden CSRF token equals the session's (compared in
/// time independent of where they differ), and, when the browser says where the request came from, it came from
/// this very origin: `Sec-Fetch-Site` must be `same-origin`, and `Origin` (when present) must name the host the
/// request was sent to (`Host`, or `X-Forwarded-Host` behind a proxy). The dashboard's pages say
/// `Referrer-Policy: same-origin`, so its own posts carry their real `Origin`; `Origin: null` (an opaque origin: a
/// sandboxed frame, a page of another site with `no-referrer`) is taken only when `Sec-Fetch-Site`, which no page can
/// set, says `same-origin`. Without that header (plain HTTP to a non-loopback address) a `null` origin is refused,
/// so another site cannot post even the login form.
public enum CSRFCheck {
    public enum Verdict: Equatable, Sendable {
        case allowed
        case refused(String)
    }

    public static func origin(origin: String?, secFetchSite: String?, host: String?, forwardedHost: String?) -> Verdict {
        if let site = secFetchSite?.lowercased(), site != "same-origin" {
            return .refused("the form was sent from another site (Sec-Fetch-Site: \(site.prefix(20)))")
        }
        guard let origin else { return .allowed }
        if origin == "null" {
            return secFetchSite?.lowercased() == "same-origin" ? .allowed : .refused("the form's origin is opaque (Origin: null)")
        }
        guard let authority = authority(of: origin) else { return .refused("the form's origin is opaque or malformed") }
        let hosts = [host, forwardedHost].compactMap { $0?.lowercased() }
        guard hosts.contains(authority) else { return .refused("the form was sent from another origin") }
        return .allowed
    }

    /// `host[:port]` of an origin `scheme://host[:port]`, lowercased; nil for `null` or anything else.
    static func authority(of origin: String) -> String? {
        let lower = origin.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = lower.dropFirst(scheme.count)
            guard !rest.isEmpty, !rest.contains("/") else { return nil }
            return String(rest)
        }
        return nil
    }

    /// The form's token against the session's, in time that depends on the length alone.
    public static func tokensMatch(_ presented: String?, _ expected: String) -> Bool {
        guard let presented else { return false }
        let a = Array(presented.utf8), b = Array(expected.utf8)
        guard a.count == b.count, !b.isEmpty else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
