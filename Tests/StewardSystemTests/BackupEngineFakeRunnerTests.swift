import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The real engines' logic where their work is the tools' (tar, pg_restore, psql): run on the fake runner and the
/// in-memory store, with tools handed host paths. Milliseconds each; the tools themselves run in BackupEngineTests
/// and the real-systemd scenarios.
@Suite struct BackupEngineFakeRunnerTests {
    /// A catalogued backup file of `kind` in the in-memory store, holding `contents`.
    func catalogued(_ fakes: BackupFakes, kind: BackupSource.Kind, name: String, contents: BackupContents) throws -> BackupRecord {
        let path = "/store/app/prod/\(name)"
        fakes.files.write(path, "archive bytes")
        let (sha, size) = try fakes.files.sha256(path)
        return try fakes.service.state.insert(BackupRecord(app: "app", instance: "prod", source: "media", kind: kind, path: path, createdAt: Date(),
                                                           sizeBytes: size, sha256: sha, durationMs: 1, contents: contents, reason: "manual"))
    }

    /// The value of `--name=` in a command's arguments.
    static func option(_ name: String, _ command: Command) -> String? {
        command.arguments.first { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
    }

    // MARK: - Files

    @Test func aDirectoryBackupIsVerifiedByCountingWhatTarExtractedIntoAScratchDirectoryThenRemoved() async throws {
        let fakes = try BackupFakes()
        let files = fakes.files
        fakes.runner.answer("tar --extract") { command in
            let scratch = BackupMemoryFiles.path(fromHost: Self.option("directory", command)!)
            files.write(scratch + "/media/a.jpg", String(repeating: "a", count: 1000))
            files.write(scratch + "/media/sub/b.txt", "hello")
            return CommandResult(exitCode: 0, stdout: "", stderr: "")
        }
        let record = try catalogued(fakes, kind: .files, name: "media.tar.gz", contents: BackupContents(files: 2, bytes: 1005))
        let v = await fakes.service.verify(record, source: nil, store: fakes.store, quick: false)
        #expect(v.passed, "\(v.message)")
        #expect(v.message == "extracted into a scratch directory; 2 files, 1005 B match the source at backup time")
        #expect(fakes.files.paths == [record.path], "the scratch directory is removed")
        let extract = try #require(fakes.runner.ran.first { $0.hasPrefix("tar --extract") })
        #expect(extract.contains("--file=/mem/store/app/prod/media.tar.gz") && extract.contains("--directory=/mem/store/.scratch/verify-\(record.id)-"))
        // A file lost from the archive is a failed verification.
        fakes.runner.answer("tar --extract") { command in
            files.write(BackupMemoryFiles.path(fromHost: Self.option("directory", command)!) + "/media/a.jpg", String(repeating: "a", count: 1000))
            return CommandResult(exitCode: 0, stdout: "", stderr: "")
        }
        let lost = await fakes.service.verify(record, source: nil, store: fakes.store, quick: false)
        #expect(!lost.passed && lost.message.contains("differs from the source"), "\(lost.message)")
    }

    @Test func anArchivesCountsComeFromTarsListingAndAFileChangedWhileReadIsNoFailure() async throws {
        let fakes = try BackupFakes()
        let files = fakes.files
        let listing = """
            drwxr-xr-x 1000/1000 0 2026-11-23 00:00 media/
            -rw-r--r-- 1000/1000 1000 2026-11-23 00:00 media/a.jpg
            hrw-r--r-- 1000/1000 0 2026-11-23 00:00 media/a-link.jpg link to media/a.jpg
            -rw-r--r-- 1000/1000 5 2026-11-23 00:00 media/sub/b.txt

            """
        fakes.runner.answer("tar --create") { command in
            files.write(BackupMemoryFiles.path(fromHost: Self.option("file", command)!), "gzip bytes")
            files.write(BackupMemoryFiles.path(fromHost: Self.option("index-file", command)!), listing)
            return CommandResult(exitCode: 1, stdout: "", stderr: "tar: media/sub/b.txt: file changed as we read it")
        }
        let context = fakes.service.context(for: nil, store: fakes.store)
        let contents = try await FilesEngine.archive(parent: "/proc/self/fd/9", entries: ["media"], exclude: ["*.tmp"], to: "/store/app/prod/.m.partial-1", in: context)
        #expect(contents == BackupContents(files: 3, bytes: 1005))
        #expect(fakes.files.paths == ["/store/app/prod/.m.partial-1"], "the index is removed")
        let create = try #require(fakes.runner.ran.first)
        #expect(create.contains("--file=/mem/store/app/prod/.m.partial-1") && create.contains("--directory=/proc/self/fd/9") && create.contains("'--exclude=*.tmp'"), "\(create)")
        // Any other exit is a failure, with tar's last words.
        fakes.runner.fail("tar --create", stderr: "tar: media: Cannot open: Permission denied", exitCode: 2)
        await #expect(throws: StoreError("tar exited 2: tar: media: Cannot open: Permission denied")) {
            _ = try await FilesEngine.archive(parent: "/proc/self/fd/9", entries: ["media"], exclude: [], to: "/store/app/prod/.m.partial-2", in: context)
        }
        #expect(!fakes.files.exists("/store/app/prod/.m.partial-2.index"))
    }

    // MARK: - PostgreSQL

    /// A PostgreSQL source whose DSN (a remote server: no local `postgres` account involved) is in an env file of
    /// the host tree the service reads secrets from.
    func postgres() throws -> (BackupFakes, BackupSource, TempTree) {
        let host = try TempTree()
        try host.write("/etc/app/prod.env", "DATABASE_URL=postgresql://app@db.internal:5432/app\n", mode: 0o600)
        let fakes = try BackupFakes(hostFiles: HostFiles(root: host.root))
        let source = BackupSource(app: "app", instance: "prod", name: "db", kind: .postgres, url: SecretRef(file: "/etc/app/prod.env", key: "DATABASE_URL"))
        return (fakes, source, host)
    }

    @Test func aPostgresRestoreGoesIntoANewDatabaseSwapsItInAndKeepsTheOldOneUntilTheChecksPass() async throws {
        let (fakes, source, host) = try postgres()
        let record = try catalogued(fakes, kind: .postgres, name: "db.dump", contents: BackupContents(tables: ["public.t": 3]))
        let inputs = InputFiles()
        fakes.runner.answer("pg_restore") { command in
            inputs.add(command.inputFile)
            return CommandResult(exitCode: 0, stdout: "", stderr: "")
        }
        let context = fakes.service.context(for: source, store: fakes.store)
        let planned = try PostgresEngine().restoreSteps(record, into: source, in: context).flatMap(\.commands).map(\.description)
        let undo = try await PostgresEngine().restore(record, into: source, in: context)
        #expect(fakes.runner.ran == planned, "the dry-run shows the very commands that run")
        #expect(fakes.runner.ran.map { $0.split(separator: " ").prefix(1).joined() } == ["dropdb", "dropdb", "createdb", "pg_restore", "psql"])
        #expect(fakes.runner.ran[0].hasSuffix("-- app_steward_old") && fakes.runner.ran[2].hasSuffix("-- app_steward_new"))
        #expect(fakes.runner.ran[4].contains("ALTER DATABASE \"app\" RENAME TO \"app_steward_old\"; ALTER DATABASE \"app_steward_new\" RENAME TO \"app\""))
        #expect(inputs.all == ["/mem/store/app/prod/db.dump"], "pg_restore reads the backup through the runner, by its host path")
        let putBack = try #require(undo.undo)
        try await putBack()
        #expect(fakes.runner.ran.last?.contains("ALTER DATABASE \"app\" RENAME TO \"app_steward_new\"; ALTER DATABASE \"app_steward_old\" RENAME TO \"app\"") == true)
        let dropPrevious = try #require(undo.cleanup)
        await dropPrevious()
        #expect(fakes.runner.ran.last?.hasPrefix("dropdb") == true && fakes.runner.ran.last?.hasSuffix("-- app_steward_old") == true)
        withExtendedLifetime(host) {}
    }

    @Test func aPostgresRestoreThatFailsBeforeTheSwapLeavesTheLiveDatabaseAlone() async throws {
        let (fakes, source, host) = try postgres()
        let record = try catalogued(fakes, kind: .postgres, name: "db.dump", contents: BackupContents(tables: ["public.t": 3]))
        fakes.runner.fail("pg_restore", stderr: "pg_restore: error: could not execute query: ERROR:  relation \"t\" already exists")
        await #expect(throws: StoreError.self) {
            _ = try await PostgresEngine().restore(record, into: source, in: fakes.service.context(for: source, store: fakes.store))
        }
        #expect(!fakes.runner.ran.contains { $0.hasPrefix("psql") }, "\(fakes.runner.ran)")
        withExtendedLifetime(host) {}
    }

    @Test func aPostgresVerificationCountsTheScratchDatabaseAndDropsItEvenWhenTheRestoreFails() async throws {
        let (fakes, source, host) = try postgres()
        let record = try catalogued(fakes, kind: .postgres, name: "db.dump", contents: BackupContents(tables: ["public.t": 3]))
        fakes.runner.answer("psql") { _ in CommandResult(exitCode: 0, stdout: "public.t|3\n", stderr: "") }
        let v = await fakes.service.verify(record, source: source, store: fakes.store, quick: false)
        #expect(v.passed && v.message == "restored into a scratch database; 1 table, 3 rows match the source at backup time", "\(v.message)")
        let scratch = "steward_verify_\(record.id)_\(getpid())"
        #expect(fakes.runner.ran.filter { $0.hasSuffix("-- \(scratch)") }.map { $0.split(separator: " ")[0] } == ["dropdb", "createdb", "dropdb"])
        fakes.runner.fail("pg_restore --no-password --exit-on-error", stderr: "pg_restore: error: out of memory")
        let failed = await fakes.service.verify(record, source: source, store: fakes.store, quick: false)
        #expect(!failed.passed && failed.message.contains("out of memory"))
        #expect(fakes.runner.ran.last?.hasPrefix("dropdb") == true && fakes.runner.ran.last?.hasSuffix("-- \(scratch)") == true, "the scratch database is dropped")
        withExtendedLifetime(host) {}
    }
}

/// The input files the runner was given.
final class InputFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [String] = []
    func add(_ file: String?) { lock.withLock { files.append(file ?? "-") } }
    var all: [String] { lock.withLock { files } }
}
