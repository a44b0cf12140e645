import Foundation
import Testing

extension IntegrationTests {
    /// `steward serve` under the sandbox's real systemd (mARB-shaped): installed with `--install`, started as a
    /// Type=notify unit, answering /healthz and /metrics, its API only to a token made with `steward serve token`,
    /// restarted by systemd after kill -9 with its history intact and after a hang (kill -STOP) by the watchdog,
    /// and stopped cleanly.
    @Suite(.sandbox("marb"), .serialized) struct ServeDaemon {
        static let manifest = """
            version: 1
            check_defaults: {interval: 2s, timeout: 2s}
            checks:
              - {name: postgres port, tcp: {host: 127.0.0.1, port: 5432}}
              - {name: api health, http: {url: "http://127.0.0.1:8000/api/v1/health"}}
            serve:
              checks: {jitter: 10%, parallel: 4}
            """

        func sh(_ script: String) throws -> Sandbox.Output {
            try SandboxScenario.sandbox().exec(["/bin/bash", "-c", script])
        }

        func show(_ property: String) throws -> String {
            try sh("systemctl show -p \(property) --value steward.service").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Waits up to `seconds` for `condition`.
        func eventually(_ seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if try condition() { return true }
                Thread.sleep(forTimeInterval: 0.25)
            }
            return try condition()
        }

        /// The token the test made (`steward serve token add`), read from the file the test keeps it in.
        func curlAPI(_ path: String) throws -> Sandbox.Output {
            try sh("curl -sf -H \"Authorization: Bearer $(cat /root/api-token)\" 'http://127.0.0.1:8470\(path)'")
        }

        /// The raw history of the `postgres port` check, as start times.
        func historyTimes() throws -> [String] {
            let out = try curlAPI("/api/v1/checks/postgres%20port/history?step=raw")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)\(out.stderr)")
            return try #require(body["points"] as? [[String: Any]]).compactMap { $0["t"] as? String }
        }

        @Test func installStartKillAndStop() throws {
            let sandbox = try SandboxScenario.sandbox()
            let written = try sh("mkdir -p /etc/steward && cat > /etc/steward/steward.yml <<'YAML'\n\(Self.manifest)\nYAML\nchmod 0644 /etc/steward/steward.yml")
            try #require(written.status == 0, "\(written.stderr)")

            // The unit, printed; then installed, enabled and started (enable --now waits for READY=1).
            let dry = try sandbox.steward(["serve", "--install", "--dry-run", "--manifest", "/etc/steward/steward.yml"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("Type=notify\n"))
            // The unit names the binary by its real path (`.build/debug` is a link): the same file as the one run here.
            let exec = try #require(dry.stdout.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }, "\(dry.stdout)")
            #expect(exec.hasSuffix(" serve --manifest /etc/steward/steward.yml"), "\(exec)")
            let named = String(exec.dropFirst("ExecStart=".count).prefix { $0 != " " })
            #expect(URL(fileURLWithPath: named).resolvingSymlinksInPath().path
                    == URL(fileURLWithPath: Sandbox.stewardBinary).resolvingSymlinksInPath().path, "\(exec)")
            let install = try sandbox.steward(["serve", "--install", "--manifest", "/etc/steward/steward.yml"])
            try #require(install.status == 0, "\(install.stdout)\(install.stderr)")
            #expect(try show("ActiveState") == "active")
            #expect(try sh("test -f /etc/systemd/system/steward.service && systemctl is-enabled steward.service").stdout == "enabled\n")

            // A clean stop, then a start that returns only once the daemon listens.
            #expect(try sh("systemctl stop steward.service").status == 0)
            #expect(try show("ActiveState") == "inactive")
            #expect(try show("Result") == "success")
            let start = try sh("systemctl start steward.service && curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8470/healthz")
            #expect(start.status == 0 && start.stdout == "200", "\(start.stdout)\(start.stderr)")
            #expect(try show("ActiveState") == "active")
            #expect(try show("StatusText") == "listening")
            let started = Date()

            let health = try sh("curl -s http://127.0.0.1:8470/healthz")
            #expect(health.stdout.contains(#""status":"ok""#), "\(health.stdout)")

            // The API needs a token: none yet, so 401; one made with the CLI (printed once) is accepted at once.
            #expect(try sh("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8470/api/v1/status").stdout == "401")
            let made = try sandbox.steward(["serve", "token", "add", "ci", "--scope", "read", "--manifest", "/etc/steward/steward.yml"])
            try #require(made.status == 0, "\(made.stdout)\(made.stderr)")
            let token = try #require(made.stdout.split(separator: "\n").first { $0.hasPrefix("stw_") }.map(String.init))
            #expect(try sh("printf %s '\(token)' > /root/api-token && stat -c %a /etc/steward/tokens").stdout == "600\n")
            #expect(try sh("grep -c stw_ /etc/steward/tokens || true").stdout == "0\n", "only the hash is stored")
            #expect(try eventually(3) { try curlAPI("/api/v1/status").status == 0 })
            let listed = try sandbox.steward(["serve", "token", "list", "--manifest", "/etc/steward/steward.yml"])
            #expect(listed.stdout.contains("ci") && listed.stdout.contains("read") && !listed.stdout.contains("stw_"), "\(listed.stdout)")

            // The live API against its OpenAPI document (schemathesis: examples, coverage, fuzzing, stateful), with the
            // read token: every answer is declared, in its schema and content type; no 5xx; auth is never ignored;
            // the operate routes answer their declared 403. Not checked: positive_data_acceptance, which counts a 400
            // for a rule OpenAPI cannot state (from before to, a raw series at most 48 h) as a failure.
            let schemathesis = Sandbox.packageRoot.path + "/.build-fixtures/schemathesis-venv/bin/schemathesis"
            let fuzzed = try sh("""
                \(schemathesis) run http://127.0.0.1:8470/api/v1/openapi.json --url http://127.0.0.1:8470 \
                  -H "Authorization: Bearer $(cat /root/api-token)" --checks all --exclude-checks positive_data_acceptance \
                  --max-examples 30 --seed 1 --no-color 2>&1 | tail -25
                """)
            #expect(fuzzed.stdout.contains("passed") && !fuzzed.stdout.contains("failure"), "\(fuzzed.stdout)")
            #expect(try curlAPI("/api/v1/checks").status == 0, "the daemon survived the fuzzing")

            // A real operation through the API: an operate token backs marb@prod up (pg_dump, the store, the state
            // database) as api:deployer, and the backups route shows it once the daemon imported the state database.
            let deployer = try sandbox.steward(["serve", "token", "add", "deployer", "--scope", "operate", "--manifest", "/etc/steward/steward.yml"])
            let operate = try #require(deployer.stdout.split(separator: "\n").first { $0.hasPrefix("stw_") }.map(String.init))
            Thread.sleep(forTimeInterval: 1.1)  // the token file is looked at once a second
            let backup = try sh("""
                curl -s -H 'Authorization: Bearer \(operate)' -H 'Content-Type: application/json' -d '{"target":"marb@prod"}' \\
                  'http://127.0.0.1:8470/api/v1/backups?wait=120'
                """)
            let view = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any], "\(backup.stdout)")
            #expect(view["state"] as? String == "succeeded" && view["identity"] as? String == "deployer", "\(backup.stdout)")
            #expect(try eventually(40) { try curlAPI("/api/v1/backups?app=marb").stdout.contains(#""reason":"manual""#) })
            #expect(try sh("curl -s -o /dev/null -w '%{http_code}' -X POST -H \"Authorization: Bearer $(cat /root/api-token)\" http://127.0.0.1:8470/api/v1/backups").stdout == "403")

            // The alert and silence routes with the operate token: their 200, 201, 204, 400, 404 and 409 answers (and
            // the 429s of the rate limit) against the document.
            let fuzzedOperate = try sh("""
                \(schemathesis) run http://127.0.0.1:8470/api/v1/openapi.json --url http://127.0.0.1:8470 \
                  -H "Authorization: Bearer \(operate)" --include-path-regex '^/api/v1/(alerts|silences)' \
                  --checks all --exclude-checks positive_data_acceptance --max-examples 15 --seed 1 --no-color 2>&1 | tail -25
                """)
            #expect(fuzzedOperate.stdout.contains("passed") && !fuzzedOperate.stdout.contains("failure"), "\(fuzzedOperate.stdout)")

            // The checks run every 2 s: /metrics shows them, the history holds their results.
            #expect(try eventually(10) { try sh("curl -s http://127.0.0.1:8470/metrics").stdout
                .contains(#"steward_check_up{id="postgres port",kind="tcp"} 1"#) })
            #expect(try eventually(10) { try historyTimes().count >= 3 })
            let status = try curlAPI("/api/v1/status").stdout
            #expect(status.contains(#""schema":"steward.serve.status/1""#), "\(status)")
            // marb is not in the manifest: its instance is in the status because the state database has its backup.
            #expect(status.contains(#""instances":[{"app":"marb","backups":[{"#) && status.contains(#""instance":"prod","last_backup":{"#)
                    && status.contains(#""status":"unverified""#), "\(status)")

            // kill -9: systemd restarts the daemon, and the results written before are all still there.
            let before = try historyTimes()
            let pid = try show("MainPID")
            #expect(try sh("kill -9 \(pid)").status == 0)
            #expect(try eventually(20) { try show("NRestarts") == "1" && show("ActiveState") == "active" && show("MainPID") != pid })
            #expect(try eventually(10) { try sh("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8470/healthz").stdout == "200" })
            let after = try historyTimes()
            #expect(Set(before).isSubset(of: Set(after)), "lost: \(Set(before).subtracting(after))")

            // The daemon's memory after a minute of running (reported; the issue's target is 32 MiB).
            Thread.sleep(forTimeInterval: max(0, 60 - Date().timeIntervalSince(started)))
            let rss = try sh("grep VmRSS /proc/$(systemctl show -p MainPID --value steward.service)/status").stdout
            print("steward serve RSS after 60 s (2 checks every 2 s): \(rss.trimmingCharacters(in: .whitespacesAndNewlines))")
            #expect(rss.contains("kB"))
            // The watchdog (30 s) was fed all along: no restart beyond the kill's.
            #expect(try show("NRestarts") == "1")

            // A hang (SIGSTOP) stops the watchdog's pings: systemd aborts the daemon after WatchdogSec and restarts it.
            let stopped = try show("MainPID")
            #expect(try sh("kill -STOP \(stopped)").status == 0)
            #expect(try eventually(60) { try show("NRestarts") == "2" && show("ActiveState") == "active" && show("MainPID") != stopped })
            #expect(try sh("journalctl -u steward.service --no-pager | grep -c 'Watchdog timeout'").stdout != "0\n")
            #expect(try eventually(10) { try curlAPI("/api/v1/checks").status == 0 })

            // The audit loop ran under systemd (its first run 10 s after start) and logged to the journal.
            let audits = try sh("journalctl -u steward.service --no-pager -o cat | grep 'audit'").stdout
            print("steward serve audit log:\n\(audits)")
            // Through a child `steward agent` (the daemon's own memory stays out of it): its report was read back
            // and recorded, and the findings API answers what it found.
            #expect(audits.range(of: #"audit: [0-9]+ findings \([0-9]+ new"#, options: .regularExpression) != nil, "\(audits)")
            #expect(!audits.contains("audit failed") && !audits.contains("not recorded"), "\(audits)")
            let findings = try curlAPI("/api/v1/findings").stdout
            #expect(findings.contains(#""rule":"#), "\(findings.prefix(600))")

            // SIGTERM: STOPPING=1, a graceful stop within TimeoutStopSec, exit 0.
            #expect(try sh("systemctl stop steward.service").status == 0)
            #expect(try show("ActiveState") == "inactive")
            #expect(try show("Result") == "success")
            #expect(try show("ExecMainStatus") == "0")
        }
    }
}
