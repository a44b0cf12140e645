import Foundation
import Testing

extension IntegrationTests {
    /// Seed 001's mARB 2.0 deploys: FastAPI under uvicorn, PostgreSQL with Alembic, Redis, nginx with TLS.
    /// `make-origin.sh` turns the running app into a checkout of a bare origin with tagged releases.
    @Suite(.sandbox("marb"), .serialized) struct MarbDeploys {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/marb/steward.yml"
        static let passwords = ["marb-db-test-only-5f3a", "marb-redis-test-only-9c1e"]

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func steward(_ args: [String]) throws -> Sandbox.Output {
            let out = try sandbox().steward(args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-deploy/state.db", "--store", "/var/backups/deploy"])
            for p in Self.passwords { #expect(!out.stdout.contains(p) && !out.stderr.contains(p), "a password was printed") }
            return out
        }

        func sh(_ script: String) throws -> String {
            let r = try sandbox().exec(["bash", "-c", script])
            try #require(r.status == 0, "\(script): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The alembic revision, and whether the `remits` table exists.
        func schema() throws -> String {
            try sh("cd /tmp && runuser -u postgres -- psql -XAt -d marb -c 'SELECT version_num FROM alembic_version' -c \"SELECT coalesce(to_regclass('remits')::text, 'no remits')\"")
                .replacingOccurrences(of: "\n", with: " ")
        }

        func version() throws -> String {
            let body = try sh("curl -s http://127.0.0.1:8000/api/v1/health")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
            return "\(json["status"] as? String ?? "?") \(json["version"] as? String ?? "?")"
        }

        func load(_ action: String, _ name: String) throws -> [Int] {
            let extra = action == "start" ? ["https://marb.example.org/", "-k", "--resolve", "marb.example.org:443:127.0.0.1"] : []
            let out = try sh("bash \(Self.repo)/Tests/Scenarios/lib/load.sh \(action) \(name) \(extra.map { "'\($0)'" }.joined(separator: " "))")
            return out.split(separator: " ").compactMap { Int($0) }
        }

        @Test func alembicDeploysBackUpMigrateAndRollBackThePostgresDatabase() throws {
            _ = try sh("bash \(Self.repo)/Tests/Scenarios/marb/make-origin.sh")
            #expect(try schema() == "0001 no remits")

            // A good deploy: backup, alembic upgrade head, restart, health through the checks.
            _ = try load("start", "marb-good")
            let good = try steward(["deploy", "marb@prod", "--ref", "v2.1.0"])
            let goodLoad = try load("stop", "marb-good")
            print("load through nginx (TLS) during the mARB v2.0.0 → v2.1.0 deploy: \(goodLoad[1]) of \(goodLoad[0]) requests failed")
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            #expect(good.stdout.contains("applied 1 alembic migration(s): 0002") && good.stdout.contains("backup #1 of marb@prod/db"), "\(good.stdout)")
            #expect(try version() == "healthy 2.1.0")
            #expect(try schema() == "0002 no remits")

            // 0003 commits, 0004 fails: the database goes back to 0002 without remits; the app never stopped.
            let failing = try steward(["deploy", "marb@prod", "--ref", "v2.2.0"])
            #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
            #expect(failing.stdout.contains("paid_amount"), "the database's error is shown: \(failing.stdout)")
            #expect(try schema() == "0002 no remits")
            #expect(try version() == "healthy 2.1.0")

            // A release whose health answers 500 after its migration: code and database rolled back.
            _ = try load("start", "marb-bad")
            let bad = try steward(["deploy", "marb@prod", "--ref", "v2.3.0"])
            let badLoad = try load("stop", "marb-bad")
            print("load through nginx (TLS) during the failed mARB v2.3.0 deploy and its rollback: \(badLoad[1]) of \(badLoad[0]) requests failed")
            #expect(bad.status == 2, "\(bad.stdout)\(bad.stderr)")
            #expect(try schema() == "0002 no remits")
            #expect(try version() == "healthy 2.1.0")
            // No database left over by the restores' swaps.
            #expect(try sh("cd /tmp && runuser -u postgres -- psql -XAt -c \"SELECT count(*) FROM pg_database WHERE datname LIKE 'marb_steward%'\"") == "0")
            let history = try sandbox().steward(["releases", "marb@prod", "--state", "/var/lib/steward-deploy/state.db"])
            #expect(history.stdout.contains("rolled-back") && history.stdout.contains("failed") && history.stdout.contains("succeeded"), "\(history.stdout)")

            // Marked reversible: the rollback runs the declared downgrade (with the release that migrated) instead of
            // restoring the backup.
            let reversible = "/run/marb-reversible.yml"
            _ = try sh("cp \(Self.manifest) \(reversible) && printf '      migrations: {kind: alembic, downgrade: [alembic, downgrade, \"0002\"]}\\n' >>\(reversible)")
            let down = try sandbox().steward(["deploy", "marb@prod", "--ref", "v2.3.0", "--manifest", reversible,
                                              "--state", "/var/lib/steward-deploy/state.db", "--store", "/var/backups/deploy"])
            #expect(down.status == 2, "\(down.stdout)\(down.stderr)")
            #expect(down.stdout.contains("ran the declared downgrade") && !down.stdout.contains("restored the pre-deploy backup"), "\(down.stdout)")
            #expect(try schema() == "0002 no remits")
            #expect(try version() == "healthy 2.1.0")

            // Seed 003's way: numbered SQL files applied with psql, each with its tracking row in one transaction.
            let sqlManifest = "/run/marb-sql.yml"
            _ = try sh("cp \(Self.manifest) \(sqlManifest) && printf '      migrations: {kind: sql}\\n' >>\(sqlManifest)")
            func sqlDeploy(_ ref: String) throws -> Sandbox.Output {
                let out = try sandbox().steward(["deploy", "marb@prod", "--ref", ref, "--manifest", sqlManifest,
                                                 "--state", "/var/lib/steward-deploy/state.db", "--store", "/var/backups/deploy"])
                for p in Self.passwords { #expect(!out.stdout.contains(p) && !out.stderr.contains(p), "a password was printed") }
                return out
            }
            func applied() throws -> String {
                try sh("cd /tmp && runuser -u postgres -- psql -XAt -d marb -c 'SELECT name FROM steward_schema_migrations ORDER BY name' -c \"SELECT coalesce(to_regclass('firmware')::text, 'no firmware')\"")
                    .replacingOccurrences(of: "\n", with: " ")
            }
            let sqlGood = try sqlDeploy("v3.0.0")
            #expect(sqlGood.status == 0, "\(sqlGood.stdout)\(sqlGood.stderr)")
            #expect(sqlGood.stdout.contains("applied 2 sql migration(s): 000_devices.sql, 001_alerts.sql"), "\(sqlGood.stdout)")
            #expect(try applied() == "000_devices.sql 001_alerts.sql no firmware")
            // A file failing halfway: its transaction rolls back, so nothing is restored and the app is not stopped.
            let pidBefore = try sh("systemctl show -P MainPID marb@prod.service")
            let sqlBroken = try sqlDeploy("v3.1.0")
            #expect(sqlBroken.status == 1 && sqlBroken.stdout.contains("firmware_images"), "\(sqlBroken.stdout)")
            #expect(try applied() == "000_devices.sql 001_alerts.sql no firmware")
            #expect(try sh("systemctl show -P MainPID marb@prod.service") == pidBefore, "the running app was stopped or restarted")
            #expect(!sqlBroken.stdout.contains("restored the pre-deploy backup") && sqlBroken.stdout.contains("the migrations' transaction rolled back"),
                    "\(sqlBroken.stdout)")
            #expect(try sh("cd /tmp && runuser -u postgres -- psql -XAt -d postgres -c \"SELECT count(*) FROM pg_database WHERE datname LIKE 'marb_steward%'\"") == "0")
            let sqlEdited = try sqlDeploy("v3.2.0")
            #expect(sqlEdited.status == 1 && sqlEdited.stdout.contains("000_devices.sql was edited after it was applied"), "\(sqlEdited.stdout)")
            #expect(try version() == "healthy 3.0.0")

            // A psql meta-command in a file (\! runs a program) is refused, located, before psql starts: nothing ran.
            _ = try sh("rm -f /tmp/steward-psql-uid")
            let escape = try sqlDeploy("v3.4.0")
            #expect(escape.status == 1 && escape.stdout.contains("db/migrations/002_escape.sql:2: \\!: a psql meta-command"), "\(escape.stdout)")
            #expect(try sh("test -e /tmp/steward-psql-uid && cat /tmp/steward-psql-uid || echo absent") == "absent", "the file's \\! ran")
            #expect(try applied() == "000_devices.sql 001_alerts.sql no firmware")
            #expect(try sh("cd /tmp && runuser -u postgres -- psql -XAt -d marb -c \"SELECT coalesce(to_regclass('escaped')::text, 'none')\"") == "none")

            // psql runs with the app's role (never the postgres superuser), as the app's OS user.
            let whoami = try sqlDeploy("v3.3.0")
            #expect(whoami.status == 0, "\(whoami.stdout)\(whoami.stderr)")
            #expect(try sh("cd /tmp && runuser -u postgres -- psql -XAt -d marb -c 'SELECT role FROM steward_whoami'") == "marb")
        }
    }
}
