import Foundation
import GRDB
import StewardCore

/// The daemon's history (`/var/lib/steward/history.db`, SQLite through GRDB in WAL mode): check results in tiers
/// (raw, 5-minute, hourly, daily), audit findings with their lifecycle, and the deploys and backups of the state
/// database. Thread-safe (a `DatabasePool`: one writer, concurrent readers); every call that writes is one
/// transaction, so a process killed at any point leaves the last committed call whole and the next one's trace
/// nowhere. Every time is passed in: the store never reads the clock.
///
/// Tables: `check_key` (a check's name once, an integer in every row); `sample` (raw results, clustered by
/// check then time: a series is one range read); `rollup` (every tier's buckets, clustered by tier, check, bucket);
/// `rolled` (per tier, the watermark before which the finer tier is counted in it); `finding`, `deploy`, `backup`.
/// No index on time alone: deletes by age go check by check through the primary keys, and one less index is
/// fewer bytes per row (the target is about 1 MiB per check for a year).
public final class HistoryStore: Sendable {
    public static let defaultPath = "/var/lib/steward/history.db"

    public struct Options: Sendable, Equatable {
        public var retention: HistoryRetention
        /// The hard cap on the database's size (page count × page size).
        public var sizeCapBytes: Int64
        /// How long after a 5-minute bucket ends it is rolled up: a check that started in it and is still running
        /// lands first. A result recorded later still counts (it is merged into the rolled buckets).
        public var rollupDelay: TimeInterval

        public init(retention: HistoryRetention = HistoryRetention(), sizeCapBytes: Int64 = 256 << 20, rollupDelay: TimeInterval = 120) {
            self.retention = retention
            self.sizeCapBytes = sizeCapBytes
            self.rollupDelay = rollupDelay
        }
    }

    public let path: String
    public let options: Options
    let pool: DatabasePool

    /// Opens (creating and migrating when needed) the history at `path`. A database left by a killed process is
    /// recovered by SQLite on open (uncommitted WAL frames are ignored).
    public init(path: String = HistoryStore.defaultPath, options: Options = Options()) throws {
        self.path = path
        self.options = options
        try StoreFiles.makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o700)
        // Created 0600 before SQLite opens it, so it never exists readable by others (SQLite gives -wal and -shm
        // the same mode).
        let fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot open \(path): \(StoreFiles.errnoText())") }
        close(fd)
        var config = Configuration()
        config.label = "steward.history"
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // Each connection (the writer, a reader) caches up to 1 MiB of pages instead of SQLite's 2 MiB: a year of
            // history is tens of MB, so the caches fill, and they live in the daemon's heap (a 1-2 GB box, a 32 MiB
            // target); the file's pages stay in the kernel's page cache, where a miss here finds them.
            try db.execute(sql: "PRAGMA cache_size = -1024")
            guard !db.configuration.readonly else { return }
            // Before the pool turns WAL on: a new file records incremental auto-vacuum (a later change needs a
            // VACUUM, which WAL forbids), so the size cap can give freed pages back to the file system.
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            // After a checkpoint the WAL file shrinks back to this: the disk use stays near the cap.
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
        }
        pool = try DatabasePool(path: path, configuration: config)
        // The pool sets NORMAL, which survives a killed process but may lose the last commits to a power loss;
        // FULL syncs the WAL at each commit (the daemon commits a few times a minute).
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        try Self.migrator.migrate(pool)
    }

    /// Gives back SQLite's page caches (the writer's, up to 1 MiB) and closes the idle readers (each with its
    /// own cache and schema): the daemon calls it before each memory trim, so malloc can return that memory to the
    /// system; the caches fill again only with the pages used next. Blocks until running accesses finish: call it
    /// off the cooperative pool (the daemon's history thread).
    public func releaseMemory() {
        pool.releaseMemory()
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-history") { db in
            try db.execute(sql: """
                CREATE TABLE check_key (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE sample (
                    check_id INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER NOT NULL, latency_us INTEGER NOT NULL,
                    PRIMARY KEY (check_id, at)) WITHOUT ROWID;
                CREATE TABLE rollup (
                    tier INTEGER NOT NULL, check_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
                    runs INTEGER NOT NULL, failures INTEGER NOT NULL, unknowns INTEGER NOT NULL,
                    min_us INTEGER NOT NULL, max_us INTEGER NOT NULL, sum_us INTEGER NOT NULL,
                    PRIMARY KEY (tier, check_id, bucket)) WITHOUT ROWID;
                CREATE TABLE rolled (tier INTEGER PRIMARY KEY, until INTEGER NOT NULL);
                CREATE TABLE finding (
                    id INTEGER PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, severity TEXT NOT NULL,
                    summary TEXT NOT NULL, fix TEXT NOT NULL, evidence TEXT NOT NULL,
                    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, resolved_at INTEGER);
                CREATE UNIQUE INDEX finding_open ON finding(rule, subject) WHERE resolved_at IS NULL;
                CREATE TABLE deploy (
                    id INTEGER PRIMARY KEY, app TEXT NOT NULL, instance TEXT NOT NULL, kind TEXT NOT NULL,
                    status TEXT NOT NULL, ref TEXT NOT NULL, commit_sha TEXT NOT NULL, previous_commit TEXT,
                    operator_name TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER, error TEXT);
                CREATE INDEX deploy_by_instance ON deploy(app, instance, started_at);
                CREATE TABLE backup (
                    id INTEGER PRIMARY KEY, app TEXT NOT NULL, instance TEXT NOT NULL, source TEXT NOT NULL,
                    kind TEXT NOT NULL, created_at INTEGER NOT NULL, size_bytes INTEGER NOT NULL, reason TEXT NOT NULL,
                    verified_at INTEGER, verification_passed BOOLEAN, removed_at INTEGER);
                CREATE INDEX backup_by_instance ON backup(app, instance, created_at);
                """)
        }
        registerAPI(&m)
        registerAlerts(&m)
        registerAlertRequests(&m)
        return m
    }

    // MARK: - Raw results

    static func code(_ status: CheckResult.Status) -> Int {
        switch status {
        case .pass: 0
        case .fail: 1
        case .unknown: 2
        }
    }

    static func status(_ code: Int) -> CheckResult.Status { code == 1 ? .fail : code == 2 ? .unknown : .pass }

    /// Records check results in one transaction. A result older than a tier's watermark (a slow check) is merged
    /// into that tier's bucket at once, so every result is counted in every tier once, however late it comes. A
    /// result recorded twice (same check, same millisecond) counts once while its raw row is kept (48 h).
    public func record(_ samples: [CheckSample]) throws {
        guard !samples.isEmpty else { return }
        try pool.write { db in
            let rolled = try Self.rolledUntil(db)
            var ids: [String: Int64] = [:]
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO sample (check_id, at, status, latency_us) VALUES (?, ?, ?, ?)")
            for sample in samples {
                let id: Int64
                if let known = ids[sample.check] { id = known } else {
                    id = try Self.checkID(db, sample.check)
                    ids[sample.check] = id
                }
                let at = HistoryTime.ms(sample.at)
                let latency = HistoryTime.micros(ms: sample.latencyMs)
                try insert.execute(arguments: [id, at, Self.code(sample.status), latency])
                guard db.changesCount == 1 else { continue }
                let stats = HistoryStats(status: sample.status, latencyMicros: latency)
                for tier in [HistoryTier.fiveMinutes, .hourly, .daily] {
                    guard let until = rolled[tier], at < until else { break }
                    try Self.merge(db, tier: tier, check: id, bucket: tier.bucketStart(at), stats)
                }
            }
        }
    }

    static func checkID(_ db: Database, _ name: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM check_key WHERE name = ?", arguments: [name]) { return id }
        try db.execute(sql: "INSERT INTO check_key (name) VALUES (?)", arguments: [name])
        return db.lastInsertedRowID
    }

    /// Adds `stats` to a bucket (creating it).
    static func merge(_ db: Database, tier: HistoryTier, check: Int64, bucket: Int64, _ s: HistoryStats) throws {
        try db.cachedStatement(sql: """
            INSERT INTO rollup (tier, check_id, bucket, runs, failures, unknowns, min_us, max_us, sum_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tier, check_id, bucket) DO UPDATE SET
              runs = runs + excluded.runs, failures = failures + excluded.failures, unknowns = unknowns + excluded.unknowns,
              min_us = min(min_us, excluded.min_us), max_us = max(max_us, excluded.max_us), sum_us = sum_us + excluded.sum_us
            """).execute(arguments: [tier.rawValue, check, bucket, s.runs, s.failures, s.unknowns, s.minMicros, s.maxMicros, s.sumMicros])
    }

    /// Per rolled-up tier, the time before which the finer tier is counted in it.
    static func rolledUntil(_ db: Database) throws -> [HistoryTier: Int64] {
        var result: [HistoryTier: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT tier, until FROM rolled") {
            if let tier = HistoryTier(rawValue: row["tier"]) { result[tier] = row["until"] }
        }
        return result
    }

    // MARK: - Series

    /// A check's series between `from` and `to` (buckets that start in that span) at `resolution`, oldest first.
    /// Complete up to `to` whatever has been rolled up: buckets a coarser tier does not hold yet are made from
    /// the finer tiers (the current day from hourly, 5-minute and raw rows).
    public func series(check: String, from: Date, to: Date, resolution: HistoryTier) throws -> [HistoryPoint] {
        try series(checks: [check], from: from, to: to, resolution: resolution)[check] ?? []
    }

    /// The series of several checks over one span, in one read transaction and one query per tier (the dashboard's
    /// overview asks for every check's 90 days and last day at once: a query per check made that 1,000 for 500).
    /// Checks the history has never seen are left out of the answer.
    public func series(checks: [String], from: Date, to: Date, resolution: HistoryTier) throws -> [String: [HistoryPoint]] {
        let start = resolution.bucketStart(HistoryTime.ms(from)), end = HistoryTime.ms(to)
        guard end > start, !checks.isEmpty else { return [:] }
        return try pool.read { db in
            var names: [Int64: String] = [:]
            for chunk in Self.chunks(Array(Set(checks))) {
                let rows = try Row.fetchCursor(db, sql: "SELECT id, name FROM check_key WHERE name IN (\(Self.placeholders(chunk.count)))",
                                               arguments: StatementArguments(chunk))
                while let row = try rows.next() { names[row[0]] = row[1] }
            }
            guard !names.isEmpty else { return [:] }
            let ids = Array(names.keys)
            let rolled = try Self.rolledUntil(db)
            var points: [Int64: [HistoryPoint]] = [:]
            var cursor = start
            // Coarse to fine: each tier supplies what it holds past the coarser tiers' watermarks. Columns are read by
            // position from a cursor: a year of hourly buckets is 8,760 rows per check.
            for tier in HistoryTier.allCases.reversed() where tier <= resolution && tier != .raw {
                let upper = min(end, rolled[tier] ?? cursor)
                guard upper > cursor else { continue }
                for chunk in Self.chunks(ids) {
                    let rows = try Row.fetchCursor(db, sql: """
                        SELECT check_id, bucket, runs, failures, unknowns, min_us, max_us, sum_us FROM rollup
                        WHERE tier = ? AND check_id IN (\(Self.placeholders(chunk.count))) AND bucket >= ? AND bucket < ?
                        ORDER BY check_id, bucket
                        """, arguments: StatementArguments([tier.rawValue]) + StatementArguments(chunk) + [cursor, upper])
                    while let row = try rows.next() {
                        points[row[0], default: []].append(HistoryPoint(startMs: row[1], stats: HistoryStats(
                            runs: row[2], failures: row[3], unknowns: row[4], minMicros: row[5], maxMicros: row[6], sumMicros: row[7])))
                    }
                }
                cursor = upper
            }
            for chunk in Self.chunks(ids) {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT check_id, at, status, latency_us FROM sample
                    WHERE check_id IN (\(Self.placeholders(chunk.count))) AND at >= ? AND at < ? ORDER BY check_id, at
                    """, arguments: StatementArguments(chunk) + [cursor, end])
                while let row = try rows.next() {
                    points[row[0], default: []].append(HistoryPoint(startMs: row[1], stats: HistoryStats(status: Self.status(row[2]),
                                                                                                     latencyMicros: row[3])))
                }
            }
            var answer: [String: [HistoryPoint]] = [:]
            for (id, name) in names {
                let series = points[id] ?? []
                answer[name] = resolution == .raw ? series : HistoryPoint.regroup(series, into: resolution)
            }
            return answer
        }
    }

    /// SQLite binds at most 32,766 values per statement; a manifest has far fewer checks, but nothing here assumes it.
    static func chunks<T>(_ values: [T], size: Int = 500) -> [ArraySlice<T>] {
        stride(from: 0, to: values.count, by: size).map { values[$0..<min($0 + size, values.count)] }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    // MARK: - Size

    /// The database's size as SQLite counts it: pages in use and free ones, whether in the file or still in the WAL.
    public func sizeBytes() throws -> Int64 {
        try pool.read { try Self.size($0) }
    }

    static func size(_ db: Database) throws -> Int64 {
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        return pages * pageSize
    }
}
