import Foundation
import GRDB
import StewardCore

/// SQLite backups through SQLite's online backup API (never a file copy): consistent while the app keeps writing,
/// correct for WAL databases, and the same API restores.
///
/// Steward runs as root while the app does not. A connection opened as root creates the `-wal`, `-shm` and
/// `-journal` files, which would lock the app out of its own database if they were root's; SQLite's unix VFS hands
/// them to the database file's owner itself (`robustFchown` in os_unix.c, when the process runs as root), on the
/// descriptor it opened (`RestoreSafetyRaceTests.aRootConnectionLeavesTheWALFilesToTheDatabasesOwner`). Steward
/// chowns nothing in the app's directory afterwards: a second lookup by path there would follow whatever link the
/// app's user put in place meanwhile (`aSQLiteBackupNeverHandsAFileOfRootsToTheAppUser`).
struct SQLiteEngine {
    /// Copies the live database at `source` into the new file `destination` in one step of the backup API: one read
    /// transaction, so the copy is one committed state of the source however fast the app writes (the sqlite3
    /// shell's `.backup` copies 100 pages at a time and restarts at every commit: under a busy writer it never
    /// finishes). The copy's row counts are that state's; ``BackupService`` takes them alongside the checksum.
    static func backup(source: String, to destination: String) throws {
        guard FileManager.default.fileExists(atPath: source) else { throw StoreError("no database at \(source)") }
        try checkSource(source)
        try describingErrors {
            let src = try readOnly(source, busySeconds: 30)
            let dst = try DatabaseQueue(path: destination)
            // The destination is a new private file that is discarded on failure: no journal, and one fsync at the
            // end (StoreFiles.commit) instead of SQLite's.
            try dst.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = OFF")
                try db.execute(sql: "PRAGMA synchronous = OFF")
            }
            try src.read { s in try dst.writeWithoutTransaction { d in try s.backup(to: d) } }
            // A rollback-journal file, so reading the backup later never creates -wal or -shm files next to it.
            try dst.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
            try dst.close()
            try src.close()
        }
    }

    /// Refuses a live database that an app user's link makes root read from elsewhere (`app.db -> /var/lib/…/x.db`:
    /// root would copy another database into a backup that a restore then hands to that user). Followed are links
    /// root made and a user's links to that user's own regular file.
    static func checkSource(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw StoreError("no database at \(path)") }
        let (parent, name) = try SafePath.openParent(of: path, trusting: st.st_uid)
        var entry = stat()
        guard fstatat(parent.fd, name, &entry, AT_SYMLINK_NOFOLLOW) == 0 else { throw StoreError("no database at \(path)") }
        var target = (parent, name, entry)
        for _ in 0..<8 where (target.2.st_mode & S_IFMT) == S_IFLNK {
            let link = target.2
            guard let text = SafePath.readLink(target.0.fd, target.1) else { throw StoreError("cannot read the link \(path)") }
            let next = try SafePath.openParent(of: text.hasPrefix("/") ? text : target.0.path + "/" + text, trusting: link.st_uid == 0 ? nil : link.st_uid)
            var st = stat()
            guard fstatat(next.parent.fd, next.name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw StoreError("\(path) is a symbolic link to \(text), which does not exist") }
            if link.st_uid != 0, (st.st_mode & S_IFMT) != S_IFLNK, st.st_uid != link.st_uid {
                throw StoreError("\(path) is a symbolic link of \(SafePath.userName(link.st_uid)) to \(text), which that user does not own; refusing to read it as root")
            }
            target = (next.parent, next.name, st)
        }
        guard (target.2.st_mode & S_IFMT) == S_IFREG else { throw StoreError("\(path) is not a regular file") }
    }

    /// Replaces the content of the database at `target` by the backup `file`, in one transaction of the target (a
    /// reader sees the old or the new database, never a mix). Creates the target when it is missing. Only for a
    /// target in a directory no other user can write (a verification's scratch file): see
    /// ``restore(from:into:staging:)`` for an app's database.
    static func restore(from file: String, into target: String) throws {
        var st = stat()
        if lstat(target, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            throw StoreError("\(target) is not a regular file (a symbolic link?); refusing to restore through it")
        }
        try describingErrors {
            let src = try readOnly(file)
            var targetConfig = Configuration()
            targetConfig.busyMode = .timeout(30)
            let dst = try DatabaseQueue(path: target, configuration: targetConfig)
            try src.read { s in try dst.writeWithoutTransaction { d in try s.backup(to: d) } }
            try dst.close()
            try src.close()
        }
    }

    /// Replaces the app's database at `target` (the app stopped) by the backup `file`, without ever opening a path
    /// the app's user can change: the directory is opened once (``SafePath``) and the target checked through it;
    /// SQLite restores into `staging`, a new file in Steward's private store; the result is copied into a new file
    /// created in that directory (`O_EXCL | O_NOFOLLOW`), given the old file's owner and mode, and renamed over the
    /// target. (SQLite itself resolves a path again by name, links included, so it never opens anything in the
    /// app's directory.) The old file's `-wal`, `-shm` and `-journal` go with it: replayed into the new file they
    /// would corrupt it. A database in WAL mode stays in WAL mode.
    static func restore(from file: String, into target: String, staging: String) throws {
        let (parent, name) = try SafePath.openParent(of: target)
        var st = stat()
        let exists = fstatat(parent.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
        if exists, (st.st_mode & S_IFMT) != S_IFREG {
            throw StoreError("\(target) is not a regular file (a symbolic link?); refusing to restore through it")
        }
        var dir = stat()
        guard fstat(parent.fd, &dir) == 0 else { throw StoreError("cannot read \(parent.path): \(StoreFiles.errnoText())") }
        let owner = exists ? (st.st_uid, st.st_gid) : (dir.st_uid, dir.st_gid)
        let mode = exists ? st.st_mode & 0o7777 : 0o644
        let wal = exists && isWAL(parent.fd, name)
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(staging + suffix) } }
        try restore(from: file, into: staging)
        if wal {
            do {
                let db = try DatabaseQueue(path: staging)
                try db.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
                try db.close()
            } catch let e as DatabaseError { throw StoreError(describe(e)) }
        }
        let input = open(staging, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw StoreError("cannot read the restored copy \(staging): \(StoreFiles.errnoText())") }
        defer { close(input) }
        try SafeWrite.replace(name, in: parent.fd, display: parent.path, owner: owner, mode: mode,
                              fill: { output in _ = try ConfigSnapshot.copy(from: input, to: output, limit: Int64.max) },
                              beforeRename: { for suffix in ["-wal", "-shm", "-journal"] { unlinkat(parent.fd, name + suffix, 0) } })
        _ = fsync(parent.fd)
    }

    /// Whether the database file `name` in the directory `fd` is in WAL mode (header bytes 18 and 19 are 2).
    static func isWAL(_ fd: Int32, _ name: String) -> Bool {
        let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard file >= 0 else { return false }
        defer { close(file) }
        var bytes: [UInt8] = [0, 0]
        return pread(file, &bytes, 2, 18) == 2 && bytes == [2, 2]
    }

    /// Opens `file` and runs `PRAGMA integrity_check` (or `quick_check`); returns nil when it answers ok, else the
    /// first problems it lists.
    static func integrityProblems(_ file: String, quick: Bool) throws -> String? {
        let db = try readOnly(file)
        defer { try? db.close() }
        let lines = try db.read { db in
            // A larger page cache than the default 2 MiB speeds the check up; bounded, so memory stays flat.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            return try String.fetchAll(db, sql: quick ? "PRAGMA quick_check(20)" : "PRAGMA integrity_check(20)")
        }
        return lines == ["ok"] ? nil : lines.prefix(3).joined(separator: "; ")
    }

    /// Rows per table of a database file.
    static func tableCounts(file: String) throws -> [String: Int64] {
        let db = try readOnly(file)
        defer { try? db.close() }
        return try db.read(tableCounts)
    }

    /// A read-only connection; `busySeconds` waits for a writer's lock (the live database) instead of failing.
    static func readOnly(_ path: String, busySeconds: Double = 5) throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busySeconds)
        return try DatabaseQueue(path: path, configuration: config)
    }

    static func tableCounts(_ db: Database) throws -> [String: Int64] {
        let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        var counts: [String: Int64] = [:]
        for name in names {
            counts[name] = try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(name.quotedDatabaseIdentifier)") ?? 0
        }
        return counts
    }

    /// Runs `body`, with SQLite's errors in SQLite's own words.
    static func describingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as DatabaseError {
            throw StoreError(describe(e))
        }
    }

    /// SQLite's own words for the result code (GRDB's message is the connection's last one, which after a failed
    /// backup step can read "not an error").
    static func describe(_ e: DatabaseError) -> String {
        switch e.resultCode.primaryResultCode {
        case .SQLITE_FULL: "the disk is full (SQLITE_FULL): no space left for the copy"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: "the file is not a valid SQLite database (\(e.resultCode))"
        case .SQLITE_BUSY, .SQLITE_LOCKED: "the database stayed locked for 30 s (\(e.resultCode))"
        case .SQLITE_CANTOPEN: "cannot open the database file (\(e.resultCode))"
        case .SQLITE_READONLY: "the target is read-only (\(e.resultCode))"
        default: "SQLite error \(e.resultCode.rawValue): \(e.message ?? "")"
        }
    }
}

extension SQLiteEngine: BackupEngine {
    var kind: BackupSource.Kind { .sqlite }

    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount {
        guard let path = source.path else { throw StoreError("\(source.label): no database path") }
        let (from, to) = (context.host(path), context.host(partial))
        try await Task.detached { try Self.backup(source: from, to: to) }.value
        return { try await Task.detached { BackupContents(tables: try Self.tableCounts(file: to)) }.value }
    }

    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String) {
        let (file, path) = (context.host(scratch + ".sqlite3"), context.host(record.path))
        // The checksum is computed while the restore runs (two cores, one read of the file each from the page cache);
        // a mismatch is the verdict whatever the restore found.
        let restoring = Task.detached { () throws -> BackupContents in
            defer { for suffix in ["", "-wal", "-shm", "-journal"] { StoreFiles.removeQuietly(file + suffix) } }
            try Self.restore(from: path, into: file)
            if let problems = try Self.integrityProblems(file, quick: quick) {
                throw StoreError("the restored database fails \(quick ? "quick_check" : "integrity_check"): \(problems)")
            }
            return BackupContents(tables: try Self.tableCounts(file: file))
        }
        do {
            try await checksum()
        } catch {
            _ = try? await restoring.value
            throw error
        }
        return (try await restoring.value, "restored into a scratch file, \(quick ? "quick_check" : "integrity_check") ok")
    }

    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String? {
        guard let path = source.path, !context.files.exists(path) else { return nil }
        return "no current database at \(path): no safety backup needed"
    }

    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo {
        guard let target = source.path else { throw StoreError("\(source.label): no database path") }
        let staging = context.host("\(try context.scratchDirectory())/restore-\(record.id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite3")
        let (file, into) = (context.host(record.path), context.host(target))
        try await Task.detached { try Self.restore(from: file, into: into, staging: staging) }.value
        return RestoreUndo()
    }

    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step] {
        [RestoreService.Step(title: "copy #\(record.id) into \(source.path ?? "?") with SQLite's backup API, in one transaction", commands: [])]
    }
}
