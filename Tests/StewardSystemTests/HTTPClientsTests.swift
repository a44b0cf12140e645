import Foundation
import StewardCore
@testable import StewardSystem
import Testing

/// The daemon's HTTP clients, kept across check runs, against a real HTTP/1.1 server (python3's http.server, which
/// keeps connections alive unless asked not to): the runs share one client, yet each run opens its own connection
/// and asks the server to close it, as `curl` in a runbook does; a header the check sets itself is left alone.
@Suite(.timeLimit(.minutes(1)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
struct HTTPClientsTests {
    /// A server that answers 200 and prints, for each request, the client's port and its Connection header.
    final class Server: @unchecked Sendable {
        let process = Process()
        let output = Pipe()
        var port = 0
        private var buffer = Data()

        init() throws {
            let script = """
                import http.server, os, sys, threading
                threading.Timer(50, os._exit, [0]).start()
                class H(http.server.BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def do_GET(self):
                        print(self.client_address[1], self.headers.get("Connection", "-"), flush=True)
                        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
                    def log_message(self, *args): pass
                s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
                print(s.server_address[1], flush=True)
                s.serve_forever()
                """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script]
            process.standardOutput = output
            // Not the test runner's stderr: a server left behind would hold swift-test's pipe open.
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Waits for the server's port (its first line).
        func ready() async throws {
            port = try #require(Int(try await line()))
        }

        /// The next line, read on a thread of its own: the read blocks, and the cooperative pool has two threads.
        func line() async throws -> String {
            try await withCheckedThrowingContinuation { c in
                Thread { c.resume(with: Result { try self.readLine() }) }.start()
            }
        }

        private func readLine() throws -> String {
            while !buffer.contains(10) {
                let more = output.fileHandleForReading.availableData
                if more.isEmpty { throw CocoaError(.fileReadUnknown) }
                buffer += more
            }
            let end = buffer.firstIndex(of: 10)!
            defer { buffer = Data(buffer[(end + 1)...]) }
            return String(decoding: buffer[..<end], as: UTF8.self)
        }

        // SIGKILL: the test runner ignores SIGTERM (ServiceLifecycle's suites), and a child inherits that.
        deinit { kill(process.processIdentifier, SIGKILL) }
    }

    func run(_ spec: CheckSpec, _ clients: HTTPClients) async throws -> CheckResult {
        try #require(await CheckRunner(context: ProbeContext(files: HostFiles(root: "/")), deadline: .seconds(20), httpClients: clients)
            .run([spec]).results.first)
    }

    @Test func runsShareOneClientAndEachOpensItsOwnConnection() async throws {
        let server = try Server()
        try await server.ready()
        let clients = HTTPClients()
        let spec = CheckSpec(id: "web", kind: .http(HTTPExpectation(url: "http://127.0.0.1:\(server.port)/health")), timeoutMs: 5000)
        for _ in 0..<3 {
            let result = try await run(spec, clients)
            #expect(result.status == .pass, "\(result.message)")
        }
        #expect(clients.count == 1, "one client for the three runs")
        var seen: [[String]] = []
        for _ in 0..<3 { seen.append(try await server.line().split(separator: " ").map(String.init)) }
        #expect(seen.allSatisfy { $0.last == "close" }, "\(seen)")
        #expect(Set(seen.map(\.first)).count == 3, "each run came on a connection of its own: \(seen)")

        let own = CheckSpec(id: "keep", kind: .http(HTTPExpectation(url: "http://127.0.0.1:\(server.port)/", headers: ["Connection": "keep-alive"])))
        #expect(try await run(own, clients).status == .pass)
        #expect(try await server.line().hasSuffix(" keep-alive"), "the check's own Connection header is sent as it is")

        await clients.shutdown()
        #expect(clients.count == 0)
        let late = try await run(spec, clients)
        #expect(late.status == .unknown && late.message.contains("shut down"), "after the shutdown no client is made: \(late.message)")
        #expect(clients.count == 0)
    }
}
