import Foundation
import Testing

extension IntegrationTests {
    /// Seed 003's Compose project backed up on a real Docker engine: PostgreSQL dumped with `pg_dump` inside its
    /// container, the ui's named volume archived, the compose file and `.env` kept; each verified by a restore (the dump
    /// into a scratch database of the same server); restored in place with the app's containers stopped meanwhile.
    @Suite(.sandbox("compose"), .serialized) struct ComposeBackups {
        static let repo = Sandbox.packageRoot.path
        static let secrets = ["iot_dev", "admin_dev"]

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func psql(_ sql: String) throws -> String {
            let r = try sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/compose/ctl.sh", "psql", sql])
            try #require(r.status == 0, "psql: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func noSecret(_ out: Sandbox.Output, _ what: String) {
            for secret in Self.secrets {
                #expect(!out.stdout.contains(secret) && !out.stderr.contains(secret), "\(what) printed the .env's \(secret)")
            }
        }

        func uiHealth() throws -> String {
            try sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/compose/ctl.sh", "health"]).stdout
        }

        /// `steward backup pulse --verify` (the project found by its containers' labels, no manifest) writes three
        /// verified backups, the dump counted per table while nothing stops; a restore of each after the data changed
        /// brings it back with the ui stopped meanwhile and healthy after; nothing prints a secret.
        @Test func aComposeProjectIsBackedUpVerifiedAndRestored() throws {
            // The planted ingest fault (restarting forever) would fail the checks that judge a restore: its container goes.
            _ = try sandbox().exec(["docker", "rm", "-f", "pulse_ingest_1"])
            // As root: the ui runs as its own user, and a volume's directory is root's until someone chowns it.
            let wrote = try sandbox().exec(["docker", "exec", "-u", "root", "pulse_ui_1", "/usr/bin/python3.11", "-c", "open('/data/readme.txt', 'w').write('uploaded')"])
            try #require(wrote.status == 0, "\(wrote.stderr)")
            _ = try psql("INSERT INTO devices (device_id, tenant_id, name) SELECT 'bulk-' || g, 'tenant-a', 'bulk ' || g FROM generate_series(1, 5000) g")
            let devices = try psql("SELECT count(*) FROM devices")

            let started = Date()
            let out = try sandbox().steward(["backup", "pulse", "--verify", "--format", "json"])
            let seconds = Date().timeIntervalSince(started)
            noSecret(out, "steward backup")
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            let results = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]], "\(out.stdout)\(out.stderr)")
            #expect(results.compactMap { $0["source"] as? String } == ["pulse/db", "pulse/volume-uploads", "pulse/config"], "\(results)")
            for result in results {
                #expect((result["verification"] as? [String: Any])?["passed"] as? Bool == true, "\(result)")
            }
            let db = try #require(results.first { $0["source"] as? String == "pulse/db" }?["backup"] as? [String: Any])
            let tables = try #require((db["contents"] as? [String: Any])?["tables"] as? [String: Int])
            #expect(tables["public.devices"].map(String.init) == devices && tables["public.tenants"] == 2, "\(tables)")
            print("compose backup of pulse (pg_dump in the container, the uploads volume, compose file and .env) with verification: \(String(format: "%.1f", seconds)) s; \(tables.values.reduce(0, +)) rows in \(tables.count) tables")
            #expect(try psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'steward_%'") == "0")
            let dbID = try #require(db["id"] as? Int)
            let volume = try #require(results.first { $0["source"] as? String == "pulse/volume-uploads" }?["backup"] as? [String: Any])
            let volumeID = try #require(volume["id"] as? Int)
            #expect((volume["contents"] as? [String: Any])?["files"] as? Int == 1, "\(volume)")  // readme.txt

            // The database: rows deleted, then restored by a swap inside the container; the ui stopped meanwhile.
            _ = try psql("DELETE FROM devices WHERE device_id LIKE 'bulk-%'")
            let dry = try sandbox().steward(["restore", String(dbID), "--dry-run"])
            #expect(dry.stdout.contains("docker stop -- pulse_ui_1"), "\(dry.stdout)")
            #expect(dry.stdout.contains("pg_restore --exit-on-error --single-transaction --no-owner"), "\(dry.stdout)")
            let restored = try sandbox().steward(["restore", String(dbID), "--yes"])
            noSecret(restored, "steward restore")
            #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
            #expect(try psql("SELECT count(*) FROM devices") == devices)
            #expect(try psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'iotcloud_steward%'") == "0")
            #expect(try uiHealth().hasPrefix("200"))

            // The volume: a file removed, then put back with the ui's container stopped.
            let removed = try sandbox().exec(["docker", "exec", "-u", "root", "pulse_ui_1", "/usr/bin/python3.11", "-c", "import os; os.remove('/data/readme.txt')"])
            try #require(removed.status == 0, "\(removed.stderr)")
            let files = try sandbox().steward(["restore", String(volumeID), "--yes"])
            #expect(files.status == 0, "\(files.stdout)\(files.stderr)")
            let back = try sandbox().exec(["docker", "exec", "pulse_ui_1", "/usr/bin/cat", "/data/readme.txt"])
            #expect(back.stdout == "uploaded", "\(back.stdout)\(back.stderr)")
            #expect(try uiHealth().hasPrefix("200"))

            // A stopped database cannot be dumped: the backup says so and records nothing.
            _ = try sandbox().exec(["docker", "stop", "pulse_postgres_1"])
            let down = try sandbox().steward(["backup", "pulse"])
            #expect(down.status != 0 && down.stdout.contains("has no running container"), "\(down.stdout)\(down.stderr)")
            _ = try sandbox().exec(["docker", "start", "pulse_postgres_1"])
        }
    }
}
