import Foundation

/// A real HTTP server on 127.0.0.1 (Python's `http.server`, started per test) that records every request it gets
/// (method, path, headers, body) before answering. By path: `/hang` never answers, `/redirect` answers 302 to
/// `/target`, `/echo…` answers 500 with the request's path and headers in the body (an error page that repeats what
/// it was sent), anything else 200.
final class ChannelReceiver {
    struct Request: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        var body: String

        /// The header's value (names are case-insensitive); nil when absent.
        func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
        }
    }

    let port: Int
    private let process: Process
    private let directory: String

    static let script = #"""
    import http.server, json, os, sys, threading, time
    log_path, port_path = sys.argv[1], sys.argv[2]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            record = {"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                      "body": body.decode("utf-8", "replace")}
            with lock, open(log_path, "a") as log:
                log.write(json.dumps(record) + "\n")
            if self.path.startswith("/hang"):
                time.sleep(3600)
            elif self.path.startswith("/redirect"):
                self.answer(302, b"", [("Location", "http://127.0.0.1:%d/target" % self.server.server_address[1])])
            elif self.path.startswith("/echo"):
                text = "path=" + self.path + "; " + "; ".join("%s: %s" % kv for kv in self.headers.items())
                self.answer(500, text.encode())
            else:
                self.answer(200, b"ok")

        do_GET = do_POST

        def answer(self, status, body, headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(port_path + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_path + ".tmp", port_path)
    server.serve_forever()
    """#

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/steward-receiver-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.script.write(toFile: directory + "/receiver.py", atomically: false, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [directory + "/receiver.py", directory + "/requests.jsonl", directory + "/port"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date() + 10
        var port: Int?
        while port == nil, Date() < deadline {
            port = (try? String(contentsOfFile: directory + "/port", encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(50_000) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw ReceiverFailure(description: "the receiver did not start")
        }
        self.port = port
    }

    /// SIGKILL, not `terminate()`: the child inherits the test runner's signal mask, in which SIGTERM may be blocked.
    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every request received so far, in order.
    func requests() throws -> [Request] {
        guard let text = try? String(contentsOfFile: directory + "/requests.jsonl", encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    struct ReceiverFailure: Error, CustomStringConvertible { let description: String }
}
