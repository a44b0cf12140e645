import Foundation
import StewardCore

/// Where a notice waits as a file for the program that sends it: `sendmail` and a `command` channel read it on
/// stdin (``Command/inputFile``, opened by the runner as root even when the command runs as another user). A
/// root-only directory (`/run/steward/outbox`, 0700, refused when a link or writable by others) and files created
/// 0600 without following links: an email holds the alert's details, and no other user may read or swap it.
struct AlertOutbox {
    let directory: String

    /// A new file holding `bytes`; its path. The caller removes it (``remove(_:)``) once the program has run.
    func store(_ bytes: [UInt8], suffix: String) throws(OutboxError) -> String {
        do { try StoreFiles.makeDirectory(directory, mode: 0o700) } catch { throw OutboxError("outbox \(directory): \(error)") }
        let path = directory + "/" + UUID().uuidString.lowercased() + suffix
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OutboxError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw OutboxError("cannot write \(path): \(reason)")
            }
            written += n
        }
        return path
    }

    func remove(_ path: String) {
        unlink(path)
    }

    struct OutboxError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
