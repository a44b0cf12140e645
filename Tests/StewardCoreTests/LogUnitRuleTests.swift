import Testing
@testable import StewardCore

@Suite("Log storage and unit declaration rules")
struct LogUnitRuleTests {
    // MARK: logs.unrotated-app-log

    @Test("logs.unrotated-app-log: 100 MiB and no logrotate pattern", arguments: [
        (Int64(150) * MiB, String?.none, true), (150 * MiB, "/etc/logrotate.d/calb", false), (50 * MiB, nil, false),
    ] as [(Int64, String?, Bool)])
    func appLog(size: Int64, rotatedBy: String?, fires: Bool) {
        let path = "\(N1.prodDir)/logs/app.log"
        let facts = n1Facts().changing { $0.logStorage = LogStorageFacts(appLogs: [AppLogFile(path: path, sizeBytes: size, rotatedBy: rotatedBy)]) }
        #expect(findings("logs.unrotated-app-log", facts).map { RuleSubject($0) } == (fires ? [RuleSubject("logs.unrotated-app-log", path, .warning)] : []))
    }

    @Test("logs.journal-unbounded: 5 % of its filesystem and 64 MiB, without SystemMaxUse", arguments: [
        (Int64(640) * MiB, Int64(6400) * MiB, String?.none, true), (640 * MiB, 6400 * MiB, "200M", false),
        (60 * MiB, 600 * MiB, nil, false), (200 * MiB, 100_000 * MiB, nil, false),
    ] as [(Int64, Int64, String?, Bool)])
    func journal(bytes: Int64, filesystem: Int64, maxUse: String?, fires: Bool) {
        let facts = Facts(logStorage: LogStorageFacts(journal: JournalUsage(directory: "/var/log/journal", bytes: bytes, filesystemBytes: filesystem, systemMaxUse: maxUse)))
        #expect(findings("logs.journal-unbounded", facts).map { RuleSubject($0) } == (fires ? [RuleSubject("logs.journal-unbounded", "/var/log/journal", .warning)] : []))
    }

    // MARK: service.no-restart

    @Test("service.no-restart: once per unit file", arguments: [("no", true), ("", true), ("on-failure", false), ("always", false)])
    func restart(value: String, fires: Bool) {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.restart = value }.with(unit: N1.testUnit) { $0.restart = value }
        #expect(findings("service.no-restart", facts).map { RuleSubject($0) } == (fires ? [RuleSubject("service.no-restart", "calb-sizingtool@.service", .warning)] : []))
    }

    // MARK: service.database-order

    static func withDatabase(_ url: String, after: [String]) -> Facts {
        n1Facts().with(envFile: N1.prodEnv) { $0.keys.append("DATABASE_URL"); $0.values["DATABASE_URL"] = Secret(url) }
            .with(unit: N1.prodUnit) { $0.after = after }
    }

    @Test("service.database-order", arguments: [
        ("postgresql://u:p@localhost/db", ["network.target", "basic.target"], true),
        ("postgresql://u:p@127.0.0.1:5432/db", ["network.target", "postgresql.service"], false),
        ("postgresql://u:p@db.internal/db", ["network.target"], false),  // not on this host
        ("postgresql:///db", ["basic.target"], true),  // a local socket
        ("redis://127.0.0.1:6379/0", ["basic.target"], true),
        ("postgresql://u:p@localhost/db", [], false),  // After= not reported: not judged
    ] as [(String, [String], Bool)])
    func databaseOrder(url: String, after: [String], fires: Bool) {
        #expect(findings("service.database-order", Self.withDatabase(url, after: after)).map { RuleSubject($0) }
            == (fires ? [RuleSubject("service.database-order", "calb-sizingtool@.service", .warning)] : []))
    }

    @Test func databaseOrderNamesTheServersUnitFromItsSocket() throws {
        let facts = Self.withDatabase("postgresql://u:p@localhost/db", after: ["basic.target"]).changing {
            $0.sockets?.append(ListeningSocket(proto: .tcp, address: "127.0.0.1", port: 5432, pid: 70, process: "postgres", unit: "postgresql@15-main.service"))
        }
        let f = try #require(findings("service.database-order", facts).first)
        #expect(f.fix.contains("`After=postgresql@15-main.service`"))
        #expect(!"\(f)".contains("u:p@"))
    }

    @Test func orderingAfterTheServersOwnUnitSatisfiesIt() {
        let redis = ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 6390, pid: 71, process: "redis-server", unit: "notes-redis.service")
        let before = Self.withDatabase("redis://127.0.0.1:6390/0", after: ["basic.target"]).changing { $0.sockets?.append(redis) }
        #expect(findings("service.database-order", before).first?.fix.contains("`After=notes-redis.service`") == true)
        let after = Self.withDatabase("redis://127.0.0.1:6390/0", after: ["basic.target", "notes-redis.service"]).changing { $0.sockets?.append(redis) }
        #expect(findings("service.database-order", after).isEmpty)
    }

    /// Found by the auditrules scenario: the template was judged by its first instance only, so notes@archive (no
    /// database) hid notes@prod's Redis. Whichever instance names the database, the template's finding is there, and
    /// it names every database its instances use.
    @Test func aTemplateIsJudgedByEachOfItsInstances() throws {
        func facts(_ urls: [String: String]) -> Facts {
            var f = n1Facts().with(unit: N1.prodUnit) { $0.after = ["basic.target"] }.with(unit: N1.testUnit) { $0.after = ["basic.target"] }
            for (env, url) in urls { f = f.with(envFile: env) { $0.keys.append("DATABASE_URL"); $0.values["DATABASE_URL"] = Secret(url) } }
            return f
        }
        for env in [N1.prodEnv, N1.testEnv] {
            #expect(findings("service.database-order", facts([env: "redis://127.0.0.1:6379/0"])).map { RuleSubject($0) }
                == [RuleSubject("service.database-order", "calb-sizingtool@.service", .warning)], "only \(env) names the database")
        }
        let all = findings("service.database-order", facts([N1.prodEnv: "redis://127.0.0.1:6379/0", N1.testEnv: "postgresql://u:p@localhost/db"]))
        #expect(all.count == 1)
        let both = try #require(all.first)
        #expect(both.summary.hasSuffix("is not ordered after its local redis and postgresql") || both.summary.hasSuffix("is not ordered after its local postgresql and redis"), "\(both.summary)")
    }

    // MARK: service.hardening

    @Test("service.hardening: info, only the lines that would not break the unit", arguments: [
        ("no", "no", "no", "/opt/app", [String]?.some(["NoNewPrivileges=yes", "ProtectSystem=full", "PrivateTmp=yes"])),
        ("yes", "full", "yes", "/opt/app", nil),
        ("yes", "no", "yes", "/usr/local/app", nil),  // ProtectSystem=full would make its own tree read-only
        ("no", "strict", "yes", "/opt/app", ["NoNewPrivileges=yes"]),
        ("", "", "", "/opt/app", nil),  // not reported: not judged
    ] as [(String, String, String, String, [String]?)])
    func hardening(nnp: String, protect: String, tmp: String, dir: String, lines: [String]?) {
        let facts = n1Facts().with(unit: N1.prodUnit) {
            $0.noNewPrivileges = nnp; $0.protectSystem = protect; $0.privateTmp = tmp; $0.workingDirectory = dir
        }.with(unit: N1.testUnit) { $0.noNewPrivileges = "yes"; $0.protectSystem = "full"; $0.privateTmp = "yes" }
        let result = findings("service.hardening", facts)
        #expect(result.map { RuleSubject($0) } == (lines == nil ? [] : [RuleSubject("service.hardening", "calb-sizingtool@.service", .info)]))
        for line in lines ?? [] { #expect(result.first?.fix.contains("`\(line)`") == true) }
        #expect(result.first.map { $0.fix.contains("systemd-analyze security calb-sizingtool@prod.service") } ?? true)
    }

    @Test func hardeningLeavesPrivateTmpOutWhenNginxReachesASocketInTmp() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.noNewPrivileges = "yes"; $0.protectSystem = "full"; $0.privateTmp = "no" }
            .with(unit: N1.testUnit) { $0.noNewPrivileges = "yes"; $0.protectSystem = "full"; $0.privateTmp = "no" }
            .changing { $0.nginx = NginxFacts(configValid: true, sites: [NginxSite(file: "s", serverNames: ["a.org"], listen: ["80"],
                                                                                      locations: [NginxLocation(path: "/", proxyPass: "http://unix:/tmp/calb.sock", proxySetHeaders: [], line: 1)])]) }
        #expect(findings("service.hardening", facts).isEmpty)
    }
}
