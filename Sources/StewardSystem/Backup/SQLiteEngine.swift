import Foundation
import GRDB
import StewardCore

/// SQLite backups through SQLite's online backup API (never a file copy): consistent while the app keeps writing,
/// correct for WAL databases, and the same API restores.
///
/// Steward runs as root while the app does not: a connection opened as root can create the `-wal` and `-shm` files
/// as root, which would lock the app out of its own database. Every operation hands such files back to the owner of
/// the database file.
enum SQLiteEngine {
    /// Copies the live database at `source` into the new file `destination` in one step of the backup API: one read
    /// transaction, so the copy is one committed state of the source however fast the app writes (the sqlite3
    /// shell's `.backup` copies 100 pages at a time and restarts at every commit: under a busy writer it never
    /// finishes). The copy's row counts are that state's; ``BackupService`` takes them alongside the checksum.
    static func backup(source: String, to destination: String) throws {
        guard FileManager.default.fileExists(atPath: source) else { throw StoreError("no database at \(source)") }
        try keepingOwnership(of: source) {
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

    /// Replaces the content of the database at `target` by the backup `file`, in one transaction of the target (a
    /// reader sees the old or the new database, never a mix). Creates the target when it is missing.
    static func restore(from file: String, into target: String) throws {
        var st = stat()
        if lstat(target, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            throw StoreError("\(target) is not a regular file (a symbolic link?); refusing to restore through it")
        }
        let directory = (target as NSString).deletingLastPathComponent
        let owner = StoreFiles.owner(target) ?? StoreFiles.owner(directory)
        try keepingOwnership(of: target, owner: owner) {
            let src = try readOnly(file)
            var targetConfig = Configuration()
            targetConfig.busyMode = .timeout(30)
            let dst = try DatabaseQueue(path: target, configuration: targetConfig)
            try src.read { s in try dst.writeWithoutTransaction { d in try s.backup(to: d) } }
            try dst.close()
            try src.close()
        }
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

    /// Runs `body`, then gives the database's `-wal`, `-shm` and `-journal` files (and the file itself when `owner`
    /// is given) back to the database's owner when running as root made them root's. Only regular files that root
    /// owns are touched, and never through a symbolic link: the app's user can write this directory, and a link
    /// planted there must not make Steward hand over some other file.
    static func keepingOwnership<T>(of database: String, owner: (uid: uid_t, gid: gid_t)? = nil, _ body: () throws -> T) throws -> T {
        let owner = owner ?? StoreFiles.owner(database)
        defer {
            if let owner, owner.uid != 0 {
                for path in [database, database + "-wal", database + "-shm", database + "-journal"] {
                    var st = stat()
                    guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == 0 else { continue }
                    _ = fchownat(AT_FDCWD, path, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW)
                }
            }
        }
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
