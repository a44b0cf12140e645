import Foundation

/// nginx: whether its configuration is valid and what each enabled site proxies to.
public struct NginxFacts: Sendable, Codable, Equatable {
    public var configValid: Bool
    /// `nginx -t` output when the configuration is invalid (paths and line numbers, no secrets).
    public var testOutput: String
    public var sites: [NginxSite]

    public init(configValid: Bool, testOutput: String = "", sites: [NginxSite] = []) {
        self.configValid = configValid
        self.testOutput = testOutput
        self.sites = sites
    }
}

public struct NginxSite: Sendable, Codable, Equatable {
    public var file: String
    public var serverNames: [String]
    public var listen: [String]
    public var locations: [NginxLocation]
    /// `ssl_certificate` files the server presents.
    public var sslCertificates: [String]
    /// Whether the server sends clients to HTTPS (`return 301 https://…` or a `rewrite` to https, at any level).
    public var redirectsToHTTPS: Bool

    public init(file: String, serverNames: [String], listen: [String], locations: [NginxLocation], sslCertificates: [String] = [],
                redirectsToHTTPS: Bool = false) {
        self.file = file
        self.serverNames = serverNames
        self.listen = listen
        self.locations = locations
        self.sslCertificates = sslCertificates
        self.redirectsToHTTPS = redirectsToHTTPS
    }
}

public struct NginxLocation: Sendable, Codable, Equatable {
    public var path: String
    public var proxyPass: String?
    /// Header names set with `proxy_set_header`, e.g. `Host`, `X-Forwarded-Proto`.
    public var proxySetHeaders: [String]
    /// Line of the `proxy_pass` in `file`, for a located fix.
    public var line: Int

    public init(path: String, proxyPass: String?, proxySetHeaders: [String], line: Int) {
        self.path = path
        self.proxyPass = proxyPass
        self.proxySetHeaders = proxySetHeaders
        self.line = line
    }

    /// Whether the upstream is on this host (loopback, `localhost`, or the wildcard), so local sockets can judge it.
    public var upstreamIsLocal: Bool {
        guard let host = upstream?.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) else { return false }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "0.0.0.0"
    }

    /// Host and port of a `proxy_pass http://127.0.0.1:8000/` (nil for an upstream block name or a socket).
    public var upstream: (host: String, port: Int)? {
        guard let target = proxyPass else { return nil }
        var rest = Substring(target)
        for scheme in ["http://", "https://"] where rest.hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else { return nil }
        return (String(rest[..<colon]), port)
    }
}

/// One ngrok agent configuration file, found through `NGROK_CONFIG` or `--config` of a unit.
public struct NgrokFacts: Sendable, Codable, Equatable {
    public var path: String
    public var units: [String]
    /// `version:` in the file (`2` or `3`), nil when absent.
    public var version: String?
    public var tunnelNames: [String]
    /// Ports the tunnels forward to (`addr: 8511`, `addr: localhost:8511`).
    public var tunnelPorts: [Int]
    /// Whether a unit starts the agent with `--all` (which needs at least one tunnel).
    public var startsAll: Bool
    /// Problems found by validating the file against the agent's schema for its version.
    public var problems: [String]

    public init(path: String, units: [String], version: String?, tunnelNames: [String], tunnelPorts: [Int],
                startsAll: Bool, problems: [String]) {
        self.path = path
        self.units = units
        self.version = version
        self.tunnelNames = tunnelNames
        self.tunnelPorts = tunnelPorts
        self.startsAll = startsAll
        self.problems = problems
    }
}
