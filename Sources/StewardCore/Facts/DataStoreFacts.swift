/// The databases the apps use: SQLite files named by `DATABASE_URL`, the local Redis and PostgreSQL servers.
public struct DataStoreFacts: Sendable, Codable, Equatable {
    public var sqlite: [SQLiteFileFacts]
    public var redis: [RedisFacts]
    /// nil when no PostgreSQL configuration was found on the host.
    public var postgres: PostgresConfigFacts?

    public init(sqlite: [SQLiteFileFacts] = [], redis: [RedisFacts] = [], postgres: PostgresConfigFacts? = nil) {
        self.sqlite = sqlite
        self.redis = redis
        self.postgres = postgres
    }
}

/// A SQLite database an app writes, read from its header without opening it (no lock taken, no `-wal` created).
public struct SQLiteFileFacts: Sendable, Codable, Equatable {
    public var path: String
    /// The instances whose `DATABASE_URL` names it.
    public var usedBy: [String]
    public var exists: Bool
    public var sizeBytes: Int64
    /// Size of `PATH-wal`; nil when there is none.
    public var walBytes: Int64?
    /// From header bytes 18-19: 2 is WAL, 1 is a rollback journal. nil when the header could not be read.
    public var walMode: Bool?
    public var unreadableReason: String?

    public init(path: String, usedBy: [String], exists: Bool, sizeBytes: Int64 = 0, walBytes: Int64? = nil, walMode: Bool? = nil,
                unreadableReason: String? = nil) {
        self.path = path
        self.usedBy = usedBy
        self.exists = exists
        self.sizeBytes = sizeBytes
        self.walBytes = walBytes
        self.walMode = walMode
        self.unreadableReason = unreadableReason
    }
}

/// A Redis server listening on this host, as a client without a password sees it.
public struct RedisFacts: Sendable, Codable, Equatable {
    /// Every address it listens on (`0.0.0.0:6379`, `127.0.0.1:6379`).
    public var endpoints: [String]
    public var port: Int
    /// Whether a PING without AUTH answered PONG (no `requirepass`); nil when it could not be asked.
    public var answersWithoutPassword: Bool?
    public var unknownReason: String?
    /// The instances whose env files name a Redis on this host and port.
    public var usedBy: [String]

    public init(endpoints: [String], port: Int, answersWithoutPassword: Bool?, unknownReason: String? = nil, usedBy: [String] = []) {
        self.endpoints = endpoints
        self.port = port
        self.answersWithoutPassword = answersWithoutPassword
        self.unknownReason = unknownReason
        self.usedBy = usedBy
    }
}

/// `pg_hba.conf` lines that let TCP clients in without a password.
public struct PostgresConfigFacts: Sendable, Codable, Equatable {
    public var hbaFiles: [String]
    /// `host all all 0.0.0.0/0 trust` (file:line, the line as written).
    public var trustLines: [String]
    public var unreadableReason: String?

    public init(hbaFiles: [String], trustLines: [String] = [], unreadableReason: String? = nil) {
        self.hbaFiles = hbaFiles
        self.trustLines = trustLines
        self.unreadableReason = unreadableReason
    }
}
