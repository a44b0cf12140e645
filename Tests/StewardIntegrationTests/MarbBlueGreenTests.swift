import Foundation
import Testing

extension IntegrationTests {
    /// Issue 14's proof on seed 001's shape: mARB's API (FastAPI under uvicorn, Alembic on PostgreSQL) deployed
    /// blue-green behind nginx with TLS. `make-origin.sh` makes the origin and its tags, `bluegreen-setup.sh` the
    /// instance marb@live (slots 8101 and 8201, Steward's upstream file, the TLS site live.marb.example.org).
    @Suite(.sandbox("marb"), .serialized) struct MarbBlueGreen {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/marb/bluegreen.yml"
        static let passwords = ["marb-db-test-only-5f3a", "marb-redis-test-only-9c1e"]
        static let domain = "live.marb.example.org"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func steward(_ args: [String]) throws -> Sandbox.Output {
            let out = try sandbox().steward(args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-bluegreen/state.db", "--store", "/var/backups/bluegreen"])
            for p in Self.passwords { #expect(!out.stdout.contains(p) && !out.stderr.contains(p), "a password was printed") }
            return out
        }

        func sh(_ script: String) throws -> String {
            let r = try sandbox().exec(["bash", "-c", script])
            try #require(r.status == 0, "\(script): \(r.stdout)\(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The version answering through nginx (TLS, SNI live.marb.example.org).
        func version() throws -> String {
            let body = try sh("curl -sk --resolve \(Self.domain):443:127.0.0.1 https://\(Self.domain)/")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
            return json["version"] as? String ?? "?"
        }

        /// marb_live's Alembic revision.
        func revision() throws -> String {
            try sh("cd /tmp && runuser -u postgres -- psql -XAt -d marb_live -c 'SELECT version_num FROM alembic_version'")
        }

        func slotServing() throws -> Int? {
            let upstream = try sh("cat /etc/nginx/steward/marb-live.conf")
            return [8101, 8201].first { upstream.contains("server 127.0.0.1:\($0);") }
        }

        func enabled(_ port: Int) throws -> String {
            (try sandbox().exec(["systemctl", "is-enabled", "marb-slot@\(port).service"])).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func startLoad(_ name: String) throws {
            try sandbox().startKeepAliveLoad(name, url: "https://127.0.0.1/", host: Self.domain, clients: 8)
        }

        /// Ten deploys of marb@live under keep-alive load through nginx with TLS (one a release whose health answers
        /// 500), then a rollback: no request fails, no connection is answered by an older version after a newer one,
        /// each switch comes within 1 s of the new slot's health, the failing release's Alembic migration is kept (the
        /// previous release runs on it), the serving slot is the one enabled at boot, the rollback within keep_warm is
        /// a switch back to the slot still running the previous release, and one after it starts the release in the
        /// idle slot first.
        @Test func blueGreenDeploysBehindTLSNginxFailNoRequest() throws {
            _ = try sh("bash \(Self.repo)/Tests/Scenarios/marb/make-origin.sh && bash \(Self.repo)/Tests/Scenarios/marb/bluegreen-setup.sh")
            #expect(try version() == "2.0.0")
            #expect(try revision() == "0001")
            try startLoad("steady")
            Thread.sleep(forTimeInterval: 5)
            let steady = try sandbox().stopKeepAliveLoad("steady")

            try startLoad("deploys")
            let refs = ["v2.1.0", "v2.3.0", "v2.4.0", "v2.4.0", "v2.4.0", "v2.4.0", "v2.4.0", "v2.4.0", "v2.4.0", "v2.5.0"]
            var outputs: [(String, Sandbox.Output)] = []
            for ref in refs { outputs.append((ref, try steward(["deploy", "marb@live", "--ref", ref]))) }
            let load = try sandbox().stopKeepAliveLoad("deploys")
            print("blue-green (mARB: uvicorn, PostgreSQL, nginx with TLS): \(refs.count) deploys of marb@live (one failing its health gate) under keep-alive load (8 clients): \(load.failed) of \(load.requests) requests failed, \(load.mixed) answered by an older version after a newer one, \(load.retried) resent after an idle keep-alive close; \(load.rps) requests/s, p50 \(load.p50_ms ?? -1) ms, p99 \(load.p99_ms ?? -1) ms (steady state before: \(steady.rps) requests/s, p99 \(steady.p99_ms ?? -1) ms)")
            for (ref, out) in outputs {
                #expect(out.status == (ref == "v2.3.0" ? 1 : 0), "\(ref): \(out.stdout)\(out.stderr)")
            }
            #expect(load.failed == 0, "\(load.reasons)")
            #expect(load.mixed == 0)
            #expect(load.requests >= 10_000 && load.rps >= 200, "\(load)")
            #expect((load.p99_ms ?? 1e9) <= (steady.p99_ms ?? 0) + 50, "p99 \(load.p99_ms ?? -1) ms during the deploys, \(steady.p99_ms ?? -1) ms steady")
            #expect(try version() == "2.5.0")
            // v2.3.0's 0003 ran before its slot failed the health gate: kept, the previous release runs on it.
            let failed = try #require(outputs.first { $0.0 == "v2.3.0" }?.1.stdout)
            #expect(failed.contains("before the switch") && failed.contains("kept the database"), "\(failed)")
            #expect(try revision() == "0003")
            let listed = try sandbox().steward(["releases", "marb@live", "--format", "json", "--state", "/var/lib/steward-bluegreen/state.db"])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any], "\(listed.stdout)\(listed.stderr)")
            let records = try #require(document["releases"] as? [[String: Any]])
            #expect(records.filter { $0["status"] as? String == "succeeded" }.count == refs.count - 1)
            let cutover = records.flatMap { ($0["steps"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String == "switch" ? $0["durationMs"] as? Int : nil } }
            print("blue-green (mARB): the switch took \(cutover) ms after the new slot was healthy")
            #expect(cutover.count == refs.count - 1 && cutover.allSatisfy { $0 <= 1000 }, "\(cutover)")
            let last = try #require(records.first)
            let serving = try #require(last["slot"] as? Int)
            let previous = try #require(last["previousSlot"] as? Int)
            #expect(try slotServing() == serving)
            // A reboot starts the slot nginx points at.
            let boot = (try enabled(serving), try enabled(previous))
            #expect(boot == ("enabled", "disabled"), "\(boot)")

            // A rollback within keep_warm: the previous slot still runs v2.4.0, so it is a switch back.
            try startLoad("rollback")
            let rollback = try steward(["rollback", "marb@live", "--keep-db"])
            let during = try sandbox().stopKeepAliveLoad("rollback")
            print("blue-green (mARB): rollback v2.5.0 → v2.4.0 under load: \(during.failed) of \(during.requests) requests failed; p99 \(during.p99_ms ?? -1) ms")
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            #expect(rollback.stdout.contains("slot \(previous): marb-slot@\(previous).service is still warm"), "\(rollback.stdout)")
            #expect(during.failed == 0, "\(during.reasons)")
            #expect(try version() == "2.4.0")
            #expect(try slotServing() == previous)
            let bootAfter = (try enabled(previous), try enabled(serving))
            #expect(bootAfter == ("enabled", "disabled"), "\(bootAfter)")

            // Once keep_warm (20 s) has passed, the cooldown timer has stopped the other slot: a rollback to an older
            // release starts it there, checks it on its own port, then switches.
            var stopped = false
            for _ in 0..<80 where !stopped {
                Thread.sleep(forTimeInterval: 0.5)
                stopped = try sandbox().exec(["systemctl", "is-active", "--quiet", "marb-slot@\(serving).service"]).status != 0
            }
            #expect(stopped, "marb-slot@\(serving) still runs after its keep_warm")
            try startLoad("cold-rollback")
            let cold = try steward(["rollback", "marb@live", "--to", "v2.1.0", "--keep-db"])
            let coldLoad = try sandbox().stopKeepAliveLoad("cold-rollback")
            print("blue-green (mARB): rollback to v2.1.0 after keep_warm (started in the idle slot, then switched) under load: \(coldLoad.failed) of \(coldLoad.requests) requests failed; p99 \(coldLoad.p99_ms ?? -1) ms")
            #expect(cold.status == 0, "\(cold.stdout)\(cold.stderr)")
            #expect(cold.stdout.contains("slot \(serving): marb-slot@\(serving).service started on v2.1.0"), "\(cold.stdout)")
            #expect(coldLoad.failed == 0, "\(coldLoad.reasons)")
            #expect(try version() == "2.1.0")
            #expect(try slotServing() == serving)
        }
    }
}
