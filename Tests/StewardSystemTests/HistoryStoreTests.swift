import Foundation
import GRDB
import GRDBSQLite
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardSystem

/// The daemon's history store (issue 12, item 2) on a real SQLite file: rollups against a brute-force computation,
/// retention at its boundaries, the size cap, findings, the state database's records, and a writer killed with
/// SIGKILL in the middle of its transactions.
@Suite struct HistoryStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_200)  // a multiple of 5 minutes
    static let hour: TimeInterval = 3600

    static func store(_ tree: TempTree, _ options: HistoryStore.Options = .init()) throws -> HistoryStore {
        try HistoryStore(path: tree.root + "/history/history.db", options: options)
    }

    /// What a bucket should hold, computed straight from the samples (independent of `HistoryStats`).
    struct Expected: Equatable, CustomStringConvertible {
        var runs = 0, failures = 0, unknowns = 0, min = Int64.max, max = Int64.min, sum: Int64 = 0
        var description: String { "runs \(runs) fail \(failures) unk \(unknowns) min \(min) max \(max) sum \(sum)" }
    }

    static func bruteForce(_ samples: [CheckSample], check: String, tier: HistoryTier, before end: Int64) -> [Int64: Expected] {
        var result: [Int64: Expected] = [:]
        for s in samples where s.check == check {
            let at = HistoryTime.ms(s.at), us = HistoryTime.micros(ms: s.latencyMs)
            let bucket = at - at % tier.widthMs
            guard bucket + tier.widthMs <= end else { continue }
            var e = result[bucket] ?? Expected()
            e.runs += 1
            e.failures += s.status == .fail ? 1 : 0
            e.unknowns += s.status == .unknown ? 1 : 0
            e.min = Swift.min(e.min, us)
            e.max = Swift.max(e.max, us)
            e.sum += us
            result[bucket] = e
        }
        return result
    }

    static func stored(_ store: HistoryStore, check: String, tier: HistoryTier) throws -> [Int64: Expected] {
        try store.pool.read { db in
            var result: [Int64: Expected] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.* FROM rollup r JOIN check_key k ON k.id = r.check_id WHERE k.name = ? AND r.tier = ?
                """, arguments: [check, tier.rawValue]) {
                result[row["bucket"]] = Expected(runs: row["runs"], failures: row["failures"], unknowns: row["unknowns"],
                                                 min: row["min_us"], max: row["max_us"], sum: row["sum_us"])
            }
            return result
        }
    }

    static func count(_ store: HistoryStore, _ sql: String) throws -> Int {
        try store.pool.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    static func rolled(_ store: HistoryStore) throws -> [HistoryTier: Int64] {
        try store.pool.read { try HistoryStore.rolledUntil($0) }
    }

    static func sample(_ check: String, _ at: Date, _ status: CheckResult.Status = .pass, _ ms: Double = 12) -> CheckSample {
        CheckSample(check: check, at: at, status: status, latencyMs: ms)
    }

    @Test func rollupsMatchABruteForceComputationOnRandomSamples() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            let store = try Self.store(tree)
            var rng = SplitMix(state: 7)
            let checks = ["a@prod/http", "a@prod/service", "b@prod/tcp"]
            let statuses: [CheckResult.Status] = [.pass, .pass, .pass, .pass, .fail, .unknown]
            var all: [CheckSample] = []
            // Three days in 30-minute rounds; each round records irregular samples, then rolls up, as the daemon would.
            var now = Self.t0
            for _ in 0..<(3 * 48) {
                let batch = (0..<40).map { _ in
                    CheckSample(check: checks.randomElement(using: &rng)!,
                                at: now + Double(Int.random(in: 0..<1_800_000, using: &rng)) / 1000,
                                status: statuses.randomElement(using: &rng)!, latencyMs: Double.random(in: 0..<3000, using: &rng))
                }
                all += batch
                try store.record(batch)
                now += 1800
                try store.rollup(now: now)
            }
            let rolled = try Self.rolled(store)
            let end5 = try #require(rolled[.fiveMinutes]), endHour = try #require(rolled[.hourly]), endDay = try #require(rolled[.daily])
            #expect(end5 == HistoryTime.ms(now - 120) - HistoryTime.ms(now - 120) % 300_000, "rolled up to the last bucket closed before the delay")
            #expect(endHour <= end5 && endDay <= endHour && endDay > HistoryTime.ms(Self.t0))
            for check in checks {
                for (tier, end) in [(HistoryTier.fiveMinutes, end5), (.hourly, endHour), (.daily, endDay)] {
                    let expected = Self.bruteForce(all, check: check, tier: tier, before: end)
                    #expect(try Self.stored(store, check: check, tier: tier) == expected, "\(check) \(tier)")
                }
                // The series is complete up to now at every resolution, the not-yet-rolled tail included.
                for tier in [HistoryTier.fiveMinutes, .hourly, .daily] {
                    let points = try store.series(check: check, from: Self.t0 - 86_400, to: now + 3600, resolution: tier)
                    let expected = Self.bruteForce(all, check: check, tier: tier, before: .max)
                    #expect(points.map(\.startMs) == expected.keys.sorted(), "\(check) \(tier)")
                    for p in points {
                        let e = expected[p.startMs]!
                        #expect(Expected(runs: p.stats.runs, failures: p.stats.failures, unknowns: p.stats.unknowns, min: p.stats.minMicros,
                                         max: p.stats.maxMicros, sum: p.stats.sumMicros) == e, "\(check) \(tier) \(p.startMs)")
                    }
                }
                let raw = try store.series(check: check, from: Self.t0, to: now, resolution: .raw)
                #expect(raw.count == all.filter { $0.check == check }.count)
            }
            // One read for several checks answers each check's own series (checked above against the brute force), with
            // nothing of one check in another's; a check the history never saw is left out.
            for tier in HistoryTier.allCases {
                let from = tier == .raw ? now - 40 * Self.hour : Self.t0 - 86_400
                let grouped = try store.series(checks: checks + ["never seen"], from: from, to: now + 3600, resolution: tier)
                #expect(grouped.keys.sorted() == checks.sorted(), "\(tier)")
                for check in checks {
                    let alone = try store.series(checks: [check], from: from, to: now + 3600, resolution: tier)[check]
                    #expect(grouped[check] == alone && alone?.isEmpty == false, "\(check) \(tier)")
                }
            }
        }
    }

    /// Before each memory trim the daemon gives back SQLite's page caches: the writer's cache is emptied, the idle
    /// reader closed, and the store answers as before.
    @Test func releasingMemoryEmptiesTheCachesAndKeepsTheStore() throws {
        let tree = try TempTree()
        let store = try Self.store(tree)
        let samples = (0..<2000).map { Self.sample("c\($0 % 50)", Self.t0.addingTimeInterval(Double($0))) }
        try store.record(samples)
        func cacheUsed(_ db: Database) -> Int32 {
            var current: Int32 = 0, highest: Int32 = 0
            sqlite3_db_status(db.sqliteConnection, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0)
            return current
        }
        let before = try store.series(check: "c7", from: Self.t0, to: Self.t0.addingTimeInterval(Self.hour), resolution: .raw)
        let written = try store.pool.writeWithoutTransaction { cacheUsed($0) }
        #expect(written > 64 << 10, "the writer caches \(written) bytes")
        store.releaseMemory()
        let released = try store.pool.writeWithoutTransaction { cacheUsed($0) }
        #expect(released < written / 4, "the writer still caches \(released) bytes of \(written)")
        #expect(try store.series(check: "c7", from: Self.t0, to: Self.t0.addingTimeInterval(Self.hour), resolution: .raw) == before)
        #expect(before.count == 40)
    }

    @Test func aRollupRunTwiceOrAfterALateSampleCountsEveryResultOnce() throws {
        let tree = try TempTree()
        let store = try Self.store(tree)
        try store.record((0..<240).map { Self.sample("c", Self.t0 + Double($0) * 30, $0 % 10 == 0 ? .fail : .pass, Double($0)) })
        let now = Self.t0 + 2 * Self.hour
        #expect(try store.rollup(now: now) > 0)
        let before = try Self.stored(store, check: "c", tier: .fiveMinutes)
        #expect(try store.rollup(now: now) == 0, "nothing new closed")
        #expect(try Self.stored(store, check: "c", tier: .fiveMinutes) == before)
        #expect(before.values.map(\.runs).reduce(0, +) == 230, "the last bucket (10 samples) closes 2 minutes after its end")
        // A late result in a bucket already rolled up (5-minute and hourly) is merged at once; the same result
        // recorded again counts once.
        let late = Self.sample("c", Self.t0 + 15, .unknown, 9999)
        try store.record([late])
        try store.record([late])
        let after = try Self.stored(store, check: "c", tier: .fiveMinutes)
        let bucket = HistoryTime.ms(Self.t0)
        #expect(after[bucket]!.runs == before[bucket]!.runs + 1 && after[bucket]!.unknowns == 1 && after[bucket]!.max == 9_999_000)
        // t0 is 10 minutes into its hour: 100 samples of the hour, and the late one.
        #expect(try Self.stored(store, check: "c", tier: .hourly)[HistoryTier.hourly.bucketStart(bucket)]?.runs == 101)
        #expect(try Self.count(store, "SELECT count(*) FROM sample") == 241)
    }

    @Test func retentionKeeps47HoursOfRawRowsDrops49OnlyOnceRolledUp() throws {
        let tree = try TempTree()
        let store = try Self.store(tree)
        let now = Self.t0 + 30 * 86_400
        try store.record([Self.sample("c", now - 49 * Self.hour), Self.sample("c", now - 47 * Self.hour), Self.sample("c", now - 60)])
        // Not rolled up yet: old as it is, nothing goes.
        #expect(try store.enforceRetention(now: now)[.raw] == nil)
        #expect(try Self.count(store, "SELECT count(*) FROM sample") == 3)
        try store.rollup(now: now)
        #expect(try store.enforceRetention(now: now)[.raw] == 1)
        let left = try store.series(check: "c", from: now - 72 * Self.hour, to: now, resolution: .raw).map(\.start)
        #expect(left == [now - 47 * Self.hour, now - 60])
        // The dropped row is still counted in the rollups.
        let day = try store.series(check: "c", from: now - 72 * Self.hour, to: now, resolution: .daily)
        #expect(day.map(\.stats.runs).reduce(0, +) == 3)

        // 5-minute rollups: 29 days kept, 31 days dropped once the hourly tier counts them.
        let old = Self.t0
        let tree2 = try TempTree()
        let store2 = try Self.store(tree2)
        try store2.record([Self.sample("c", old), Self.sample("c", old + 2 * 86_400)])
        try store2.rollup(now: old + 10 * 60)  // 5-minute bucket of `old` closed; its hour not yet
        let first = try store2.enforceRetention(now: old + 31 * 86_400)
        #expect(first[.fiveMinutes] == nil && first[.raw] == 1, "the 5-minute row is not in the hourly tier yet: \(first)")
        try store2.rollup(now: old + 3 * 86_400)
        let deleted = try store2.enforceRetention(now: old + 31 * 86_400)
        #expect(deleted[.fiveMinutes] == 1 && deleted[.raw] == 1, "\(deleted)")
        #expect(try Self.stored(store2, check: "c", tier: .fiveMinutes).keys.sorted() == [HistoryTime.ms(old + 2 * 86_400)])
        #expect(try Self.stored(store2, check: "c", tier: .hourly).values.map(\.runs).reduce(0, +) == 2)
    }

    @Test func theSizeCapKeepsTheNewestRawRowsAndTheFileUnderTheCap() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            let cap: Int64 = 1 << 20
            let store = try Self.store(tree, .init(sizeCapBytes: cap))
            // 20 checks every 30 s for 2 days: about 4 MiB.
            let checks = (0..<20).map { "app@prod/check-\($0)" }
            for round in 0..<5760 where round % 60 == 0 {
                try store.record((round..<(round + 60)).flatMap { i in checks.map { Self.sample($0, Self.t0 + Double(i) * 30, .pass, Double(i % 500)) } })
            }
            try store.rollup(now: Self.t0 + 48 * Self.hour)
            let rollups = try Self.count(store, "SELECT count(*) FROM rollup")
            let before = try store.sizeBytes()
            #expect(before > 2 * cap)
            let result = try store.enforceSizeCap()
            #expect(result.underCap && result.sizeAfter <= cap && result.sizeBefore == before)
            #expect(result.deleted.keys.sorted() == [.raw], "raw rows go first: \(result.deleted)")
            #expect(try Self.count(store, "SELECT count(*) FROM rollup") == rollups)
            let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
            #expect((attributes[.size] as! Int64) <= cap, "the file itself shrank")
            #expect(((try? FileManager.default.attributesOfItem(atPath: store.path + "-wal")[.size] as? Int64) ?? 0) == 0)
            // The newest rows stayed, the oldest went, and each check kept the same span.
            let newest = Self.t0 + Double(5759) * 30
            for check in checks {
                let raw = try store.series(check: check, from: Self.t0, to: newest + 1, resolution: .raw)
                #expect(raw.last?.start == newest && raw.count < 5760 && raw.count > 1000, "\(check): \(raw.count)")
            }
            // Under the cap, nothing more goes.
            #expect(try store.enforceSizeCap().deleted.isEmpty)
        }
    }

    @Test func findingsOpenAreSeenAgainResolveAndComeBackAsANewStretch() throws {
        let tree = try TempTree()
        let store = try Self.store(tree)
        func finding(_ rule: String, _ subject: String, _ severity: Severity = .warning, _ summary: String = "s") -> Finding {
            Finding(rule: rule, severity: severity, subject: subject, summary: summary, evidence: ["e"], fix: "f")
        }
        let t1 = Self.t0, t2 = t1 + 600, t3 = t2 + 600, t4 = t3 + 600
        var changes = try store.recordFindings(runAt: t1, findings: [finding("git.dirty", "/srv/a"), finding("tls.expiry", "a.pem", .critical)])
        #expect(changes.opened.count == 2 && changes.resolved.isEmpty)
        // Seen again (severity and text follow the latest run), one resolved, one new on another subject.
        changes = try store.recordFindings(runAt: t2, findings: [finding("git.dirty", "/srv/a", .critical, "now worse"), finding("git.dirty", "/srv/b")])
        #expect(changes.opened.map(\.subject) == ["/srv/b"] && changes.resolved.map(\.rule) == ["tls.expiry"])
        #expect(changes.resolved.first?.resolvedAt == t2 && changes.resolved.first?.firstSeen == t1)
        let open = try store.openFindings()
        #expect(open.map(\.subject) == ["/srv/a", "/srv/b"], "the critical one first")
        #expect(open[0].firstSeen == t1 && open[0].lastSeen == t2 && open[0].severity == .critical && open[0].summary == "now worse")
        // The same run recorded twice changes nothing.
        #expect(try store.recordFindings(runAt: t2, findings: [finding("git.dirty", "/srv/a", .critical, "now worse"), finding("git.dirty", "/srv/b")])
                == .init(opened: [], resolved: []))
        // It comes back: a new stretch, the old one stays resolved.
        changes = try store.recordFindings(runAt: t3, findings: [finding("tls.expiry", "a.pem", .critical)])
        #expect(changes.opened.map(\.rule) == ["tls.expiry"] && changes.resolved.count == 2)
        try store.recordFindings(runAt: t4, findings: [])
        let stretches = try store.findingHistory(rule: "tls.expiry", subject: "a.pem")
        #expect(stretches.map(\.firstSeen) == [t1, t3] && stretches.map(\.resolvedAt) == [t2, t4])
        #expect(try store.openFindings().isEmpty)
    }

    @Test func deploysAndBackupsAreImportedByTheirStateIdsAgainAndAgain() throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let store = try Self.store(tree)
        var deploy = try state.insertDeploy(DeployRecord(app: "chip", instance: "prod", ref: "v1.4.2", commit: "abc123", strategy: .releases,
                                                         release: "/srv/chip/releases/1", user: "alice", startedAt: Self.t0, pid: 1, host: "h"))
        let backup = try state.insert(BackupRecord(app: "chip", instance: "prod", source: "db", kind: .sqlite, path: "/b/1", createdAt: Self.t0,
                                                   sizeBytes: 10, sha256: "ab", durationMs: 5, contents: BackupContents(), reason: "pre-deploy"))
        #expect(try store.importState(state, now: Self.t0 + 60) == .init(deploys: 1, backups: 1, removedBackups: 0))
        #expect(try store.importState(state, now: Self.t0 + 120) == .init(deploys: 0, backups: 0, removedBackups: 0), "idempotent")
        // The running deploy finishes; the backup is verified, then pruned.
        deploy.status = .succeeded
        deploy.finishedAt = Self.t0 + 90
        try state.updateDeploy(deploy)
        try state.addVerification(Verification(at: Self.t0 + 100, passed: true, durationMs: 3, message: "ok"), backup: backup.id)
        #expect(try store.importState(state, now: Self.t0 + 180) == .init(deploys: 1, backups: 1, removedBackups: 0))
        let marks = try store.deploys(app: "chip", instance: "prod", from: Self.t0 - 1, to: Self.t0 + 1)
        #expect(marks.map(\.id) == [deploy.id] && marks[0].status == "succeeded" && marks[0].finishedAt == Self.t0 + 90 && marks[0].ref == "v1.4.2")
        #expect(try store.backups(app: "chip").first?.verifiedAt == Self.t0 + 100)
        try state.delete(id: backup.id)
        #expect(try store.importState(state, now: Self.t0 + 240).removedBackups == 1)
        #expect(try store.backups().map(\.removedAt) == [Self.t0 + 240])
        #expect(try store.deploys(from: Self.t0 + 1, to: Self.t0 + 3600).isEmpty)
        #expect(try store.keptBackups().isEmpty, "a pruned backup is not kept")
    }

    /// What an overview reads: per instance, its newest deploy and its newest that succeeded, not every deploy since
    /// the first; and the backups still in the catalog.
    @Test func theLatestDeploysAreTheNewestAndTheNewestSucceededPerInstance() throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let store = try Self.store(tree)
        func deploy(_ instance: String, _ ref: String, _ at: TimeInterval, _ status: DeployStatus) throws -> Int64 {
            var d = try state.insertDeploy(DeployRecord(app: "chip", instance: instance, ref: ref, commit: "c" + ref, strategy: .releases,
                                                        release: "/srv/chip/releases/" + ref, user: "alice", startedAt: Self.t0 + at, pid: 1, host: "h"))
            d.status = status
            d.finishedAt = Self.t0 + at + 10
            try state.updateDeploy(d)
            return d.id
        }
        _ = try deploy("prod", "v1", 0, .succeeded)
        let v2 = try deploy("prod", "v2", 100, .succeeded)
        let v3 = try deploy("prod", "v3", 200, .rolledBack)
        _ = try deploy("staging", "v1", 50, .succeeded)
        let s2 = try deploy("staging", "v2", 300, .succeeded)
        let kept = try state.insert(BackupRecord(app: "chip", instance: "prod", source: "db", kind: .sqlite, path: "/b/2", createdAt: Self.t0,
                                                 sizeBytes: 10, sha256: "ab", durationMs: 5, contents: BackupContents(), reason: "manual"))
        let pruned = try state.insert(BackupRecord(app: "chip", instance: "prod", source: "db", kind: .sqlite, path: "/b/1", createdAt: Self.t0 - 9,
                                                   sizeBytes: 10, sha256: "ab", durationMs: 5, contents: BackupContents(), reason: "manual"))
        try store.importState(state, now: Self.t0 + 400)
        try state.delete(id: pruned.id)
        try store.importState(state, now: Self.t0 + 500)
        #expect(try store.latestDeploys().map(\.id) == [v2, v3, s2], "oldest first")
        #expect(try store.latestDeploys(app: "chip", instance: "prod").map(\.ref) == ["v2", "v3"])
        #expect(try store.latestDeploys(app: "chip", instance: "staging").map(\.id) == [s2], "one row when the newest succeeded")
        #expect(try store.latestDeploys(app: "other").isEmpty)
        #expect(try store.keptBackups(app: "chip", instance: "prod").map(\.id) == [kept.id])
        #expect(try store.backups(app: "chip", instance: "prod").count == 2, "the pruned one is still in the history")
    }

    final class Errors: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [String] = []
        func add(_ error: any Error) { lock.withLock { errors.append("\(error)") } }
        var all: [String] { lock.withLock { errors } }
    }

    @Test func threadsWriteAndReadOneStoreAtOnce() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            let store = try Self.store(tree)
            let errors = Errors()
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for round in 0..<20 {
                    do {
                        if worker % 2 == 0 {
                            try store.record((0..<10).map { Self.sample("w\(worker)", Self.t0 + Double(round * 10 + $0) * 30) })
                        } else {
                            _ = try store.series(check: "w\(worker - 1)", from: Self.t0, to: Self.t0 + 86_400, resolution: .fiveMinutes)
                            try store.rollup(now: Self.t0 + Double(round) * 300)
                        }
                    } catch { errors.add(error) }
                }
            }
            #expect(errors.all.isEmpty, "\(errors.all)")
            for worker in stride(from: 0, to: 8, by: 2) {
                let points = try store.series(check: "w\(worker)", from: Self.t0, to: Self.t0 + 86_400, resolution: .hourly)
                #expect(points.map(\.stats.runs).reduce(0, +) == 200, "w\(worker)")
            }
        }
    }

    @Test func theFileIsPrivateInWALModeWithIncrementalVacuum() throws {
        let tree = try TempTree()
        let store = try Self.store(tree)
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as! Int
        #expect(mode == 0o600)
        #expect(try store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "PRAGMA auto_vacuum") } == 2)
        #expect(try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }

    // MARK: - kill -9

    static let killEnvironment = "STEWARD_HISTORY_KILL_WRITER"
    static let checksPerInterval = 20, intervalsPerBatch = 50

    /// A writer killed with SIGKILL, four times, at a random moment of a loop that spends most of its time inside
    /// transactions (1,000-row batches, each followed by a rollup): the rows of every batch it acknowledged are
    /// there, no batch is there in part, the rollups count every row once, and the store opens and writes again.
    /// The writer is this test bundle run again with a filter naming ``killWriterChild()`` and the database's path in
    /// the environment: a real process killed for real, with nothing but this bundle needed.
    @Test func aWriterKilledMidWriteLosesNothingCommitted() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            let path = tree.root + "/history/history.db"
            let bundle = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            var intervals = 0
            var killedMidWrite = 0
            for round in 0..<4 {
                let progress = tree.root + "/progress-\(round)"
                FileManager.default.createFile(atPath: progress, contents: nil)
                let child = Process()
                child.executableURL = URL(fileURLWithPath: bundle)
                child.arguments = ["--testing-library", "swift-testing", "--filter", "killWriterChild"]
                child.environment = ProcessInfo.processInfo.environment.merging(
                    [Self.killEnvironment: "\(path)|\(progress)|\(intervals)"]) { $1 }
                child.standardOutput = FileHandle.nullDevice
                child.standardError = FileHandle.nullDevice
                try child.run()
                var lines: [Substring] = []
                let deadline = Date() + 60
                while lines.filter({ $0.hasPrefix("done") }).count < 3 + round, Date() < deadline, child.isRunning {
                    usleep(10_000)
                    lines = (try String(contentsOfFile: progress, encoding: .utf8)).split(separator: "\n")
                }
                usleep(UInt32.random(in: 0...40_000))
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                #expect(child.terminationReason == .uncaughtSignal, "the writer ended by itself: \(child.terminationStatus)")
                lines = (try String(contentsOfFile: progress, encoding: .utf8)).split(separator: "\n")
                let done = lines.filter { $0.hasPrefix("done") }.count, begun = lines.filter { $0.hasPrefix("begin") }.count
                if lines.last?.hasPrefix("begin") == true { killedMidWrite += 1 }

                let store = try HistoryStore(path: path)
                #expect(try store.pool.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
                let rows = try Self.count(store, "SELECT count(*) FROM sample WHERE at >= \(HistoryTime.ms(Self.t0))")
                let batchRows = Self.checksPerInterval * Self.intervalsPerBatch
                #expect(rows % batchRows == 0, "a batch is there in part: \(rows) rows")
                #expect(rows >= (intervals + done * Self.intervalsPerBatch) * Self.checksPerInterval, "an acknowledged batch is lost")
                #expect(rows <= (intervals + begun * Self.intervalsPerBatch) * Self.checksPerInterval)
                #expect(try Self.count(store, "SELECT count(*) FROM (SELECT at FROM sample WHERE at >= \(HistoryTime.ms(Self.t0)) GROUP BY at HAVING count(*) != 20)") == 0)
                intervals = rows / Self.checksPerInterval
                // Rolled up, or not yet: each row counted once, before and after a rollup run again.
                for now in [nil, Self.t0 + Double(intervals) * 30 + 3600] {
                    if let now { try store.rollup(now: now) }
                    let until = try Self.rolled(store)[.fiveMinutes] ?? 0
                    let counted = try Self.count(store, "SELECT coalesce(sum(runs), 0) FROM rollup WHERE tier = 1 AND bucket >= \(HistoryTime.ms(Self.t0))")
                        + Self.count(store, "SELECT count(*) FROM sample WHERE at >= \(until)")
                    #expect(counted == rows, "rows counted \(counted) of \(rows)")
                }
                // It writes again (a day before the writer's rows: the counts above leave it out).
                try store.record([Self.sample("after-\(round)", Self.t0 - 86_400)])
            }
            #expect(killedMidWrite > 0, "no kill landed inside a write in 4 rounds")
        }
    }

    /// The writer of ``aWriterKilledMidWriteLosesNothingCommitted()``; does nothing in a normal run.
    @Test func killWriterChild() throws {
        guard let spec = ProcessInfo.processInfo.environment[Self.killEnvironment] else { return }
        let parts = spec.split(separator: "|").map(String.init)
        let store = try HistoryStore(path: parts[0])
        let progress = try #require(FileHandle(forWritingAtPath: parts[1]))
        var interval = Int(parts[2])!
        for batch in 0... {
            progress.write(Data("begin \(batch)\n".utf8))
            var samples: [CheckSample] = []
            for i in interval..<(interval + Self.intervalsPerBatch) {
                let at = Self.t0 + Double(i) * 30
                for c in 0..<Self.checksPerInterval {
                    samples.append(Self.sample("check-\(c)", at, i % 7 == 0 ? .fail : .pass, Double(i % 300)))
                }
            }
            try store.record(samples)
            progress.write(Data("done \(batch)\n".utf8))
            interval += Self.intervalsPerBatch
            try store.rollup(now: Self.t0 + Double(interval) * 30)
        }
    }
}
