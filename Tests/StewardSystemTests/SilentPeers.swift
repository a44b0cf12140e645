import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Peers that never answer, made of real kernel objects, for the tests that hold checks and probes to their
/// timeouts.
enum SilentPeers {
    /// A listening socket on 127.0.0.1 that never accepts: connections complete in the kernel's backlog, and
    /// whatever is sent to them is never read or answered. Close the descriptor to end it.
    static func listener(backlog: Int32 = 16) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, backlog) == 0 else { close(fd); throw Failure("bind/listen: \(errno)") }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A listener whose accept queue is full (backlog 0, two connections queued): the kernel drops the SYN of any
    /// further connection, which so never completes. Close every descriptor to end it.
    static func fullBacklog() throws -> (fds: [Int32], port: Int) {
        let (fd, port) = try listener(backlog: 0)
        var fds = [fd]
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        for _ in 0..<2 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            fds.append(c)
        }
        usleep(200_000)  // let the handshakes fill the queue
        return (fds, port)
    }

    /// A FUSE mount with no daemon behind it: the kernel's INIT request is never answered, so every `statvfs` of
    /// the mount sleeps until the device is closed, as on an NFS mount whose server is gone. Needs root and
    /// /dev/fuse (no FUSE library or package: the kernel's own protocol, never spoken).
    final class HungMount {
        let path: String
        private let device: Int32

        static var possible: Bool { getuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0 }

        /// Mounts at a new directory of its own (not inside a ``TempTree``, whose removal would walk into the mount).
        init() throws {
            path = "/tmp/steward-hung-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            device = open("/dev/fuse", O_RDWR | O_CLOEXEC)
            guard device >= 0 else { throw Failure("/dev/fuse: \(errno)") }
            guard mount("steward-hung", path, "fuse.steward-hung", 0, "fd=\(device),rootmode=40000,user_id=0,group_id=0") == 0 else {
                let e = errno
                close(device)
                throw Failure("mount: \(String(cString: strerror(e)))")
            }
        }

        /// Aborts the connection (every blocked call fails with ENOTCONN) and detaches the mount.
        func end() {
            close(device)
            umount2(path, Int32(MNT_DETACH))
            rmdir(path)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
