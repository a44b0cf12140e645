import Foundation
import Testing

extension IntegrationTests {
    /// `sslmode=prefer` and `allow` as libpq means them, against the real PostgreSQL 15 of the marb sandbox: prefer
    /// tries TLS first, allow falls back to TLS when the server refuses a plain connection, and when the server's
    /// choice decided, the check says which it was. The query asks the server itself whether the session is TLS.
    @Suite(.sandbox("marb"), .serialized) struct MarbPostgresTLS {
        static let checksFile = "/etc/steward/tls-checks.yml"
        static let modes = ["none", "disable", "allow", "prefer", "require"]
        static let secret = "marb-db-test-only-5f3a"

        /// One env file per sslmode (the app's DATABASE_URL plus `?sslmode=`) and one check per file.
        func plantChecks(_ sandbox: Sandbox) throws {
            var yaml = "checks:\n"
            var script = "set -e\n. /etc/marb/prod.env\n"
            for mode in Self.modes {
                let query = mode == "none" ? "" : "?sslmode=\(mode)"
                script += "printf 'DATABASE_URL=%s\\n' \"$DATABASE_URL\(query)\" > /etc/marb/tls-\(mode).env\nchmod 0600 /etc/marb/tls-\(mode).env\n"
                yaml += "  - name: tls-\(mode)\n    postgres: {dsn: /etc/marb/tls-\(mode).env#DATABASE_URL, query: \"SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()\"}\n"
            }
            script += "mkdir -p /etc/steward\ncat > \(Self.checksFile) <<'YAML'\n\(yaml)YAML\nchmod 0644 \(Self.checksFile)\n"
            let r = try sandbox.exec(["/bin/bash", "-c", script])
            try #require(r.status == 0, "planting failed: \(r.stderr)")
        }

        /// The server's TLS: off (the sandbox's default), on, or required for every TCP connection (pg_hba `hostssl`).
        func server(_ sandbox: Sandbox, tls: String) throws {
            let script = """
                set -e
                as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
                hba=$(as_postgres psql -XAtc 'SHOW hba_file')
                dir=/var/lib/postgresql/steward-tls
                if [ ! -f $dir/server.key ]; then
                    mkdir -p $dir
                    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
                        -keyout $dir/server.key -out $dir/server.crt 2>/dev/null
                    chown -R postgres:postgres $dir && chmod 0600 $dir/server.key
                    cp "$hba" $dir/pg_hba.conf.orig
                fi
                case \(tls) in
                    off) as_postgres psql -Xqc 'ALTER SYSTEM SET ssl = off'; cp $dir/pg_hba.conf.orig "$hba" ;;
                    on|required)
                        as_postgres psql -Xqc "ALTER SYSTEM SET ssl_cert_file = '$dir/server.crt'" \
                            -c "ALTER SYSTEM SET ssl_key_file = '$dir/server.key'" -c 'ALTER SYSTEM SET ssl = on'
                        cp $dir/pg_hba.conf.orig "$hba"
                        if [ \(tls) = required ]; then sed -i 's/^host\\([[:space:]]\\)/hostssl\\1/' "$hba"; fi ;;
                esac
                chown postgres:postgres "$hba"
                as_postgres psql -XAtqc 'SELECT pg_reload_conf()' >/dev/null
                sleep 0.5
                as_postgres psql -XAtc 'SHOW ssl'
                """
            let r = try sandbox.exec(["/bin/bash", "-c", script])
            try #require(r.status == 0, "server tls=\(tls): \(r.stderr)")
            try #require(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == (tls == "off" ? "off" : "on"), "\(r.stdout)")
        }

        func check(_ sandbox: Sandbox) throws -> [String: [String: Any]] {
            let out = try sandbox.steward(["check", "-f", Self.checksFile, "--format", "json"])
            #expect(!out.stdout.contains(Self.secret) && !out.stderr.contains(Self.secret))
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)\(out.stderr)")
            let results = try #require(report["results"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: results.map { ($0["id"] as? String ?? "?", $0) })
        }

        func found(_ r: [String: [String: Any]], _ mode: String) -> String { r["tls-\(mode)"]?["found"] as? String ?? "(none)" }
        func status(_ r: [String: [String: Any]], _ mode: String) -> String { r["tls-\(mode)"]?["status"] as? String ?? "(none)" }

        @Test func preferWithoutTLSOnTheServerSaysItConnectedInTheClear() throws {
            let sandbox = try SandboxScenario.sandbox()
            try plantChecks(sandbox)
            try server(sandbox, tls: "off")
            let r = try check(sandbox)
            #expect(status(r, "prefer") == "pass")
            #expect(found(r, "prefer") == "ok; connected without TLS (sslmode=prefer; the server has no TLS)")
            #expect(found(r, "none") == "ok; connected without TLS (sslmode=prefer, the default; the server has no TLS)")
            #expect(found(r, "allow") == "ok; connected without TLS (sslmode=allow)")
            #expect(status(r, "disable") == "pass" && found(r, "disable") == "ok")
            #expect(status(r, "require") != "pass", "require against a server without TLS: \(r["tls-require"] ?? [:])")
        }

        @Test func preferUsesTLSWhenTheServerHasIt() throws {
            let sandbox = try SandboxScenario.sandbox()
            try plantChecks(sandbox)
            try server(sandbox, tls: "on")
            defer { try? server(sandbox, tls: "off") }
            // The server's own view of each session: pg_stat_ssl.ssl.
            let r = try checkValues(sandbox)
            #expect(r["prefer"] == "true", "prefer must use the server's TLS: \(r)")
            #expect(r["none"] == "true", "the default (prefer) must use the server's TLS: \(r)")
            #expect(r["require"] == "true")
            #expect(r["disable"] == "false")
            #expect(r["allow"] == "false")
            let results = try check(sandbox)
            #expect(found(results, "prefer") == "ok", "TLS as asked: no note")
            #expect(found(results, "allow") == "ok; connected without TLS (sslmode=allow)")
        }

        @Test func allowUsesTLSWhenTheServerRequiresIt() throws {
            let sandbox = try SandboxScenario.sandbox()
            try plantChecks(sandbox)
            try server(sandbox, tls: "required")
            defer { try? server(sandbox, tls: "off") }
            let values = try checkValues(sandbox)
            #expect(values["allow"] == "true", "\(values)")
            #expect(values["prefer"] == "true")
            let r = try check(sandbox)
            #expect(found(r, "allow") == "ok; connected with TLS (sslmode=allow; the server refused a connection without it)")
            #expect(status(r, "disable") != "pass")
            #expect((r["tls-disable"]?["message"] as? String)?.contains("pg_hba.conf") == true, "\(r["tls-disable"] ?? [:])")
        }

        /// Each check's query value (`true` when the session is encrypted), by mode: a check with `expect: "true"`
        /// per mode, so a pass says true and a fail shows the value found.
        func checkValues(_ sandbox: Sandbox) throws -> [String: String] {
            var yaml = "checks:\n"
            for mode in Self.modes {
                yaml += "  - name: tls-\(mode)\n    postgres: {dsn: /etc/marb/tls-\(mode).env#DATABASE_URL, query: \"SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()\", expect: \"true\"}\n"
            }
            let file = "/etc/steward/tls-values.yml"
            let w = try sandbox.exec(["/bin/bash", "-c", "cat > \(file) <<'YAML'\n\(yaml)YAML\nchmod 0644 \(file)"])
            try #require(w.status == 0)
            let out = try sandbox.steward(["check", "-f", file, "--format", "json"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)\(out.stderr)")
            var values: [String: String] = [:]
            for result in report["results"] as? [[String: Any]] ?? [] {
                guard let id = result["id"] as? String, id.hasPrefix("tls-") else { continue }
                let found = result["found"] as? String ?? "?"
                // "true", "true; connected with TLS (…)", "false", "no connection"…
                values[String(id.dropFirst(4))] = String(found.prefix { $0 != ";" })
            }
            return values
        }
    }
}
