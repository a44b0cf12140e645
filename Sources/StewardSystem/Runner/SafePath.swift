import Foundation

/// Opens directories for root without letting a less trusted user redirect it.
///
/// Steward runs as root next to trees its app users own. A path such as `/srv/app/releases/v1` is only as safe as
/// every directory on it: the app's user can rename `releases` away and put a symbolic link to `/etc` in its place,
/// between the moment root checks a path and the moment it uses it. So root never resolves such a path twice: it
/// opens the directory once, component by component with `O_NOFOLLOW`, and then works relative to that descriptor
/// (`openat`, `unlinkat`, `renameat`).
public enum SafePath {
    /// A directory opened by ``openDirectory(_:)``: its descriptor and the path it was reached by, without links.
    public final class Directory: Sendable {
        public let fd: Int32
        /// The link-free path of the directory (what `realpath` would say when nothing changed meanwhile).
        public let path: String
        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }
        deinit { close(fd) }
    }

    /// The most symbolic links followed while resolving one path (Linux's own limit).
    static let maxLinks = 40

    /// Opens the absolute path `path` as a directory, one component at a time with `O_NOFOLLOW`. A symbolic link on
    /// the way is followed only when nobody but root could have made or changed it: root owns the link and its
    /// directory, and that directory is not writable by group or others. (`/var/run -> /run` is followed; a link an
    /// app user planted in a directory it can write is refused, with its path.) Links owned by `trusting`, or in a
    /// directory it owns, are followed too: for a tree that user owns anyway, where the caller then checks what the
    /// path leads to.
    public static func openDirectory(_ path: String, trusting: uid_t? = nil) throws -> Directory {
        guard path.hasPrefix("/") else { throw StoreError("\(path) is not an absolute path") }
        var fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError("cannot open /: \(StoreFiles.errnoText())") }
        var resolved: [String] = []
        var pending = components(path)
        var links = 0
        func fail(_ message: String) -> StoreError {
            close(fd)
            return StoreError(message)
        }
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == ".." {
                // The directory reached so far is a real one (no link in `resolved`), so its parent is `..`.
                let up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard up >= 0 else { throw fail("cannot open the parent of /\(resolved.joined(separator: "/")): \(StoreFiles.errnoText())") }
                close(fd)
                fd = up
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let here = "/" + (resolved + [name]).joined(separator: "/")
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next >= 0 {
                close(fd)
                fd = next
                resolved.append(name)
                continue
            }
            let openError = errno
            var st = stat()
            guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw fail("cannot open \(here): \(String(cString: strerror(openError)))")
            }
            guard (st.st_mode & S_IFMT) == S_IFLNK else { throw fail("\(here) is not a directory") }
            var dir = stat()
            guard fstat(fd, &dir) == 0 else { throw fail("cannot open \(here): \(StoreFiles.errnoText())") }
            // A link `trusting` owns, or one in a directory it owns (it can replace that link at will anyway).
            let trusted = (st.st_uid == 0 && dir.st_uid == 0 && dir.st_mode & 0o022 == 0)
                || (trusting.map { $0 != 0 && (st.st_uid == $0 || dir.st_uid == $0) } ?? false)
            guard trusted else {
                throw fail("\(here) is a symbolic link that \(userName(st.st_uid == 0 ? dir.st_uid : st.st_uid)) can change; refusing to follow it as root")
            }
            links += 1
            guard links <= maxLinks, let target = readLink(fd, name) else { throw fail("cannot resolve \(here) (too many links?)") }
            if target.hasPrefix("/") {
                let top = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard top >= 0 else { throw fail("cannot open /: \(StoreFiles.errnoText())") }
                close(fd)
                fd = top
                resolved = []
            }
            pending = components(target) + pending
        }
        return Directory(fd: fd, path: "/" + resolved.joined(separator: "/"))
    }

    /// Opens `path` as a directory inside an app's tree the way a probe reads it: the links its owner made or can
    /// change (a releases layout's `current -> releases/v3`) are followed, as long as the directory they lead to is
    /// still inside that tree; one that leads out of it (`current -> /root`) is refused, with where it leads.
    ///
    /// The tree is the first directory on the path, from `/`, that a user other than root owns (`/srv/marb`); it is
    /// opened with root's rule (``openDirectory(_:trusting:)`` without a user), then `path` with its owner's links
    /// trusted, and the two link-free paths compared. A path with no such directory is opened with root's rule alone.
    public static func openInOwnersTree(_ path: String) throws -> Directory {
        guard let tree = ownersTree(of: path) else { return try openDirectory(path) }
        let top = try openDirectory(tree.path)
        let opened = try openDirectory(path, trusting: tree.uid)
        guard opened.path == top.path || opened.path.hasPrefix(top.path == "/" ? "/" : top.path + "/") else {
            throw StoreError("\(path) leads to \(opened.path), outside \(tree.path) (the tree \(userName(tree.uid)) owns); refusing to follow it as root")
        }
        return opened
    }

    /// The parent of `path` opened by ``openInOwnersTree(_:)``, and the last component's name.
    public static func openParentInOwnersTree(of path: String) throws -> (parent: Directory, name: String) {
        let (directory, name) = try split(path)
        return (try openInOwnersTree(directory), name)
    }

    /// The first real directory on `path`, from `/`, that a user other than root owns, and that user; nil when there
    /// is none, or when a link on the way is not root's or the path climbs with `..` (then root's rule alone).
    static func ownersTree(of path: String) -> (path: String, uid: uid_t)? {
        guard path.hasPrefix("/") else { return nil }
        var prefix = ""
        for name in components(path) {
            guard name != ".." else { return nil }
            prefix += "/" + name
            var st = stat()
            guard lstat(prefix, &st) == 0 else { return nil }
            switch st.st_mode & S_IFMT {
            case S_IFLNK where st.st_uid == 0: continue
            case S_IFDIR where st.st_uid != 0: return (prefix, st.st_uid)
            case S_IFDIR: continue
            default: return nil
            }
        }
        return nil
    }

    /// The parent directory of `path`, opened by ``openDirectory(_:)``, and the last component's name.
    public static func openParent(of path: String, trusting: uid_t? = nil) throws -> (parent: Directory, name: String) {
        let (directory, name) = try split(path)
        return (try openDirectory(directory, trusting: trusting), name)
    }

    /// An absolute path's directory and last component, which must name a file in it.
    static func split(_ path: String) throws -> (directory: String, name: String) {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        guard path.hasPrefix("/"), !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw StoreError("\(path) does not name a file in a directory")
        }
        return (url.deletingLastPathComponent().path, name)
    }

    /// The text of the symbolic link `name` in the directory `fd`.
    public static func readLink(_ fd: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, name, &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }

    static func userName(_ uid: uid_t) -> String {
        Account.name(of: uid).map { "user \($0)" } ?? "uid \(uid)"
    }

    /// The names (but `.` and `..`) in the open directory `fd` (read through a duplicate, so `fd` stays open for `unlinkat`).
    public static func entries(_ fd: Int32, display: String) throws -> [String] {
        try typedEntries(fd, display: display).map(\.name)
    }

    /// A name in a directory and readdir's type for it (`DT_DIR`, `DT_REG`…; `DT_UNKNOWN` where the filesystem does
    /// not say): a walk that knows the types stats only the entries it cares about.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var type: UInt8
    }

    /// The entries (but `.` and `..`) in the open directory `fd`, at most `limit` of them, read through a duplicate.
    public static func typedEntries(_ fd: Int32, display: String, limit: Int = .max) throws -> [Entry] {
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw StoreError("cannot read \(display): \(StoreFiles.errnoText())")
        }
        defer { closedir(dir) }
        rewinddir(dir)  // the duplicate shares the offset of `fd`, which an earlier listing left at the end
        var found: [Entry] = []
        while found.count < limit, let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { found.append(Entry(name: name, type: entry.pointee.d_type)) }
        }
        return found
    }

    /// Creates a new directory only root can enter, named `prefix` and a random suffix, in the open directory
    /// `parent`, and opens it. Made with `mkdirat` (which never reuses an existing name nor follows a link) and
    /// checked once open: an app user who renamed it away and put its own in its place is caught.
    public static func makePrivateDirectory(in parent: Int32, prefix: String, display: String) throws -> (name: String, fd: Int32) {
        for _ in 0..<5 {
            let name = prefix + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            guard mkdirat(parent, name, 0o700) == 0 else { throw StoreError("cannot create a private directory in \(display): \(StoreFiles.errnoText())") }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var st = stat()
            if fd >= 0, fstat(fd, &st) == 0, st.st_uid == geteuid(), st.st_mode & 0o077 == 0 { return (name, fd) }
            if fd >= 0 { close(fd) }
            // Replaced between mkdirat and openat: another name (what is there now is not ours to remove).
        }
        throw StoreError("a private directory made in \(display) was replaced each time before it was opened; refusing to go on")
    }

    /// A path that names the open directory `fd` for a child process (`tar --directory=`): the kernel resolves
    /// `/proc/PID/fd/N` to the very directory Steward opened, whatever was renamed or linked since.
    public static func procPath(_ fd: Int32) -> String { "/proc/\(getpid())/fd/\(fd)" }
}
