import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Facts about a file: who owns it and its permission bits.
public struct FileInfo: Sendable, Equatable {
    public var exists: Bool
    public var isDirectory: Bool
    public var owner: String
    public var group: String
    public var mode: Int
    public var size: Int64
    public var denied = false

    public static let missing = FileInfo(exists: false, isDirectory: false, owner: "", group: "", mode: 0, size: 0)
    /// The path may exist, but a directory on the way cannot be searched: not the same as missing.
    public static let denied = FileInfo(exists: true, isDirectory: false, owner: "?", group: "?", mode: 0, size: 0, denied: true)
}

/// Every file read of the probes goes through here, under a root (`/` on a host, a fixture tree in tests),
/// like node_exporter's `--path.rootfs`.
public struct HostFiles: Sendable {
    public let root: String
    /// The root's own /etc/passwd and /etc/group, so owners resolve to names of the audited tree.
    private let users: [Int: String]
    private let groups: [Int: String]

    public init(root: String = "/") {
        self.root = Self.prefix(root: root)
        func table(_ path: String) -> [Int: String] {
            guard let text = try? BoundedFile.text(Self.prefix(root: root) + path, limit: 64 << 20) else { return [:] }
            var map: [Int: String] = [:]
            for line in text.split(separator: "\n") {
                let f = line.split(separator: ":", omittingEmptySubsequences: false)
                if f.count > 2, let id = Int(f[2]) { map[id] = String(f[0]) }
            }
            return map
        }
        users = table("/etc/passwd")
        groups = table("/etc/group")
    }

    /// What a root prepends to a path: nothing for `/`, else the directory without a trailing slash. The probes'
    /// files, the backup store's and the deploy's all take their root this way.
    public static func prefix(root: String) -> String {
        root == "/" ? "" : (root.hasSuffix("/") ? String(root.dropLast()) : root)
    }

    /// The host path of an audited path.
    public func path(_ p: String) -> String { root + p }

    /// A message about host paths with `root` taken out of them: paths as the audit names them (the inverse of
    /// ``path(_:)``, for errors that were made from host paths).
    public static func unrooted(_ message: String, root: String) -> String {
        root.isEmpty ? message : message.replacingOccurrences(of: root, with: "")
    }

    /// The file's text; bytes that are not UTF-8 are replaced rather than making the whole file unreadable.
    /// Bounded (see ``BoundedFile``): a device, FIFO or socket is refused, and so is a file over `limit` bytes
    /// (default: ``BoundedFile/defaultLimit``; for `/proc`, which the kernel writes and where `/proc/net/tcp` of a busy
    /// host runs to megabytes, ``procLimit``).
    public func read(_ p: String, limit: Int? = nil) throws -> String {
        try BoundedFile.text(path(p), limit: limit ?? (p.hasPrefix("/proc/") ? Self.procLimit : BoundedFile.defaultLimit), display: p)
    }

    public static let procLimit = 256 << 20

    /// `read`, or nil when the file is missing or unreadable.
    public func readIfPresent(_ p: String) -> String? { try? read(p) }

    public func info(_ p: String) -> FileInfo {
        var st = stat()
        guard stat(path(p), &st) == 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .denied }
        let uid = Int(st.st_uid), gid = Int(st.st_gid)
        return FileInfo(exists: true, isDirectory: (st.st_mode & S_IFMT) == S_IFDIR,
                        owner: users[uid] ?? String(uid), group: groups[gid] ?? String(gid),
                        mode: Int(st.st_mode & 0o7777), size: Int64(st.st_size))
    }

    public func exists(_ p: String) -> Bool { access(path(p), F_OK) == 0 }

    /// Whether the program can be run; nil when that cannot be told (a directory on the way is not searchable).
    public func isExecutable(_ p: String) -> Bool? {
        if access(path(p), X_OK) == 0 { return true }
        if access(path(p), F_OK) == 0 { return false }  // there, but not executable
        return errno == EACCES ? nil : false
    }

    /// Entries of a directory, sorted; empty when it is missing.
    public func list(_ p: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(p))) ?? []).sorted()
    }

    /// Target of a symbolic link, or nil.
    public func linkTarget(_ p: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path(p))
    }

    /// Size and free space of the filesystem holding `p` (as `df` reports: available to unprivileged users).
    public func filesystemUsage(_ p: String) -> (size: Int64, used: Int64, available: Int64)? {
        var s = statvfs()
        guard statvfs(path(p), &s) == 0 else { return nil }
        let block = Int64(clamping: s.f_frsize)
        // df: size = f_blocks; used = f_blocks - f_bfree; avail = f_bavail. Clamped: some FUSE filesystems report nonsense.
        func bytes(_ blocks: UInt) -> Int64 { Int64(clamping: blocks).multipliedReportingOverflow(by: block).partialValue }
        return (bytes(UInt(s.f_blocks)), bytes(s.f_blocks >= s.f_bfree ? UInt(s.f_blocks - s.f_bfree) : 0), bytes(UInt(s.f_bavail)))
    }
}

public enum FileError: Error, Equatable, CustomStringConvertible {
    case missing(String), permissionDenied(String), unreadable(String), notRegular(String), tooLarge(String, limit: Int)

    public var description: String {
        switch self {
        case .missing(let p): "\(p): no such file"
        case .permissionDenied(let p): "\(p): permission denied"
        case .unreadable(let p): "\(p): cannot be read"
        case .notRegular(let p): "\(p): not a regular file (a device, FIFO or socket is never read)"
        case .tooLarge(let p, let limit): "\(p): larger than \(limit / 1024) KiB, not read"
        }
    }
}
