/// One declared expectation (goss's "resource"): what to look at, what it must be, and how to run it.
///
/// Specs are values: parsed and validated before anything runs, evaluated by pure functions over what an
/// executor observed.
public struct CheckSpec: Sendable, Equatable, Codable {
    /// Stable id, unique in a run: `service:marb@prod`, `http:marb@prod/health`, or the user's `name`.
    public var id: String
    /// App and instance the check belongs to, when it belongs to one (for `steward check APP@INSTANCE`).
    public var app: String?
    public var instance: String?
    public var kind: Kind
    /// Per-check timeout.
    public var timeoutMs: Int
    /// Extra attempts for a check marked flaky, with exponential backoff from `retryDelayMs`.
    public var retries: Int
    public var retryDelayMs: Int
    /// Time between runs under `steward serve` (`interval`; `steward check` runs once and ignores it).
    public var intervalMs: Int
    /// Where it was declared, for located messages: `checks.yml:12`.
    public var source: String?

    public init(id: String, app: String? = nil, instance: String? = nil, kind: Kind, timeoutMs: Int = 5000, retries: Int = 0,
                retryDelayMs: Int = 200, intervalMs: Int = CheckSpec.defaultIntervalMs, source: String? = nil) {
        self.id = id
        self.app = app
        self.instance = instance
        self.kind = kind
        self.timeoutMs = timeoutMs
        self.retries = retries
        self.retryDelayMs = retryDelayMs
        self.intervalMs = intervalMs
        self.source = source
    }

    /// 30 s, the interval of a check that names none.
    public static let defaultIntervalMs = 30_000

    /// The kinds of check, each with its typed expectation.
    public enum Kind: Sendable, Equatable, Codable {
        case service(ServiceExpectation)
        case port(PortExpectation)
        case http(HTTPExpectation)
        case tcp(TCPExpectation)
        case tls(TLSExpectation)
        case postgres(PostgresExpectation)
        case redis(RedisExpectation)
        case sqlite(SQLiteExpectation)
        case file(FileExpectation)
        case command(CommandExpectation)
        case disk(DiskExpectation)
        case memory(MemoryExpectation)
        case load(LoadExpectation)
        case journal(JournalExpectation)
        case container(ContainerExpectation)

        /// The kind's name as written in a checks file.
        public var name: String {
            switch self {
            case .service: "service"
            case .port: "port"
            case .http: "http"
            case .tcp: "tcp"
            case .tls: "tls"
            case .postgres: "postgres"
            case .redis: "redis"
            case .sqlite: "sqlite"
            case .file: "file"
            case .command: "command"
            case .disk: "disk"
            case .memory: "memory"
            case .load: "load"
            case .journal: "journal"
            case .container: "container"
            }
        }
    }
}

/// A secret taken from an env file by reference (`/etc/app/prod.env#DATABASE_URL`), never written inline.
public struct SecretRef: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var key: String

    public init(file: String, key: String) {
        self.file = file
        self.key = key
    }

    /// `/etc/app/prod.env#AUTH_TOKEN`; nil when the text is not of that form.
    public init?(parsing text: String) {
        guard let hash = text.lastIndex(of: "#"), text.hasPrefix("/") else { return nil }
        let key = String(text[text.index(after: hash)...])
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        self.init(file: String(text[..<hash]), key: key)
    }

    public var description: String { "\(file)#\(key)" }
}

public struct ServiceExpectation: Sendable, Equatable, Codable {
    public var unit: String
    public var active: Bool?
    public var enabled: Bool?
    public var subState: String?
    public var maxRestarts: Int?
    public var user: String?

    public init(unit: String, active: Bool? = true, enabled: Bool? = nil, subState: String? = nil, maxRestarts: Int? = nil, user: String? = nil) {
        self.unit = unit
        self.active = active
        self.enabled = enabled
        self.subState = subState
        self.maxRestarts = maxRestarts
        self.user = user
    }
}

public struct PortExpectation: Sendable, Equatable, Codable {
    public var port: Int
    /// Expected listen address (`127.0.0.1`, `0.0.0.0`); nil accepts any.
    public var address: String?
    public var udp: Bool
    public var ownerUnit: String?
    public var ownerProcess: String?
    /// `false` checks that nothing listens.
    public var listening: Bool

    public init(port: Int, address: String? = nil, udp: Bool = false, ownerUnit: String? = nil, ownerProcess: String? = nil, listening: Bool = true) {
        self.port = port
        self.address = address
        self.udp = udp
        self.ownerUnit = ownerUnit
        self.ownerProcess = ownerProcess
        self.listening = listening
    }
}

public struct HTTPExpectation: Sendable, Equatable, Codable {
    public var url: String
    public var method: String
    public var headers: [String: String]
    /// Header values taken from env files (`Authorization: /etc/app/prod.env#AUTH_HEADER`).
    public var secretHeaders: [String: SecretRef]
    /// A bearer token from an env file, sent as `Authorization: Bearer …`.
    public var bearer: SecretRef?
    public var status: [Int]
    public var bodyContains: [String]
    /// `status == "healthy"`: dotted JSON paths and the value they must equal (compared as text).
    public var json: [String: String]
    public var maxLatencyMs: Int?
    public var followRedirects: Bool
    public var verifyTLS: Bool

    public init(url: String, method: String = "GET", headers: [String: String] = [:], secretHeaders: [String: SecretRef] = [:],
                bearer: SecretRef? = nil, status: [Int] = [200], bodyContains: [String] = [], json: [String: String] = [:],
                maxLatencyMs: Int? = nil, followRedirects: Bool = false, verifyTLS: Bool = true) {
        self.url = url
        self.method = method
        self.headers = headers
        self.secretHeaders = secretHeaders
        self.bearer = bearer
        self.status = status
        self.bodyContains = bodyContains
        self.json = json
        self.maxLatencyMs = maxLatencyMs
        self.followRedirects = followRedirects
        self.verifyTLS = verifyTLS
    }
}

public struct TCPExpectation: Sendable, Equatable, Codable {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

public struct TLSExpectation: Sendable, Equatable, Codable {
    /// Either a host and port to connect to, or a certificate file.
    public var host: String?
    public var port: Int
    public var file: String?
    /// The name the certificate must cover (defaults to `host`).
    public var serverName: String?
    public var warningDays: Int
    public var criticalDays: Int
    /// A self-signed certificate is flagged unless allowed (it is, for test instances).
    public var allowSelfSigned: Bool

    public init(host: String? = nil, port: Int = 443, file: String? = nil, serverName: String? = nil, warningDays: Int = 14,
                criticalDays: Int = 3, allowSelfSigned: Bool = false) {
        self.host = host
        self.port = port
        self.file = file
        self.serverName = serverName
        self.warningDays = warningDays
        self.criticalDays = criticalDays
        self.allowSelfSigned = allowSelfSigned
    }
}

public struct PostgresExpectation: Sendable, Equatable, Codable {
    public var dsn: SecretRef
    /// A query whose first column of the first row must equal `expect` (default `SELECT 1` → `1`).
    public var query: String
    public var expect: String?

    public init(dsn: SecretRef, query: String = "SELECT 1", expect: String? = "1") {
        self.dsn = dsn
        self.query = query
        self.expect = expect
    }
}

public struct RedisExpectation: Sendable, Equatable, Codable {
    /// `redis://[:password@]host:port/db` from an env file, or a plain host and port.
    public var url: SecretRef?
    public var host: String
    public var port: Int
    /// List keys and the most items each may hold (`celery: 100`).
    public var maxLength: [String: Int]

    public init(url: SecretRef? = nil, host: String = "127.0.0.1", port: Int = 6379, maxLength: [String: Int] = [:]) {
        self.url = url
        self.host = host
        self.port = port
        self.maxLength = maxLength
    }
}

public struct SQLiteExpectation: Sendable, Equatable, Codable {
    public var path: String
    public var quickCheck: Bool
    public var journalMode: String?
    public var warningBytes: Int64?
    public var criticalBytes: Int64?

    public init(path: String, quickCheck: Bool = true, journalMode: String? = nil, warningBytes: Int64? = nil, criticalBytes: Int64? = nil) {
        self.path = path
        self.quickCheck = quickCheck
        self.journalMode = journalMode
        self.warningBytes = warningBytes
        self.criticalBytes = criticalBytes
    }
}

public struct FileExpectation: Sendable, Equatable, Codable {
    public var path: String
    public var exists: Bool
    public var mode: Int?
    public var owner: String?
    public var group: String?
    public var contains: [String]

    public init(path: String, exists: Bool = true, mode: Int? = nil, owner: String? = nil, group: String? = nil, contains: [String] = []) {
        self.path = path
        self.exists = exists
        self.mode = mode
        self.owner = owner
        self.group = group
        self.contains = contains
    }
}

public struct CommandExpectation: Sendable, Equatable, Codable {
    public var argv: [String]
    public var exitStatus: Int32
    public var stdoutContains: [String]

    public init(argv: [String], exitStatus: Int32 = 0, stdoutContains: [String] = []) {
        self.argv = argv
        self.exitStatus = exitStatus
        self.stdoutContains = stdoutContains
    }
}

public struct DiskExpectation: Sendable, Equatable, Codable {
    public var path: String
    public var warningPercent: Double
    public var criticalPercent: Double
    public init(path: String = "/", warningPercent: Double = 80, criticalPercent: Double = 90) {
        self.path = path
        self.warningPercent = warningPercent
        self.criticalPercent = criticalPercent
    }
}

public struct MemoryExpectation: Sendable, Equatable, Codable {
    public var warningPercent: Double
    public var criticalPercent: Double
    public init(warningPercent: Double = 90, criticalPercent: Double = 95) {
        self.warningPercent = warningPercent
        self.criticalPercent = criticalPercent
    }
}

public struct LoadExpectation: Sendable, Equatable, Codable {
    /// Thresholds on the 5-minute load average per CPU.
    public var warningPerCPU: Double
    public var criticalPerCPU: Double
    public init(warningPerCPU: Double = 1.5, criticalPerCPU: Double = 3) {
        self.warningPerCPU = warningPerCPU
        self.criticalPerCPU = criticalPerCPU
    }
}

public struct JournalExpectation: Sendable, Equatable, Codable {
    public var unit: String
    public var sinceMinutes: Int
    /// At most this many error-level lines (priority ≤ 3) in the window.
    public var maxErrors: Int?
    /// At most `maxMatches` lines matching `pattern` (a journalctl --grep regex).
    public var pattern: String?
    public var maxMatches: Int

    public init(unit: String, sinceMinutes: Int = 10, maxErrors: Int? = 0, pattern: String? = nil, maxMatches: Int = 0) {
        self.unit = unit
        self.sinceMinutes = sinceMinutes
        self.maxErrors = maxErrors
        self.pattern = pattern
        self.maxMatches = maxMatches
    }
}

/// A Docker Compose service's container: running, healthy when it has a healthcheck, rarely restarted.
public struct ContainerExpectation: Sendable, Equatable, Codable {
    /// The Compose project (`com.docker.compose.project`).
    public var project: String
    /// The service (`com.docker.compose.service`).
    public var service: String
    /// Restarts allowed; nil does not count them.
    public var maxRestarts: Int?

    public init(project: String, service: String, maxRestarts: Int? = nil) {
        self.project = project
        self.service = service
        self.maxRestarts = maxRestarts
    }
}
