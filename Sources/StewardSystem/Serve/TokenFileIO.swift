import Foundation
import StewardCore
#if canImport(Glibc)
import Glibc
#endif

/// Reading and replacing the token file. Reading opens once without following a link, then checks that descriptor
/// (regular, the expected owner, no group or other bits, bounded size); replacing writes a new 0600 file renamed
/// over the old (``SafeWrite``), so a reader never sees half a file and a kill leaves the old one whole.
public enum TokenFileIO {
    /// The text, nil when the file does not exist, or why it must not be used.
    static func read(_ path: String, ownerUID: uid_t) -> Result<String?, TokenStore.Refusal> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return .success(nil) }
            return .failure(.init(text: "\(path): cannot open: \(String(cString: strerror(errno)))", transient: errno != ELOOP))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.init(text: "\(path): cannot stat: \(String(cString: strerror(errno)))", transient: true)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.init(text: "\(path): not a regular file")) }
        guard st.st_uid == ownerUID else {
            return .failure(.init(text: "\(path): owned by uid \(st.st_uid), expected \(ownerUID); fix: chown root:root \(path)"))
        }
        guard st.st_mode & 0o077 == 0 else {
            return .failure(.init(text: "\(path): mode \(String(st.st_mode & 0o7777, radix: 8)) lets others in; fix: chmod 0600 \(path)"))
        }
        guard st.st_size <= TokenFile.maxBytes else { return .failure(.init(text: "\(path): larger than \(TokenFile.maxBytes) bytes")) }
        let data: Data
        do { data = try BoundedFile.read(descriptor: fd, limit: TokenFile.maxBytes, display: path) } catch {
            // Grown past the cap while read: what it holds. Anything else: an I/O failure, tried again next time.
            if case FileError.tooLarge? = error as? FileError { return .failure(.init(text: "\(path): larger than \(TokenFile.maxBytes) bytes")) }
            return .failure(.init(text: "\(path): cannot read: \(error)", transient: true))
        }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(.init(text: "\(path): not UTF-8 text")) }
        return .success(text)
    }

    /// The file's entries ([] when it does not exist yet), or why it cannot be used.
    public static func entries(_ path: String, ownerUID: uid_t = geteuid()) throws(StoreError) -> [TokenEntry] {
        switch TokenStore.load(path, ownerUID: ownerUID) {
        case .success(let entries): return entries
        case .failure(let refusal): throw StoreError(refusal.text)
        }
    }

    /// Replaces the file with `entries`, 0600, in a directory only the owner can write (root's `/etc/steward`,
    /// made 0755 when missing): a file in a directory another user can write could be swapped under the daemon.
    public static func write(_ entries: [TokenEntry], to path: String, ownerUID: uid_t = geteuid()) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        var st = stat()
        guard lstat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw StoreError("\(directory): not a directory") }
        guard st.st_uid == ownerUID, st.st_mode & 0o022 == 0 else {
            throw StoreError("\(directory): the token file's directory must be owned by uid \(ownerUID) and writable by it alone")
        }
        try SafeWrite.replace(name, in: directory, with: Data(TokenFile.format(entries).utf8), mode: 0o600)
    }
}
