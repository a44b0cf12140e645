#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Synchronization

/// Tells systemd how the daemon is (`READY=1`, `WATCHDOG=1`, `STOPPING=1`, `STATUS=…`): one datagram per message
/// to `$NOTIFY_SOCKET`, the protocol of sd_notify(3) without libsystemd. A name starting with `@` is in the abstract
/// namespace. Sending never fails the daemon: an error is logged once.
public final class SystemdNotifier: Sendable {
    public let path: String
    private let fd: Int32
    private let warned = Mutex(false)
    private let logger: Logger

    /// Nil when `path` is nil, empty, or not a socket name sd_notify accepts (absolute or `@abstract`, shorter
    /// than `sun_path`), or when no socket can be made.
    public init?(socket path: String?, logger: Logger = Logger(label: "steward.serve.notify")) {
        guard let path, path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count < 108 else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.path = path
        self.fd = fd
        self.logger = logger
    }

    deinit { close(fd) }

    /// Sends `state` (lines of `KEY=VALUE`); true when the datagram left.
    @discardableResult
    public func send(_ state: String) -> Bool {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var name = Array(path.utf8)
        if name.first == UInt8(ascii: "@") { name[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in name.enumerated() { raw[i] = byte }
        }
        // The address length counts the name's bytes only: an abstract name has no terminating NUL.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &addr) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length) }
            }
        }
        if sent < 0 {
            let error = String(cString: strerror(errno))
            let first = warned.withLock { warned in
                defer { warned = true }
                return !warned
            }
            if first { logger.warning("cannot notify systemd at \(path): \(error)") }
            return false
        }
        return true
    }
}
