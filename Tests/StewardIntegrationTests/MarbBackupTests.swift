import Foundation
import StewardTestSupport
import Testing

extension IntegrationTests {
    /// Seed 001's mARB in the real-systemd sandbox: PostgreSQL backups with pg_dump, verified in a scratch database,
    /// restored in place with the app's checks, and the password never visible in `ps` or any output.
    @Suite(.sandbox("marb"), .serialized) struct MarbBackups {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/marb/steward.yml"
        static let password = "marb-db-test-only-5f3a"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func steward(_ args: [String]) throws -> Sandbox.Output {
            let out = try sandbox().steward(args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-pg/state.db", "--store", "/var/backups/pg"])
            #expect(!out.stdout.contains(Self.password) && !out.stderr.contains(Self.password), "the database password was printed")
            return out
        }

        func psql(_ sql: String) throws -> String {
            let r = try sandbox().exec(["runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", "marb", "-c", sql])
            try #require(r.status == 0, "psql: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func backupJSON(_ extra: [String] = []) throws -> [String: Any] {
            let out = try steward(["backup", "marb@prod", "--format", "json"] + extra)
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            let results = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
            return try #require(results.first)
        }

        @Test func pgDumpBackupIsVerifiedAndThePasswordNeverShowsInPs() throws {
            _ = try psql("CREATE TABLE IF NOT EXISTS bulk AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 300000) g; ALTER TABLE bulk OWNER TO marb")
            // Watch every process's argv and environment while the backup runs.
            let watch = try sandbox().exec(["bash", "-c", """
                # Every argv, and the environment of Steward and the client tools it starts (not the app's own, which
                # holds the URL by design: systemd loads the env file into it).
                ( while :; do ps -eo args
                    for p in /proc/[0-9]*; do
                      case "$(tr '\\0' ' ' <"$p/cmdline" 2>/dev/null)" in
                        *steward*|*pg_dump*|*pg_restore*|*psql*|*createdb*|*dropdb*|*runuser*) tr '\\0' ' ' <"$p/environ" 2>/dev/null; echo ;;
                      esac
                    done
                    sleep 0.005; done ) >/tmp/ps-watch 2>/dev/null &
                w=$!
                '\(Sandbox.stewardBinary)' backup marb@prod --verify --format json --manifest '\(Self.manifest)' --state /var/lib/steward-pg/state.db --store /var/backups/pg >/tmp/backup.json
                s=$?
                kill $w
                echo "status $s"
                cat /tmp/backup.json
                """])
            let lines = watch.stdout.split(separator: "\n", maxSplits: 1).map(String.init)
            #expect(lines.first == "status 0", "\(watch.stdout)\(watch.stderr)")
            // The password is searched here, not in the script: the script's own argv would contain it.
            let seen = try sandbox().exec(["cat", "/tmp/ps-watch"]).stdout
            #expect(seen.contains("pg_dump --format=custom"), "the watcher never saw pg_dump running")
            #expect(seen.contains("PGPASSFILE=/tmp/steward-pg-"), "the watcher never saw the client tools' environment")
            #expect(!seen.contains(Self.password), "the password appeared in a process's argv or environment")
            let results = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [[String: Any]])
            let backup = try #require(results.first?["backup"] as? [String: Any])
            let tables = try #require((backup["contents"] as? [String: Any])?["tables"] as? [String: Int])
            #expect(tables["public.claims"] == 5 && tables["public.bulk"] == 300_000)
            let verification = try #require(results.first?["verification"] as? [String: Any])
            #expect(verification["passed"] as? Bool == true, "\(verification)")
            #expect((verification["message"] as? String)?.contains("scratch database") == true)
            // The scratch database is gone.
            #expect(try psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'steward_verify%'") == "0")
        }

        @Test func restoreInPlaceBringsBackTheSchemaAndRowsAndTheAppIsHealthy() throws {
            let backup = try #require(try backupJSON()["backup"] as? [String: Any])
            let id = try #require(backup["id"] as? Int)
            _ = try psql("DELETE FROM claims WHERE id > 2; CREATE TABLE later (x int); ALTER TABLE later OWNER TO marb")
            let dry = try steward(["restore", String(id), "--dry-run"])
            #expect(dry.stdout.contains("pg_restore --no-password --exit-on-error --single-transaction --no-owner --dbname=marb_steward_new --role=marb < /var/backups/pg/marb/prod/db-"), "\(dry.stdout)")
            #expect(try psql("SELECT count(*) FROM claims") == "2")

            let out = try steward(["restore", String(id), "--yes"])
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            #expect(try psql("SELECT count(*) FROM claims") == "5")
            #expect(try psql("SELECT count(*) FROM pg_tables WHERE tablename = 'later'") == "0")
            #expect(try psql("SELECT tableowner FROM pg_tables WHERE tablename = 'claims'") == "marb")
            #expect(try psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'marb_steward%'") == "0")
            let health = try sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/marb/ctl.sh", "health"])
            #expect(health.stdout.contains("200"), "\(health.stdout)\(health.stderr)")
        }
    }
}
