import Foundation

/// The file operations of the backup store and the engines' own simple file needs, behind one protocol: the host's
/// files under a root (``HostBackupFiles``, like the probes' ``HostFiles``), or an in-memory tree in unit tests.
///
/// Paths are as seen under the root (`/var/backups/steward/…`, what the catalog records); ``hostPath(_:)`` is what a
/// tool is handed in its argv. The hardened primitives (``StoreFiles``, ``SafeRemove``, ``SafePath``) stay where
/// they are: the host implementation calls them, so a fake never weakens them, it only stands in for them.
public protocol BackupFileSystem: Sendable {
    /// Where `path` is on the host (the root prepended).
    func hostPath(_ path: String) -> String
    /// ``StoreFiles/makeDirectory(_:mode:)``: created private when missing, refused when others could write it.
    func makeDirectory(_ path: String, mode: mode_t) throws
    /// Removes partial files whose writer is gone.
    func removeStalePartials(in directory: String)
    func exists(_ path: String) -> Bool
    /// The size of a file, nil when it is not there (sampled for progress while a tool writes).
    func size(_ path: String) -> Int64?
    /// SHA-256 (hex) and size, streamed.
    func sha256(_ path: String) throws -> (hex: String, size: Int64)
    /// Syncs `partial`, renames it to `final` without replacing anything, and syncs the directory.
    func commit(_ partial: String, to final: String) throws
    /// Removes a file or tree without following links (``SafeRemove``).
    func remove(_ path: String) throws
    /// ``remove(_:)`` for clean-up after a failure: errors are ignored.
    func removeQuietly(_ path: String)
    /// A text file Steward wrote itself in its store (tar's listing), nil when unreadable.
    func text(_ path: String) -> String?
    /// The regular files under `directory`, links not followed: their inode and size (to count what a scratch
    /// extraction holds).
    func regularFiles(under directory: String) -> [(inode: UInt64, size: Int64)]
}

/// The host's files under `root` (`/` in production).
public struct HostBackupFiles: BackupFileSystem {
    /// Prepended to every path; empty for `/`.
    public let root: String

    /// `root` as ``HostFiles`` takes it (`/` or a directory).
    public init(root: String = "/") {
        self.root = HostFiles.prefix(root: root)
    }

    public func hostPath(_ path: String) -> String { root + path }

    public func makeDirectory(_ path: String, mode: mode_t) throws { try StoreFiles.makeDirectory(hostPath(path), mode: mode) }

    public func removeStalePartials(in directory: String) { StoreFiles.removeStalePartials(in: hostPath(directory)) }

    public func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: hostPath(path)) }

    public func size(_ path: String) -> Int64? {
        var st = stat()
        return lstat(hostPath(path), &st) == 0 ? Int64(st.st_size) : nil
    }

    public func sha256(_ path: String) throws -> (hex: String, size: Int64) { try StoreFiles.sha256(hostPath(path)) }

    public func commit(_ partial: String, to final: String) throws { try StoreFiles.commit(hostPath(partial), to: hostPath(final)) }

    public func remove(_ path: String) throws { try SafeRemove.remove(hostPath(path)) }

    public func removeQuietly(_ path: String) { StoreFiles.removeQuietly(hostPath(path)) }

    public func text(_ path: String) -> String? { try? String(contentsOfFile: hostPath(path), encoding: .utf8) }

    public func regularFiles(under directory: String) -> [(inode: UInt64, size: Int64)] {
        let base = hostPath(directory)
        var files: [(inode: UInt64, size: Int64)] = []
        if let walker = FileManager.default.enumerator(atPath: base) {
            for case let relative as String in walker {
                var st = stat()
                guard lstat(base + "/" + relative, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                files.append((UInt64(st.st_ino), Int64(st.st_size)))
            }
        }
        return files
    }
}
