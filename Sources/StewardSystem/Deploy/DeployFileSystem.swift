import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The app's files as the deploy engine reads and writes them, behind one protocol: the host's under a root
/// (``HostDeployFiles``, `/` in production, like the probes' ``HostFiles`` and the backups' ``HostBackupFiles``), or
/// an in-memory tree in unit tests.
///
/// Paths are as seen under the root (`/srv/chip/current`, what the records hold). The hardened primitives
/// (``SafePath``, ``SafeWrite``, ``SafeRemove``, ``BoundedFile``) stay where they are: the host implementation calls
/// them, so a fake never weakens them, it only stands in for them. The commands a deploy runs (git, pip, tar) name
/// paths as they are on the host; only under `/` are both the same.
public protocol DeployFileSystem: Sendable {
    /// Whether something is at `path`, links followed (as `stat`).
    func exists(_ path: String) -> Bool
    /// Whether root may run `path` (`access(X_OK)`).
    func isExecutable(_ path: String) -> Bool
    /// The text of the symbolic link at `path`; nil when it is not one.
    func readLink(_ path: String) -> String?
    /// Where `path` leads once every link is resolved (`realpath`), as seen under the root; nil when nothing is
    /// there or it leads outside the root.
    func resolved(_ path: String) -> String?
    /// The owner and permission bits of `path`, links followed (as `stat`).
    func status(_ path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t)?
    /// The names in a directory.
    func list(_ directory: String) throws -> [String]
    /// SHA-256 (hex) of a bounded read (``BoundedFile``), links followed: a release's requirements, its nginx sites.
    func sha256(_ path: String) throws -> String
    /// The text of the file `name` in `directory`, a directory its owner controls (a venv): reached without
    /// following a link that owner could plant, the file itself never a link, regular, at most `limit` bytes.
    func text(_ name: String, in directory: String, limit: Int) throws -> String
    /// `data` as the file `name` of `directory`, owned like it, never through a link (``SafeWrite``).
    func replace(_ name: String, in directory: String, with data: Data) throws
    /// Points the symbolic link `link` at `destination` in one `rename(2)`: a new link under `temporary` (owned like
    /// the link's directory), renamed over `link`, the directory synced.
    func replaceLink(_ link: String, with destination: String, temporary: String) throws
    /// Removes a file or tree without following links nor re-resolving a path (``SafeRemove``); errors ignored.
    func removeQuietly(_ path: String)
}

/// The host's files under `root` (`/` in production).
public struct HostDeployFiles: DeployFileSystem {
    /// Prepended to every path; empty for `/`.
    public let root: String

    /// `root` as ``HostFiles`` takes it (`/` or a directory).
    public init(root: String = "/") {
        self.root = HostFiles.prefix(root: root)
    }

    /// Where `path` is on the host (the root prepended).
    public func hostPath(_ path: String) -> String { root + path }

    public func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: hostPath(path)) }

    public func isExecutable(_ path: String) -> Bool { access(hostPath(path), X_OK) == 0 }

    public func readLink(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: hostPath(path)) }

    public func resolved(_ path: String) -> String? {
        guard let real = realpath(hostPath(path), nil) else { return nil }
        defer { Glibc.free(real) }
        let resolved = String(cString: real)
        if root.isEmpty { return resolved }
        guard resolved == root || resolved.hasPrefix(root + "/") else { return nil }
        return resolved == root ? "/" : String(resolved.dropFirst(root.count))
    }

    public func status(_ path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t)? {
        var st = stat()
        guard stat(hostPath(path), &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid, st.st_mode & 0o7777)
    }

    public func list(_ directory: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: hostPath(directory)) }

    public func sha256(_ path: String) throws -> String { try BoundedFile.sha256(hostPath(path)) }

    public func text(_ name: String, in directory: String, limit: Int) throws -> String {
        try SafeRead.text(name, in: hostPath(directory), limit: limit, display: directory)
    }

    public func replace(_ name: String, in directory: String, with data: Data) throws {
        try SafeWrite.replace(name, in: hostPath(directory), with: data)
    }

    public func replaceLink(_ link: String, with destination: String, temporary: String) throws {
        let (hostLink, hostTemporary) = (hostPath(link), hostPath(temporary))
        let directory = (hostLink as NSString).deletingLastPathComponent
        unlink(hostTemporary)
        guard symlink(destination, hostTemporary) == 0 else { throw StoreError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        if let owner = StoreFiles.owner(directory) { lchown(hostTemporary, owner.uid, owner.gid) }
        guard rename(hostTemporary, hostLink) == 0 else {
            unlink(hostTemporary)
            throw StoreError("cannot switch \(link): \(String(cString: strerror(errno)))")
        }
        try? StoreFiles.sync(directory)
    }

    public func removeQuietly(_ path: String) { SafeRemove.removeQuietly(hostPath(path)) }
}
