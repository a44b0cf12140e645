import Foundation
import Testing

extension IntegrationTests {
    /// Alerts of `steward serve` end to end in a real-systemd mARB sandbox: Redis stopped → the alert fires to a
    /// local webhook receiver (signed) and to an SMTP sink (aiosmtpd) through the host's sendmail (msmtp); it is
    /// acknowledged through the API and both hear it; Redis back → the resolved notice arrives. A silence from the
    /// CLI is honoured and listed. A bad tag deployed through the API is rolled back by the deploy, and the alert
    /// its failing health caused names that deploy, quiet because the deploy silenced its instance.
    @Suite(.sandbox("marb"), .serialized) struct ServeAlerts {
        static let repo = Sandbox.packageRoot.path
        static let venv = repo + "/.build-fixtures/schemathesis-venv"
        static let manifest = """
            version: 1
            apps:
              marb:
                kind: fastapi
                env_file: /etc/marb/{instance}.env
                health: /api/v1/health
                instances:
                  prod: {port: 8000, bind: 127.0.0.1, production: false}
                backup:
                  databases:
                    - postgres: "/etc/marb/{instance}.env#DATABASE_URL"
                  config: false
                deploy:
                  health_timeout: 15s
            check_defaults: {interval: 2s, timeout: 2s}
            checks:
              - {name: redis port, app: marb, instance: prod, tcp: {host: 127.0.0.1, port: 6379}}
              - {name: api health, app: marb, instance: prod, http: {url: "http://127.0.0.1:8000/api/v1/health"}}
            serve:
              alerts:
                operation_grace: 30s
                allow_private: [localhost]
                channels:
                  hook: {webhook: "http://localhost:9099/hook", secret: /etc/steward/alerts.env#HOOK_SECRET}
                  mail: {email: [ops@marb.example.org], from: steward@marb.example.org}
                rules:
                  - name: redis
                    match: {checks: [redis port]}
                    for_runs: 2
                    channels: [hook, mail]
                  - name: health
                    match: {checks: [api health]}
                    for_runs: 1
                    channels: [hook]
            """

        func sh(_ script: String) throws -> Sandbox.Output {
            try SandboxScenario.sandbox().exec(["/bin/bash", "-c", script])
        }

        func eventually(_ seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if try condition() { return true }
                Thread.sleep(forTimeInterval: 0.25)
            }
            return try condition()
        }

        /// What the webhook receiver got: `(event, rule, signature checked)` per POST.
        func hooks() throws -> [(event: String, rule: String, signed: Bool, received: Double, body: [String: Any])] {
            try sh("cat /root/hook.jsonl 2>/dev/null").stdout.split(separator: "\n").compactMap { line in
                guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let body = (record["body"] as? [String: Any])?["alert"] as? [String: Any] else { return nil }
                return (record["event"] as? String ?? "", body["rule"] as? String ?? "", record["signature_ok"] as? Bool ?? false,
                        record["received"] as? Double ?? 0, body)
            }
        }

        /// The mails the SMTP sink stored (Maildir), as their subjects.
        func mails() throws -> [String] {
            try sh("grep -h -m1 '^Subject:' /root/Maildir/new/* 2>/dev/null || true").stdout.split(separator: "\n").map(String.init)
        }

        func api(_ method: String, _ path: String, token: String, body: String? = nil) throws -> (status: Int, json: [String: Any]) {
            let data = body.map { " -H 'Content-Type: application/json' -d '\($0)'" } ?? ""
            let out = try sh("curl -s -w '\\n%{http_code}' -X \(method) -H 'Authorization: Bearer \(token)'\(data) 'http://127.0.0.1:8470\(path)'")
            let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.last ?? "") ?? 0
            let json = (try? JSONSerialization.jsonObject(with: Data(lines.dropLast().joined(separator: "\n").utf8))) as? [String: Any] ?? [:]
            return (status, json)
        }

        @Test func alertsReachAWebhookAndMailAreAcknowledgedResolveAndNameTheDeployTheyFollowed() throws {
            let sandbox = try SandboxScenario.sandbox()
            // The sinks: aiosmtpd on 127.0.0.1:2525 behind msmtp (the host's sendmail), the receiver on :9099.
            let sinks = try sh("""
                set -e
                mkdir -p /etc/steward /root/Maildir/tmp /root/Maildir/new /root/Maildir/cur
                printf 'HOOK_SECRET=hook-secret-test-only-7d21\\n' > /etc/steward/alerts.env && chmod 0600 /etc/steward/alerts.env
                printf 'account default\\nhost 127.0.0.1\\nport 2525\\nfrom steward@marb.example.org\\nauth off\\ntls off\\n' > /etc/msmtprc
                systemd-run --unit=smtp-sink \(Self.venv)/bin/python -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox /root/Maildir
                systemd-run --unit=hook-sink /usr/bin/python3 \(Self.repo)/Tests/Scenarios/serve/webhook-receiver.py 9099 /root/hook.jsonl /etc/steward/alerts.env
                for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/2525) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/9099) 2>/dev/null && exit 0; sleep 0.2; done
                exit 1
                """)
            try #require(sinks.status == 0, "\(sinks.stdout)\(sinks.stderr)")
            let written = try sh("cat > /etc/steward/steward.yml <<'YAML'\n\(Self.manifest)\nYAML\nchmod 0644 /etc/steward/steward.yml")
            try #require(written.status == 0, "\(written.stderr)")
            let install = try sandbox.steward(["serve", "--install", "--manifest", "/etc/steward/steward.yml"])
            try #require(install.status == 0, "\(install.stdout)\(install.stderr)")
            let made = try sandbox.steward(["serve", "token", "add", "oncall", "--scope", "operate", "--manifest", "/etc/steward/steward.yml"])
            let token = try #require(made.stdout.split(separator: "\n").first { $0.hasPrefix("stw_") }.map(String.init), "\(made.stdout)")
            #expect(try eventually(5) { try api("GET", "/api/v1/alerts", token: token).status == 200 })

            // Redis stops (the app's health answers 503 too, and the health rule fires on its first bad run): two bad
            // runs (2 s apart) fire the redis rule to the webhook (signed) and to the mail sink.
            let stopped = Date()
            #expect(try sh("bash \(Self.repo)/Tests/Scenarios/marb/ctl.sh stop-redis").status == 0)
            #expect(try eventually(30) { try hooks().contains { $0.event == "firing" && $0.rule == "redis" } })
            let fired = try #require(try hooks().first { $0.event == "firing" && $0.rule == "redis" })
            #expect(fired.signed, "the signature checks out with the channel's secret")
            #expect(fired.body["app"] as? String == "marb" && fired.body["instance"] as? String == "prod")
            print("redis stopped → firing notice at the webhook: \(String(format: "%.1f", fired.received - stopped.timeIntervalSince1970)) s (checks every 2 s, 2 runs)")
            #expect(try eventually(30) { try mails().count >= 1 }, "\((try? mails()) ?? [])")
            #expect(try !sh("cat /root/hook.jsonl /root/Maildir/new/* /var/log/syslog 2>/dev/null; journalctl -u steward.service --no-pager")
                .stdout.contains("hook-secret-test-only-7d21"), "the channel's secret is never shown")

            // Acknowledged through the API: both channels hear who took it.
            let open = try api("GET", "/api/v1/alerts", token: token)
            let alert = try #require((open.json["alerts"] as? [[String: Any]])?.first { $0["rule"] as? String == "redis" }, "\(open.json)")
            let id = try #require(alert["id"] as? Int)
            let ack = try api("POST", "/api/v1/alerts/\(id)/ack", token: token)
            #expect(ack.status == 200 && ack.json["acknowledged_by"] as? String == "api:oncall", "\(ack.json)")
            #expect(try eventually(20) { try hooks().contains { $0.event == "acknowledged" && $0.rule == "redis" } })
            #expect(try eventually(20) { try mails().count >= 2 }, "\((try? mails()) ?? [])")

            // Redis back: resolved, to both.
            #expect(try sh("bash \(Self.repo)/Tests/Scenarios/marb/ctl.sh start-redis").status == 0)
            #expect(try eventually(30) { try hooks().contains { $0.event == "resolved" && $0.rule == "redis" } })
            #expect(try eventually(20) { try mails().count >= 3 }, "\((try? mails()) ?? [])")
            let listed = try sandbox.steward(["alerts", "list", "--all", "--manifest", "/etc/steward/steward.yml"])
            #expect(listed.status == 0 && listed.stdout.contains("#\(id) RESOLVED"), "\(listed.stdout)\(listed.stderr)")

            // A silence from the CLI: listed by the API, ended by the CLI.
            let silenced = try sandbox.steward(["alerts", "silence", "marb@prod", "--for", "1h", "--reason", "maintenance window",
                                                "--manifest", "/etc/steward/steward.yml"])
            #expect(silenced.status == 0 && silenced.stdout.contains("silenced #"), "\(silenced.stdout)\(silenced.stderr)")
            let silences = try api("GET", "/api/v1/silences", token: token)
            let silence = try #require((silences.json["silences"] as? [[String: Any]])?.first, "\(silences.json)")
            #expect(silence["reason"] as? String == "maintenance window" && silence["target"] as? String == "marb@prod")
            let ended = try sandbox.steward(["alerts", "unsilence", "\(silence["id"] as? Int ?? 0)", "--manifest", "/etc/steward/steward.yml"])
            #expect(ended.status == 0, "\(ended.stdout)\(ended.stderr)")

            // A bad tag through the API: its health answers 500, the deploy rolls it back. The health alert it caused
            // names the deploy, and stayed quiet: the deploy silenced its instance.
            _ = try sh("bash \(Self.repo)/Tests/Scenarios/marb/make-origin.sh")
            let deploy = try api("POST", "/api/v1/deploys?wait=240", token: token, body: #"{"target":"marb@prod","ref":"v2.3.0"}"#)
            #expect(deploy.json["state"] as? String == "failed", "\(deploy.json)")
            #expect(try sh("curl -s http://127.0.0.1:8000/api/v1/health").stdout.contains("healthy"), "rolled back to a healthy release")
            var named: [String: Any]?
            #expect(try eventually(30) {
                let all = try api("GET", "/api/v1/alerts?state=all", token: token).json["alerts"] as? [[String: Any]] ?? []
                named = all.first { $0["rule"] as? String == "health" }
                return named?["state"] as? String == "resolved"
            }, "\(named ?? [:])")
            let sentence = (named?["deploy"] as? [String: Any])?["sentence"] as? String ?? ""
            #expect(sentence.contains("of v2.3.0 (by api:oncall)") && sentence.contains("roll back: steward rollback marb@prod"), "\(named ?? [:])")
            #expect((named?["notified"] as? [String])?.isEmpty == true, "silenced by the deploy: \(named ?? [:])")
            let namedID = named?["id"] as? Int ?? -1
            #expect(try !hooks().contains { $0.body["id"] as? Int == namedID }, "no notice of it: the deploy silenced it")
            #expect(try sh("systemctl stop steward.service").status == 0)
        }
    }
}
