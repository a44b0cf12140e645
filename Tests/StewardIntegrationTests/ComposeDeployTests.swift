import Foundation
import Testing

extension IntegrationTests {
    /// Seed 003's Compose project deployed on a real Docker engine: the tag checked out as its owner, the numbered SQL
    /// migrations applied in the PostgreSQL container in one transaction with a tracking table (the hand-migrated
    /// database adopted), `docker-compose build` and `up -d` as the owner, the health gate on the compose checks; a
    /// failure rolled back to the previous images by id, code and database. `make-origin.sh` makes the tags.
    @Suite(.sandbox("compose"), .serialized) struct ComposeDeploys {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/compose/steward.yml"
        static let secrets = ["iot_dev", "admin_dev"]

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func sh(_ script: String) throws -> String {
            let r = try sandbox().exec(["bash", "-c", script])
            try #require(r.status == 0, "\(script): \(r.stdout)\(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func psql(_ sql: String) throws -> String { try sh("bash \(Self.repo)/Tests/Scenarios/compose/ctl.sh psql \"\(sql)\"") }

        func deploy(_ args: [String], env: [String] = []) throws -> (Sandbox.Output, [String: Any]?) {
            let out = try sandbox().exec(["env"] + env + [Sandbox.stewardBinary, "deploy", "pulse", "--manifest", Self.manifest, "--format", "json"] + args)
            for secret in Self.secrets {
                #expect(!out.stdout.contains(secret) && !out.stderr.contains(secret), "steward deploy \(args) printed the .env's \(secret)")
            }
            return (out, try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        }

        /// The ui's image id, the version its /health says (or the status), and the tracking table's rows.
        func image(_ service: String) throws -> String { try sh("docker inspect -f '{{.Image}}' pulse_\(service)_1") }
        func uiVersion() throws -> String { try sh("curl -s http://127.0.0.1:8080/health") }
        func tracked() throws -> String { try psql("SELECT string_agg(name, ',' ORDER BY name) FROM steward_schema_migrations") }
        func tableExists(_ name: String) throws -> Bool { try psql("SELECT to_regclass('public.\(name)') IS NOT NULL") == "t" }
        func head() throws -> String { try sh("runuser -u pulse -- git -C /opt/pulse rev-parse HEAD") }
        func commit(_ tag: String) throws -> String { try sh("runuser -u pulse -- git -C /opt/pulse rev-parse \(tag)^{commit}") }

        @Test func composeDeploysMigrateBuildRollBackAndRecover() throws {
            _ = try sh("bash \(Self.repo)/Tests/Scenarios/compose/make-origin.sh")
            let trackedBefore = try tableExists("steward_schema_migrations"), alertsBefore = try tableExists("alerts")
            #expect(!trackedBefore && !alertsBefore)

            // A good deploy: 001 and 002 adopted (their tables exist), 003 and 004 applied, ingest fixed.
            let dry = try deploy(["--ref", "v1.1.0", "--dry-run"]).0
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            let started = Date()
            let (good, goodJSON) = try deploy(["--ref", "v1.1.0"])
            let wall = Date().timeIntervalSince(started)
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            #expect(try tracked() == "001_init.sql,002_devices.sql,003_alerts.sql,004_alert_rules.sql")
            let (alerts, rules) = (try tableExists("alerts"), try tableExists("alert_rules"))
            #expect(alerts && rules)
            #expect(try uiVersion().contains("\"version\":\"1.1.0\""))
            #expect(try sh("docker inspect -f '{{.State.Status}} {{.RestartCount}}' pulse_ingest_1").hasPrefix("running"))
            #expect(try head() == commit("v1.1.0"))
            let steps = ((goodJSON?["record"] as? [String: Any])?["steps"] as? [[String: Any]]) ?? []
            let ms: (String) -> Int = { name in steps.filter { $0["name"] as? String == name }.compactMap { $0["duration_ms"] as? Int ?? $0["durationMs"] as? Int }.reduce(0, +) }
            let migrate = steps.first { $0["name"] as? String == "migrate" }?["detail"] as? String ?? ""
            #expect(migrate.contains("applied 2 sql migration(s): 003_alerts.sql, 004_alert_rules.sql") && migrate.contains("adopted iotcloud"), "\(migrate)")
            let docker = ms("build") + ms("restart") + ms("health")
            print("compose deploy v1.1.0 (adopt 001-002, apply 003-004, build, up -d, health): wall \(String(format: "%.1f", wall)) s; build \(ms("build")) ms, up -d \(ms("restart")) ms, health gate \(ms("health")) ms; Steward's own steps (preflight, fetch, migrate with its pre-deploy backup) \(ms("preflight") + ms("lock") + ms("pre-deploy") + ms("fetch") + ms("dependencies") + ms("migrate") + ms("post-deploy")) ms; process overhead beyond the steps \(Int(wall * 1000) - steps.compactMap { $0["duration_ms"] as? Int ?? $0["durationMs"] as? Int }.reduce(0, +)) ms (docker's share \(docker) ms)")

            // A release whose new ui image fails its health check: the previous images by id, the code and the database.
            let uiBefore = try image("ui"), ingestBefore = try image("ingest")
            // The operator adds a variable for the new release: the undo puts the .env back as it was, owner and mode too.
            let envBefore = try sh("sha256sum /opt/pulse/.env; stat -c '%U:%G %a' /opt/pulse/.env")
            _ = try sh("echo NOTES_ENABLED=1 >> /opt/pulse/.env")
            let (bad, badJSON) = try deploy(["--ref", "v1.2.0"])
            #expect(bad.status == 2, "\(bad.stdout)\(bad.stderr)")
            let undo = (((badJSON?["record"] as? [String: Any])?["steps"] as? [[String: Any]]) ?? []).last { $0["name"] as? String == "rollback" }
            print("compose deploy v1.2.0 (ui unhealthy): \(undo?["detail"] as? String ?? "no rollback step")")
            #expect(try sh("sha256sum /opt/pulse/.env; stat -c '%U:%G %a' /opt/pulse/.env") == envBefore)
            #expect((undo?["detail"] as? String)?.contains("put /opt/pulse/.env back as it was before the deploy") == true)
            // One copy is kept: the .env of the last deploy that succeeded (v1.1.0's), which the next undo puts back.
            let copies = try sh("ls /var/lib/steward/compose-env")
            #expect(copies.split(separator: "\n").count == 1, "the .env copies outlived their deploys: \(copies)")
            let (uiAfter, ingestAfter) = (try image("ui"), try image("ingest"))
            #expect(uiAfter == uiBefore && ingestAfter == ingestBefore)
            #expect(try uiVersion().contains("\"version\":\"1.1.0\""))
            #expect(!(try tableExists("device_notes")))
            #expect(try tracked() == "001_init.sql,002_devices.sql,003_alerts.sql,004_alert_rules.sql")
            #expect(try head() == commit("v1.1.0"))

            // A migration failing halfway leaves nothing: no table, no row, the images and code untouched.
            let (broken, _) = try deploy(["--ref", "v1.3.0"])
            #expect(broken.status == 1, "\(broken.stdout)\(broken.stderr)")
            #expect(broken.stdout.contains("db/migrations/005_channels.sql:4:") || broken.stderr.contains("db/migrations/005_channels.sql:4:"), "\(broken.stdout)")
            #expect(!(try tableExists("notification_channels")))
            #expect(try tracked() == "001_init.sql,002_devices.sql,003_alerts.sql,004_alert_rules.sql")
            let (uiBroken, headBroken) = (try image("ui"), try head())
            let v110 = try commit("v1.1.0")
            #expect(uiBroken == uiBefore && headBroken == v110)

            // kill -9 once the new containers run, then --abort: the previous images, code and health back.
            let (killed, _) = try deploy(["--ref", "v1.4.0"], env: ["STEWARD_FAULT=after:restart"])
            #expect(killed.status == 137 || killed.status == 9, "\(killed.status): \(killed.stdout)\(killed.stderr)")
            #expect(try uiVersion().contains("\"version\":\"1.4.0\""))
            let (aborted, abortJSON) = try deploy(["--abort"])
            #expect(aborted.status == 0, "\(aborted.stdout)\(aborted.stderr)")
            #expect((abortJSON?["record"] as? [String: Any])?["status"] as? String == "aborted")
            let (uiAborted, headAborted) = (try image("ui"), try head())
            #expect(uiAborted == uiBefore && headAborted == v110)
            #expect(try uiVersion().contains("\"version\":\"1.1.0\""))
            // kill -9 once the images are built, then --resume: the deploy goes on from up -d and succeeds.
            let (builtThenKilled, _) = try deploy(["--ref", "v1.4.0"], env: ["STEWARD_FAULT=after:build"])
            #expect(builtThenKilled.status == 137 || builtThenKilled.status == 9, "\(builtThenKilled.status): \(builtThenKilled.stdout)\(builtThenKilled.stderr)")
            #expect(try uiVersion().contains("\"version\":\"1.1.0\""))
            let (resumed, resumeJSON) = try deploy(["--resume"])
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            #expect((resumeJSON?["record"] as? [String: Any])?["status"] as? String == "succeeded")
            #expect(try uiVersion().contains("\"version\":\"1.4.0\""))

            // Compose never runs on what another user can write: a compose file writable by everyone, or another
            // user's, is refused before anything runs.
            for (change, undo, why) in [("chmod o+w /opt/pulse/docker-compose.yml", "chmod o-w /opt/pulse/docker-compose.yml", "is writable by everyone"),
                                        ("chown nobody /opt/pulse/docker-compose.yml", "chown pulse /opt/pulse/docker-compose.yml", "is nobody's but /opt/pulse is pulse's")] {
                _ = try sh(change)
                let (refused, _) = try deploy(["--ref", "v1.1.0"])
                _ = try sh(undo)
                #expect(refused.status != 0 && (refused.stdout + refused.stderr).contains(why), "\(refused.stdout)\(refused.stderr)")
            }
            #expect(try uiVersion().contains("\"version\":\"1.4.0\""))
        }
    }
}
