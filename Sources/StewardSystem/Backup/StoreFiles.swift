import Crypto
import Foundation

/// File handling of the backup store: private directories, files written under a temporary name, synced, then
/// renamed into place, and checksums computed by streaming.
///
/// A file that is still being written is named `.NAME.partial-PID`: a crash leaves nothing that looks like a
/// complete backup, and the next run removes partials whose process is gone.
public enum StoreFiles {
    /// Creates `path` with `mode` when it is missing (parents as `mkdir -p` makes them). An existing directory is
    /// used as it is, never chmod'ed (pointing `--store` at `/srv` must not lock every app out of it), but refused
    /// when it is a symbolic link or writable by other users, where anyone could swap files under root.
    public static func makeDirectory(_ path: String, mode: mode_t) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw StoreError("\(path) is not a directory (a symbolic link?)") }
            guard st.st_mode & 0o002 == 0, st.st_uid == 0 || st.st_uid == geteuid() else {
                throw StoreError("\(path) is writable by other users or owned by another user; use a directory only root can write")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, !FileManager.default.fileExists(atPath: parent) {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        }
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw StoreError("cannot create \(path): \(errnoText())") }
        chmod(path, mode)
    }

    /// Renames without replacing: a backup never overwrites another file.
    static func renameNoReplace(_ from: String, _ to: String) -> Bool {
        guard link(from, to) == 0 else { return false }
        unlink(from)
        return true
    }

    /// `.NAME.partial-PID` next to the final file.
    public static func partialPath(for final: String) -> String {
        let url = URL(fileURLWithPath: final)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    }

    /// Flushes a file's data to disk.
    public static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError("cannot sync \(path): \(errnoText())") }
    }

    /// Syncs `partial`, renames it to `final` and syncs the directory, so the rename survives a power loss.
    public static func commit(_ partial: String, to final: String) throws {
        chmod(partial, 0o600)
        try sync(partial)
        guard renameNoReplace(partial, final) else { throw StoreError("cannot rename into \(final): \(errnoText())") }
        try sync((final as NSString).deletingLastPathComponent)
    }

    /// SHA-256 (hex) and size of a file, read in 1 MiB blocks: memory stays flat whatever the size.
    public static func sha256(_ path: String) throws -> (hex: String, size: Int64) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = SHA256()
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError("cannot read \(path): \(errnoText())")
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }

    /// Removes partial files in `directory` whose writer is no longer running. Returns their names.
    @discardableResult
    public static func removeStalePartials(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let range = name.range(of: ".partial-", options: .backwards) else { continue }
            let pidText = name[range.upperBound...]
            guard let pid = Int32(pidText.prefix { $0.isNumber }), pid != getpid() else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            let path = directory + "/" + name
            if (try? SafeRemove.remove(path)) != nil { removed.append(name) }
        }
        return removed
    }

    /// Removes a file or a whole tree if it exists; errors are ignored (used for clean-up after a failure). Never
    /// follows a symbolic link nor re-resolves a path (``SafeRemove``): the tree may be an app user's.
    public static func removeQuietly(_ path: String) {
        SafeRemove.removeQuietly(path)
    }

    /// The owner of `path`, to give files Steward creates for an app back to the app's user.
    /// The name of the user owning `path`; nil when root owns it (or it does not exist): who runs the app's tools
    /// and git in a tree it owns.
    public static func ownerName(of path: String) -> String? {
        guard let uid = owner(path)?.uid, uid != 0 else { return nil }
        return Account.name(of: uid)
    }

    public static func owner(_ path: String) -> (uid: uid_t, gid: gid_t)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A failure of the store or an engine, with a message meant for the operator (never a secret in it).
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
