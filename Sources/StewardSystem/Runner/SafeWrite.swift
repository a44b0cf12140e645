import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Replaces a file in a directory a less trusted user may write (an app's venv, its data directory, a config
/// directory), as root, without letting that user redirect the write: a new file under a random name
/// (`O_CREAT|O_EXCL|O_NOFOLLOW`, so a planted link or file is never opened), filled, given its owner and mode, synced,
/// then renamed over the final name relative to the opened directory (a link planted under that name is replaced,
/// not followed). The one way Steward writes into such directories: the venv's stamp, a restored database, a
/// restored config file.
enum SafeWrite {
    /// - Parameters:
    ///   - parent: the directory, opened by ``SafePath``; `display` names it in errors.
    ///   - beforeRename: runs once the new file is complete, just before it takes the name (a restored database's
    ///     old `-wal` goes then).
    static func replace(_ name: String, in parent: Int32, display: String, owner: (uid: uid_t, gid: gid_t), mode: mode_t,
                        times: [timespec]? = nil, fill: (Int32) throws -> Void, beforeRename: () -> Void = {}) throws {
        let target = display == "/" ? "/" + name : display + "/" + name
        let temporary = ".\(name).steward-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let output = openat(parent, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw StoreError("cannot write in \(display): \(StoreFiles.errnoText())") }
        do {
            defer { close(output) }
            try fill(output)
            guard fchown(output, owner.uid, owner.gid) == 0, fchmod(output, mode & 0o7777) == 0 else {
                throw StoreError("cannot set the owner and mode of \(target): \(StoreFiles.errnoText())")
            }
            if var times { _ = futimens(output, &times) }
            guard fsync(output) == 0 else { throw StoreError("cannot sync \(target): \(StoreFiles.errnoText())") }
            beforeRename()
            guard renameat(parent, temporary, parent, name) == 0 else { throw StoreError("cannot replace \(target): \(StoreFiles.errnoText())") }
        } catch {
            unlinkat(parent, temporary, 0)
            throw error
        }
    }

    /// `data` as the file `name` of the directory at `directoryPath` (reached without following links its owner
    /// could plant), owned like that directory.
    static func replace(_ name: String, in directoryPath: String, with data: Data, mode: mode_t = 0o644) throws {
        var st = stat()
        guard lstat(directoryPath, &st) == 0 else { throw StoreError("\(directoryPath): \(StoreFiles.errnoText())") }
        let directory = try SafePath.openDirectory(directoryPath, trusting: st.st_uid)
        var dir = stat()
        guard fstat(directory.fd, &dir) == 0 else { throw StoreError("\(directoryPath): \(StoreFiles.errnoText())") }
        try replace(name, in: directory.fd, display: directory.path, owner: (dir.st_uid, dir.st_gid), mode: mode) { fd in
            let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == data.count else { throw StoreError("cannot write \(directory.path)/\(name): \(StoreFiles.errnoText())") }
        }
    }
}
