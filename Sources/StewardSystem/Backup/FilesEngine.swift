import Foundation
import StewardCore

/// Directory backups: a gzip'd tar written by GNU tar, its verbose listing kept in an index file so the file count
/// and bytes come from the archive itself. Restored by extracting into a new private directory next to the data and
/// swapping the two, the current one kept aside until the checks pass.
struct FilesEngine: BackupEngine {
    var kind: BackupSource.Kind { .files }

    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount {
        guard let path = source.path else { throw StoreError("\(source.label): no directory") }
        // Where the data really is (a link's target, checked), read by tar through the directory opened here, and
        // recorded under the configured name so that a restore puts it back behind the same link.
        let data = try DataDirectory.open(context.host(path), mustExist: true)
        let contents = try await Self.archive(parent: SafePath.procPath(data.parent.fd), entries: [data.name], exclude: source.exclude,
                                              to: partial, storedAs: URL(fileURLWithPath: path).lastPathComponent, in: context)
        withExtendedLifetime(data) {}
        return { contents }
    }

    /// Archives `entries` (relative to the host directory `parent`) into the store file `partial`; a single entry is
    /// recorded as `storedAs`. Returns what tar's listing says the archive holds.
    static func archive(parent: String, entries: [String], exclude: [String], to partial: String, storedAs: String? = nil,
                        in context: BackupEngineContext) async throws -> BackupContents {
        let index = partial + ".index"
        defer { context.files.removeQuietly(index) }
        // Exit 1 is "a file changed while it was read" (an upload in progress): the archive is complete.
        try await context.tools.run(Tar.create(archive: context.host(partial), index: context.host(index), parent: parent, entries: entries,
                                               exclude: exclude, storedAs: storedAs), okCodes: [0, 1])
        return contents(ofListing: context.files.text(index) ?? "")
    }

    /// Regular files and their bytes in a `tar -vv` listing (`-rw-r--r-- 0/0 1234 2026-11-23 00:00 name`). A hard
    /// link (`h…`, size 0) counts as a file whose bytes were counted with its first name.
    static func contents(ofListing listing: String) -> BackupContents {
        var files = 0
        var bytes: Int64 = 0
        for line in listing.split(separator: "\n") where line.hasPrefix("-") || line.hasPrefix("h") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, let size = Int64(fields[2]) else { continue }
            files += 1
            bytes += size
        }
        return BackupContents(files: files, bytes: bytes)
    }

    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String) {
        try await checksum()
        return (try await Self.extractAndCount(record.path, into: scratch, in: context), "extracted into a scratch directory")
    }

    /// Reads the whole archive, extracts it into the new scratch directory `scratch` and counts what came out.
    static func extractAndCount(_ archive: String, into scratch: String, in context: BackupEngineContext) async throws -> BackupContents {
        try context.files.makeDirectory(scratch, mode: 0o700)
        defer { context.files.removeQuietly(scratch) }
        try await context.tools.run(Tar.extract(archive: context.host(archive), into: context.host(scratch)))
        return contents(of: context.files.regularFiles(under: scratch))
    }

    /// A file with several names (hard links, which tar restores as links) has its bytes counted once, as tar's
    /// listing does.
    static func contents(of files: [(inode: UInt64, size: Int64)]) -> BackupContents {
        var bytes: Int64 = 0
        var inodes = Set<UInt64>()
        for file in files where inodes.insert(file.inode).inserted { bytes += file.size }
        return BackupContents(files: files.count, bytes: bytes)
    }

    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String? {
        // The disaster-recovery case: the data was deleted. Nothing to save, and nothing to put back on failure.
        guard let path = source.path, !(try DataDirectory.open(context.host(path), mustExist: false).exists) else { return nil }
        return "no data at \(path) (deleted?): no safety backup taken, nothing to put back if the restore fails"
    }

    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo {
        guard let target = source.path else { throw StoreError("\(source.label): no directory") }
        return try await Self.restoreDirectory(record, into: context.host(target), in: context)
    }

    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step] {
        let target = source.path ?? "?"
        return [RestoreService.Step(title: "extract #\(record.id) into a new directory only root can enter, next to \(target) (next to the link's target when it is a link), then swap the directories without following links (the current one is kept until the checks pass)",
                                    commands: [Tar.extract(archive: context.host(record.path), into: Self.stagingDirectory(context.host(target)))])]
    }

    /// How the staging directory of a directory restore is shown by `--dry-run` (the real one has a random suffix).
    static func stagingDirectory(_ target: String) -> String {
        let url = URL(fileURLWithPath: target)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).steward-restore-…").path
    }

    /// Restores a directory backup into the host directory `target`. tar extracts as root only into a new directory
    /// nobody else can enter, made in the data directory's parent (same file system); the result is then swapped in
    /// with `renameat` on the opened parent, so no path an app user can change is resolved again. When the configured
    /// path is a symbolic link, its target is restored and the link stays (see ``DataDirectory``).
    static func restoreDirectory(_ record: BackupRecord, into target: String, in context: BackupEngineContext) async throws -> RestoreUndo {
        let data = try DataDirectory.open(target, mustExist: false)
        let parent = data.parent, name = data.name
        let (stagingName, staging) = try SafePath.makePrivateDirectory(in: parent.fd, prefix: ".\(name).steward-restore-\(getpid())-", display: parent.path)
        defer { close(staging) }
        do {
            try await context.tools.run(Tar.extract(archive: context.host(record.path), into: SafePath.procPath(staging)))
            // The archive holds one directory: the data directory, under its configured name (older backups of a link
            // hold it under the name of the link's target).
            let top = try SafePath.entries(staging, display: data.path)
            var st = stat()
            guard top.count == 1, fstatat(staging, top[0], &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw StoreError("backup #\(record.id) does not hold one directory (it holds \(top.prefix(3).joined(separator: ", ")))")
            }
            let previous = ".\(name).steward-previous-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            var current = stat()
            let hadCurrent = fstatat(parent.fd, name, &current, AT_SYMLINK_NOFOLLOW) == 0
            if hadCurrent {
                guard renameat(parent.fd, name, parent.fd, previous) == 0 else { throw StoreError("cannot move \(data.path) aside: \(StoreFiles.errnoText())") }
            }
            guard renameat(staging, top[0], parent.fd, name) == 0 else {
                let reason = StoreFiles.errnoText()
                if hadCurrent { _ = renameat(parent.fd, previous, parent.fd, name) }
                throw StoreError("cannot move the restored \(name) into \(parent.path): \(reason)")
            }
            try? SafeRemove.remove(stagingName, in: parent.fd)
            return RestoreUndo(undo: {
                try SafeRemove.remove(name, in: parent.fd, display: data.path)
                if hadCurrent {
                    guard renameat(parent.fd, previous, parent.fd, name) == 0 else {
                        throw StoreError("cannot put \(parent.path)/\(previous) back: \(StoreFiles.errnoText())")
                    }
                }
            }, cleanup: { try? SafeRemove.remove(previous, in: parent.fd) })
        } catch {
            try? SafeRemove.remove(stagingName, in: parent.fd)
            throw error
        }
    }
}
