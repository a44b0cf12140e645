import Foundation
import Testing
@testable import StewardCore

/// Pure parts of backups: what to back up, what to keep, how the rules judge the catalog, and exact argv.
@Suite struct BackupCoreTests {
    static let day: TimeInterval = 86_400
    static let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T…Z

    static func record(_ id: Int64, daysAgo: Double, verified: Bool? = nil, source: String = "db") -> BackupRecord {
        let at = now.addingTimeInterval(-daysAgo * day)
        var r = BackupRecord(id: id, app: "racklab", instance: "prod", source: source, kind: .sqlite, path: "/b/\(id)",
                             createdAt: at, sizeBytes: 10, sha256: "ab", durationMs: 5, contents: BackupContents(tables: ["t": 1]))
        if let verified {
            r.lastVerification = Verification(at: at.addingTimeInterval(60), passed: verified, durationMs: 9, message: verified ? "ok" : "integrity_check failed")
            if verified { r.lastVerifiedAt = r.lastVerification!.at }
        }
        return r
    }

    // MARK: - Retention

    @Test func retentionKeepsLastDailyAndWeeklyAndDeletesTheRest() {
        // Two backups a day for 30 days: ids 1 (oldest) … 60 (newest).
        let records = (1...60).map { Self.record(Int64($0), daysAgo: Double(60 - $0) / 2) }
        let plan = RetentionPlan.make(records, retention: Retention(last: 3, daily: 5, weekly: 3), timeZone: TimeZone(identifier: "UTC")!)
        let kept = Set(plan.kept.map(\.id))
        #expect(kept.isSuperset(of: [60, 59, 58]))  // last 3
        #expect(plan.decisions.first { $0.record.id == 60 }!.reasons.contains("newest"))
        // 5 days + up to 3 weeks: never more than last + daily + weekly.
        #expect(kept.count <= 3 + 5 + 3 && kept.count >= 6)
        #expect(plan.deleted.count == 60 - kept.count)
        #expect(!kept.contains(1) || plan.decisions.first { $0.record.id == 1 }!.reasons.contains { $0.hasPrefix("weekly") })
    }

    @Test func retentionNeverDeletesTheNewestVerifiedTheNewestOrOneInUse() {
        let records = [Self.record(1, daysAgo: 20, verified: true), Self.record(2, daysAgo: 10), Self.record(3, daysAgo: 5), Self.record(4, daysAgo: 1, verified: false)]
        let plan = RetentionPlan.make(records, retention: Retention(last: 1, daily: 0, weekly: 0), inUse: [2])
        #expect(Set(plan.kept.map(\.id)) == [1, 2, 4])
        #expect(plan.deleted.map(\.id) == [3])
        #expect(plan.decisions.first { $0.record.id == 1 }!.reasons == ["newest verified"])
        #expect(plan.decisions.first { $0.record.id == 2 }!.reasons == ["in use"])
    }

    @Test func retentionOfASingleBackupKeepsIt() {
        let plan = RetentionPlan.make([Self.record(7, daysAgo: 100)], retention: Retention(last: 0, daily: 0, weekly: 1))
        #expect(plan.kept.map(\.id) == [7])
    }

    // MARK: - URLs

    @Test func sqliteURLsResolveAgainstTheWorkingDirectory() {
        #expect(SQLiteURL.path("sqlite:////srv/racklab/prod/racklab.db", workingDirectory: nil) == "/srv/racklab/prod/racklab.db")
        #expect(SQLiteURL.path("sqlite:///./racklab.db", workingDirectory: "/srv/app") == "/srv/app/racklab.db")
        #expect(SQLiteURL.path("sqlite+aiosqlite:///data/app.db?timeout=5", workingDirectory: "/srv/app/") == "/srv/app/data/app.db")
        #expect(SQLiteURL.path("sqlite:///app.db", workingDirectory: nil) == nil)
        #expect(SQLiteURL.path("sqlite:///:memory:", workingDirectory: "/x") == nil)
        #expect(SQLiteURL.path("postgresql://u@h/db", workingDirectory: "/x") == nil)
    }

    @Test func postgresDSNPartsAndPgpassEscaping() throws {
        let dsn = try #require(PostgresDSN("postgresql://marb:p%3Aw%5Cd@127.0.0.1:5433/marb?sslmode=disable"))
        #expect(dsn.host == "127.0.0.1" && dsn.port == 5433 && dsn.user == "marb" && dsn.database == "marb" && dsn.sslmode == "disable")
        #expect(dsn.isLocal)
        #expect(dsn.pgpassLine() == "127.0.0.1:5433:*:marb:p\\:w\\\\d\n")
        let env = dsn.connection(passfile: "/tmp/x/pgpass").variables
        #expect(env["PGPASSFILE"] == "/tmp/x/pgpass" && env["PGHOST"] == "127.0.0.1" && env["PGDATABASE"] == "marb")
        #expect(!env.values.contains { $0.contains("p:w") })
        #expect(PostgresDSN("postgresql://db.example.org/app")?.isLocal == false)
        #expect(PostgresDSN("mysql://x/y") == nil)
    }

    // MARK: - Builders

    @Test func pgDumpCarriesNoDSNOrPasswordInArgv() {
        let conn = PostgresDSN("postgresql://marb:secret-pw@127.0.0.1/marb")!.connection(passfile: "/tmp/p/pgpass")
        let c = PgDump.dump(file: "/var/backups/steward/marb/prod/.db.partial-1", snapshot: "00000003-1", connection: conn)
        #expect(c.argv == ["pg_dump", "--format=custom", "--no-password", "--lock-wait-timeout=120000", "--file=/var/backups/steward/marb/prod/.db.partial-1", "--snapshot=00000003-1"])
        #expect(!c.display.contains("secret-pw"))
        #expect(c.display.hasPrefix("PGAPPNAME=steward PGCONNECT_TIMEOUT=10 PGDATABASE=marb PGHOST=127.0.0.1 PGPASSFILE=/tmp/p/pgpass"))
    }

    @Test func restoreAndAdminBuilders() {
        let conn = PostgresConnectionEnv.localAdmin
        let restore = PgRestore.restore(file: "/b/x.pgdump", database: "marb_steward_new", role: "marb", connection: conn).asUser("postgres")
        #expect(restore.argv == ["runuser", "-u", "postgres", "--", "pg_restore", "--no-password", "--exit-on-error", "--single-transaction",
                                 "--no-owner", "--dbname=marb_steward_new", "--role=marb"])
        #expect(restore.inputFile == "/b/x.pgdump" && restore.display.hasSuffix("--role=marb < /b/x.pgdump"))
        #expect(PgAdmin.createdb("s", owner: "marb", connection: conn).asUser("postgres").argv
                == ["runuser", "-u", "postgres", "--", "createdb", "--no-password", "--owner=marb", "--", "s"])
        #expect(PgAdmin.dropdb("s", connection: conn).argv == ["dropdb", "--no-password", "--if-exists", "--", "s"])
        #expect(conn.variables["PGPASSFILE"] == "/dev/null")
    }

    @Test func tarBuilders() {
        #expect(Tar.create(archive: "/b/.m.partial-1", index: "/b/.m.partial-1.index", parent: "/srv/app", entries: ["media"], exclude: ["*.tmp", "cache"]).argv
                == ["tar", "--create", "--gzip", "--file=/b/.m.partial-1", "--index-file=/b/.m.partial-1.index", "-vv", "--numeric-owner",
                    "--quoting-style=escape", "--directory=/srv/app", "--exclude=*.tmp", "--exclude=cache", "--", "media"])
        #expect(Tar.extract(archive: "/b/m.tar.gz", into: "/s").argv
                == ["tar", "--extract", "--gzip", "--file=/b/m.tar.gz", "--directory=/s", "--same-owner", "--preserve-permissions", "--numeric-owner",
                    "--no-overwrite-dir"])
        // A link's target is recorded under the configured name (member names and hard links, not link targets).
        #expect(Tar.create(archive: "/b/a", index: "/b/i", parent: "/proc/9/fd/5", entries: ["media.data"], exclude: [], storedAs: "media").argv
                == ["tar", "--create", "--gzip", "--file=/b/a", "--index-file=/b/i", "-vv", "--numeric-owner", "--quoting-style=escape",
                    "--directory=/proc/9/fd/5", "--transform=s,^media\\.data,media,S", "--", "media.data"])
        #expect(!Tar.create(archive: "/b/a", index: "/b/i", parent: "/p", entries: ["media"], exclude: [], storedAs: "media").argv.contains { $0.hasPrefix("--transform") })
        #expect(!Tar.create(archive: "/b/a", index: "/b/i", parent: "/p", entries: ["we,ird"], exclude: [], storedAs: "media").argv.contains { $0.hasPrefix("--transform") })
        #expect(Systemctl.stop(["a@prod.service"]).argv == ["systemctl", "stop", "--", "a@prod.service"])
        #expect(Systemctl.enableNow("steward-backup-a.timer").argv == ["systemctl", "enable", "--now", "--", "steward-backup-a.timer"])
    }

    @Test func timerAndServiceUnits() {
        let service = BackupUnits.service(app: "racklab", steward: "/usr/local/bin/steward", manifest: "/etc/steward/steward.yml")
        #expect(service.contains("ExecStart=/usr/local/bin/steward backup run racklab --verify --reason scheduled --manifest /etc/steward/steward.yml\n"))
        #expect(service.contains("ExecStartPost=/usr/local/bin/steward backup prune racklab --manifest /etc/steward/steward.yml\n"))
        #expect(service.contains("Type=oneshot"))
        let timer = BackupUnits.timer(app: "racklab", onCalendar: "*-*-* 03:15")
        #expect(timer.contains("OnCalendar=*-*-* 03:15\n") && timer.contains("Persistent=true") && timer.contains("WantedBy=timers.target"))
    }

    // MARK: - Contents

    @Test func contentsDifferencesNameEachTable() {
        let recorded = BackupContents(tables: ["results": 10, "totals": 1, "meta": 1])
        #expect(recorded.differences(from: BackupContents(tables: ["results": 10, "totals": 1, "meta": 1])).isEmpty)
        #expect(recorded.differences(from: BackupContents(tables: ["results": 9, "totals": 1, "extra": 0]))
                == ["table meta is missing", "table results: 9 rows, expected 10", "unexpected table extra"])
        #expect(BackupContents(files: 3, bytes: 100).differences(from: BackupContents(files: 2, bytes: 100)) == ["2 files, expected 3"])
    }
}
