import Testing
@testable import StewardCore

@Suite("Data store rules: SQLite, Redis, PostgreSQL")
struct DataStoreRuleTests {
    static let db = "/opt/racklab/prod/racklab.db"

    static func sqlite(size: Int64 = 10 * MiB, wal: Int64? = nil, walMode: Bool? = true, unreadable: String? = nil) -> Facts {
        n1Facts().changing {
            $0.dataStores = DataStoreFacts(sqlite: [SQLiteFileFacts(path: db, usedBy: ["racklab@prod"], exists: true, sizeBytes: size,
                                                                    walBytes: wal, walMode: walMode, unreadableReason: unreadable)])
        }
    }

    @Test("db.sqlite-not-wal", arguments: [(Bool?.some(false), true), (true, false), (nil, false)])
    func notWAL(walMode: Bool?, fires: Bool) {
        #expect(findings("db.sqlite-not-wal", Self.sqlite(walMode: walMode)).map { RuleSubject($0) }
            == (fires ? [RuleSubject("db.sqlite-not-wal", Self.db, .warning)] : []))
    }

    @Test func unreadableDatabaseIsNotJudged() {
        #expect(findings("db.sqlite-not-wal", Self.sqlite(walMode: false, unreadable: "permission denied")).isEmpty)
    }

    @Test("db.sqlite-size: seed 002's 1 GiB and 2 GiB", arguments: [
        (Int64(900) * MiB, Int64?.none, Severity?.none), (1024 * MiB, nil, .warning), (1900 * MiB, 200 * MiB, .critical), (3 * 1024 * MiB, nil, .critical),
    ] as [(Int64, Int64?, Severity?)])
    func size(size: Int64, wal: Int64?, severity: Severity?) {
        #expect(findings("db.sqlite-size", Self.sqlite(size: size, wal: wal)).map { RuleSubject($0) }
            == (severity.map { [RuleSubject("db.sqlite-size", Self.db, $0)] } ?? []))
    }

    @Test("db.sqlite-wal-growth: larger than the database and 64 MiB", arguments: [
        (Int64(10) * MiB, Int64?.some(70 * MiB), true), (10 * MiB, 30 * MiB, false), (500 * MiB, 200 * MiB, false), (10 * MiB, nil, false),
    ] as [(Int64, Int64?, Bool)])
    func walGrowth(size: Int64, wal: Int64?, fires: Bool) {
        #expect(findings("db.sqlite-wal-growth", Self.sqlite(size: size, wal: wal)).map { RuleSubject($0) }
            == (fires ? [RuleSubject("db.sqlite-wal-growth", Self.db, .warning)] : []))
    }

    @Test("db.sqlite-fallback: USE_SQLITE in production", arguments: [("1", true), ("True", true), ("0", false)])
    func fallback(value: String, fires: Bool) {
        let facts = n1Facts().with(envFile: N1.prodEnv) { $0.keys.append("USE_SQLITE"); $0.values["USE_SQLITE"] = Secret(value) }
        #expect(findings("db.sqlite-fallback", facts).map { RuleSubject($0) }
            == (fires ? [RuleSubject("db.sqlite-fallback", "calb-sizingtool@prod", .warning)] : []))
        let test = n1Facts().with(envFile: N1.testEnv) { $0.keys.append("USE_SQLITE"); $0.values["USE_SQLITE"] = Secret(value) }
        #expect(findings("db.sqlite-fallback", test).isEmpty)
    }

    static func redis(_ endpoints: [String], open: Bool?, usedBy: [String] = ["marb@prod"]) -> Facts {
        Facts(dataStores: DataStoreFacts(redis: [RedisFacts(endpoints: endpoints, port: 6379, answersWithoutPassword: open,
                                                            unknownReason: open == nil ? "timed out" : nil, usedBy: usedBy)]))
    }

    @Test("db.redis-public-bind: critical when also open", arguments: [
        (["0.0.0.0:6379"], Bool?.some(true), Severity?.some(.critical)), (["0.0.0.0:6379"], false, .warning), (["[::]:6379"], nil, .warning),
        (["127.0.0.1:6379", "[::1]:6379"], true, nil), (["10.0.0.5:6379"], false, .warning),
    ] as [([String], Bool?, Severity?)])
    func redisBind(endpoints: [String], open: Bool?, severity: Severity?) {
        #expect(findings("db.redis-public-bind", Self.redis(endpoints, open: open)).map { RuleSubject($0) }
            == (severity.map { [RuleSubject("db.redis-public-bind", "redis:6379", $0)] } ?? []))
    }

    @Test("db.redis-no-password: only while an app uses it", arguments: [
        (Bool?.some(true), ["marb@prod"], true), (true, [], false), (false, ["marb@prod"], false), (nil, ["marb@prod"], false),
    ] as [(Bool?, [String], Bool)])
    func redisPassword(open: Bool?, usedBy: [String], fires: Bool) {
        #expect(findings("db.redis-no-password", Self.redis(["127.0.0.1:6379"], open: open, usedBy: usedBy)).map { RuleSubject($0) }
            == (fires ? [RuleSubject("db.redis-no-password", "redis:6379", .warning)] : []))
    }

    @Test("db.postgres-public-bind", arguments: [("0.0.0.0", true), ("::", true), ("192.0.2.4", true), ("127.0.0.1", false), ("::1", false)])
    func postgresBind(address: String, fires: Bool) {
        let facts = Facts(sockets: [ListeningSocket(proto: address.contains(":") ? .tcp6 : .tcp, address: address, port: 5432, pid: 90, process: "postgres")])
        #expect(findings("db.postgres-public-bind", facts).map { RuleSubject($0) }
            == (fires ? [RuleSubject("db.postgres-public-bind", "postgresql:5432", .warning)] : []))
    }

    @Test func postgresTrustLinesAreCritical() {
        let hba = "/etc/postgresql/15/main/pg_hba.conf"
        let facts = Facts(dataStores: DataStoreFacts(postgres: PostgresConfigFacts(hbaFiles: [hba], trustLines: ["\(hba):98: host all all 0.0.0.0/0 trust"])))
        #expect(findings("db.postgres-trust-auth", facts).map { RuleSubject($0) } == [RuleSubject("db.postgres-trust-auth", hba, .critical)])
        #expect(findings("db.postgres-trust-auth", Facts(dataStores: DataStoreFacts(postgres: PostgresConfigFacts(hbaFiles: [hba])))).isEmpty)
    }
}
