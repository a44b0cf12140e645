/// The manifest's `serve:` section: how `steward serve` listens, schedules and keeps history. Every key has a
/// default, so a manifest without the section runs the daemon on 127.0.0.1:8470.
public struct ServeSpec: Sendable, Equatable, Codable {
    /// The address the HTTP API binds. Every API route needs a token; the API speaks plain HTTP, so an address the
    /// network reaches belongs behind a TLS proxy (nginx) or a tunnel.
    public var address: String
    public var port: Int
    /// The token file (``TokenFile``): root's, mode 0600.
    public var tokens: String
    public var metrics: MetricsAccess
    public var history: History
    public var checks: Checks
    public var audit: Audit
    public var alerts: AlertsSpec
    public var fleet: Fleet

    /// Who may read `/metrics`: anyone who can connect (`public`), a `read` token (`token`), or `auto`: public
    /// on a loopback address (where a local Prometheus scrapes), a token otherwise.
    public enum MetricsAccess: String, Sendable, Equatable, Codable, CaseIterable {
        case auto, `public`, token
    }

    /// Whether `/metrics` needs a token at this address.
    public var metricsNeedToken: Bool {
        switch metrics {
        case .public: false
        case .token: true
        case .auto: !IPAddress.isLoopback(address)
        }
    }

    public struct History: Sendable, Equatable, Codable {
        public var path: String
        /// The history database's hard cap; the oldest raw rows go first.
        public var sizeCapBytes: Int64
        public init(path: String = "/var/lib/steward/history.db", sizeCapBytes: Int64 = 256 << 20) {
            self.path = path
            self.sizeCapBytes = sizeCapBytes
        }
    }

    public struct Checks: Sendable, Equatable, Codable {
        /// How far a run may move from its interval, in percent of it (10: a 30 s check runs every 27 to 33 s).
        public var jitterPercent: Double
        /// How many checks run at once.
        public var parallel: Int
        public init(jitterPercent: Double = 10, parallel: Int = 8) {
            self.jitterPercent = jitterPercent
            self.parallel = parallel
        }
    }

    public struct Audit: Sendable, Equatable, Codable {
        public var intervalMinutes: Int
        public init(intervalMinutes: Int = 15) { self.intervalMinutes = intervalMinutes }
    }

    /// Other hosts the daemon watches: every `interval` it runs their own checks through one `steward agent`
    /// session each over SSH (the fleet's transport), keeps the results in its history under `fleet:HOST/CHECK`
    /// and shows every host on the dashboard and at `/api/v1/hosts`. Off while `hosts` is nil.
    public struct Fleet: Sendable, Equatable, Codable {
        /// A `--hosts` selection (`all`, names, groups) over the manifest's `hosts:` or the inventory file.
        public var hosts: String?
        public var inventory: String?
        /// An ssh_config file for the connections (`ssh -F`), trusted like the manifest.
        public var sshConfig: String?
        public var intervalMs: Int
        public init(hosts: String? = nil, inventory: String? = nil, sshConfig: String? = nil, intervalMs: Int = 60_000) {
            self.hosts = hosts
            self.inventory = inventory
            self.sshConfig = sshConfig
            self.intervalMs = intervalMs
        }
    }

    public init(address: String = "127.0.0.1", port: Int = 8470, tokens: String = "/etc/steward/tokens",
                metrics: MetricsAccess = .auto, history: History = History(), checks: Checks = Checks(), audit: Audit = Audit(),
                alerts: AlertsSpec = AlertsSpec(), fleet: Fleet = Fleet()) {
        self.fleet = fleet
        self.address = address
        self.port = port
        self.tokens = tokens
        self.metrics = metrics
        self.history = history
        self.checks = checks
        self.audit = audit
        self.alerts = alerts
    }

    public static let defaults = ServeSpec()
}

extension IPAddress {
    /// Whether `text` (a valid address) is a loopback one: 127.0.0.0/8, `::1`, or 127/8 mapped into IPv6.
    public static func isLoopback(_ text: String) -> Bool {
        let address = normalized(text)
        if isIPv4(address) { return address.hasPrefix("127.") }
        if address.hasPrefix("::ffff:"), isIPv4(String(address.dropFirst(7))) { return address.dropFirst(7).hasPrefix("127.") }
        let groups = address.split(separator: ":", omittingEmptySubsequences: true)
        return address.contains(":") && groups.last.map { Int($0, radix: 16) == 1 } == true
            && groups.dropLast().allSatisfy { Int($0, radix: 16) == 0 }
            && (address.contains("::") || groups.count == 8)
    }
}
