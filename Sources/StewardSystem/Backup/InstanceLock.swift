import Foundation
import StewardCore

/// One operation (backup, restore, deploy) per app instance at a time: an `flock` on
/// `<state dir>/locks/<app@instance>.lock`, which the kernel releases when the holder dies, so a crash never leaves
/// it blocking. The file names the holder for the error the next operation prints.
public final class InstanceLock {
    let fd: Int32
    public let path: String
    /// What the file said when the lock was taken: a holder that died without releasing it (kill -9, power
    /// loss). The kernel freed the lock with the process; this names who it was, to report, not to obey.
    public let staleHolder: String?

    /// Takes the lock or throws a message naming who holds it.
    public init(stateDirectory: String, instance: String, purpose: String) throws {
        let dir = stateDirectory + "/locks"
        try StoreFiles.makeDirectory(dir, mode: 0o700)
        path = "\(dir)/\(instance).lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot open the lock \(path): \(StoreFiles.errnoText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw StoreError("\(instance) is busy: \(holder.isEmpty ? "another steward holds \(path)" : holder)")
        }
        let previous = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        staleHolder = previous.isEmpty ? nil : previous
        let since = Timestamp.iso(Date())
        let holder = "\(purpose) by pid \(getpid()) on \(Self.hostName) since \(since)\n"
        ftruncate(fd, 0)
        _ = holder.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Rewrites the holder's description (`deploy #12 of v1.2 by alice`) once it is known.
    public func describe(_ purpose: String) {
        let holder = "\(purpose) by pid \(getpid()) on \(Self.hostName) since \(Timestamp.iso(Date()))\n"
        ftruncate(fd, 0)
        _ = holder.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Whether some process holds the lock of `instance` now (a probe that takes and drops it at once). A
    /// `running` deploy whose lock nobody holds was interrupted.
    public static func isHeld(stateDirectory: String, instance: String) -> Bool {
        let path = "\(stateDirectory)/locks/\(instance).lock"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    public static var hostName: String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
