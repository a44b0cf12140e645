import Foundation
import Testing

extension IntegrationTests.ChipDeploys {
    /// Starts keep-alive clients through nginx to shop@www's `/health` (which names the version serving).
    func startLoad(_ name: String, clients: Int = 8) throws {
        try sandbox().startKeepAliveLoad(name, url: "http://127.0.0.1/health", host: "shop.pravoo.in", clients: clients)
    }

    func stopLoad(_ name: String) throws -> KeepAliveLoad { try sandbox().stopKeepAliveLoad(name) }

    func shopVersion() throws -> String {
        let r = try sandbox().exec(["curl", "-fsS", "-H", "Host: shop.pravoo.in", "http://127.0.0.1/health"])
        let json = try #require((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any], "curl exited \(r.status): \(r.stdout)\(r.stderr)")
        return json["version"] as? String ?? "?"
    }

    /// Issue 14's proof: deploys of shop@www (blue-green behind nginx, keep_warm 20 s) under keep-alive load, one of
    /// them a release whose health fails, then a rollback: no request fails, no connection is answered by an older
    /// version after a newer one, the failing release never receives a request, the rollback switches back to the slot
    /// still warm on the previous release without starting anything, and the cooldown timer stops the other slot.
    @Test func blueGreenDeploysUnderLoadFailNoRequest() throws {
        try ctl("reset-shop")
        #expect(try shopVersion() == "1.0.0")
        // The steady state first: the latency the switches are compared with.
        try startLoad("steady")
        Thread.sleep(forTimeInterval: 5)
        let steady = try stopLoad("steady")
        try startLoad("bluegreen")
        let refs = ["v1.0.1", "v1.1.0", "v1.2.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.4.0", "v1.5.0"]
        var outputs: [(String, Sandbox.Output)] = []
        for ref in refs {
            outputs.append((ref, try steward("bluegreen", ["deploy", "shop@www", "--ref", ref])))
        }
        let load = try stopLoad("bluegreen")
        print("blue-green: \(refs.count) deploys of shop@www (one failing its health gate) under keep-alive load through nginx (8 clients): \(load.failed) of \(load.requests) requests failed, \(load.mixed) answered by an older version after a newer one, \(load.retried) resent after an idle keep-alive close; \(load.rps) requests/s, p50 \(load.p50_ms ?? -1) ms, p99 \(load.p99_ms ?? -1) ms (steady state before: \(steady.rps) requests/s, p99 \(steady.p99_ms ?? -1) ms)")
        for (ref, out) in outputs {
            #expect(out.status == (ref == "v1.2.0" ? 1 : 0), "\(ref): \(out.stdout)\(out.stderr)")  // 1: failed before the switch
        }
        #expect(load.failed == 0, "\(load.reasons)")
        #expect(load.mixed == 0)
        #expect(load.requests >= 10_000 && load.rps >= 200, "\(load)")
        #expect((load.p99_ms ?? 1e9) <= (steady.p99_ms ?? 0) + 50, "p99 \(load.p99_ms ?? -1) ms during the deploys, \(steady.p99_ms ?? -1) ms steady")
        #expect(try shopVersion() == "1.5.0")
        // The failing release was checked on its own slot and never switched to: its database migration is kept.
        let failed = try #require(outputs.first { $0.0 == "v1.2.0" }?.1.stdout)
        #expect(failed.contains("before the switch") && failed.contains("kept the database"), "\(failed)")
        let records = try releases("bluegreen", "shop@www")
        #expect(records.count == refs.count)
        #expect(records.filter { $0["status"] as? String == "succeeded" }.count == refs.count - 1)
        let last = try #require(records.first)
        let steps = try #require(last["steps"] as? [[String: Any]])
        #expect(steps.map { $0["name"] as? String ?? "" }
                == ["preflight", "lock", "pre-deploy", "fetch", "dependencies", "migrate", "build", "start", "health", "switch", "drain", "post-deploy"])
        // The cutover: each switch step (upstream file, nginx -T, reload) once the new slot was healthy.
        let cutover = records.flatMap { ($0["steps"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String == "switch" ? $0["durationMs"] as? Int : nil } }
        print("blue-green: the switch took \(cutover) ms after the new slot was healthy")
        #expect(cutover.allSatisfy { $0 <= 1000 }, "\(cutover)")
        let serving = try #require(last["slot"] as? Int)
        let previous = try #require(last["previousSlot"] as? Int)
        #expect(try sandbox().exec(["cat", "/etc/nginx/steward/shop-www.conf"]).stdout.contains("server 127.0.0.1:\(serving);"))

        // A rollback within keep_warm: the previous slot still runs v1.4.0, so it is a switch back.
        try startLoad("rollback")
        let rollback = try steward("bluegreen", ["rollback", "shop@www", "--keep-db"])
        let during = try stopLoad("rollback")
        print("blue-green: rollback v1.5.0 → v1.4.0 under load: \(during.failed) of \(during.requests) requests failed; p99 \(during.p99_ms ?? -1) ms")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stdout.contains("slot \(previous): shop-slot@\(previous).service is still warm"), "\(rollback.stdout)")
        #expect(during.failed == 0, "\(during.reasons)")
        #expect(try shopVersion() == "1.4.0")
        #expect(try sandbox().exec(["cat", "/etc/nginx/steward/shop-www.conf"]).stdout.contains("server 127.0.0.1:\(previous);"))
        // keep_warm (20 s) later, the cooldown timer stops the slot that served v1.5.0; the serving one runs on.
        var stopped = false
        for _ in 0..<80 where !stopped {
            Thread.sleep(forTimeInterval: 0.5)
            stopped = try sandbox().exec(["systemctl", "is-active", "--quiet", "shop-slot@\(serving).service"]).status != 0
        }
        #expect(stopped, "shop-slot@\(serving) still runs after its keep_warm")
        #expect(try sandbox().exec(["systemctl", "is-active", "--quiet", "shop-slot@\(previous).service"]).status == 0)
    }

    /// Crash safety of blue-green's own steps: a deploy of shop@www v1.0.0 → v1.1.0 killed with SIGKILL before and
    /// after each of start, health, switch and drain, then recovered with `--resume` and, from the same point, with
    /// `--abort`, under keep-alive load through nginx: no request fails from the deploy's start to the recovery's end;
    /// right after the kill nginx answers 200; after the recovery the expected release serves through nginx, from a
    /// slot whose unit runs, and the lock is free. Prints the table.
    @Test func aBlueGreenDeployKilledAtItsStepsIsRecoverable() throws {
        let points = ["start", "health", "switch", "drain"].flatMap { ["before:\($0)", "after:\($0)"] }
        let expected = ["--resume": "1.1.0", "--abort": "1.0.0"]
        var rows = ["| fault point | recovery | killed | nginx answers after the kill | interrupted seen | serving after | slot running | lock free | requests failed |",
                    "|---|---|---|---|---|---|---|---|---|"]
        var failures: [String] = []
        for (n, point) in points.enumerated() {
            for recovery in ["--resume", "--abort"] {
                let name = "bgfault-\(n)-\(recovery.dropFirst(2))"
                try ctl("reset-shop")
                try startLoad(name, clients: 4)
                let killed = try steward(name, ["deploy", "shop@www", "--ref", "v1.1.0"], env: ["STEWARD_FAULT=\(point)"])
                let answered = try sandbox().exec(["curl", "-fsS", "-o", "/dev/null", "-H", "Host: shop.pravoo.in", "http://127.0.0.1/health"])
                let blocked = try steward(name, ["deploy", "shop@www", "--ref", "v1.1.0"])
                let recovered = try steward(name, ["deploy", "shop@www", recovery])
                let load = try stopLoad(name)
                let now = (try? shopVersion()) ?? "?"
                let upstream = try sandbox().exec(["cat", "/etc/nginx/steward/shop-www.conf"]).stdout
                let port = ["9104", "9204"].first { upstream.contains("127.0.0.1:\($0);") } ?? "?"
                let running = try sandbox().exec(["systemctl", "is-active", "--quiet", "shop-slot@\(port).service"]).status == 0
                let lock = try sandbox().exec(["flock", "-n", "/var/lib/steward-\(name)/locks/shop@www.lock", "true"])
                let ok = killed.status == 137 && answered.status == 0 && blocked.status == 3 && recovered.status == 0
                    && now == expected[recovery] && running && lock.status == 0 && load.failed == 0
                rows.append("| \(point) | \(recovery) | \(killed.status == 137 ? "yes" : "no (\(killed.status))") | \(answered.status == 0 ? "200" : "no (curl \(answered.status))") | \(blocked.status == 3 ? "yes" : "no") | \(now) | \(running ? "\(port)" : "no") | \(lock.status == 0 ? "yes" : "no") | \(load.failed) of \(load.requests) |")
                if !ok {
                    failures.append("\(point) \(recovery): killed \(killed.status), nginx \(answered.status), blocked \(blocked.status), recovery \(recovered.status) → \(now) on \(port); load \(load.failed) failed: \(load.reasons)\n\(killed.stdout)\(recovered.stdout)\(recovered.stderr)")
                }
            }
        }
        print("crash safety (blue-green): deploy v1.0.0 → v1.1.0 of shop@www killed with SIGKILL at each point, then recovered\n" + rows.joined(separator: "\n"))
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n\n"))")
    }

    /// A reload nginx cannot apply: a site listening on a port another process holds passes `nginx -t`, and
    /// `systemctl reload` returns 0, but nginx keeps its old workers and configuration. The switch waits for a worker of
    /// the new one, fails, and puts the upstream file back; the undo knows nginx never left the old slot: it keeps it,
    /// stops the new one and does not reload again. No request fails.
    @Test func aReloadNginxCannotApplyNeverStopsTheSlotThatServes() throws {
        try ctl("reset-shop")
        let block = "setsid python3 -c 'import socket, time; s = socket.socket(); s.bind((\"127.0.0.1\", 9999)); s.listen(); time.sleep(600)' </dev/null >/dev/null 2>&1 & "
            + "echo $! >/run/blocker.pid; sleep 0.3; printf 'server {\\n    listen 127.0.0.1:9999;\\n    return 204;\\n}\\n' >/etc/nginx/sites-enabled/zz-blocked"
        try #require(try sandbox().exec(["bash", "-c", block]).status == 0)
        defer { _ = try? sandbox().exec(["bash", "-c", "rm -f /etc/nginx/sites-enabled/zz-blocked; kill $(cat /run/blocker.pid); systemctl reload nginx"]) }
        try startLoad("noreload", clients: 4)
        let out = try steward("noreload", ["deploy", "shop@www", "--ref", "v1.0.1"])
        let load = try stopLoad("noreload")
        print("blue-green, a reload nginx cannot apply: deploy exit \(out.status), \(load.failed) of \(load.requests) requests failed")
        #expect(out.status != 0, "\(out.stdout)")
        #expect(out.stdout.contains("nginx started no worker with the new configuration"), "\(out.stdout)")
        #expect(load.failed == 0, "\(load.reasons)")
        #expect(try shopVersion() == "1.0.0")
        #expect(try sandbox().exec(["cat", "/etc/nginx/steward/shop-www.conf"]).stdout.contains("server 127.0.0.1:9104;"))
        #expect(try sandbox().exec(["systemctl", "is-active", "--quiet", "shop-slot@9104.service"]).status == 0, "the serving slot was stopped")
        #expect(try sandbox().exec(["systemctl", "is-active", "--quiet", "shop-slot@9204.service"]).status != 0, "the slot nginx never used still runs")
        #expect(out.status != 0 && out.stdout.contains("failed at switch and was rolled back"), "\(out.stdout)")
    }

    /// A release that declares its migrations incompatible with the one serving (v1.6.0 drops a column 1.1.0 reads):
    /// the serving slot is stopped before they run (stop-migrate-start, said and recorded), and when that deploy is
    /// killed after its migrations and aborted, the database is restored (the old release could not run on it).
    @Test func anIncompatibleMigrationFallsBackToStopMigrateStart() throws {
        try ctl("reset-shop")
        let first = try steward("contract", ["deploy", "shop@www", "--ref", "v1.1.0"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        try startLoad("contract", clients: 4)
        let out = try steward("contract", ["deploy", "shop@www", "--ref", "v1.6.0"])
        let load = try stopLoad("contract")
        print("blue-green, migrations declared incompatible (stop-migrate-start): \(load.failed) of \(load.requests) requests failed")
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("stop-migrate-start") && out.stdout.contains("0003 drops chip.price"), "\(out.stdout)")
        #expect(try shopVersion() == "1.6.0")
        #expect(try releases("contract", "shop@www").first?["incompatibleMigrations"] as? String == "0003 drops chip.price, which 1.1.0 reads")

        try ctl("reset-shop")
        #expect(try steward("contract-abort", ["deploy", "shop@www", "--ref", "v1.1.0"]).status == 0)
        let killed = try steward("contract-abort", ["deploy", "shop@www", "--ref", "v1.6.0"], env: ["STEWARD_FAULT=after:migrate"])
        #expect(killed.status == 137)
        #expect(try ctl("migrations", "www") == "0001_initial\n0002_chip_price\n0003_remove_chip_price")
        let aborted = try steward("contract-abort", ["deploy", "shop@www", "--abort"])
        #expect(aborted.status == 0, "\(aborted.stdout)\(aborted.stderr)")
        #expect(aborted.stdout.contains("restored the pre-deploy backup"), "\(aborted.stdout)")
        #expect(try ctl("migrations", "www") == "0001_initial\n0002_chip_price")
        #expect(try shopVersion() == "1.1.0")
    }

    /// The audit and the checks know the slots: the serving slot is the instance (`steward check shop@www` checks its
    /// unit, port and health URL), and each bad state of the slots is its finding: an idle slot left running, the
    /// serving slot down, a stale upstream file, nginx pointing elsewhere than the last deploy switched to.
    @Test func theAuditJudgesTheSlotsAndTheChecksTheServingOne() throws {
        try ctl("reset-shop")
        func slotFindings(_ name: String) throws -> [String] {
            let out = try sandbox().steward(["audit", "--format", "json", "--manifest", Self.manifest, "--state", "/var/lib/steward-\(name)/state.db"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stderr)")
            let findings = report["findings"] as? [[String: Any]] ?? []
            #expect(!out.stdout.contains(Self.secret))
            return findings.compactMap { f in (f["rule"] as? String).flatMap { $0.hasPrefix("slots.") ? "\($0) \(f["subject"] as? String ?? "")" : nil } }.sorted()
        }
        #expect(try slotFindings("slots") == [])
        let check = try sandbox().steward(["check", "shop@www", "--manifest", Self.manifest])
        #expect(check.status == 0 && check.stdout.contains("service:shop@www") && check.stdout.contains("http:shop@www/health"), "\(check.stdout)")
        // The idle slot started by hand on the same release, no keep_warm timer: it serves nothing.
        _ = try sandbox().exec(["bash", "-c", "ln -sfn ../releases/v1.0.0-20260101T000000.000 /srv/chip/releases/www/slots/9204 && systemctl start shop-slot@9204.service"])
        var answered = false
        for _ in 0..<150 where !answered {
            answered = try sandbox().exec(["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9204/health"]).status == 0
            if !answered { Thread.sleep(forTimeInterval: 0.1) }
        }
        try #require(answered, "shop-slot@9204 did not answer")
        #expect(try slotFindings("slots") == ["slots.idle-running shop@www slot 9204"])
        // The serving slot down: every request a 502.
        _ = try sandbox().exec(["systemctl", "stop", "shop-slot@9104.service"])
        #expect(try slotFindings("slots") == ["slots.serving-down shop@www"])
        // The upstream file naming no slot.
        _ = try sandbox().exec(["sed", "-i", "s/127.0.0.1:9104/127.0.0.1:8000/", "/etc/nginx/steward/shop-www.conf"])
        #expect(try slotFindings("slots") == ["slots.upstream-stale shop@www"])
        // A deploy switches to 9204; the file edited back to 9104 by hand (its slot started again): not what was recorded.
        try ctl("reset-shop")
        #expect(try steward("slots", ["deploy", "shop@www", "--ref", "v1.0.1"]).status == 0)
        _ = try sandbox().exec(["bash", "-c", "systemctl stop steward-cooldown-shop-slot-9104.timer; sed -i 's/127.0.0.1:9204/127.0.0.1:9104/' /etc/nginx/steward/shop-www.conf"])
        #expect(try slotFindings("slots") == ["slots.idle-running shop@www slot 9204", "slots.upstream-not-recorded shop@www"])
    }
}
