import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The TLS, data store and log storage probes on fixture trees, with files made by the real tools: certificates by
/// openssl, databases by sqlite3, sparse log and journal files by truncate.
@Suite(.enabled(if: ["/usr/bin/openssl", "/usr/bin/sqlite3"].allSatisfy(FileManager.default.isExecutableFile), "needs openssl and sqlite3 (installed by .ci/run)"))
struct AuditStoreProbeTests {
    static func site(_ cert: String, names: [String] = ["a.example.org"]) -> NginxSite {
        NginxSite(file: "/etc/nginx/sites-enabled/a", serverNames: names, listen: ["443 ssl"], locations: [], sslCertificates: [cert])
    }

    @Test func certificateFilesAreDescribedAndProblemsGiveReasons() throws {
        let t = try TempTree()
        try t.mkdir("/etc/ssl")
        #expect(try t.sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "5",
                          "-subj", "/CN=a.example.org", "-addext", "subjectAltName=DNS:a.example.org,DNS:*.a.example.org",
                          "-keyout", t.root + "/etc/ssl/a.key", "-out", t.root + "/etc/ssl/a.crt"]) == 0)
        try t.write("/etc/ssl/junk.crt", "not a certificate\n")
        let files = HostFiles(root: t.root)
        let now = Date()
        let facts = TLSProbe.gather(ProbeContext(files: files), nginx: NginxFacts(configValid: true, sites: [
            Self.site("/etc/ssl/a.crt"), Self.site("/etc/ssl/junk.crt"), Self.site("/etc/ssl/none.crt"), Self.site("/etc/ssl/$ssl_server_name.crt"),
        ]), now: now)
        let cert = facts.certificates[0]
        #expect(cert.names == ["a.example.org", "*.a.example.org"] && cert.selfSigned && cert.unreadableReason == nil)
        let days = (cert.notAfter ?? .distantPast).timeIntervalSince(now) / 86400
        #expect(days > 4.9 && days < 5.1)
        #expect(cert.covers("x.a.example.org") && !cert.covers("x.y.a.example.org"))
        #expect(facts.certificates[1].unreadableReason == "/etc/ssl/junk.crt: not a PEM certificate")
        #expect(facts.certificates[2].unreadableReason?.hasSuffix("no such file") == true)
        #expect(facts.certificates[3].unreadableReason == "the path names an nginx variable")
        #expect(facts.letsEncrypt == nil)  // no /etc/letsencrypt/live
        let findings = RuleCatalog.rule("tls.cert-expiry")!.evaluate(AuditContext(facts: Facts(tls: facts)))
        #expect(findings.map(\.severity) == [.critical])
    }

    @Test func letsEncryptRenewalIsSeenThroughWantsLinksCronAndTheLog() throws {
        let t = try TempTree()
        try t.mkdir("/etc/letsencrypt/live/shop.example.org")
        try t.write("/etc/letsencrypt/live/README", "certbot's readme\n")
        let files = HostFiles(root: t.root)
        var le = try #require(TLSProbe.letsEncrypt(files))
        #expect(le.lineages == ["shop.example.org"] && le.enabledTimers.isEmpty && le.cronEntries.isEmpty && le.failedRenewals.isEmpty)

        try t.symlink("/etc/systemd/system/timers.target.wants/certbot.timer", to: "/lib/systemd/system/certbot.timer")
        try t.write("/etc/cron.d/certbot", "# 0 */12 * * * root certbot -q renew\n")  // commented out: not a renewal
        try t.write("/var/log/letsencrypt/letsencrypt.log", "x:ERROR:certbot._internal.renewal:Failed to renew certificate shop.example.org with error: refused\n")
        le = try #require(TLSProbe.letsEncrypt(files))
        #expect(le.enabledTimers == ["certbot.timer"] && le.cronEntries.isEmpty && le.failedRenewals == ["shop.example.org"])

        try t.write("/etc/cron.d/certbot", "0 */12 * * * root test -x /usr/bin/certbot && perl -e 'sleep int(rand(43200))' && certbot -q renew\n")
        #expect(TLSProbe.letsEncrypt(files)?.cronEntries == ["/etc/cron.d/certbot"])
    }

    @Test func sqliteHeadersTellWALFromRollbackWithoutOpeningTheDatabase() throws {
        let t = try TempTree()
        try t.mkdir("/srv")
        #expect(try t.sh(["sqlite3", t.root + "/srv/wal.db", "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);"]) == 0)
        #expect(try t.sh(["sqlite3", t.root + "/srv/delete.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);"]) == 0)
        try t.write("/srv/text.db", "hello, this is not a database\n")
        #expect(mkfifo(t.root + "/srv/fifo.db", 0o600) == 0)
        try t.symlink("/srv/link.db", to: t.root + "/srv/wal.db")
        let files = HostFiles(root: t.root)
        let wal = DataStoreProbe.sqlite(files, "/srv/wal.db")
        #expect(wal.walMode == true && wal.sizeBytes > 0 && wal.unreadableReason == nil)
        let rollback = DataStoreProbe.sqlite(files, "/srv/delete.db")
        #expect(rollback.walMode == false && rollback.walBytes == nil)
        #expect(DataStoreProbe.sqlite(files, "/srv/text.db").unreadableReason == "/srv/text.db: not a SQLite database")
        // A FIFO answers at once (opened non-blocking), and a link the app's user could plant is not followed.
        #expect(DataStoreProbe.sqlite(files, "/srv/fifo.db").unreadableReason == "/srv/fifo.db: not a regular file")
        #expect(DataStoreProbe.sqlite(files, "/srv/link.db").unreadableReason?.hasPrefix("/srv/link.db: cannot be opened") == true)
        #expect(!DataStoreProbe.sqlite(files, "/srv/missing.db").exists)
    }

    @Test func databasesComeFromTheAppsDatabaseURL() async throws {
        let t = try TempTree()
        try t.mkdir("/opt/app")
        #expect(try t.sh(["sqlite3", t.root + "/opt/app/app.db", "CREATE TABLE t(x);"]) == 0)
        try t.write("/etc/app/prod.env", "PORT=8000\nDATABASE_URL=sqlite:///./app.db\n", mode: 0o600)
        let unit = UnitFacts(name: "app@prod.service", activeState: "active", workingDirectory: "/opt/app",
                             environmentFiles: [EnvironmentFileRef(path: "/etc/app/prod.env", optional: false)], execStart: ["/usr/bin/python3", "app.py"],
                             fragmentPath: "/etc/systemd/system/app@.service")
        let ctx = ProbeContext(files: HostFiles(root: t.root))
        var facts = Facts(units: [unit], sockets: [])
        facts.envFiles = await FilesProbe.envFiles(ctx, paths: ["/etc/app/prod.env"]).files
        let (stores, unanswered) = await DataStoreProbe.gather(ctx, facts: facts, inventory: Inventory.build(facts: facts, manifest: .empty))
        #expect(unanswered.isEmpty)
        #expect(stores.sqlite.map(\.path) == ["/opt/app/app.db"] && stores.sqlite.first?.usedBy == ["app@prod"])
        #expect(stores.sqlite.first?.walMode == false)
        #expect(stores.redis.isEmpty && stores.postgres == nil)
    }

    @Test func pgHbaFilesOfEveryCluster() throws {
        let t = try TempTree()
        try t.write("/etc/postgresql/15/main/pg_hba.conf", "local all all peer\nhost all all 0.0.0.0/0 trust\n")
        try t.write("/etc/postgresql/16/main/pg_hba.conf", "host all all 127.0.0.1/32 scram-sha-256\n")
        let pg = try #require(DataStoreProbe.postgres(HostFiles(root: t.root)))
        #expect(pg.hbaFiles == ["/etc/postgresql/15/main/pg_hba.conf", "/etc/postgresql/16/main/pg_hba.conf"])
        #expect(pg.trustLines == ["/etc/postgresql/15/main/pg_hba.conf:2: host all all 0.0.0.0/0 trust"])
    }

    @Test func largeAppLogsAndTheJournalAreMeasuredFromTheFiles() async throws {
        let t = try TempTree()
        try t.mkdir("/opt/app/logs")
        try t.mkdir("/opt/app/.venv/lib")
        for (path, size) in [("/opt/app/logs/app.log", "120M"), ("/opt/app/logs/small.log", "1M"), ("/opt/app/.venv/lib/pip.log", "50M"),
                             ("/opt/app/worker.log", "20M"), ("/var/log/journal/0123/system.journal", "96M")] {
            try t.mkdir((path as NSString).deletingLastPathComponent)
            #expect(try t.sh(["truncate", "-s", size, t.root + path]) == 0)
        }
        try t.symlink("/opt/app/logs/link.log", to: t.root + "/opt/app/logs/app.log")
        try t.write("/etc/logrotate.d/app", "/opt/app/*.log {\n  daily\n}\n")
        try t.write("/etc/systemd/journald.conf", "[Journal]\n#SystemMaxUse=\n")
        let ctx = ProbeContext(files: HostFiles(root: t.root))
        let (logs, unanswered, refused) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/app"])
        #expect(unanswered.isEmpty && refused.isEmpty)
        // `*` crosses `/` in logrotate's patterns as Steward reads them: logs/app.log counts as covered too.
        #expect(logs.appLogs == [AppLogFile(path: "/opt/app/logs/app.log", sizeBytes: 120 << 20, rotatedBy: "/etc/logrotate.d/app"),
                                 AppLogFile(path: "/opt/app/worker.log", sizeBytes: 20 << 20, rotatedBy: "/etc/logrotate.d/app")])
        let journal = try #require(logs.journal)
        #expect(journal.directory == "/var/log/journal" && journal.bytes == 96 << 20 && journal.systemMaxUse == nil && journal.filesystemBytes > 0)

        try t.write("/etc/systemd/journald.conf.d/size.conf", "[Journal]\nSystemMaxUse=500M\n")
        try t.write("/etc/logrotate.d/app", "/var/log/other.log {\n}\n")
        let (again, _, _) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/app"])
        #expect(again.journal?.systemMaxUse == "500M")
        #expect(again.appLogs.map(\.rotatedBy) == [nil, nil])
    }

    // MARK: - What the app's user can swap for a link (Steward runs as root; the app user owns its tree)

    static let appUser: uid_t = 65534

    /// A sparse file of `size` (truncate's syntax) at `path`, and its parents.
    static func sparse(_ t: TempTree, _ path: String, _ size: String) throws {
        try t.mkdir((path as NSString).deletingLastPathComponent)
        #expect(try t.sh(["truncate", "-s", size, t.root + path]) == 0)
    }

    /// The app user's `current` link to a directory of root's: root used to walk it by path and report root's logs.
    @Test(.enabled(if: geteuid() == 0, "chowns to the app user, like Steward's root")) func anAppDirectoryReachedThroughTheAppUsersLinkIsNotWalked() async throws {
        let t = try TempTree()
        try t.mkdir("/opt/app")
        try Self.sparse(t, "/srv/private/secret.log", "40M")
        chown(t.root + "/opt/app", Self.appUser, Self.appUser)
        try t.symlink("/opt/app/current", to: t.root + "/srv/private")
        lchown(t.root + "/opt/app/current", Self.appUser, Self.appUser)
        let ctx = ProbeContext(files: HostFiles(root: t.root))
        let (logs, unanswered, refused) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/app/current"])
        #expect(logs.appLogs.isEmpty, "root's directory was walked through the app user's link")
        #expect(unanswered.isEmpty && refused.count == 1)
        #expect(refused.first == "/opt/app/current leads to /srv/private, outside /opt/app (the tree \(SafePath.userName(Self.appUser)) owns); refusing to follow it as root",
                "\(refused)")

        // A releases layout: the app user's `current` (relative) and a `previous` root made there (absolute), both
        // leading inside the app's tree, are walked.
        try Self.sparse(t, "/opt/app/releases/v3/logs/app.log", "40M")
        try t.symlink("/opt/app/current-rel", to: "releases/v3")
        lchown(t.root + "/opt/app/current-rel", Self.appUser, Self.appUser)
        try t.symlink("/opt/app/previous", to: t.root + "/opt/app/releases/v3")
        let (released, _, refusedNone) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/app/current-rel", "/opt/app/previous"])
        #expect(refusedNone.isEmpty, "\(refusedNone)")
        #expect(released.appLogs.map(\.path) == ["/opt/app/current-rel/logs/app.log", "/opt/app/previous/logs/app.log"])
        // The app user's link that climbs out with `..` is refused too.
        try t.symlink("/opt/app/up", to: "../../srv/private")
        lchown(t.root + "/opt/app/up", Self.appUser, Self.appUser)
        let (_, _, climbed) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/app/up"])
        #expect(climbed.first?.hasPrefix("/opt/app/up leads to /srv/private, outside /opt/app") == true, "\(climbed)")

        // A link root made in a directory only root can write (`/srv/app -> /data/app`) is still followed.
        try t.symlink("/opt/rootlink", to: t.root + "/srv/private")
        let (rootLinked, _, none) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/rootlink"])
        #expect(none.isEmpty && rootLinked.appLogs.map(\.path) == ["/opt/rootlink/secret.log"])
        // A missing app directory has no logs and is no reason for an unknown.
        let (missing, _, nothing) = await LogStorageProbe.gather(ctx, appDirectories: ["/opt/gone"])
        #expect(missing.appLogs.isEmpty && nothing.isEmpty)
    }

    /// readdir said `logs` is a directory; the app user renames it away and puts a link to root's directory in its
    /// place before the walk enters it: the walk opens it relative to its parent with O_NOFOLLOW and does not go in.
    @Test(.enabled(if: geteuid() == 0, "chowns to the app user, like Steward's root")) func aLogDirectorySwappedForALinkDuringTheWalkIsNotEntered() throws {
        let t = try TempTree()
        try Self.sparse(t, "/opt/app/logs/app.log", "40M")
        try Self.sparse(t, "/opt/app/var/log/worker.log", "40M")
        try Self.sparse(t, "/srv/private/secret.log", "40M")
        for dir in ["/opt/app", "/opt/app/logs", "/opt/app/var", "/opt/app/var/log"] { chown(t.root + dir, Self.appUser, Self.appUser) }
        var entered: [String] = []
        let walk = LogStorageProbe.largeLogs(t.root + "/opt/app", root: t.root) { path in
            entered.append(String(path.dropFirst(t.root.count)))
            guard path.hasSuffix("/logs") else { return }
            rename(path, path + ".old")
            Glibc.symlink(t.root + "/srv/private", path)
            lchown(path, Self.appUser, Self.appUser)
        }
        #expect(entered == ["/opt/app/logs", "/opt/app/var", "/opt/app/var/log"])
        #expect(walk.refused == nil)
        #expect(walk.logs.map(\.0) == ["/opt/app/var/log/worker.log"], "root's directory was read through the swapped link")
    }

    /// The app user's `data` link to a directory of root's holding a database: root used to read its header
    /// through it (O_NOFOLLOW guarded the last component only), and the size of a `-wal` that is a link.
    @Test(.enabled(if: geteuid() == 0, "chowns to the app user, like Steward's root")) func aDatabaseBehindTheAppUsersLinkIsUnknownNotRead() throws {
        let t = try TempTree()
        try t.mkdir("/opt/app")
        try t.mkdir("/srv/private")
        #expect(try t.sh(["sqlite3", t.root + "/srv/private/app.db", "PRAGMA journal_mode=WAL; CREATE TABLE t(x);"]) == 0)
        chown(t.root + "/opt/app", Self.appUser, Self.appUser)
        try t.symlink("/opt/app/data", to: t.root + "/srv/private")
        lchown(t.root + "/opt/app/data", Self.appUser, Self.appUser)
        let files = HostFiles(root: t.root)
        let linked = DataStoreProbe.sqlite(files, "/opt/app/data/app.db")
        #expect(linked.exists && linked.walMode == nil && linked.sizeBytes == 0, "root read the database through the app user's link")
        #expect(linked.unreadableReason?.hasPrefix("/opt/app/data leads to /srv/private, outside /opt/app") == true, "\(linked)")
        // A database under the app user's link inside its own tree (a releases layout's `current`) is read.
        try t.mkdir("/opt/app/releases/v3")
        #expect(try t.sh(["sqlite3", t.root + "/opt/app/releases/v3/app.db", "PRAGMA journal_mode=WAL; CREATE TABLE t(x);"]) == 0)
        try t.symlink("/opt/app/current", to: "releases/v3")
        lchown(t.root + "/opt/app/current", Self.appUser, Self.appUser)
        let released = DataStoreProbe.sqlite(files, "/opt/app/current/app.db")
        #expect(released.unreadableReason == nil && released.walMode == true && released.sizeBytes > 0, "\(released)")

        // The database itself is the app's; its `-wal` is the app user's link to a large file of root's.
        #expect(try t.sh(["sqlite3", t.root + "/opt/app/app.db", "CREATE TABLE t(x);"]) == 0)
        try Self.sparse(t, "/srv/private/big", "300M")
        try t.symlink("/opt/app/app.db-wal", to: t.root + "/srv/private/big")
        lchown(t.root + "/opt/app/app.db-wal", Self.appUser, Self.appUser)
        let own = DataStoreProbe.sqlite(files, "/opt/app/app.db")
        #expect(own.unreadableReason == nil && own.walMode == false && own.sizeBytes > 0)
        #expect(own.walBytes == nil, "the size of root's file was taken through the app user's -wal link")
    }
}
