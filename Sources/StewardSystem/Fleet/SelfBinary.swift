import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The running Steward's own executable, as the fleet copies it to hosts: its path, SHA-256 and architecture.
public struct SelfBinary: Sendable, Equatable {
    public var path: String
    public var sha256: String
    /// `uname -m`'s word for the machine (`x86_64`, `aarch64`): a binary is copied only to a host that says the same.
    public var architecture: String

    public init(path: String, sha256: String, architecture: String) {
        self.path = path
        self.sha256 = sha256
        self.architecture = architecture
    }

    /// The executable behind this process (`/proc/self/exe`) and its digest (``digest(cache:)``).
    public static func current(cache: SelfDigestCache? = SelfDigestCache()) throws -> SelfBinary {
        let path = try FileManager.default.destinationOfSymbolicLink(atPath: runningExecutable)
        return SelfBinary(path: path, sha256: try digest(cache: cache), architecture: machine())
    }

    /// The SHA-256 of the executable this process runs: from `cache` when it has this file's entry, else hashed
    /// (0.4-1 s for the ~100 MB binary) and remembered there.
    public static func digest(cache: SelfDigestCache? = SelfDigestCache()) throws -> String {
        let key = SelfDigestCache.runningKey()
        if let cache, let key, let hex = cache.lookup(key) { return hex }
        let hex = try StoreFiles.sha256(runningExecutable).hex
        // The key is taken again: an entry is stored only when the file did not change while it was read.
        if let cache, let key, SelfDigestCache.runningKey() == key { cache.store(hex, for: key) }
        return hex
    }

    /// The executable this process runs, even after its path was replaced or removed: what is hashed and what is copied.
    public static let runningExecutable = "/proc/self/exe"

    /// This machine's `uname -m`.
    public static func machine() -> String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// The directory of the SSH master connections' sockets: root's alone (0700), made when missing. A socket there
/// is a logged-in session to a host: a directory another user could enter or replace would hand them the fleet.
public enum ControlDirectory {
    public static func ready(_ path: String) -> Result<Void, ControlDirectoryError> {
        var parts: [String] = []
        for component in path.split(separator: "/") {
            parts.append(String(component))
            let current = "/" + parts.joined(separator: "/")
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                return .failure(ControlDirectoryError("cannot make \(current): \(String(cString: strerror(errno)))"))
            }
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return .failure(ControlDirectoryError("cannot read \(path)")) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return .failure(ControlDirectoryError("\(path) is not a directory")) }
        guard st.st_uid == geteuid() else { return .failure(ControlDirectoryError("\(path) belongs to uid \(st.st_uid), not to Steward's user")) }
        if st.st_mode & 0o077 != 0, chmod(path, 0o700) != 0 {
            return .failure(ControlDirectoryError("\(path) is open to other users and cannot be closed"))
        }
        return .success(())
    }
}

public struct ControlDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
