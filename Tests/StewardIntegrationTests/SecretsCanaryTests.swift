import Foundation
import Testing

extension IntegrationTests {
    /// Canary secrets planted where a real host keeps them — env files, `Environment=`, and a log line the app
    /// prints — must not appear in any output format.
    @Suite(.sandbox("n1")) struct SecretsCanary {
        static let canaries = ["CANARY-S3CR3T-KEY-1f2e", "CANARY-DB-PASS-9a8b", "CANARY-API-TOKEN-7c6d", "CANARY-PLAIN-5e4f", "CANARY-ENV-TOKEN-3b2a"]

        func plant(_ sandbox: Sandbox) throws {
            let script = """
                set -e
                cat > /etc/calb-sizingtool/canary.env <<'ENV'
                SECRET_KEY=\(Self.canaries[0])
                DATABASE_URL=postgres://calb:\(Self.canaries[1])@127.0.0.1/calb
                API_TOKEN="\(Self.canaries[2])"
                FOO=\(Self.canaries[3])
                ENV
                chmod 0644 /etc/calb-sizingtool/canary.env
                mkdir -p /etc/systemd/system/calb-sizingtool@.service.d
                cat > /etc/systemd/system/calb-sizingtool@.service.d/canary.conf <<'UNIT'
                [Service]
                EnvironmentFile=/etc/calb-sizingtool/canary.env
                Environment=SESSION_TOKEN=\(Self.canaries[4])
                ExecStartPre=/bin/sh -c 'echo "ERROR cannot reach db with key $SECRET_KEY and $DATABASE_URL"'
                UNIT
                systemctl daemon-reload
                systemctl restart calb-sizingtool@prod.service
                for i in $(seq 50); do
                    journalctl -u calb-sizingtool@prod.service --no-pager | grep -q 'cannot reach db' && exit 0
                    sleep 0.1
                done
                echo "canary log line never reached the journal" >&2; exit 1
                """
            let r = try sandbox.exec(["/bin/bash", "-c", script])
            try #require(r.status == 0, "planting failed: \(r.stderr)")
        }

        @Test func noCanaryInTextJsonOrMarkdown() throws {
            let sandbox = try SandboxScenario.sandbox()
            try plant(sandbox)
            // The canaries are really there: the journal holds them in clear.
            let journal = try sandbox.exec(["journalctl", "-u", "calb-sizingtool@prod.service", "--no-pager"])
            #expect(journal.stdout.contains(Self.canaries[0]))

            var formats: [String: String] = [:]
            for format in ["text", "json", "markdown"] {
                let out = try sandbox.steward(["audit", "--format", format])
                #expect([1, 2].contains(out.status), "\(format): exit \(out.status) \(out.stderr)")
                formats[format] = out.stdout + out.stderr
            }
            let file = sandbox.state + "/share/runbook.md"
            _ = try sandbox.steward(["audit", "--format", "markdown", "--output", file])
            formats["markdown file"] = try String(contentsOfFile: file, encoding: .utf8)

            for (format, output) in formats {
                #expect(!output.isEmpty)
                for canary in Self.canaries {
                    #expect(!output.contains(canary), "\(format) output leaks \(canary)")
                }
            }
            // The secrets were seen and judged, just not shown.
            let json = formats["json"] ?? ""
            #expect(json.contains("files.secrets-in-envfile") && json.contains("files.envfile-permissions"))
            #expect(json.contains("SECRET_KEY") && json.contains("***MASKED***"))
        }
    }
}
