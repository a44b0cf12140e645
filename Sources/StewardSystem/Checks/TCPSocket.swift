import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection with deadlines on every step, for the small line protocols checks speak (RESP).
/// Each call waits at most until `deadline`; nothing blocks longer than the check's timeout.
final class TCPSocket {
    private let fd: Int32
    let deadline: ContinuousClock.Instant

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private init(fd: Int32, deadline: ContinuousClock.Instant) {
        self.fd = fd
        self.deadline = deadline
    }

    deinit { close(fd) }

    static func remainingMs(_ deadline: ContinuousClock.Instant) -> Int32 {
        let left = deadline - ContinuousClock.now
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }

    /// Connects to `host:port` (names resolved with getaddrinfo), trying each address until one answers.
    static func connect(host: String, port: Int, timeoutMs: Int) throws -> TCPSocket {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(list) }
        var lastError = "no address for \(host)"
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let ai = node {
            node = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 {
                return TCPSocket(fd: fd, deadline: deadline)
            }
            guard errno == EINPROGRESS else {
                lastError = String(cString: strerror(errno))
                close(fd)
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, remainingMs(deadline))
            if ready == 0 {
                close(fd)
                throw Failure(description: "connection to \(host):\(port) timed out after \(timeoutMs) ms")
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if ready > 0 && err == 0 { return TCPSocket(fd: fd, deadline: deadline) }
            lastError = String(cString: strerror(err != 0 ? err : errno))
            close(fd)
        }
        throw Failure(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&pfd, 1, Self.remainingMs(deadline)) > 0 else { throw Failure(description: "write timed out") }
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "connection closed while writing") }
            offset += n
        }
    }

    /// Reads whatever is available (at least one byte), waiting until the deadline.
    func receive() throws -> [UInt8] {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Self.remainingMs(deadline)) > 0 else { throw Failure(description: "read timed out") }
        var buffer = [UInt8](repeating: 0, count: 16384)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw Failure(description: "connection closed by the server") }
        return Array(buffer[..<n])
    }
}
