import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The check runner with real processes and files: retries, timeouts, the deadline, and real SQLite files.
@Suite struct CheckRunnerTests {
    func run(_ specs: [CheckSpec], root: String = "/", deadline: Duration = .seconds(10)) async -> CheckReport {
        await CheckRunner(context: ProbeContext(files: HostFiles(root: root)), maxParallel: 4, deadline: deadline).run(specs)
    }

    @Test func aFlakyCheckIsRetriedWithBackoffUntilItPasses() async throws {
        let t = try TempTree()
        let marker = t.root + "/seen"
        // Fails the first time (creating the marker), passes the second.
        let spec = CheckSpec(id: "flaky", kind: .command(CommandExpectation(argv: ["/bin/sh", "-c", "test -f \(marker) || { touch \(marker); exit 1; }"])),
                             retries: 2, retryDelayMs: 50)
        let result = try #require(await run([spec]).results.first)
        #expect(result.status == .pass && result.attempts == 2)
        let noRetry = try #require(await run([CheckSpec(id: "once", kind: .command(CommandExpectation(argv: ["/bin/false"])))]).results.first)
        #expect(noRetry.status == .fail && noRetry.attempts == 1 && noRetry.message == "/bin/false exited 1")
    }

    @Test func aSlowCheckTimesOutAsUnknown() async throws {
        let spec = CheckSpec(id: "slow", kind: .command(CommandExpectation(argv: ["/bin/sleep", "5"])), timeoutMs: 200)
        let start = ContinuousClock.now
        let report = await run([spec])
        #expect(ContinuousClock.now - start < .seconds(3))
        let result = try #require(report.results.first)
        #expect(result.status == .unknown)
        #expect(report.exitCode == 3)
    }

    @Test func theTotalDeadlineStopsTheRun() async throws {
        let specs = (0..<6).map { CheckSpec(id: "s\($0)", kind: .command(CommandExpectation(argv: ["/bin/sleep", "3"])), timeoutMs: 5000) }
        let start = ContinuousClock.now
        let report = await run(specs, deadline: .milliseconds(400))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(report.results.count == 6)
        #expect(report.results.allSatisfy { $0.status == .unknown })
        #expect(report.deadlineExceeded && report.exitCode == 3)
    }

    @Test func resultsKeepDeclarationOrderWhateverFinishesFirst() async throws {
        let specs = [
            CheckSpec(id: "late", kind: .command(CommandExpectation(argv: ["/bin/sleep", "0.3"]))),
            CheckSpec(id: "early", kind: .command(CommandExpectation(argv: ["/bin/true"]))),
        ]
        #expect(await run(specs).results.map(\.id) == ["late", "early"])
    }

    @Test func fileChecksReadThroughTheRootAndNeverQuoteContent() async throws {
        let t = try TempTree()
        try t.write("/etc/app/prod.env", "SECRET_KEY=canary-value-123\n", mode: 0o640)
        let report = await run([CheckSpec(id: "env", kind: .file(FileExpectation(path: "/etc/app/prod.env", mode: 0o600, contains: ["DEBUG="])))], root: t.root)
        let result = try #require(report.results.first)
        #expect(result.status == .fail && result.found == "0640, not found")
        #expect(!JSONRenderer.render(report).contains("canary-value-123"))
    }

    @Test func aSecretReferenceThatDoesNotResolveIsUnknownAndNamesOnlyTheKey() async throws {
        let t = try TempTree()
        try t.write("/etc/app/prod.env", "OTHER=x\n", mode: 0o600)
        let spec = CheckSpec(id: "db", kind: .postgres(PostgresExpectation(dsn: SecretRef(file: "/etc/app/prod.env", key: "DATABASE_URL"))))
        let result = try #require(await run([spec], root: t.root).results.first)
        #expect(result.status == .unknown && result.message == "/etc/app/prod.env has no DATABASE_URL")
    }

    @Test func tcpRefusedIsAFailure() async throws {
        // Port 1 on loopback: nothing listens there.
        let result = try #require(await run([CheckSpec(id: "tcp", kind: .tcp(TCPExpectation(host: "127.0.0.1", port: 1)))]).results.first)
        #expect(result.status == .fail && result.message.contains("Connection refused"))
    }

    // Every timeout holds against peers that never answer (real sockets, a real hung mount). The checks wait on NIO's
    // event loops and on threads of their own, not on Swift's cooperative pool (two threads here): eight of them
    // at once end together, where eight blocking waits took turns, two at a time (four rounds: 2 s).

    @Test func tcpChecksToAListenerWhoseBacklogIsFullEndWithinTheirTimeout() async throws {
        let (fds, port) = try SilentPeers.fullBacklog()
        defer { fds.forEach { close($0) } }
        let specs = (0..<8).map { CheckSpec(id: "t\($0)", kind: .tcp(TCPExpectation(host: "127.0.0.1", port: port)), timeoutMs: 500) }
        let start = ContinuousClock.now
        let report = await CheckRunner(maxParallel: 8).run(specs)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .milliseconds(500 + 700), "eight 500 ms checks at once took \(elapsed)")
        for r in report.results { #expect(r.status != .pass && r.message.contains("timed out"), "\(r.id): \(r.status) \(r.message)") }
    }

    @Test func redisChecksAgainstAServerThatNeverAnswersEndWithinTheirTimeout() async throws {
        let (fd, port) = try SilentPeers.listener()
        defer { close(fd) }
        let specs = (0..<8).map { CheckSpec(id: "r\($0)", kind: .redis(RedisExpectation(host: "127.0.0.1", port: port)), timeoutMs: 500) }
        let start = ContinuousClock.now
        let report = await CheckRunner(maxParallel: 8).run(specs)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .milliseconds(500 + 700), "eight 500 ms checks at once took \(elapsed)")
        for r in report.results { #expect(r.status == .unknown && r.message.contains("timed out"), "\(r.id): \(r.status) \(r.message)") }
    }

    @Test func diskChecksOnOneFilesystemAtOnceAllAnswer() async throws {
        // Calls running side by side are not mistaken for a hung one.
        let specs = (0..<6).map { CheckSpec(id: "d\($0)", kind: .disk(DiskExpectation(path: "/", warningPercent: 100, criticalPercent: 100))) }
        let report = await CheckRunner(maxParallel: 6).run(specs)
        #expect(report.results.allSatisfy { $0.status == .pass }, "\(report.results.map(\.message))")
    }

    /// A hung mount holds a thread of the blocking-call pool until the test ends it: tests that make one run one
    /// at a time, so they do not take each other's threads.
    @Suite(.serialized) struct HungMounts {
        @Test(.enabled(if: SilentPeers.HungMount.possible, "needs root and /dev/fuse"), .timeLimit(.minutes(1)))
        func aDiskCheckOnAHungMountEndsWithinItsTimeoutAndSaysWhy() async throws {
            let mount = try SilentPeers.HungMount()
            defer { mount.end() }
            let spec = CheckSpec(id: "disk", kind: .disk(DiskExpectation(path: mount.path)), timeoutMs: 1000)
            let start = ContinuousClock.now
            let result = try #require(await CheckRunner().run([spec]).results.first)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .milliseconds(1000 + 400), "took \(elapsed)")
            #expect(result.status == .unknown && result.message == "statvfs of \(mount.path) did not answer within 0.9 s", "\(result.message)")
        }

        @Test(.enabled(if: SilentPeers.HungMount.possible, "needs root and /dev/fuse"), .timeLimit(.minutes(1)))
        func aFileCheckOnAHungMountEndsWithinItsTimeout() async throws {
            let mount = try SilentPeers.HungMount()
            defer { mount.end() }
            let spec = CheckSpec(id: "file", kind: .file(FileExpectation(path: mount.path + "/app.env")), timeoutMs: 500)
            let start = ContinuousClock.now
            let result = try #require(await CheckRunner().run([spec]).results.first)
            #expect(ContinuousClock.now - start < .milliseconds(500 + 400))
            #expect(result.status == .unknown && result.message == "stat of \(mount.path)/app.env did not answer within 0.5 s", "\(result.message)")
        }

        @Test(.enabled(if: SilentPeers.HungMount.possible, "needs root and /dev/fuse"), .timeLimit(.minutes(1)))
        func theFilesystemsProbeTellsTheOthersAndNamesTheHungMount() async throws {
            let mount = try SilentPeers.HungMount()
            defer { mount.end() }
            let start = ContinuousClock.now
            let (filesystems, unanswered) = try await HostProbe.filesystems(HostFiles(), holding: [mount.path], timeout: .milliseconds(300))
            #expect(ContinuousClock.now - start < .milliseconds(300 + 300))
            #expect(filesystems.map(\.mountPoint) == ["/"] && unanswered == [mount.path])
            // The first call's thread is still blocked: the next one does not start another, and answers at once.
            let again = ContinuousClock.now
            let (_, stillUnanswered) = try await HostProbe.filesystems(HostFiles(), holding: [mount.path], timeout: .seconds(5))
            #expect(ContinuousClock.now - again < .milliseconds(200) && stillUnanswered == [mount.path])

            // In the audit: the probe is unknown with the reason, and `/` is still in the host's facts.
            let unit = UnitFacts(name: "app.service", workingDirectory: mount.path, execStart: ["/usr/bin/app"], fragmentPath: "/etc/systemd/system/app.service")
            var audit = Audit(context: ProbeContext(commandTimeout: .milliseconds(300)))
            audit.probes = [AuditProbe("host") { _ in { $0.host = HostFacts() } }, AuditProbe("systemd") { _ in { $0.units = [unit] } }]
                + AuditProbe.all.filter { $0.name == "filesystems" }
            let (facts, reports) = await audit.gather()
            let report = try #require(reports.first { $0.name == "filesystems" })
            #expect(report.status == .unknown && report.reason == "statvfs of \(mount.path) did not answer within 0.3 s", "\(report)")
            #expect(facts.host?.filesystems.map(\.mountPoint) == ["/"])
        }

        /// Many paths on one dead mount hold at most ``BlockingCall/perMount`` threads of the pool, not one each: a
        /// call on a mount that answers still gets a thread (with a thread per path, the first four would have held
        /// the whole pool for good).
        @Test(.enabled(if: SilentPeers.HungMount.possible, "needs root and /dev/fuse"), .timeLimit(.minutes(1)))
        func oneDeadMountHoldsAtMostTwoThreadsOfThePool() async throws {
            let mount = try SilentPeers.HungMount()
            defer { mount.end() }
            let dead = mount.path
            let answers = await withTaskGroup(of: Bool?.self) { group in
                for i in 0..<6 { group.addTask { await BlockingCall.run(on: dead + "/dir\(i)", timeout: .milliseconds(200)) { access(dead + "/dir\(i)", F_OK) == 0 } } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0 == nil })
            let healthy = await BlockingCall.run(on: "/proc/self", timeout: .seconds(2)) { access("/proc/self/status", F_OK) == 0 }
            #expect(healthy == true, "a call on a mount that answers got no thread")
        }

        /// An app whose directory and env file sit on a mount that stopped answering: the audit's appdirs and envfiles
        /// probes end within the command timeout, say which path did not answer, and keep what did.
        @Test(.enabled(if: SilentPeers.HungMount.possible, "needs root and /dev/fuse"), .timeLimit(.minutes(1)))
        func theAppDirAndEnvFileProbesEndOnAHungMount() async throws {
            let mount = try SilentPeers.HungMount()
            defer { mount.end() }
            let t = try TempTree()
            try t.mkdir("/srv/ok")
            try t.write("/etc/ok.env", "A=1\n")
            let hung = UnitFacts(name: "hung.service", workingDirectory: mount.path, environmentFiles: [EnvironmentFileRef(path: mount.path + "/app.env", optional: false)],
                                 execStart: ["/usr/bin/app"], fragmentPath: "/etc/systemd/system/hung.service")
            let fine = UnitFacts(name: "ok.service", workingDirectory: t.root + "/srv/ok", environmentFiles: [EnvironmentFileRef(path: t.root + "/etc/ok.env", optional: false)],
                                 execStart: ["/usr/bin/app"], fragmentPath: "/etc/systemd/system/ok.service")
            var audit = Audit(context: ProbeContext(commandTimeout: .milliseconds(300)))
            audit.probes = [AuditProbe("systemd") { _ in { $0.units = [hung, fine] } }]
                + AuditProbe.all.filter { ["appdirs", "envfiles"].contains($0.name) }
            let start = ContinuousClock.now
            let (facts, reports) = await audit.gather()
            #expect(ContinuousClock.now - start < .milliseconds(300 + 500), "took \(ContinuousClock.now - start)")
            let appdirs = try #require(reports.first { $0.name == "appdirs" })
            #expect(appdirs.status == .unknown && appdirs.reason == "\(mount.path) did not answer within 0.3 s", "\(appdirs)")
            #expect(facts.appDirs.map(\.path) == [t.root + "/srv/ok"])
            let envfiles = try #require(reports.first { $0.name == "envfiles" })
            #expect(envfiles.status == .unknown && envfiles.reason == "\(mount.path)/app.env did not answer within 0.3 s", "\(envfiles)")
            let envFiles = Dictionary(uniqueKeysWithValues: facts.envFiles.map { ($0.path, $0) })
            #expect(envFiles[mount.path + "/app.env"]?.unreadableReason == "\(mount.path)/app.env: did not answer within 0.3 s")
            #expect(envFiles[t.root + "/etc/ok.env"]?.keys == ["A"])
        }
    }
}

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs sqlite3 (installed by .ci/run)"))
struct SQLiteCheckTests {
    func database(wal: Bool) throws -> TempTree {
        let t = try TempTree()
        try t.mkdir("/data")
        let sql = (wal ? "PRAGMA journal_mode=WAL;" : "") + "CREATE TABLE racks(id INTEGER PRIMARY KEY, name TEXT);"
            + "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<2000) INSERT INTO racks(name) SELECT printf('rack-%05d-%s', i, hex(randomblob(20))) FROM n;"
        try #require(try t.sh(["sqlite3", t.root + "/data/racklab.db", sql]) == 0)
        return t
    }

    func check(_ e: SQLiteExpectation, _ t: TempTree) async throws -> CheckResult {
        try #require(await CheckRunner(context: ProbeContext(files: HostFiles(root: t.root))).run([CheckSpec(id: "db", kind: .sqlite(e))]).results.first)
    }

    @Test func healthyWalDatabasePasses() async throws {
        let t = try database(wal: true)
        let r = try await check(SQLiteExpectation(path: "/data/racklab.db", quickCheck: true, journalMode: "wal"), t)
        #expect(r.status == .pass, "\(r.message)")
    }

    @Test func rollbackJournalIsFlaggedWhenWalIsExpected() async throws {
        let t = try database(wal: false)
        let r = try await check(SQLiteExpectation(path: "/data/racklab.db", journalMode: "wal"), t)
        #expect(r.status == .fail && r.severity == .warning && r.found == "delete")
    }

    @Test func sizeThresholds() async throws {
        let t = try database(wal: false)
        let r = try await check(SQLiteExpectation(path: "/data/racklab.db", quickCheck: false, warningBytes: 10_000, criticalBytes: 10_000_000), t)
        #expect(r.status == .fail && r.severity == .warning)
        let c = try await check(SQLiteExpectation(path: "/data/racklab.db", quickCheck: false, warningBytes: 1_000, criticalBytes: 10_000), t)
        #expect(c.severity == .critical)
    }

    @Test func aCorruptedFileFailsQuickCheckCritically() async throws {
        let t = try database(wal: false)
        let path = t.root + "/data/racklab.db"
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 8192)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 16384))
        try handle.close()
        let r = try await check(SQLiteExpectation(path: "/data/racklab.db"), t)
        #expect(r.status != .pass)
        #expect(r.severity == .critical)
    }
}
