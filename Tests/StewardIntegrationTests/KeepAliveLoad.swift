import Foundation
import Testing

/// What `Tests/Scenarios/lib/keepalive-load.py` counted while it ran.
struct KeepAliveLoad: Decodable {
    var requests: Int
    var failed: Int
    var mixed: Int
    var retried: Int
    var reasons: [String]
    var p50_ms: Double?
    var p99_ms: Double?
    var rps: Double
}

extension Sandbox {
    /// Starts keep-alive clients inside the sandbox, each on its own connection to `url` (http or https) with `host`
    /// as its Host header and TLS server name; the URL answers JSON naming the version that serves.
    func startKeepAliveLoad(_ name: String, url: String, host: String, clients: Int) throws {
        let script = Sandbox.packageRoot.path + "/Tests/Scenarios/lib/keepalive-load.py"
        let started = try exec(["bash", "-c", "rm -f /run/load-\(name).*; setsid python3 \(script) \(url) \(host) \(clients) /run/load-\(name).stop /run/load-\(name).json </dev/null >/run/load-\(name).log 2>&1 & echo started"])
        try #require(started.status == 0, "\(started.stderr)")
    }

    /// Stops the load started as `name` and reads what it counted.
    func stopKeepAliveLoad(_ name: String) throws -> KeepAliveLoad {
        _ = try exec(["touch", "/run/load-\(name).stop"])
        for _ in 0..<300 {
            let r = try exec(["cat", "/run/load-\(name).json"])
            if r.status == 0 { return try JSONDecoder().decode(KeepAliveLoad.self, from: Data(r.stdout.utf8)) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = try exec(["cat", "/run/load-\(name).log"])
        Issue.record("the load generator did not finish: \(log.stdout)")
        throw CancellationError()
    }
}
