import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a small file Steward keeps in a directory a less trusted user may write (the venv's requirements stamp), as
/// root, without letting that user redirect the read: the directory is reached as ``SafeWrite`` reaches it (links
/// followed only when root or the directory's own owner made them), the file opened relative to it with
/// `O_NOFOLLOW` (a planted link is refused, never read through), and read bounded as a regular file (``BoundedFile``).
/// What a stamp says thus comes from the same file ``SafeWrite/replace(_:in:with:mode:)`` writes.
enum SafeRead {
    /// - Parameter display: the directory named in errors (the path under a fixture root, not the host path).
    static func text(_ name: String, in directoryPath: String, limit: Int, display: String) throws -> String {
        var st = stat()
        guard lstat(directoryPath, &st) == 0 else { throw StoreError("\(display): \(StoreFiles.errnoText())") }
        let directory = try SafePath.openDirectory(directoryPath, trusting: st.st_uid)
        let shown = display + "/" + name
        let fd = openat(directory.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ELOOP { throw StoreError("\(shown) is a symbolic link; root does not read through it") }
            throw StoreError("cannot open \(shown): \(StoreFiles.errnoText())")
        }
        defer { close(fd) }
        return String(decoding: try BoundedFile.read(descriptor: fd, limit: limit, display: shown), as: UTF8.self)
    }
}
