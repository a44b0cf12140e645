import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The Redis client against a real TCP server that answers with hostile replies: an error, never a trap (a
/// `$9223372036854775807` header overflowed the length arithmetic) and never a wait for bytes that will not come.
/// The connection's deadline (30 s) is longer than the server's life (20 s): a client that waited for the bytes a
/// header promised would see "connection closed by the server", not `Malformed`, so the bound is what is tested, and a
/// machine whose cooperative pool is busy with the sandbox suites' waits (CI: the PING went out after a 5 s deadline
/// had closed the channel) cannot turn a slow start into a failure.
@Suite(.timeLimit(.minutes(1))) struct RedisReplyBoundsTests {
    /// A one-connection server (python3) that answers whatever it is sent with `reply` and keeps the socket open.
    func server(_ reply: String) throws -> (Process, Int) {
        let script = """
            import socket, sys, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
            print(s.getsockname()[1], flush=True)
            c, _ = s.accept(); c.recv(4096); c.sendall(sys.argv[1].encode()); time.sleep(20)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, reply]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        var line = Data()
        while !line.contains(10) { line += out.fileHandleForReading.availableData }
        let port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        return (p, port)
    }

    @Test(arguments: ["$9223372036854775807\r\nabc", "*9223372036854775807\r\n", "$5000000\r\n",
                      String(repeating: "*1\r\n", count: 20_000), "HTTP/1.1 400 Bad Request\r\n\r\n"])
    func hostileRepliesAreErrors(_ reply: String) async throws {
        let (process, port) = try server(reply)
        defer { process.terminate() }
        let connection = try await TCPConnection.connect(host: "127.0.0.1", port: port, timeoutMs: 30_000)
        await #expect(throws: RESPParser.Malformed.self) {
            try await connection.exchange { exchange in
                var client = RedisClient(exchange)
                _ = try await client.call(["PING"])
            }
        }
    }

    @Test func anOrdinaryReplyStillParses() async throws {
        let (process, port) = try server("+PONG\r\n")
        defer { process.terminate() }
        let connection = try await TCPConnection.connect(host: "127.0.0.1", port: port, timeoutMs: 30_000)
        let reply = try await connection.exchange { exchange in
            var client = RedisClient(exchange)
            return try await client.call(["PING"])
        }
        #expect(reply == .simple("PONG"))
    }
}
