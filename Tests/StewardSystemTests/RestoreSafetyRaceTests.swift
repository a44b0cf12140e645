import Foundation
import GRDB
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The second round of restore safety: what root does between reading a path and using it again, and restores
/// that fail halfway or find the data gone. Real files, links, SQLite and tar; the app user is uid 65534.
@Suite struct RestoreSafetyRaceTests {
    static let appUser: uid_t = 65534

    func service(_ tree: TempTree, runner: any CommandRunning = CommandRunner()) throws -> BackupService {
        BackupService(state: try StateStore(path: tree.root + "/state/state.db"), runner: runner)
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// How many of this process's descriptors are open on `path`.
    static func descriptors(to path: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == path }.count
    }

    // MARK: - SQLite: nothing is chowned by path after the backup

    /// The backup used to read the owner, run (waiting on the app's lock), then open the directory again by path and
    /// chown root's files there to that owner: the app user re-points its link meanwhile, and root's database
    /// becomes the app user's. SQLite's unix VFS chowns the side files it creates itself; Steward chowns nothing.
    @Test func aSQLiteBackupNeverHandsAFileOfRootsToTheAppUser() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        try tree.mkdir("/app/mine")
        let db = tree.root + "/app/mine/app.db"
        _ = try StateProbe.exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        for path in ["/app", "/app/mine", "/app/mine/app.db"] { chown(tree.root + path, Self.appUser, Self.appUser) }
        try tree.symlink("/app/data", to: "mine")
        lchown(tree.root + "/app/data", Self.appUser, Self.appUser)
        try tree.mkdir("/rootdir", mode: 0o700)
        _ = try StateProbe.exec(tree.root + "/rootdir/app.db", "CREATE TABLE precious(x);")
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: tree.root + "/app/data/app.db")

        // The app holds its write lock: the backup opens the database and waits (up to 30 s) to read it.
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let app = try DatabaseQueue(path: db, configuration: config)
        try await app.writeWithoutTransaction { try $0.execute(sql: "BEGIN EXCLUSIVE") }
        let store = tree.root + "/store"
        let opened = Self.descriptors(to: db)
        let backup = Task.detached { try await service.backup(source, store: store, reason: "manual") }
        // Until the backup has the database open (a descriptor more on it): a fixed sleep lost the race under load.
        for _ in 0..<400 where Self.descriptors(to: db) <= opened { try await Task.sleep(for: .milliseconds(50)) }
        #expect(Self.descriptors(to: db) > opened, "the backup never opened the database")
        // Meanwhile the app user points its link at a directory of root's holding a database of the same name.
        unlink(tree.root + "/app/data")
        try tree.symlink("/app/data", to: tree.root + "/rootdir")
        lchown(tree.root + "/app/data", Self.appUser, Self.appUser)
        try await app.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        let record = try await backup.value
        try app.close()

        #expect(record.contents.tables == ["t": 1], "the backup read the database it opened")
        #expect(StoreFiles.owner(tree.root + "/rootdir/app.db")?.uid == 0, "root's database was handed to the app user")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tree.root + "/rootdir") == ["app.db"])
    }

    /// What the removed chown did, SQLite does (os_unix.c `robustFchown` when running as root): the `-wal` and
    /// `-shm` a root connection creates next to an app's WAL database are the database owner's.
    @Test func aRootConnectionLeavesTheWALFilesToTheDatabasesOwner() async throws {
        let tree = try TempTree()
        try tree.mkdir("/app")
        let db = tree.root + "/app/app.db"
        _ = try StateProbe.exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        chown(tree.root + "/app", Self.appUser, Self.appUser)
        chown(db, Self.appUser, Self.appUser)
        // A reader as root creates -wal and -shm (and leaves them: a read-only connection does not checkpoint).
        let reader = try SQLiteEngine.readOnly(db)
        _ = try await reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }
        let sides = try FileManager.default.contentsOfDirectory(atPath: tree.root + "/app").filter { $0 != "app.db" }.sorted()
        #expect(sides == ["app.db-shm", "app.db-wal"])
        for side in sides { #expect(StoreFiles.owner(tree.root + "/app/" + side)?.uid == Self.appUser, "\(side) is root's") }
        try reader.close()
        // The backup, and a restore into the app's database (a writer), leave nothing of root's either.
        let service = try service(tree)
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db)
        let record = try await service.backup(source, store: tree.root + "/store", reason: "manual")
        try SQLiteEngine.restore(from: record.path, into: db)
        for name in try FileManager.default.contentsOfDirectory(atPath: tree.root + "/app") {
            #expect(StoreFiles.owner(tree.root + "/app/" + name)?.uid == Self.appUser, "\(name) is root's")
        }
    }

    // MARK: - Data directories: the directory opened is the one checked

    /// `lstat` reads the owner, then the path is opened again following that owner's links: a racer re-pointing
    /// the app user's link between the two made root take a directory of root's as the data directory.
    @Test func aDataDirectoryIsTheEntryItsOwnerWasReadFromWhateverALinkSaysMeanwhile() throws {
        let tree = try TempTree()
        try tree.mkdir("/app/mine/media")
        for path in ["/app", "/app/mine", "/app/mine/media"] { chown(tree.root + path, Self.appUser, Self.appUser) }
        try tree.mkdir("/rootdir/media", mode: 0o700)
        chmod(tree.root + "/rootdir", 0o700)
        try tree.symlink("/app/cur", to: "mine")
        lchown(tree.root + "/app/cur", Self.appUser, Self.appUser)
        let link = tree.root + "/app/cur", stop = tree.root + "/stop", theirs = tree.root + "/rootdir"
        // As the app user would: re-point `cur` between its own directory and root's, atomically, without pause.
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { stopped.signal() }
            var flip = false
            while access(stop, F_OK) != 0 {
                let next = link + ".next"
                unlink(next)
                symlink(flip ? theirs : "mine", next)
                lchown(next, Self.appUser, Self.appUser)
                rename(next, link)
                flip.toggle()
            }
        }
        defer {
            close(open(stop, O_CREAT | O_WRONLY, 0o600))
            stopped.wait()
        }
        var escaped: [String] = [], caught = 0, opened = 0
        let deadline = Date().addingTimeInterval(10)
        while caught < 20, escaped.isEmpty, Date() < deadline {
            do {
                let data = try DataDirectory.open(tree.root + "/app/cur/media", mustExist: true)
                opened += 1
                if data.path.hasPrefix(theirs) { escaped.append(data.path) }
            } catch {
                if "\(error)".contains("changed while Steward opened it") { caught += 1 }
            }
        }
        #expect(escaped.isEmpty, "root's directory was taken as the data directory: \(escaped)")
        #expect(caught > 0, "the racer never changed the link between the two lookups (\(opened) opened), so this run proved nothing")
    }

    // MARK: - Restores that fail halfway or find the data gone

    /// A config restore that wrote the files and then failed (daemon-reload here) used to leave them written while
    /// the report said the previous state was put back.
    @Test func aConfigRestoreThatFailsAfterWritingPutsTheSafetyBackupBack() async throws {
        let tree = try TempTree()
        try tree.write("/etc/app/prod.env", "PORT=1\n", mode: 0o640)
        try tree.write("/etc/app/app.service", "[Service]\nExecStart=/bin/true\n")
        let runner = FailingDaemonReload()
        let service = try service(tree, runner: runner)
        let store = tree.root + "/store"
        let source = BackupSource(app: "app", instance: "prod", name: "config", kind: .config,
                                  files: [tree.root + "/etc/app/prod.env", tree.root + "/etc/app/app.service"])
        let record = try await service.backup(source, store: store, reason: "manual")
        try tree.write("/etc/app/prod.env", "PORT=2\n", mode: 0o640)
        try tree.write("/etc/app/app.service", "[Service]\nExecStart=/bin/false\n")
        let report = await RestoreService(service: service, store: store).restore(record, source: source, units: []) { nil }
        #expect(report.error?.contains("Failed to reload daemon") == true, "\(report)")
        #expect(report.safety != nil && report.rolledBack, "\(report)")
        #expect(read(tree.root + "/etc/app/prod.env") == "PORT=2\n", "the restored file was left in place")
        #expect(read(tree.root + "/etc/app/app.service") == "[Service]\nExecStart=/bin/false\n")
        #expect(report.steps.contains { $0.contains("put the previous state back (safety backup #") }, "\(report.steps)")
    }

    /// The disaster-recovery case: the data directory (or a link's target) was deleted. The restore used to refuse,
    /// its safety backup failing on the missing directory.
    @Test func aDirectoryWhoseDataWasDeletedIsRestored() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        let store = tree.root + "/store"
        try tree.write("/srv/app/media/a.jpg", "aaa")
        try tree.write("/srv/app/media-data/b.txt", "bb")
        try tree.symlink("/srv/app/linked", to: "media-data")
        let plain = BackupSource(app: "app", instance: "prod", name: "media", kind: .files, path: tree.root + "/srv/app/media")
        let linked = BackupSource(app: "app", instance: "prod", name: "linked", kind: .files, path: tree.root + "/srv/app/linked")
        let records = (try await service.backup(plain, store: store, reason: "manual"), try await service.backup(linked, store: store, reason: "manual"))
        try FileManager.default.removeItem(atPath: tree.root + "/srv/app/media")
        try FileManager.default.removeItem(atPath: tree.root + "/srv/app/media-data")
        let restore = RestoreService(service: service, store: store)
        for (record, source) in [(records.0, plain), (records.1, linked)] {
            let report = await restore.restore(record, source: source, units: []) { nil }
            #expect(report.error == nil && report.restored && report.safety == nil, "\(source.name): \(report)")
            #expect(report.steps.contains { $0.contains("no safety backup taken") }, "\(report.steps)")
        }
        #expect(read(tree.root + "/srv/app/media/a.jpg") == "aaa")
        #expect(read(tree.root + "/srv/app/media-data/b.txt") == "bb")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: tree.root + "/srv/app/linked")) == "media-data")
    }
}

/// The real runner, but `systemctl`: `daemon-reload` fails the first time (the restore), then everything succeeds.
final class FailingDaemonReload: CommandRunning, @unchecked Sendable {
    let lock = NSLock()
    var failed = false

    func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
        guard command.executable == "systemctl" else { return await CommandRunner().run(command, timeout: timeout) }
        let fail = lock.withLock {
            defer { if command.arguments.contains("daemon-reload") { failed = true } }
            return !failed && command.arguments.contains("daemon-reload")
        }
        return .success(CommandResult(exitCode: fail ? 1 : 0, stdout: "", stderr: fail ? "Failed to reload daemon: Access denied" : ""))
    }
}
