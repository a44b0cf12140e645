import Foundation

/// A channel URL (webhook, Slack, ntfy) checked before anything is resolved or sent (design §7 step 1).
///
/// It is parsed with Foundation's `URL(string:)` and `host`, as AsyncHTTPClient parses it (its `DeconstructedURL`),
/// so the host judged here is the very one the client connects to, and `host` is the client's `dnsOverride` key
/// as it is (not lowercased: a key the client does not look up would let it resolve the name itself).
public struct OutboundURL: Sendable, Equatable {
    /// `http` or `https`.
    public let scheme: String
    /// Without IPv6 brackets, as the HTTP client sees it.
    public let host: String
    /// The URL's port, else 443 for https and 80 for http.
    public let port: Int

    public init(_ text: String) throws(Problem) {
        guard let url = URL(string: text) else { throw .invalid }
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { throw .scheme }
        guard url.user == nil, url.password == nil else { throw .userinfo }
        var host = url.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .noHost }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw .port }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Why a URL was refused. The messages never repeat the URL: a Slack webhook URL is itself a secret.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case invalid, scheme, userinfo, noHost, port

        public var description: String {
            switch self {
            case .invalid: "not a valid URL"
            case .scheme: "only http:// and https:// URLs are allowed"
            case .userinfo: "credentials in the URL are not allowed (use the channel's secret or token)"
            case .noHost: "the URL has no host"
            case .port: "the URL's port is not in 1-65535"
            }
        }
    }
}
