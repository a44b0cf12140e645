import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The backup engines against real SQLite files, a real writer process, real tar and a real state database.
@Suite struct BackupEngineTests {
    /// A Python writer that inserts a row and bumps `totals.n` in one transaction, as fast as it can, in WAL mode.
    static let writer = """
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE IF NOT EXISTS results(id INTEGER PRIMARY KEY, payload TEXT)")
        c.execute("CREATE TABLE IF NOT EXISTS totals(id INTEGER PRIMARY KEY, n INTEGER)")
        c.execute("INSERT OR IGNORE INTO totals VALUES (1, 0)")
        end = time.time() + float(sys.argv[2])
        while time.time() < end:
            c.execute("BEGIN IMMEDIATE")
            c.execute("INSERT INTO results(payload) VALUES (?)", ("x" * 400,))
            c.execute("UPDATE totals SET n = n + 1")
            c.execute("COMMIT")
        """

    func makeStore(_ tree: TempTree) throws -> BackupService {
        BackupService(state: try StateStore(path: tree.root + "/state/state.db"))
    }

    @Test func sqliteBackupWhileAWriterRunsIsAConsistentCommittedState() async throws {
        let tree = try TempTree()
        let script = try tree.write("/writer.py", Self.writer)
        let db = tree.root + "/app/app.db"
        try tree.mkdir("/app")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, db, "6"]
        try process.run()
        defer { process.terminate() }
        // Let it write for a while, so the database and its WAL are non-trivial.
        try await Task.sleep(for: .milliseconds(1500))
        let service = try makeStore(tree)
        let source = BackupSource(app: "app", instance: "prod", name: "db", kind: .sqlite, path: db)
        var records: [BackupRecord] = []
        for _ in 0..<3 {
            records.append(try await service.backup(source, store: tree.root + "/store", reason: "manual"))
            try await Task.sleep(for: .milliseconds(200))
        }
        for record in records {
            let tables = try #require(record.contents.tables)
            let n = try #require(tables["results"])
            #expect(n > 0)
            // The committed-state invariant: every row is counted in totals, in the copy too.
            let totals = try SQLiteEngine.tableCounts(file: record.path)
            #expect(totals == tables)
            let copy = try StateProbe.scalar(record.path, "SELECT n FROM totals")
            #expect(copy == n, "backup #\(record.id): totals.n \(copy) vs \(n) rows")
            #expect(try SQLiteEngine.integrityProblems(record.path, quick: false) == nil)
            let verification = await service.verify(record, source: source, store: tree.root + "/store", quick: false)
            #expect(verification.passed, "\(verification.message)")
            // Private: directory 0700, file 0600.
            #expect(try FileManager.default.attributesOfItem(atPath: record.path)[.posixPermissions] as? Int == 0o600)
            #expect(try FileManager.default.attributesOfItem(atPath: (record.path as NSString).deletingLastPathComponent)[.posixPermissions] as? Int == 0o700)
        }
        #expect(Set(records.map { $0.contents.tables!["results"]! }).count == 3, "the writer kept writing between backups")
        #expect(try service.state.records(app: "app").count == 3)
    }

    @Test func aCorruptedBackupFailsVerificationAndIsRecorded() async throws {
        let tree = try TempTree()
        let db = tree.root + "/app.db"
        _ = try StateProbe.exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
        let service = try makeStore(tree)
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db)
        let record = try await service.backup(source, store: tree.root + "/store", reason: "manual")
        #expect(record.contents.tables == ["t": 3])
        let handle = try #require(FileHandle(forUpdatingAtPath: record.path))
        try handle.seek(toOffset: 4096 + 10)
        handle.write(Data(repeating: 0xFF, count: 64))
        try handle.close()
        let v = await service.verify(record, source: source, store: tree.root + "/store", quick: false)
        #expect(!v.passed)
        #expect(v.message.hasPrefix("checksum mismatch"))
        let stored = try #require(try service.state.record(id: record.id))
        #expect(stored.lastVerification?.passed == false && stored.verificationStatus == "FAILED")
    }

    @Test func restoreReplacesTheDatabaseInOneTransactionAndKeepsItsOwner() async throws {
        let tree = try TempTree()
        let db = tree.root + "/app.db"
        _ = try StateProbe.exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        let service = try makeStore(tree)
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db)
        let record = try await service.backup(source, store: tree.root + "/store", reason: "manual")
        _ = try StateProbe.exec(db, "INSERT INTO t VALUES (2); CREATE TABLE later(y);")
        chown(db, 65534, 65534)
        try SQLiteEngine.restore(from: record.path, into: db)
        #expect(try SQLiteEngine.tableCounts(file: db) == ["t": 1])
        #expect(StoreFiles.owner(db)?.uid == 65534)
        for side in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: db + side) {
            #expect(StoreFiles.owner(db + side)?.uid == 65534, "\(side) must stay the app's")
        }
    }

    @Test func filesBackupHonoursExcludesAndVerifiesByExtracting() async throws {
        let tree = try TempTree()
        try tree.write("/srv/media/a.jpg", String(repeating: "a", count: 1000))
        try tree.write("/srv/media/sub/b.txt", "hello")
        try tree.write("/srv/media/upload.tmp", "partial")
        try tree.write("/srv/media/cache/c.bin", "cached")
        let service = try makeStore(tree)
        let source = BackupSource(app: "app", instance: "prod", name: "media", kind: .files, path: tree.root + "/srv/media", exclude: ["*.tmp", "cache"])
        let record = try await service.backup(source, store: tree.root + "/store", reason: "manual")
        #expect(record.contents == BackupContents(files: 2, bytes: 1005))
        #expect(record.path.hasSuffix(".tar.gz"))
        let v = await service.verify(record, source: source, store: tree.root + "/store", quick: false)
        #expect(v.passed, "\(v.message)")
        #expect(v.message.contains("2 files"))
    }

    @Test func hardLinksAndSymlinkedDirectoriesAreBackedUpAsTheirContent() async throws {
        let tree = try TempTree()
        try tree.write("/shared/uploads/a.bin", String(repeating: "a", count: 300))
        link(tree.root + "/shared/uploads/a.bin", tree.root + "/shared/uploads/a-again.bin")
        try tree.mkdir("/current")
        try tree.symlink("/current/uploads", to: tree.root + "/shared/uploads")
        let service = try makeStore(tree)
        let source = BackupSource(app: "app", instance: "prod", name: "uploads", kind: .files, path: tree.root + "/current/uploads")
        let record = try await service.backup(source, store: tree.root + "/store", reason: "manual")
        #expect(record.contents == BackupContents(files: 2, bytes: 300))
        let v = await service.verify(record, source: source, store: tree.root + "/store", quick: false)
        #expect(v.passed, "\(v.message)")
    }

    @Test func anExistingStoreIsNeverChmodedAndAWorldWritableOneIsRefused() throws {
        let tree = try TempTree()
        try tree.mkdir("/srv", mode: 0o755)
        try StoreFiles.makeDirectory(tree.root + "/srv", mode: 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: tree.root + "/srv")[.posixPermissions] as? Int == 0o755)
        try tree.mkdir("/tmpish", mode: 0o777)
        #expect(throws: StoreError.self) { try StoreFiles.makeDirectory(tree.root + "/tmpish", mode: 0o700) }
        try tree.symlink("/linked", to: tree.root + "/srv")
        #expect(throws: StoreError.self) { try StoreFiles.makeDirectory(tree.root + "/linked", mode: 0o700) }
        try StoreFiles.makeDirectory(tree.root + "/srv/new", mode: 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: tree.root + "/srv/new")[.posixPermissions] as? Int == 0o700)
    }

    @Test func aBackupNeverWritesThroughASideFileLinkPlantedByTheAppUser() async throws {
        let tree = try TempTree()
        let db = tree.root + "/app.db"
        _ = try StateProbe.exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        chown(db, 65534, 65534)
        let victim = try tree.write("/victim", "root's file")
        try tree.symlink("/app.db-journal", to: victim)
        _ = try? await makeStore(tree).backup(BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db), store: tree.root + "/store", reason: "manual")
        #expect(StoreFiles.owner(victim)?.uid == 0, "the link's target must stay root's")
        #expect((try? String(contentsOfFile: victim, encoding: .utf8)) == "root's file")
        #expect(throws: StoreError.self) { try SQLiteEngine.restore(from: db, into: tree.root + "/app.db-journal") }
    }

    @Test func aFailedBackupLeavesNoFileAndNoCatalogEntry() async throws {
        let tree = try TempTree()
        let service = try makeStore(tree)
        let source = BackupSource(app: "app", instance: "prod", name: "media", kind: .files, path: tree.root + "/missing")
        await #expect(throws: StoreError.self) { try await service.backup(source, store: tree.root + "/store", reason: "manual") }
        #expect(try service.state.records().isEmpty)
        let dir = BackupService.directory(store: tree.root + "/store", source: source)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir)) == [])
    }

    @Test func stalePartialsOfDeadWritersAreRemovedAndLiveOnesKept() throws {
        let tree = try TempTree()
        try tree.mkdir("/store")
        try tree.write("/store/.db-1.sqlite3.partial-999999", "x")
        try tree.write("/store/.db-2.sqlite3.partial-1", "x")  // PID 1 is alive
        try tree.write("/store/db-0.sqlite3", "complete")
        #expect(StoreFiles.removeStalePartials(in: tree.root + "/store") == [".db-1.sqlite3.partial-999999"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: tree.root + "/store")) == [".db-2.sqlite3.partial-1", "db-0.sqlite3"])
    }

    @Test func leasesOfDeadProcessesExpireAndPruneSkipsLeasedBackups() async throws {
        let tree = try TempTree()
        let service = try makeStore(tree)
        // Taken in time order (the catalog's ids grow with it): ids[day] is the backup of `day` × 8 days ago.
        var ids: [Int64] = Array(repeating: 0, count: 4)
        for day in (0..<4).reversed() {
            let path = try tree.write("/store/b\(day)", "x")
            let r = try service.state.insert(BackupRecord(app: "a", instance: "p", source: "db", kind: .sqlite, path: path,
                                                          createdAt: Date(timeIntervalSinceNow: Double(-day) * 86_400 * 8), sizeBytes: 1,
                                                          sha256: "x", durationMs: 1, contents: BackupContents()))
            ids[day] = r.id
        }
        let leases = try service.state.lease([ids[3]], purpose: "restore")
        let plans = try service.prune(try service.state.records(), retention: { _ in Retention(last: 1, daily: 0, weekly: 0) }, dryRun: false)
        #expect(plans.first?.deleted.map(\.id) == [ids[1], ids[2]])
        #expect(Set(try service.state.records().map(\.id)) == [ids[0], ids[3]])
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/store/b1"))
        service.state.release(leases)
        #expect(try service.state.backupsInUse().isEmpty)
    }
}

/// Direct SQLite access for assertions, through the sqlite3 shell (independent of the code under test).
enum StateProbe {
    @discardableResult
    static func exec(_ db: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = ["-batch", db, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func scalar(_ db: String, _ sql: String) throws -> Int64 {
        Int64(try exec(db, sql)) ?? -1
    }
}
