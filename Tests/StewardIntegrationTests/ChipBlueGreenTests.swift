import Foundation
import Testing

extension IntegrationTests.ChipDeploys {
    /// What `keepalive-load.py` counted while it ran.
    struct LoadResult: Decodable {
        var requests: Int
        var failed: Int
        var mixed: Int
        var retried: Int
        var reasons: [String]
        var p50_ms: Double?
        var p99_ms: Double?
        var rps: Double
    }

    /// Starts keep-alive clients through nginx to shop@www's `/health` (which names the version serving).
    func startLoad(_ name: String, clients: Int = 8) throws {
        let script = Self.repo + "/Tests/Scenarios/lib/keepalive-load.py"
        let started = try sandbox().exec(["bash", "-c", "rm -f /run/load-\(name).*; setsid python3 \(script) http://127.0.0.1/health shop.pravoo.in \(clients) /run/load-\(name).stop /run/load-\(name).json </dev/null >/run/load-\(name).log 2>&1 & echo started"])
        try #require(started.status == 0, "\(started.stderr)")
    }

    func stopLoad(_ name: String) throws -> LoadResult {
        _ = try sandbox().exec(["touch", "/run/load-\(name).stop"])
        for _ in 0..<300 {
            let r = try sandbox().exec(["cat", "/run/load-\(name).json"])
            if r.status == 0 { return try JSONDecoder().decode(LoadResult.self, from: Data(r.stdout.utf8)) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = try sandbox().exec(["cat", "/run/load-\(name).log"])
        Issue.record("the load generator did not finish: \(log.stdout)")
        throw CancellationError()
    }

    func shopVersion() throws -> String {
        let r = try sandbox().exec(["curl", "-fsS", "-H", "Host: shop.pravoo.in", "http://127.0.0.1/health"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\(r.stderr)")
        return json["version"] as? String ?? "?"
    }

    /// Issue 14's proof: deploys of shop@www (blue-green behind nginx) under keep-alive load, one of them a release whose
    /// health fails: no request fails, no connection is answered by an older version after a newer one, the failing
    /// release never receives a request, and one slot runs at the end, the one nginx's upstream file names.
    @Test func blueGreenDeploysUnderLoadFailNoRequest() throws {
        #expect(try shopVersion() == "1.0.0")
        try startLoad("bluegreen")
        let refs = ["v1.0.1", "v1.1.0", "v1.2.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0"]
        var outputs: [(String, Sandbox.Output)] = []
        for ref in refs {
            outputs.append((ref, try steward("bluegreen", ["deploy", "shop@www", "--ref", ref])))
        }
        let load = try stopLoad("bluegreen")
        print("blue-green: \(refs.count) deploys of shop@www (one failing its health gate) under keep-alive load through nginx: \(load.failed) of \(load.requests) requests failed, \(load.mixed) answered by an older version after a newer one, \(load.retried) resent after an idle keep-alive close; \(load.rps) requests/s, p50 \(load.p50_ms ?? -1) ms, p99 \(load.p99_ms ?? -1) ms")
        for (ref, out) in outputs {
            #expect(out.status == (ref == "v1.2.0" ? 2 : 0), "\(ref): \(out.stdout)\(out.stderr)")
        }
        #expect(load.failed == 0, "\(load.reasons)")
        #expect(load.mixed == 0)
        #expect(load.requests >= 200, "\(load)")
        #expect(try shopVersion() == "1.4.0")
        // The failing release was checked on its own slot and never switched to: its database migration is kept.
        let failed = try #require(outputs.first { $0.0 == "v1.2.0" }?.1.stdout)
        #expect(failed.contains("before the switch") && failed.contains("kept the database"), "\(failed)")
        let records = try releases("bluegreen", "shop@www")
        #expect(records.count == refs.count)
        #expect(records.filter { $0["status"] as? String == "succeeded" }.count == refs.count - 1)
        let last = try #require(records.first)
        #expect((last["steps"] as? [[String: Any]])?.map { $0["name"] as? String ?? "" }
                == ["preflight", "lock", "pre-deploy", "fetch", "dependencies", "migrate", "build", "start", "health", "switch", "drain", "post-deploy"])
        // One slot runs, the one nginx is pointed at.
        let upstream = try sandbox().exec(["cat", "/etc/nginx/steward/shop-www.conf"]).stdout
        let serving = try #require(last["slot"] as? Int)
        #expect(upstream.contains("server 127.0.0.1:\(serving);"), "\(upstream)")
        let active = try sandbox().exec(["systemctl", "is-active", "shop-slot@9104.service", "shop-slot@9204.service"]).stdout.split(separator: "\n").map(String.init)
        #expect(active == (serving == 9104 ? ["active", "inactive"] : ["inactive", "active"]), "\(active)")
    }
}
