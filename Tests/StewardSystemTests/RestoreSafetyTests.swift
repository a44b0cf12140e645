import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// Backups and restores next to trees an app user (uid 65534 here) owns, against real files, links, devices, tar
/// and SQLite: nothing is read or written through a link that user controls, and a symbolic link to the data
/// directory survives a backup and restore with its data.
@Suite struct RestoreSafetyTests {
    static let appUser: uid_t = 65534

    func service(_ tree: TempTree) throws -> BackupService {
        BackupService(state: try StateStore(path: tree.root + "/state/state.db"))
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    // MARK: - Config snapshot

    @Test func theConfigSnapshotTakesRegularFilesThroughRootsLinksAndRefusesDevicesFIFOsAndHugeFiles() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        let store = tree.root + "/store"
        try tree.write("/etc/app/prod.env", "PORT=1\n", mode: 0o640)
        try tree.write("/lib/app.service", "[Service]\n")
        try tree.symlink("/etc/app/app.service", to: tree.root + "/lib/app.service")
        let good = BackupSource(app: "app", instance: "prod", name: "config", kind: .config,
                                files: [tree.root + "/etc/app/prod.env", tree.root + "/etc/app/app.service"])
        let record = try await service.backup(good, store: store, reason: "manual")
        #expect(record.contents == BackupContents(files: 2, bytes: 17))
        let v = await service.verify(record, source: good, store: store, quick: false)
        #expect(v.passed, "\(v.message)")

        // What a link could point the snapshot at instead (a link root made, so it is followed: the file is refused).
        mkfifo(tree.root + "/fifo", 0o600)
        _ = try tree.sh(["truncate", "-s", "2M", tree.root + "/huge"])
        for (target, message) in [("/dev/zero", "is a character device, not a regular file"), (tree.root + "/fifo", "is a FIFO"),
                                  (tree.root + "/huge", "more than the config snapshot's limit")] {
            unlink(tree.root + "/etc/app/prod.env")
            symlink(target, tree.root + "/etc/app/prod.env")
            do {
                _ = try await service.backup(good, store: store, reason: "manual")
                Issue.record("a config snapshot through a link to \(target) was taken")
            } catch {
                #expect("\(error)".contains(message), "\(target): \(error)")
            }
        }
        #expect(try service.state.records().count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store + "/app/prod").filter { !$0.hasPrefix("config-") }.isEmpty)
    }

    @Test func theConfigSnapshotReadsAnAppUsersLinkOnlyIntoThatUsersOwnFile() async throws {
        let tree = try TempTree()
        try tree.write("/root-secret", "root only\n", mode: 0o600)
        try tree.mkdir("/app")
        chown(tree.root + "/app", Self.appUser, Self.appUser)
        try tree.symlink("/app/prod.env", to: tree.root + "/root-secret")
        lchown(tree.root + "/app/prod.env", Self.appUser, Self.appUser)
        let source = BackupSource(app: "app", instance: "prod", name: "config", kind: .config, files: [tree.root + "/app/prod.env"])
        await #expect(throws: StoreError.self) { _ = try await service(tree).backup(source, store: tree.root + "/store", reason: "manual") }
    }

    @Test func aConfigRestoreNeverWritesThroughADirectoryTheAppUserSwappedForALink() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        let store = tree.root + "/store"
        try tree.write("/app/conf/prod.env", "PORT=1\n", mode: 0o640)
        chown(tree.root + "/app", Self.appUser, Self.appUser)
        chown(tree.root + "/app/conf", Self.appUser, Self.appUser)
        let source = BackupSource(app: "app", instance: "prod", name: "config", kind: .config, files: [tree.root + "/app/conf/prod.env"])
        let record = try await service.backup(source, store: store, reason: "manual")
        // Restoring the unchanged tree writes the file back (a new file renamed over the old one, same owner/mode).
        try tree.write("/app/conf/prod.env", "PORT=2\n", mode: 0o600)
        let restore = RestoreService(service: service, store: store)
        let tools = ToolRunner(runner: NoSystemctl())
        _ = try await restore.apply(record, source: source, tools: tools)
        #expect(read(tree.root + "/app/conf/prod.env") == "PORT=1\n")
        var st = stat()
        #expect(lstat(tree.root + "/app/conf/prod.env", &st) == 0 && st.st_mode & 0o7777 == 0o640)
        // A config directory deleted since the backup is made again.
        try FileManager.default.removeItem(atPath: tree.root + "/app/conf")
        _ = try await restore.apply(record, source: source, tools: tools)
        #expect(read(tree.root + "/app/conf/prod.env") == "PORT=1\n")
        // The app user swaps `conf` for a link to a directory of root's: tar -x as root used to write there.
        try tree.mkdir("/rootdir", mode: 0o700)
        rename(tree.root + "/app/conf", tree.root + "/app/conf-old")
        try tree.symlink("/app/conf", to: tree.root + "/rootdir")
        lchown(tree.root + "/app/conf", Self.appUser, Self.appUser)
        await #expect(throws: StoreError.self) { _ = try await restore.apply(record, source: source, tools: tools) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: tree.root + "/rootdir").isEmpty)
    }

    /// A backup of `source` fails with an error that says `message`; `accepted` is the issue when it does not.
    func expectBackupRefused(_ tree: TempTree, _ source: BackupSource, saying message: String, else accepted: Comment) async throws {
        do {
            _ = try await service(tree).backup(source, store: tree.root + "/store", reason: "manual")
            Issue.record(accepted)
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    // MARK: - Directories

    @Test func aSymlinkedDirectoryIsArchivedUnderItsNameAndRestoredBehindTheLink() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        let store = tree.root + "/store"
        try tree.write("/srv/app/media-data/a.jpg", "aaa")
        try tree.write("/srv/app/media-data/sub/b.txt", "bb")
        try tree.symlink("/srv/app/media", to: "media-data")
        let source = BackupSource(app: "app", instance: "prod", name: "media", kind: .files, path: tree.root + "/srv/app/media")
        let record = try await service.backup(source, store: store, reason: "manual")
        #expect(record.contents == BackupContents(files: 2, bytes: 5))
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        listing.arguments = ["-tzf", record.path]
        let pipe = Pipe()
        listing.standardOutput = pipe
        try listing.run()
        let names = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        listing.waitUntilExit()
        let tops: Set<String> = Set(names.split(separator: "\n").map { line -> String in String(line.prefix { $0 != "/" }) })
        #expect(tops == ["media"], "\(names)")

        try FileManager.default.removeItem(atPath: tree.root + "/srv/app/media-data/sub")
        try tree.write("/srv/app/media-data/new.txt", "later")
        let report = await RestoreService(service: service, store: store).restore(record, source: source, units: []) { nil }
        #expect(report.error == nil && report.restored, "\(report)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: tree.root + "/srv/app/media")) == "media-data")
        #expect(read(tree.root + "/srv/app/media-data/sub/b.txt") == "bb")
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/srv/app/media-data/new.txt"))
        let left = try FileManager.default.contentsOfDirectory(atPath: tree.root + "/srv/app").sorted()
        #expect(left == ["media", "media-data"], "leftovers: \(left)")
    }

    @Test func aDataDirectoryLinkedToADirectoryItsUserDoesNotOwnIsRefused() async throws {
        let tree = try TempTree()
        try tree.write("/rootdata/secret", "root only")
        try tree.mkdir("/srv/app")
        chown(tree.root + "/srv/app", Self.appUser, Self.appUser)
        try tree.symlink("/srv/app/media", to: tree.root + "/rootdata")
        lchown(tree.root + "/srv/app/media", Self.appUser, Self.appUser)
        let source = BackupSource(app: "app", instance: "prod", name: "media", kind: .files, path: tree.root + "/srv/app/media")
        try await expectBackupRefused(tree, source, saying: "does not own; refusing to follow it as root", else: "root's directory was archived through the app user's link")
    }

    // MARK: - SQLite

    @Test func aSQLiteRestoreRefusesADirectoryTheAppUserSwappedForALink() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        let store = tree.root + "/store"
        try tree.mkdir("/app/data")
        chown(tree.root + "/app", Self.appUser, Self.appUser)
        let db = tree.root + "/app/data/app.db"
        _ = try StateProbe.exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db)
        let record = try await service.backup(source, store: store, reason: "manual")
        // `data` becomes the app user's link to a directory of root's holding a database named the same.
        try tree.mkdir("/rootdir", mode: 0o700)
        _ = try StateProbe.exec(tree.root + "/rootdir/app.db", "CREATE TABLE precious(x); INSERT INTO precious VALUES (42);")
        rename(tree.root + "/app/data", tree.root + "/app/data-old")
        try tree.symlink("/app/data", to: tree.root + "/rootdir")
        lchown(tree.root + "/app/data", Self.appUser, Self.appUser)
        let restore = RestoreService(service: service, store: store)
        await #expect(throws: StoreError.self) { _ = try await restore.apply(record, source: source, tools: ToolRunner()) }
        #expect(try SQLiteEngine.tableCounts(file: tree.root + "/rootdir/app.db") == ["precious": 1])
    }

    @Test func aSQLiteBackupRefusesAnAppUsersLinkToADatabaseOfRoots() async throws {
        let tree = try TempTree()
        try tree.mkdir("/rootdir", mode: 0o700)
        _ = try StateProbe.exec(tree.root + "/rootdir/state.db", "CREATE TABLE secrets(x); INSERT INTO secrets VALUES ('root only');")
        try tree.mkdir("/app")
        chown(tree.root + "/app", Self.appUser, Self.appUser)
        try tree.symlink("/app/app.db", to: tree.root + "/rootdir/state.db")
        lchown(tree.root + "/app/app.db", Self.appUser, Self.appUser)
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: tree.root + "/app/app.db")
        try await expectBackupRefused(tree, source, saying: "which that user does not own", else: "root's database was copied through the app user's link")
        // The app user's link to its own database is followed.
        try tree.mkdir("/app/data")
        _ = try StateProbe.exec(tree.root + "/app/data/real.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        chown(tree.root + "/app/data", Self.appUser, Self.appUser)
        chown(tree.root + "/app/data/real.db", Self.appUser, Self.appUser)
        unlink(tree.root + "/app/app.db")
        try tree.symlink("/app/app.db", to: "data/real.db")
        lchown(tree.root + "/app/app.db", Self.appUser, Self.appUser)
        let record = try await service(tree).backup(source, store: tree.root + "/store", reason: "manual")
        #expect(record.contents.tables == ["t": 1])
    }

    @Test func aSQLiteRestoreKeepsTheOwnerModeAndWALModeAndDropsTheOldWAL() async throws {
        let tree = try TempTree()
        let service = try service(tree)
        let store = tree.root + "/store"
        try tree.mkdir("/app")
        let db = tree.root + "/app/app.db"
        _ = try StateProbe.exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        let source = BackupSource(app: "app", instance: "", name: "db", kind: .sqlite, path: db)
        let record = try await service.backup(source, store: store, reason: "manual")
        _ = try StateProbe.exec(db, "INSERT INTO t VALUES (2); CREATE TABLE later(y);")
        chown(db, Self.appUser, Self.appUser)
        chmod(db, 0o640)
        _ = try await RestoreService(service: service, store: store).apply(record, source: source, tools: ToolRunner())
        #expect(try SQLiteEngine.tableCounts(file: db) == ["t": 1])
        var st = stat()
        #expect(lstat(db, &st) == 0 && st.st_uid == Self.appUser && st.st_mode & 0o7777 == 0o640)
        #expect(SQLiteEngine.isWAL(open(tree.root + "/app", O_RDONLY | O_DIRECTORY), "app.db"))
        let left = try FileManager.default.contentsOfDirectory(atPath: tree.root + "/app").filter { $0.contains("steward") }
        #expect(left.isEmpty, "\(left)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store + "/.scratch").isEmpty)
    }
}

/// The real runner, except `systemctl` (no systemd here), which answers success.
struct NoSystemctl: CommandRunning {
    func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
        if command.executable == "systemctl" { return .success(CommandResult(exitCode: 0, stdout: "", stderr: "")) }
        return await CommandRunner().run(command, timeout: timeout)
    }
}
