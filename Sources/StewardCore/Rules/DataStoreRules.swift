import Foundation

/// Rules about the apps' databases: SQLite files (journal mode, size, checkpoints), the local Redis and PostgreSQL
/// (who can reach them, with what credential), and Django's development SQLite in production.
enum DataStoreRules {
    static let all = [sqliteNotWAL, sqliteSize, sqliteWALGrowth, sqliteFallback, redisPublicBind, redisNoPassword,
                      postgresPublicBind, postgresTrustAuth]

    static func sqliteFiles(_ ctx: AuditContext) -> [SQLiteFileFacts] {
        (ctx.facts.dataStores?.sqlite ?? []).filter { $0.exists && $0.unreadableReason == nil }
    }

    static let sqliteNotWAL: Rule = Rule(
        id: "db.sqlite-not-wal", severity: .warning,
        rationale: "In rollback-journal mode a writer blocks every reader: under load requests fail with \"database is locked\" (seed 002)."
    ) { ctx in
        sqliteFiles(ctx).filter { $0.walMode == false }.map { db in
            sqliteNotWAL.finding(
                subject: db.path, summary: "\(db.path) is not in WAL mode",
                evidence: ["journal mode: rollback (header bytes 18-19 = 1)", "used by \(db.usedBy.joined(separator: ", "))"],
                fix: "Stop the app, then `sqlite3 \(db.path) 'PRAGMA journal_mode=WAL;'` as its owner (the mode is stored in the file), and start it again: \(stopStart(db, ctx)).")
        }
    }

    static func stopStart(_ db: SQLiteFileFacts, _ ctx: AuditContext) -> String {
        let units = db.usedBy.compactMap { label in ctx.inventory.instances.first { $0.label == label }?.unit }
        return units.isEmpty ? "`systemctl stop/start` its unit" : "`systemctl stop \(units.joined(separator: " "))` … `systemctl start \(units.joined(separator: " "))`"
    }

    /// Seed 002's thresholds: "Database Size >1GB warning, >2GB critical; archive old tests".
    static let sqliteWarningBytes: Int64 = 1 << 30
    static let sqliteCriticalBytes: Int64 = 2 << 30

    static let sqliteSize: Rule = Rule(
        id: "db.sqlite-size", severity: .critical,
        rationale: "A SQLite database past a few GiB makes backups, VACUUM and migrations slow and disk-hungry (seed 002: warn at 1 GiB, act at 2 GiB)."
    ) { ctx in
        sqliteFiles(ctx).compactMap { db in
            let total = db.sizeBytes + (db.walBytes ?? 0)
            let severity: Severity? = total >= sqliteCriticalBytes ? .critical : total >= sqliteWarningBytes ? .warning : nil
            guard let severity else { return nil }
            return sqliteSize.finding(
                severity, subject: db.path, summary: "\(db.path) holds \(Format.bytes(total))",
                evidence: ["database \(Format.bytes(db.sizeBytes))" + (db.walBytes.map { ", WAL \(Format.bytes($0))" } ?? ""),
                           "thresholds: warning at \(Format.bytes(sqliteWarningBytes)), critical at \(Format.bytes(sqliteCriticalBytes))"],
                fix: "Archive or delete old rows (seed 002: archive old tests), then `sqlite3 \(db.path) 'VACUUM;'` in a quiet window with twice its size free; or move the data to PostgreSQL.")
        }
    }

    /// A `-wal` file is checkpointed back into the database at 1000 pages by default; one larger than the database
    /// and than this floor means checkpoints cannot finish (a reader that never ends, or checkpoints turned off).
    static let walFloorBytes: Int64 = 64 << 20

    static let sqliteWALGrowth: Rule = Rule(
        id: "db.sqlite-wal-growth", severity: .warning,
        rationale: "A WAL file larger than its database means checkpoints are starved: reads slow down and the disk fills."
    ) { ctx in
        sqliteFiles(ctx).compactMap { db in
            guard let wal = db.walBytes, wal >= walFloorBytes, wal > db.sizeBytes else { return nil }
            return sqliteWALGrowth.finding(
                subject: db.path, summary: "\(db.path)-wal (\(Format.bytes(wal))) is larger than its database (\(Format.bytes(db.sizeBytes)))",
                evidence: ["\(db.path): \(Format.bytes(db.sizeBytes)); \(db.path)-wal: \(Format.bytes(wal))", "used by \(db.usedBy.joined(separator: ", "))"],
                fix: "Find the connection that keeps a read transaction open (a long-lived cursor or a backup by file copy) and close it; then `sqlite3 \(db.path) 'PRAGMA wal_checkpoint(TRUNCATE);'` as the app's user.")
        }
    }

    static let sqliteFallbackKeys = ["USE_SQLITE", "DJANGO_USE_SQLITE", "DB_USE_SQLITE"]

    static let sqliteFallback = SettingsRules.productionRule(
        id: "db.sqlite-fallback", severity: .warning,
        rationale: "USE_SQLITE=1 is a development fallback: in production the data lands in a file that nothing backs up or shares (seed 004).",
        evidence: { env in
            let on = SettingsRules.flagged(env, sqliteFallbackKeys, true)
            return on.isEmpty || env["DATABASE_URL"] != nil || env["DB_NAME"] != nil ? on : on + ["no DATABASE_URL or DB_NAME is set"]
        },
        summary: { "Production instance \($0.label) uses the development SQLite fallback" },
        fix: { "Point the app at its production database (`USE_SQLITE=0` and DATABASE_URL or DB_* in its env file), migrate the data that is in the SQLite file, then `systemctl restart \($0.name)`." })

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address == "localhost"
    }

    static func endpointAddress(_ endpoint: String) -> String {
        if endpoint.hasPrefix("["), let close = endpoint.firstIndex(of: "]") { return String(endpoint[endpoint.index(after: endpoint.startIndex)..<close]) }
        return endpoint.split(separator: ":").first.map(String.init) ?? endpoint
    }

    static let redisPublicBind: Rule = Rule(
        id: "db.redis-public-bind", severity: .critical,
        rationale: "Redis reachable beyond this host is a classic break-in: without a password anyone can write keys (and files with CONFIG SET)."
    ) { ctx in
        (ctx.facts.dataStores?.redis ?? []).compactMap { redis in
            let exposed = redis.endpoints.filter { !isLoopback(endpointAddress($0)) }
            guard !exposed.isEmpty else { return nil }
            let open = redis.answersWithoutPassword == true
            return redisPublicBind.finding(
                open ? .critical : .warning,
                subject: "redis:\(redis.port)", summary: "Redis on port \(redis.port) listens on \(Format.list(exposed))" + (open ? " without a password" : ""),
                evidence: ["listening: \(redis.endpoints.joined(separator: ", "))",
                           open ? "PING without AUTH answered PONG" : redis.answersWithoutPassword == false ? "a password is required" : "password: unknown (\(redis.unknownReason ?? "not asked"))"]
                    + (redis.usedBy.isEmpty ? [] : ["used by \(redis.usedBy.joined(separator: ", "))"]),
                fix: "In /etc/redis/redis.conf set `bind 127.0.0.1 -::1` and `protected-mode yes` (and `requirepass`), then `systemctl restart redis-server`; apps on other hosts reach it through an SSH tunnel or a firewall rule for their address only.")
        }
    }

    static let redisNoPassword: Rule = Rule(
        id: "db.redis-no-password", severity: .warning,
        rationale: "A Redis without requirepass lets any local user or SSRF bug read and change the app's queues and sessions."
    ) { ctx in
        (ctx.facts.dataStores?.redis ?? []).filter { $0.answersWithoutPassword == true && !$0.usedBy.isEmpty }.map { redis in
            redisNoPassword.finding(
                subject: "redis:\(redis.port)", summary: "Redis on port \(redis.port) answers without a password",
                evidence: ["PING without AUTH on \(redis.endpoints.first ?? "port \(redis.port)") answered PONG", "used by \(redis.usedBy.joined(separator: ", "))"],
                fix: "Set `requirepass` to `openssl rand -base64 32` in /etc/redis/redis.conf, `systemctl restart redis-server`, and put the password in the apps' URLs (`redis://:PASSWORD@127.0.0.1:\(redis.port)/0`), then restart \(redis.usedBy.joined(separator: " ")).")
        }
    }

    static let postgresPublicBind: Rule = Rule(
        id: "db.postgres-public-bind", severity: .warning,
        rationale: "PostgreSQL listening beyond loopback is one pg_hba.conf line away from the internet; local apps need only 127.0.0.1."
    ) { ctx in
        guard let sockets = ctx.facts.sockets else { return [] }
        let exposed = sockets.filter { ($0.process ?? "").hasPrefix("postgres") && ($0.proto == .tcp || $0.proto == .tcp6) && !isLoopback($0.address) }
        guard !exposed.isEmpty else { return [] }
        return Dictionary(grouping: exposed, by: \.port).sorted { $0.key < $1.key }.map { port, list in
            postgresPublicBind.finding(
                subject: "postgresql:\(port)", summary: "PostgreSQL on port \(port) listens on \(Format.list(list.map(\.endpoint)))",
                evidence: list.map { "\($0.endpoint) (\($0.process ?? "?") pid \($0.pid.map(String.init) ?? "?"))" },
                fix: "Set `listen_addresses = 'localhost'` in postgresql.conf (or the addresses of the hosts that need it, with a firewall), then `systemctl restart postgresql`.")
        }
    }

    static let postgresTrustAuth: Rule = Rule(
        id: "db.postgres-trust-auth", severity: .critical,
        rationale: "`trust` in pg_hba.conf for TCP connections lets anyone who can connect log in as any role, superuser included."
    ) { ctx in
        guard let pg = ctx.facts.dataStores?.postgres, !pg.trustLines.isEmpty else { return [] }
        return [postgresTrustAuth.finding(
            subject: pg.hbaFiles.first ?? "pg_hba.conf", summary: "pg_hba.conf trusts TCP connections without a password",
            evidence: pg.trustLines,
            fix: "Replace `trust` by `scram-sha-256` on those `host` lines (set each role's password first: `ALTER ROLE … PASSWORD`), then `systemctl reload postgresql`.")]
    }
}
