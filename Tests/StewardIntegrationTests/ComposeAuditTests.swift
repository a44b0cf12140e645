import Foundation
import Testing

extension IntegrationTests {
    /// Seed 003 on a real Docker engine: dockerd inside the sandbox (its own network namespace, overlay2 on a tmpfs), images
    /// built from the host's own files, and the OpsConductor-Pulse project in /opt/pulse run with `docker-compose up -d
    /// --build` as the seed does, with its faults: the ingest service's Dockerfile never copies the new `telemetry`
    /// package (ModuleNotFoundError, a container restarting in a loop), PostgreSQL published on every address, and the
    /// README's default credentials in `.env`.
    @Suite(.sandbox("compose"), .serialized) struct ComposeAudit {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/compose/steward.yml"
        static let secrets = ["iot_dev", "admin_dev"]

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        /// The compose findings of `steward audit --format json`, as `rule subject`; no secret in any output.
        func composeFindings(_ args: [String] = []) throws -> [String] {
            let out = try sandbox().steward(["audit", "--format", "json"] + args)
            let text = try sandbox().steward(["audit"] + args)
            for secret in Self.secrets {
                #expect(!out.stdout.contains(secret) && !out.stderr.contains(secret) && !text.stdout.contains(secret) && !text.stderr.contains(secret),
                        "the .env's \(secret) was printed")
            }
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout.prefix(500))\(out.stderr)")
            let findings = report["findings"] as? [[String: Any]] ?? []
            return findings.compactMap { f in
                (f["rule"] as? String).flatMap { $0.hasPrefix("compose.") ? "\($0) \(f["subject"] as? String ?? "")" : nil }
            }.sorted()
        }

        /// The audit finds the planted faults of the running project, by its containers' labels (no manifest) and as
        /// the manifest declares it, and says how to fix the seed's own failure with the missing `COPY` line.
        @Test func theAuditFindsTheComposeProjectsFaultsWithoutPrintingASecret() throws {
            let expected = [
                "compose.database-port-public pulse/postgres:5432",
                "compose.default-credentials /opt/pulse/.env",
                "compose.log-tracebacks pulse/ingest",
                "compose.migration-pending pulse/db/migrations",
                "compose.service-restarting pulse/ingest",
                "compose.uncopied-package pulse/ingest telemetry",
            ]
            let discovered = try composeFindings()
            #expect(discovered == expected, "\(discovered)")
            let declared = try composeFindings(["--manifest", Self.manifest])
            #expect(declared == expected, "\(declared)")
            let json = try sandbox().steward(["audit", "--format", "json", "--manifest", Self.manifest])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let findings = report["findings"] as? [[String: Any]] ?? []
            let copy = try #require(findings.first { $0["rule"] as? String == "compose.uncopied-package" })
            print("compose audit: \(copy["summary"] ?? "") — fix: \(copy["fix"] ?? "")")
            // `COPY app /app/app` and `python -m app.main` from /app: the package belongs beside app/, in /app.
            #expect((copy["fix"] as? String)?.contains("Add `COPY telemetry/ /app/telemetry/` to /opt/pulse/services/ingest/Dockerfile") == true, "\(copy)")
            // 001 and 002 were applied by hand (their tables exist), 003 not.
            let pending = try #require(findings.first { $0["rule"] as? String == "compose.migration-pending" })
            #expect((pending["summary"] as? String)?.contains("1 migration in /opt/pulse/db/migrations not applied to iotcloud (service postgres): 003_alerts.sql") == true, "\(pending)")
            let restarting = try #require(findings.first { $0["rule"] as? String == "compose.service-restarting" })
            #expect((restarting["evidence"] as? [String] ?? []).contains("log: ModuleNotFoundError: No module named 'telemetry'"), "\(restarting)")
            let probes = report["probes"] as? [[String: Any]] ?? []
            #expect(probes.first { $0["name"] as? String == "compose" }?["status"] as? String == "ok", "\(probes)")

            // A declared service whose container is gone is down; an image tag gone from the host (untagged while the
            // container runs it) would have to be pulled again.
            _ = try sandbox().exec(["docker", "rm", "-f", "pulse_ui_1"])
            _ = try sandbox().exec(["docker", "rmi", "-f", "steward/postgres:15"])
            let after = try composeFindings(["--manifest", Self.manifest])
            #expect(after.contains("compose.service-down pulse/ui") && after.contains("compose.image-tag-missing pulse/postgres"), "\(after)")
            // Without a manifest, a systemd unit that runs `docker-compose up` declares the project: every service of
            // its file must run (the ui is gone), and the unit is the project, not an app of its own.
            let undeclared = try composeFindings()
            #expect(!undeclared.contains("compose.service-down pulse/ui"), "\(undeclared)")
            _ = try sandbox().exec(["bash", "-c", """
                printf '[Unit]\\nDescription=OpsConductor-Pulse\\nRequires=docker.service\\nAfter=docker.service\\n[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nWorkingDirectory=/opt/pulse\\nExecStart=/usr/bin/docker-compose -f docker-compose.yml up -d\\nExecStop=/usr/bin/docker-compose down\\n[Install]\\nWantedBy=multi-user.target\\n' >/etc/systemd/system/pulse-stack.service
                systemctl daemon-reload
                systemctl enable --quiet pulse-stack.service
                """])
            let byUnit = try composeFindings()
            #expect(byUnit.contains("compose.service-down pulse/ui"), "\(byUnit)")
            let all = try sandbox().steward(["audit", "--format", "json"]).stdout
            #expect(!all.contains("\"subject\" : \"pulse-stack") && !all.contains("\"subject\":\"pulse-stack"), "the compose unit was judged as an app")
        }
    }
}
