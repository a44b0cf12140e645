import Foundation
#if canImport(Glibc)
import Glibc
#endif
import StewardCore

/// One session opened on a master connection's control socket, as `ssh -T HOST COMMAND` would open it when it rides
/// the master (``SSHMuxMessage``), without starting `ssh`: the fleet's agent sessions, ~7 ms less per host and run.
///
/// The master is OpenSSH's own, made by `ssh` (``SSH/options(_:)``: strict host keys, batch mode, nothing
/// forwarded); it serves only its own user on a socket in root's 0700 directory. Its refusal, or no master at all, is
/// ``Failure/unavailable(_:)``: nothing ran, and the caller runs `ssh` instead (which makes a master for the next time).
///
/// Blocking I/O (poll over the socket and three descriptors) on a thread of its own, never on the cooperative pool.
public enum SSHMuxSession {
    public enum Failure: Error, Equatable, Sendable {
        /// Nothing was started on the host.
        case unavailable(String)
        /// The session was opened and did not end within the time given.
        case timedOut
        /// The session was opened and then broke (output beyond the limit, the socket gone mid-message).
        case broken(String)
    }

    /// Runs `command` on the master at `socket` with `input` on its standard input; its output, error and exit status
    /// (255 when the session ended without one, as `ssh` exits then).
    public static func run(socket: String, command: String, input: [UInt8], timeout: Duration,
                           outputLimit: Int = 32 << 20) async -> Result<CommandResult, Failure> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: runBlocking(socket: socket, command: command, input: input, timeout: timeout, outputLimit: outputLimit))
            }
            thread.start()
        }
    }

    static func runBlocking(socket path: String, command: String, input: [UInt8], timeout: Duration, outputLimit: Int) -> Result<CommandResult, Failure> {
        let deadline = ContinuousClock.now + timeout
        var st = stat()
        guard lstat(path, &st) == 0 else { return .failure(.unavailable("no master connection")) }
        guard st.st_mode & S_IFMT == S_IFSOCK, st.st_uid == geteuid() else {
            return .failure(.unavailable("\(path) is not this user's control socket"))
        }
        let control = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard control >= 0 else { return .failure(.unavailable("socket: \(errnoText())")) }
        defer { close(control) }
        guard connectUnix(control, path) else { return .failure(.unavailable("connect: \(errnoText())")) }
        var reader = MessageReader(fd: control)

        guard sendAll(control, SSHMuxMessage.clientHello()),
              case .hello(let version)? = reader.next(until: deadline).flatMap(SSHMuxMessage.reply), version == SSHMuxMessage.protocolVersion else {
            return .failure(.unavailable("the master did not answer the multiplexing hello"))
        }
        guard sendAll(control, SSHMuxMessage.newSession(requestID: 1, command: command)) else {
            return .failure(.unavailable("the master closed the control connection"))
        }
        // The session's standard streams are socket pairs (ssh's channels take any descriptor): a write to the input
        // after the host closed it is an error (MSG_NOSIGNAL), never a SIGPIPE.
        var stdinPair: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        let pairType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, pairType, 0, &stdinPair) == 0 else { return .failure(.unavailable("socketpair: \(errnoText())")) }
        guard socketpair(AF_UNIX, pairType, 0, &outPipe) == 0 else { closeAll(stdinPair); return .failure(.unavailable("socketpair: \(errnoText())")) }
        guard socketpair(AF_UNIX, pairType, 0, &errPipe) == 0 else {
            closeAll(stdinPair + outPipe)
            return .failure(.unavailable("socketpair: \(errnoText())"))
        }
        let passed = [stdinPair[1], outPipe[1], errPipe[1]]
        let sent = passed.allSatisfy { sendDescriptor(control, $0) }
        closeAll(passed)
        var inputFD = stdinPair[0], outFD = outPipe[0], errFD = errPipe[0]
        defer { closeAll([inputFD, outFD, errFD].filter { $0 >= 0 }) }
        guard sent else { return .failure(.unavailable("could not pass the session's descriptors")) }
        switch reader.next(until: deadline).flatMap(SSHMuxMessage.reply) {
        case .sessionOpened?: break
        case .refused(let reason)?: return .failure(.unavailable("the master refused the session: \(reason.prefix(200))"))
        default: return .failure(.unavailable("the master did not open the session"))
        }

        var written = 0
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var status: UInt32?
        var controlOpen = true
        if input.isEmpty { close(inputFD); inputFD = -1 }
        while outFD >= 0 || errFD >= 0 || (status == nil && controlOpen) {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return .failure(.timedOut) }
            var fds: [pollfd] = []
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            if outFD >= 0 { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if errFD >= 0 { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            if controlOpen && status == nil { fds.append(pollfd(fd: control, events: Int16(POLLIN), revents: 0)) }
            let millis = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&fds, nfds_t(fds.count), millis)
            if ready < 0 { if errno == EINTR { continue }; return .failure(.broken("poll: \(errnoText())")) }
            for p in fds where p.revents != 0 {
                switch p.fd {
                case inputFD:
                    let n = input[written...].withUnsafeBytes { send(inputFD, $0.baseAddress, min($0.count, 64 << 10), Int32(MSG_NOSIGNAL)) }
                    if n > 0 { written += n }
                    if n < 0 && errno != EINTR && errno != EAGAIN || written == input.count { close(inputFD); inputFD = -1 }
                case outFD:
                    if !drain(&outFD, into: &stdout) { break }
                    if stdout.count > outputLimit { return .failure(.broken("more than \(outputLimit >> 20) MiB of output")) }
                case errFD:
                    if !drain(&errFD, into: &stderr) { break }
                    if stderr.count > 1 << 20 { return .failure(.broken("more than 1 MiB on standard error")) }
                default:
                    // The control socket: the exit message, or its end.
                    guard let body = reader.next(until: deadline) else { controlOpen = false; continue }
                    if case .exited(_, let code)? = SSHMuxMessage.reply(body) { status = code }
                }
            }
        }
        return .success(CommandResult(exitCode: status.map { Int32(truncatingIfNeeded: $0) } ?? 255,
                                       stdout: String(decoding: stdout, as: UTF8.self),
                                       stderr: String(decoding: stderr, as: UTF8.self)
                                           + (status == nil ? "steward: the session ended without an exit status\n" : "")))
    }

    /// Reads what `fd` has into `buffer`; at its end closes it and sets it to -1. False on a read error (also closed).
    static func drain(_ fd: inout Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return true }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { return true }
        close(fd)
        fd = -1
        return n == 0
    }

    /// Whole messages from the control socket: a length, then that many bytes (at most 256 KiB, far above any
    /// answer the protocol has).
    struct MessageReader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func next(until deadline: ContinuousClock.Instant) -> [UInt8]? {
            while true {
                if buffer.count >= 4, let length = SSHMuxMessage.length(header: Array(buffer.prefix(4))) {
                    guard length <= 256 << 10 else { return nil }
                    if buffer.count >= 4 + length {
                        let body = Array(buffer[4..<(4 + length)])
                        buffer.removeFirst(4 + length)
                        return body
                    }
                }
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { return nil }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let millis = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
                let ready = poll(&p, 1, millis)
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { return nil }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return nil }
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
    }

    static func connectUnix(_ fd: Int32, _ path: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { errno = ENAMETOOLONG; return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// One descriptor with one byte of data (SCM_RIGHTS), as the protocol passes the session's standard streams.
    static func sendDescriptor(_ socket: Int32, _ descriptor: Int32) -> Bool {
        var byte: UInt8 = 0
        let space = MemoryLayout<cmsghdr>.size + MemoryLayout<Int32>.size
        var control = [UInt8](repeating: 0, count: (space + 7) & ~7)
        return withUnsafeMutablePointer(to: &byte) { bytePointer in
            var vector = iovec(iov_base: UnsafeMutableRawPointer(bytePointer), iov_len: 1)
            return control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    let header = controlBytes.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                    header.pointee.cmsg_level = SOL_SOCKET
                    header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                    header.pointee.cmsg_len = MemoryLayout<cmsghdr>.size + MemoryLayout<Int32>.size
                    (controlBytes.baseAddress! + MemoryLayout<cmsghdr>.size).storeBytes(of: descriptor, as: Int32.self)
                    while true {
                        let n = sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                        if n < 0 && errno == EINTR { continue }
                        return n == 1
                    }
                }
            }
        }
    }

    static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
