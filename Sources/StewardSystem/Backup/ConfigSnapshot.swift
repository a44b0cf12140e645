import Foundation
import StewardCore

/// The config snapshot of an instance (env files, unit file and drop-ins): copied, bounded, into a private staging
/// directory before tar archives it, and put back file by file without following a link another user controls.
///
/// Those files are often links (into `/etc/…`, or an env file the app's user manages), so the snapshot takes what a
/// link points to. But `tar --dereference` as root would read whatever an app user points a link at: `/dev/zero`
/// (endless), a FIFO (hangs), a huge file, or root's own files. Here each file is opened once with `O_PATH` (which
/// opens no device), checked to be a regular file of at most ``maxFileBytes``, then read through that very inode.
enum ConfigSnapshot {
    /// The largest config file the snapshot takes (env and unit files are a few KiB).
    static let maxFileBytes: Int64 = 1 << 20
    /// `O_PATH` (Linux): a descriptor that names a file without opening it (no device driver is involved).
    static let oPath: Int32 = 0o10000000

    /// Copies each of `files` (absolute paths, read under the host directory `root`, empty for `/`) into the
    /// private directory `staging`, under the same path relative to `/`, with its owner, mode and modification time.
    static func stage(_ files: [String], root: String = "", into staging: Int32, display: String) throws {
        var staged = Set<String>()
        for path in files where staged.insert(SafePath.components(path).joined(separator: "/")).inserted {
            let source = try openPath(root + path)
            defer { close(source) }
            var st = stat()
            guard fstat(source, &st) == 0 else { throw StoreError("cannot read \(path): \(StoreFiles.errnoText())") }
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                throw StoreError("\(path) is \(kind(st.st_mode)), not a regular file; the config snapshot takes regular files only")
            }
            guard Int64(st.st_size) <= maxFileBytes else {
                throw StoreError("\(path) is \(st.st_size) bytes, more than the config snapshot's limit of \(maxFileBytes) bytes")
            }
            let input = open(SafePath.procPath(source), O_RDONLY | O_NOCTTY | O_CLOEXEC)
            guard input >= 0 else { throw StoreError("cannot read \(path): \(StoreFiles.errnoText())") }
            defer { close(input) }
            let relative = SafePath.components(path)
            let directory = try makeDirectories(relative.dropLast(), in: staging, display: display)
            defer { if directory != staging { close(directory) } }
            let output = openat(directory, relative.last!, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard output >= 0 else { throw StoreError("cannot stage \(path) in \(display): \(StoreFiles.errnoText())") }
            defer { close(output) }
            // At most the limit and one byte: a file that grew past it since the fstat is refused, not read on.
            guard try copy(from: input, to: output, limit: maxFileBytes + 1) <= maxFileBytes else {
                throw StoreError("\(path) grew past the config snapshot's limit of \(maxFileBytes) bytes while it was read")
            }
            _ = fchown(output, st.st_uid, st.st_gid)
            _ = fchmod(output, st.st_mode & 0o7777)
            var times = [st.st_atim, st.st_mtim]
            _ = futimens(output, &times)
        }
    }

    /// Puts every regular file under the private directory `staged` (an extracted snapshot) back at its path
    /// relative to `/` (under the host directory `root`, empty for `/`). Returns the paths written.
    static func install(from staged: String, root: String = "") throws -> [String] {
        var written: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: staged) else { throw StoreError("cannot read \(staged)") }
        for case let relative as String in walker {
            var st = stat()
            guard lstat(staged + "/" + relative, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            written.append(try install(staged + "/" + relative, to: root + "/" + relative, depth: 0))
        }
        return written
    }

    /// Opens `path` with `O_PATH`. A symbolic link is followed when root made it in a directory only root can write;
    /// another user's link only to a file that user owns (its own env file, not root's).
    static func openPath(_ path: String, depth: Int = 0) throws -> Int32 {
        let (parent, name) = try SafePath.openParent(of: path)
        let fd = openat(parent.fd, name, oPath | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(errno == ENOENT ? "\(path) does not exist" : "cannot open \(path): \(StoreFiles.errnoText())") }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); throw StoreError("cannot read \(path): \(StoreFiles.errnoText())") }
        guard (st.st_mode & S_IFMT) == S_IFLNK else { return fd }
        close(fd)
        guard depth < 8, let text = SafePath.readLink(parent.fd, name) else { throw StoreError("cannot resolve \(path) (too many links?)") }
        let target = text.hasPrefix("/") ? text : parent.path + "/" + text
        let opened = try openPath(target, depth: depth + 1)
        if !rootMade(link: st, in: parent.fd) {
            var t = stat()
            guard fstat(opened, &t) == 0, t.st_uid == st.st_uid else {
                close(opened)
                throw StoreError("\(path) is a symbolic link of \(SafePath.userName(st.st_uid)) to \(target), which that user does not own; refusing to read it as root")
            }
        }
        return opened
    }

    /// Writes the staged file at `destination`: a new file under a temporary name in the destination's directory
    /// (created, never opened through a link), renamed over the old one. A link at the destination is written
    /// through (the snapshot holds what it pointed to) under the same rules as ``openPath(_:depth:)``.
    static func install(_ staged: String, to destination: String, depth: Int) throws -> String {
        try makeMissingParents(of: destination)
        let (parent, name) = try SafePath.openParent(of: destination)
        var existing = stat()
        if fstatat(parent.fd, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            switch existing.st_mode & S_IFMT {
            case S_IFLNK:
                guard depth < 8, let text = SafePath.readLink(parent.fd, name) else { throw StoreError("cannot resolve \(destination) (too many links?)") }
                let target = text.hasPrefix("/") ? text : parent.path + "/" + text
                if !rootMade(link: existing, in: parent.fd) {
                    let (tp, tn) = try SafePath.openParent(of: target)
                    var t = stat()
                    guard fstatat(tp.fd, tn, &t, AT_SYMLINK_NOFOLLOW) == 0, (t.st_mode & S_IFMT) == S_IFREG, t.st_uid == existing.st_uid else {
                        throw StoreError("\(destination) is a symbolic link of \(SafePath.userName(existing.st_uid)) to \(target), which is not that user's file; not restored through it")
                    }
                }
                return try install(staged, to: target, depth: depth + 1)
            case S_IFREG:
                break
            default:
                throw StoreError("\(destination) is \(kind(existing.st_mode)); not restored over it")
            }
        }
        var st = stat()
        let input = open(staged, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0, fstat(input, &st) == 0 else { throw StoreError("cannot read the extracted \(destination): \(StoreFiles.errnoText())") }
        defer { close(input) }
        try SafeWrite.replace(name, in: parent.fd, display: parent.path, owner: (st.st_uid, st.st_gid), mode: st.st_mode,
                              times: [st.st_atim, st.st_mtim]) { output in _ = try copy(from: input, to: output, limit: Int64.max) }
        return parent.path == "/" ? "/" + name : parent.path + "/" + name
    }

    /// Creates the directories missing above `path` (a config directory deleted since the backup, which holds files
    /// only), root's with mode 0755, each with `mkdirat` in its parent opened safely.
    static func makeMissingParents(of path: String) throws {
        let parts = SafePath.components((path as NSString).deletingLastPathComponent)
        var existing = parts.count
        while existing > 0, (try? SafePath.openDirectory("/" + parts.prefix(existing).joined(separator: "/"))) == nil { existing -= 1 }
        guard existing < parts.count else { return }
        var dir = try SafePath.openDirectory("/" + parts.prefix(existing).joined(separator: "/"))
        for (i, name) in parts.enumerated().dropFirst(existing) {
            guard mkdirat(dir.fd, name, 0o755) == 0 || errno == EEXIST else {
                throw StoreError("cannot create /\(parts.prefix(i + 1).joined(separator: "/")): \(StoreFiles.errnoText())")
            }
            dir = try SafePath.openDirectory("/" + parts.prefix(i + 1).joined(separator: "/"))
        }
    }

    /// A link root made in a directory nobody else can write: what it says is root's own choice.
    static func rootMade(link: stat, in directory: Int32) -> Bool {
        var dir = stat()
        return link.st_uid == 0 && fstat(directory, &dir) == 0 && dir.st_uid == 0 && dir.st_mode & 0o022 == 0
    }

    /// Opens (creating) the directories `components` under `base`, all private (in a private staging directory).
    static func makeDirectories(_ components: ArraySlice<String>, in base: Int32, display: String) throws -> Int32 {
        var fd = base
        for name in components {
            _ = mkdirat(fd, name, 0o700)
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd != base { close(fd) }
            guard next >= 0 else { throw StoreError("cannot create \(name) in \(display): \(StoreFiles.errnoText())") }
            fd = next
        }
        return fd
    }

    /// Copies at most `limit` bytes; returns how many were copied.
    static func copy(from input: Int32, to output: Int32, limit: Int64) throws -> Int64 {
        let size = 1 << 16
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while total < limit {
            let n = read(input, buffer, Int(min(Int64(size), limit - total)))
            if n < 0 { if errno == EINTR { continue }; throw StoreError("read failed: \(StoreFiles.errnoText())") }
            if n == 0 { break }
            var done = 0
            while done < n {
                let w = write(output, buffer + done, n - done)
                if w < 0 { if errno == EINTR { continue }; throw StoreError("write failed: \(StoreFiles.errnoText())") }
                done += w
            }
            total += Int64(n)
        }
        return total
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}
