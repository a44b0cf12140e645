import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way Steward reads a file an app user may control (env files, nginx configs and their includes, ngrok
/// YAML, pyvenv.cfg, requirements.txt, migration files): a symlink to `/dev/zero` or a FIFO must not hang root or
/// eat its memory, so the file is opened without blocking, must be a regular file once opened (fstat of the open
/// descriptor, not of a path that can be swapped), and is read up to a cap.
public enum BoundedFile {
    /// Larger than any real env file, site config or requirements list; small enough to hold in memory many times.
    public static let defaultLimit = 4 << 20

    /// The file's bytes. Throws `FileError.missing`, `.permissionDenied`, `.notRegular` or `.tooLarge`.
    /// - Parameter display: the path named in errors (the audited path, not the host path under a fixture root).
    public static func read(_ path: String, limit: Int = defaultLimit, display: String? = nil) throws -> Data {
        let name = display ?? path
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw FileError.missing(name)
            case EACCES, EPERM: throw FileError.permissionDenied(name)
            default: throw FileError.unreadable(name)
            }
        }
        defer { close(fd) }
        return try read(descriptor: fd, limit: limit, display: name)
    }

    /// The bytes of a file already opened (by `openat` with `O_NOFOLLOW` in a directory opened safely): regular, capped.
    /// Reads from the descriptor's current offset; does not close it.
    public static func read(descriptor fd: Int32, limit: Int = defaultLimit, display name: String) throws -> Data {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.unreadable(name) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError.notRegular(name) }
        if Int64(st.st_size) > Int64(limit) { throw FileError.tooLarge(name, limit: limit) }
        // The size can change while reading (a file still being written): read until EOF, never past the cap.
        var data = Data()
        let chunk = 64 << 10
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.unreadable(name)
            }
            if n == 0 { break }
            if data.count + n > limit { throw FileError.tooLarge(name, limit: limit) }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return data
    }

    /// `read` as text; bytes that are not UTF-8 are replaced rather than making the whole file unreadable.
    public static func text(_ path: String, limit: Int = defaultLimit, display: String? = nil) throws -> String {
        String(decoding: try read(path, limit: limit, display: display), as: UTF8.self)
    }

    /// SHA-256 (hex) of a bounded read: the release's requirements.txt, nginx sites and migration files are the app
    /// user's, so hashing them must not stream `/dev/zero` forever.
    public static func sha256(_ path: String, limit: Int = defaultLimit) throws -> String {
        SHA256.hash(data: try read(path, limit: limit)).map { String(format: "%02x", $0) }.joined()
    }
}
