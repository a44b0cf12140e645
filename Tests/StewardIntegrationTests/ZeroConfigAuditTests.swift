import Foundation
import Testing

/// Issue 10, items 15-17: `steward audit` without any manifest on the three seed-shaped hosts (chip_dashboard 004,
/// mARB 001, RackLab 002) judges production as the seeds say and says why, takes ports from the units' sockets,
/// and sees one app per shared tree.
extension IntegrationTests {
    /// Runs `steward audit` from `/` (no `./steward.yml`) after checking `/etc/steward/steward.yml` does not exist.
    static func zeroConfigAudit(_ format: String = "json") throws -> (Sandbox.Output, [String: Any]) {
        let sandbox = try SandboxScenario.sandbox()
        let probe = try sandbox.exec(["test", "!", "-e", "/etc/steward/steward.yml"])
        try #require(probe.status == 0, "/etc/steward/steward.yml exists in the sandbox: the audit would not be zero-config")
        let out = try sandbox.exec(["env", "-C", "/", Sandbox.stewardBinary, "audit", "--format", format])
        guard format == "json" else { return (out, [:]) }
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any],
                               "not JSON: \(out.stdout.prefix(500)) \(out.stderr.prefix(500))")
        return (out, obj)
    }

    static func instance(_ report: [String: Any], _ unit: String) throws -> [String: Any] {
        let inventory = try #require(report["inventory"] as? [[String: Any]])
        return try #require(inventory.first { $0["unit"] as? String == unit }, "no \(unit) in \(inventory.map { $0["unit"] ?? "?" })")
    }

    static func findings(_ report: [String: Any], _ rule: String) -> [String] {
        ((report["findings"] as? [[String: Any]]) ?? []).filter { $0["rule"] as? String == rule }
            .map { "\($0["subject"] as? String ?? "?") \($0["severity"] as? String ?? "?")" }
    }

    /// Every app unit that listens on TCP has a port, and it is one it listens on.
    static func portsMatchSockets(_ report: [String: Any]) throws {
        let facts = try #require(report["facts"] as? [String: Any])
        let sockets = try #require(facts["sockets"] as? [[String: Any]])
        for instance in (report["inventory"] as? [[String: Any]]) ?? [] where instance["role"] as? String == "app" {
            let unit = instance["unit"] as? String
            let own = Set(sockets.filter { $0["unit"] as? String == unit && ($0["proto"] as? String)?.hasPrefix("tcp") == true }
                .compactMap { $0["port"] as? Int })
            guard !own.isEmpty else { continue }
            #expect((instance["port"] as? Int).map(own.contains) == true, "\(unit ?? "?") listens on \(own), inventory port \(instance["port"] ?? "none")")
        }
    }

    @Suite(.sandbox("chip")) struct ZeroConfigChip {
        @Test func theSeedsUnitIsProductionBecauseNginxServesItAndItsPortComesFromItsSocket() throws {
            let (out, report) = try IntegrationTests.zeroConfigAudit()
            let live = try IntegrationTests.instance(report, "chip_dashboard.service")
            // Seed 004's broker_portal.service: not a template, gunicorn on 0.0.0.0, nginx with a public server_name.
            #expect(live["production"] as? Bool == true)
            #expect(live["productionReason"] as? String == "served by nginx server_name live.pravoo.in (/etc/nginx/sites-enabled/chip_dashboard)")
            // Its port is only in /etc/chip/live.gunicorn.py: the socket of its cgroup tells it.
            #expect(live["port"] as? Int == 8004)
            #expect((live["portSource"] as? String)?.hasPrefix("listening on 0.0.0.0:8004") == true, "\(live["portSource"] ?? "nil")")
            #expect(live["kind"] as? String == "django" && live["kindEvidence"] as? String == "gunicorn broker_portal.wsgi:application in ExecStart")
            // With a port, the rules see what the seed's runbook shows: gunicorn on all interfaces behind nginx.
            #expect(IntegrationTests.findings(report, "ports.public-bind").contains("chip_dashboard warning"), "\(report["findings"] ?? [])")

            // Template instances are judged by their names: test.pravoo.in does not make @test production.
            let prod = try IntegrationTests.instance(report, "broker_portal@prod.service")
            #expect(prod["production"] as? Bool == true && prod["productionReason"] as? String == "instance name prod")
            let test = try IntegrationTests.instance(report, "broker_portal@test.service")
            #expect(test["production"] as? Bool == false && test["productionReason"] == nil)
            try IntegrationTests.portsMatchSockets(report)
            #expect(!out.stdout.contains("chip-secret-key-test-only-5e1a"))
        }

        @Test func textAndMarkdownSayWhy() throws {
            let (text, _) = try IntegrationTests.zeroConfigAudit("text")
            #expect(text.stdout.contains("chip_dashboard: active, port 8004 (listening on 0.0.0.0:8004 (python"), "\(text.stdout)")
            #expect(text.stdout.contains("django (gunicorn broker_portal.wsgi:application in ExecStart)"))
            #expect(text.stdout.contains("production (served by nginx server_name live.pravoo.in"))
            let (md, _) = try IntegrationTests.zeroConfigAudit("markdown")
            #expect(md.stdout.contains("production: served by nginx server_name live.pravoo.in"), "\(md.stdout.prefix(3000))")
            for out in [text, md] { #expect(!out.stdout.contains("chip-secret-key-test-only-5e1a")) }
        }
    }

    @Suite(.sandbox("marb")) struct ZeroConfigMarb {
        @Test func theAPIAndItsWorkerAreOneProductionAppWithOneMissingBackup() throws {
            let (out, report) = try IntegrationTests.zeroConfigAudit()
            let api = try IntegrationTests.instance(report, "marb@prod.service")
            #expect(api["production"] as? Bool == true)
            #expect(api["productionReason"] as? String == "instance name prod")
            #expect(api["kind"] as? String == "fastapi" && api["kindEvidence"] as? String == "uvicorn in ExecStart")
            #expect(api["port"] as? Int == 8000 && api["partOf"] == nil)
            let worker = try IntegrationTests.instance(report, "marb-celery@prod.service")
            #expect(worker["partOf"] as? String == "marb@prod")
            #expect(worker["partOfReason"] as? String == "same WorkingDirectory /opt/marb/prod")
            #expect(worker["kind"] as? String == "celery" && worker["kindEvidence"] as? String == "celery in ExecStart")
            #expect(worker["production"] as? Bool == true)
            // One database for the app: one finding, not one per unit.
            #expect(IntegrationTests.findings(report, "backup.missing") == ["marb@prod/db critical"])
            try IntegrationTests.portsMatchSockets(report)
            for secret in ["marb-db-test-only-5f3a", "marb-redis-test-only-9c1e"] {
                #expect(!out.stdout.contains(secret) && !out.stderr.contains(secret))
            }
        }

        @Test func theEnvFileAloneMakesAnUnnamedUnitProduction() throws {
            // The seed's unit is marb2.0.service (no instance name) with ENVIRONMENT=production in its env file: that
            // line is what says production. A unit of that shape beside the scenario's marb@prod, its own env and port.
            let sandbox = try SandboxScenario.sandbox()
            let setup = try sandbox.exec(["sh", "-c", """
                set -e
                venv=$(sed -n 's|^ExecStart=\\(.*\\)/bin/uvicorn .*|\\1|p' /etc/systemd/system/marb@.service)
                printf 'PORT=8010\\nENVIRONMENT=production\\n' >/etc/marb2.0.env
                printf '[Service]\\nUser=marb\\nWorkingDirectory=/opt/marb\\nEnvironmentFile=/etc/marb2.0.env\\nExecStart=%s/bin/uvicorn main:app --host 127.0.0.1 --port ${PORT} --app-dir /opt/marb/prod/app\\n' "$venv" >/etc/systemd/system/marb2.0.service
                systemctl daemon-reload
                systemctl start marb2.0.service
                """])
            try #require(setup.status == 0, "\(setup.stderr)")
            defer { _ = try? sandbox.exec(["sh", "-c", "systemctl stop marb2.0.service; rm -f /etc/systemd/system/marb2.0.service /etc/marb2.0.env; systemctl daemon-reload"]) }
            let (_, report) = try IntegrationTests.zeroConfigAudit()
            let seedNamed = try IntegrationTests.instance(report, "marb2.0.service")
            #expect(seedNamed["production"] as? Bool == true)
            #expect(seedNamed["productionReason"] as? String == "env ENVIRONMENT=production in /etc/marb2.0.env")
        }
    }

    @Suite(.sandbox("racklab")) struct ZeroConfigRacklab {
        @Test func prodIsProductionByItsNameAndItsDatabaseIsMissingABackup() throws {
            let (out, report) = try IntegrationTests.zeroConfigAudit()
            let prod = try IntegrationTests.instance(report, "racklab@prod.service")
            #expect(prod["production"] as? Bool == true && prod["productionReason"] as? String == "instance name prod")
            #expect(prod["port"] as? Int == 8300)
            #expect(IntegrationTests.findings(report, "backup.missing") == ["racklab@prod/db critical"])
            try IntegrationTests.portsMatchSockets(report)
            #expect(out.status == 2, "backup.missing of a production database is critical")
        }
    }
}
