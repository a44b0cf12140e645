import Foundation
import Testing

extension IntegrationTests.ChipDeploys {
    /// Numbered SQL files on SQLite (seed 003's way) for broker_portal@prod: tags v9.0.0 (v1.0.0 with
    /// `db/migrations/000_notes.sql` and a changed requirements.txt) and v9.1.0 (`001_half.sql` changes a row, creates
    /// a table, then fails), pushed to the origin as the app's user once; a manifest that declares `kind: sql`, logs
    /// pip to a file and has a build step that writes `id -u`.
    func sqlSetup() throws -> String {
        let script = #"""
            set -euo pipefail
            as_chip() { setpriv --reuid=chip --regid=chip --init-groups -- env HOME=/home/chip "$@"; }
            if ! git -C /srv/git/chip.git rev-parse -q --verify refs/tags/v9.1.0 >/dev/null; then
                w=$(mktemp -d); chmod 0755 "$w"; chown chip:chip "$w"
                as_chip git clone -q /srv/git/chip.git "$w/r"
                cd "$w/r"
                as_chip git -c advice.detachedHead=false checkout -q v1.0.0
                as_chip mkdir -p db/migrations
                printf "CREATE TABLE core_note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nINSERT INTO core_note (body) VALUES ('hello');\n" | as_chip tee db/migrations/000_notes.sql >/dev/null
                printf '# 9.0.0\n' | as_chip tee -a requirements.txt >/dev/null
                as_chip git add -A && as_chip git -c user.name=d -c user.email=d@x commit -q -m 9.0.0 && as_chip git -c user.name=d -c user.email=d@x tag -a v9.0.0 -m v9.0.0
                printf "CREATE TABLE core_half (id INTEGER);\nUPDATE core_chip SET name = 'overwritten';\nINSERT INTO core_nowhere VALUES (1);\n" | as_chip tee db/migrations/001_half.sql >/dev/null
                as_chip git add -A && as_chip git -c user.name=d -c user.email=d@x commit -q -m 9.1.0 && as_chip git -c user.name=d -c user.email=d@x tag -a v9.1.0 -m v9.1.0
                as_chip git push -q origin v9.0.0 v9.1.0
                rm -rf "$w"
            fi
            printf 'DATABASE_URL=sqlite:////srv/chip/data/prod.sqlite3\n' >/etc/chip/prod-sql.env
            chmod 0600 /etc/chip/prod-sql.env
            cat >/run/chip-sql.yml <<'YML'
            version: 1
            apps:
              broker_portal:
                kind: django
                directory: /srv/chip/{instance}
                env_file: /etc/chip/{instance}.env
                health: /health
                instances:
                  prod: {port: 8001, bind: 127.0.0.1}
                backup:
                  databases:
                    - sqlite: /srv/chip/data/{instance}.sqlite3
                  config: false
                deploy:
                  workdir: chip_dashboard
                  pip_args: [--log, /tmp/steward-pip.log]
                  migrations: {kind: sql, database: "/etc/chip/{instance}-sql.env#DATABASE_URL"}
                  build:
                    - [sh, -c, "id -u > /tmp/steward-build-uid"]
                  health_timeout: 15s
            YML
            chmod 0644 /run/chip-sql.yml
            rm -f /tmp/steward-pip.log /tmp/steward-build-uid /tmp/steward-hook-uid
            """#
        let r = try sandbox().exec(["bash", "-c", script])
        try #require(r.status == 0, "\(r.stdout)\(r.stderr)")
        return "/run/chip-sql.yml"
    }

    func sh(_ script: String) throws -> String {
        let r = try sandbox().exec(["bash", "-c", script])
        try #require(r.status == 0, "\(script): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Tables, rows of core_chip, tracking rows: what a failed migration must leave as it was.
    func sqlState() throws -> String {
        try sh("""
            sqlite3 -readonly /srv/chip/data/prod.sqlite3 "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)" \
              "SELECT group_concat(name, ',') FROM (SELECT name FROM core_chip ORDER BY id)" \
              "SELECT group_concat(name, ',') FROM (SELECT name FROM steward_schema_migrations ORDER BY name)"
            """)
    }

    @Test func numberedSQLOnSQLiteRunsAsTheAppUserAndAFailingFileLeavesEverythingAsBefore() throws {
        try ctl("reset", "prod")
        let manifest = try sqlSetup()
        try ctl("hook", "prod", "pre-deploy", "id -u > /tmp/steward-hook-uid")
        defer { _ = try? ctl("unhook", "prod") }
        func deploy(_ ref: String) throws -> Sandbox.Output {
            let out = try sandbox().steward(["deploy", "broker_portal@prod", "--ref", ref, "--manifest", manifest,
                                             "--state", "/var/lib/steward-sql/state.db", "--store", "/var/backups/sql"])
            #expect(!out.stdout.contains(Self.secret) && !out.stderr.contains(Self.secret), "the app's SECRET_KEY was printed")
            return out
        }
        let good = try deploy("v9.0.0")
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("applied 1 sql migration(s): 000_notes.sql"), "\(good.stdout)")
        #expect(try sh("sqlite3 -readonly /srv/chip/data/prod.sqlite3 'SELECT body FROM core_note'") == "hello")
        // pip, the pre-deploy hook and the build step ran as the app's user, never root.
        let chip = try sh("id -u chip")
        #expect(try sh("cat /tmp/steward-hook-uid") == chip, "the hook did not run as chip")
        #expect(try sh("cat /tmp/steward-build-uid") == chip, "the build step did not run as chip")
        #expect(try sh("stat -c %U /tmp/steward-pip.log") == "chip", "pip did not run as chip")
        #expect(try sh("stat -c %U /srv/chip/data/prod.sqlite3") == "chip")

        let before = try sqlState()
        #expect(before.contains("core_note") && before.hasSuffix("000_notes.sql"), "\(before)")
        let pid = try sh("systemctl show -P MainPID broker_portal@prod.service")
        let serving = try serving("prod")
        let broken = try deploy("v9.1.0")
        #expect(broken.status == 1, "\(broken.stdout)\(broken.stderr)")
        #expect(broken.stdout.contains("core_nowhere"), "the migration's error is shown: \(broken.stdout)")
        #expect(broken.stdout.contains("the running release was not touched"), "\(broken.stdout)")
        // Schema, data and tracking rows exactly as before; no restore; the app was never stopped.
        #expect(try sqlState() == before)
        #expect(!broken.stdout.contains("restored the pre-deploy backup") && broken.stdout.contains("the migrations' transaction rolled back"), "\(broken.stdout)")
        #expect(try sh("systemctl show -P MainPID broker_portal@prod.service") == pid, "the running app was stopped or restarted")
        #expect(try self.serving("prod") == serving)
        #expect(try releases("sql", "broker_portal@prod").first?["status"] as? String == "failed")
    }
}
