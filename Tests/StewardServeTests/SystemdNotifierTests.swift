import Foundation
@testable import StewardServe
import Testing

/// The notifier against real AF_UNIX datagram sockets, as systemd's: a path, and a name in the abstract namespace.
@Suite struct SystemdNotifierTests {
    /// A bound datagram socket and what it receives.
    final class Receiver {
        let fd: Int32
        init(name: [UInt8]) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in name.enumerated() { raw[i] = b } }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
            let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            try #require(bound == 0, "bind: \(String(cString: strerror(errno)))")
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        deinit { close(fd) }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n < 0 ? nil : String(decoding: buffer[..<n], as: UTF8.self)
        }
    }

    @Test func sendsEachStateAsOneDatagramToAPathSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        defer { unlink(path) }
        let receiver = try Receiver(name: Array(path.utf8))
        let notifier = try #require(SystemdNotifier(socket: path))
        #expect(notifier.send("READY=1\nSTATUS=listening"))
        #expect(notifier.send("WATCHDOG=1"))
        #expect(receiver.receive() == "READY=1\nSTATUS=listening")
        #expect(receiver.receive() == "WATCHDOG=1")
    }

    @Test func reachesAnAbstractSocketNamedWithAnAt() throws {
        let name = "steward-test-\(UUID().uuidString.prefix(8))"
        let receiver = try Receiver(name: [0] + Array(name.utf8))
        let notifier = try #require(SystemdNotifier(socket: "@" + name))
        #expect(notifier.send("STOPPING=1"))
        #expect(receiver.receive() == "STOPPING=1")
    }

    @Test func noSocketMeansNoNotifierAndAGoneSocketIsNotFatal() throws {
        #expect(SystemdNotifier(socket: nil) == nil)
        #expect(SystemdNotifier(socket: "") == nil)
        #expect(SystemdNotifier(socket: "relative/path") == nil)
        #expect(SystemdNotifier(socket: "/" + String(repeating: "x", count: 200)) == nil)
        let gone = try #require(SystemdNotifier(socket: "/nonexistent/notify"))
        #expect(!gone.send("READY=1"))
        #expect(!gone.send("READY=1"))
    }
}
