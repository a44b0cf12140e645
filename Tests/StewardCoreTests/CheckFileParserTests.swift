import Foundation
import Testing
import StewardCore

@Suite("Checks file parsing")
struct CheckFileParserTests {
    /// The example of the checks-file format: every kind, every key of `http`.
    static let full = """
        defaults:            # optional, standalone file only (in steward.yml: a `check_defaults:` key)
          timeout: 5s        # durations: 250ms, 2s, 1m
        checks:
          - name: api health                # optional; id defaults to "<kind>:<subject>"
            app: marb                       # optional, with instance: for `steward check marb@prod`
            instance: prod
            timeout: 2s                     # per check
            retries: 2                      # flaky: extra attempts with backoff
            retry_delay: 200ms
            http:
              url: https://127.0.0.1/api/v1/health    # http or https only
              method: GET
              headers: {Accept: application/json}
              secret_headers: {X-Api-Key: /etc/marb/prod.env#API_KEY}
              bearer: /etc/marb/prod.env#AUTH_TOKEN    # SecretRef: absolute path + '#' + KEY
              status: 200                   # or a list [200, 204]
              body_contains: [healthy]
              json: {status: healthy, database: connected}   # dotted paths allowed: {"data.ok": "true"}
              max_latency: 500ms
              follow_redirects: false
              verify_tls: true
          - service: {unit: marb@prod.service, active: true, enabled: true, sub_state: running, max_restarts: 3, user: marb}
          - port: {port: 8000, address: 127.0.0.1, udp: false, owner_unit: marb@prod.service, owner_process: uvicorn, listening: true}
          - tcp: {host: 127.0.0.1, port: 5432}
          - tls: {host: 127.0.0.1, port: 443, server_name: marb.example.org, warning_days: 14, critical_days: 3, allow_self_signed: false}
          - tls: {file: /etc/ssl/certs/marb.pem}
          - postgres: {dsn: /etc/marb/prod.env#DATABASE_URL, query: "SELECT 1", expect: "1"}
          - redis: {url: /etc/marb/prod.env#REDIS_URL, max_length: {celery: 100}}   # or host/port instead of url
          - sqlite: {path: /opt/racklab/racklab.db, quick_check: true, journal_mode: wal, warning_size: 1GiB, critical_size: 2GiB}
          - file: {path: /etc/marb/prod.env, exists: true, mode: "0600", owner: root, group: root, contains: ["PORT="]}
          - command: {argv: [/usr/bin/redis-cli, ping], exit_status: 0, stdout_contains: [PONG]}
          - disk: {path: /, warning: 80, critical: 90}
          - memory: {warning: 90, critical: 95}
          - load: {warning_per_cpu: 1.5, critical_per_cpu: 3}
          - journal: {unit: marb@prod.service, since: 10m, max_errors: 0, pattern: "Traceback", max_matches: 0}
        """

    private func checks(_ yaml: String, file: String = "checks.yml") throws -> [CheckSpec] {
        let result = CheckFileParser.parse(yaml, file: file)
        if case .failure(let failure) = result { Issue.record("unexpected errors:\n\(failure)") }
        return try result.get()
    }

    /// The error descriptions of a checks file; empty when it parses.
    private func errors(_ yaml: String) -> [String] {
        switch CheckFileParser.parse(yaml, file: "checks.yml") {
        case .success: []
        case .failure(let failure): failure.errors.map(\.description)
        }
    }

    /// The errors of a file with one check, written on line 2 from column 5: `checks:\n  - <item>`.
    private func errors(check item: String) -> [String] {
        errors("checks:\n  - \(item)\n")
    }

    /// The kind of a file's only check.
    private func kind(_ item: String) throws -> CheckSpec.Kind {
        let parsed = try checks("checks:\n  - \(item)\n")
        try #require(parsed.count == 1)
        return parsed[0].kind
    }

    // MARK: - The full example

    @Test func fullExampleParsesToExactValues() throws {
        let parsed = try checks(Self.full)
        let env = "/etc/marb/prod.env"
        func spec(_ id: String, _ kind: CheckSpec.Kind, line: Int) -> CheckSpec {
            CheckSpec(id: id, kind: kind, timeoutMs: 5000, retries: 0, retryDelayMs: 200, source: "checks.yml:\(line)")
        }
        let expected: [CheckSpec] = [
            CheckSpec(
                id: "api health", app: "marb", instance: "prod",
                kind: .http(HTTPExpectation(
                    url: "https://127.0.0.1/api/v1/health", method: "GET", headers: ["Accept": "application/json"],
                    secretHeaders: ["X-Api-Key": SecretRef(file: env, key: "API_KEY")],
                    bearer: SecretRef(file: env, key: "AUTH_TOKEN"), status: [200], bodyContains: ["healthy"],
                    json: ["status": "healthy", "database": "connected"], maxLatencyMs: 500, followRedirects: false,
                    verifyTLS: true)),
                timeoutMs: 2000, retries: 2, retryDelayMs: 200, source: "checks.yml:4"),
            spec("service:marb@prod.service", .service(ServiceExpectation(
                unit: "marb@prod.service", active: true, enabled: true, subState: "running", maxRestarts: 3, user: "marb")),
                 line: 22),
            spec("port:127.0.0.1:8000", .port(PortExpectation(
                port: 8000, address: "127.0.0.1", udp: false, ownerUnit: "marb@prod.service", ownerProcess: "uvicorn",
                listening: true)), line: 23),
            spec("tcp:127.0.0.1:5432", .tcp(TCPExpectation(host: "127.0.0.1", port: 5432)), line: 24),
            spec("tls:127.0.0.1:443", .tls(TLSExpectation(
                host: "127.0.0.1", port: 443, serverName: "marb.example.org", warningDays: 14, criticalDays: 3,
                allowSelfSigned: false)), line: 25),
            spec("tls:/etc/ssl/certs/marb.pem", .tls(TLSExpectation(file: "/etc/ssl/certs/marb.pem")), line: 26),
            spec("postgres:/etc/marb/prod.env#DATABASE_URL", .postgres(PostgresExpectation(
                dsn: SecretRef(file: env, key: "DATABASE_URL"), query: "SELECT 1", expect: "1")), line: 27),
            spec("redis:/etc/marb/prod.env#REDIS_URL", .redis(RedisExpectation(
                url: SecretRef(file: env, key: "REDIS_URL"), maxLength: ["celery": 100])), line: 28),
            spec("sqlite:/opt/racklab/racklab.db", .sqlite(SQLiteExpectation(
                path: "/opt/racklab/racklab.db", quickCheck: true, journalMode: "wal", warningBytes: 1 << 30,
                criticalBytes: 2 << 30)), line: 29),
            spec("file:/etc/marb/prod.env", .file(FileExpectation(
                path: env, exists: true, mode: 0o600, owner: "root", group: "root", contains: ["PORT="])), line: 30),
            spec("command:/usr/bin/redis-cli ping", .command(CommandExpectation(
                argv: ["/usr/bin/redis-cli", "ping"], exitStatus: 0, stdoutContains: ["PONG"])), line: 31),
            spec("disk:/", .disk(DiskExpectation(path: "/", warningPercent: 80, criticalPercent: 90)), line: 32),
            spec("memory", .memory(MemoryExpectation(warningPercent: 90, criticalPercent: 95)), line: 33),
            spec("load", .load(LoadExpectation(warningPerCPU: 1.5, criticalPerCPU: 3)), line: 34),
            spec("journal:marb@prod.service", .journal(JournalExpectation(
                unit: "marb@prod.service", sinceMinutes: 10, maxErrors: 0, pattern: "Traceback", maxMatches: 0)),
                 line: 35),
        ]
        #expect(parsed.count == expected.count)
        for (got, want) in zip(parsed, expected) {
            #expect(got == want)
        }
        #expect(Set(parsed.map(\.kind.name)) == ["service", "port", "http", "tcp", "tls", "postgres", "redis", "sqlite",
                                                 "file", "command", "disk", "memory", "load", "journal"])
    }

    @Test func emptyFileHasNoChecks() throws {
        #expect(try checks("").isEmpty)
        #expect(try checks("# only a comment\n").isEmpty)
        #expect(try checks("checks: []\n").isEmpty)
    }

    // MARK: - Defaults

    @Test func builtInDefaults() throws {
        let parsed = try checks("checks:\n  - service: marb@prod.service\n")
        #expect(parsed == [CheckSpec(id: "service:marb@prod.service",
                                     kind: .service(ServiceExpectation(unit: "marb@prod.service", active: true)),
                                     timeoutMs: 5000, retries: 0, retryDelayMs: 200, source: "checks.yml:2")])
        #expect(try kind("http: {url: \"http://127.0.0.1:8000/health\"}") == .http(HTTPExpectation(
            url: "http://127.0.0.1:8000/health", method: "GET", status: [200], followRedirects: false, verifyTLS: true)))
        #expect(try kind("tls: {host: marb.example.org}") == .tls(TLSExpectation(
            host: "marb.example.org", port: 443, warningDays: 14, criticalDays: 3, allowSelfSigned: false)))
        #expect(try kind("journal: marb@prod.service") == .journal(JournalExpectation(
            unit: "marb@prod.service", sinceMinutes: 10, maxErrors: 0, pattern: nil, maxMatches: 0)))
        #expect(try kind("redis: {}") == .redis(RedisExpectation(url: nil, host: "127.0.0.1", port: 6379)))
        #expect(try kind("disk:") == .disk(DiskExpectation(path: "/", warningPercent: 80, criticalPercent: 90)))
        #expect(try kind("memory:") == .memory(MemoryExpectation(warningPercent: 90, criticalPercent: 95)))
        #expect(try kind("load: {}") == .load(LoadExpectation(warningPerCPU: 1.5, criticalPerCPU: 3)))
        #expect(try kind("file: /etc/marb/prod.env") == .file(FileExpectation(path: "/etc/marb/prod.env", exists: true)))
        #expect(try kind("sqlite: /opt/a.db") == .sqlite(SQLiteExpectation(path: "/opt/a.db", quickCheck: true, warningBytes: 1 << 30, criticalBytes: 2 << 30)))
        #expect(try kind("port: 8000") == .port(PortExpectation(port: 8000, udp: false, listening: true)))
    }

    @Test func fileDefaultsApplyUnlessACheckOverridesThem() throws {
        let yaml = """
            defaults: {timeout: 1.5s, retries: 1, retry_delay: 1m}
            checks:
              - memory:
              - load:
                timeout: 250ms
                retries: 0
            """
        let parsed = try checks(yaml)
        #expect(parsed.map(\.timeoutMs) == [1500, 250])
        #expect(parsed.map(\.retries) == [1, 0])
        #expect(parsed.map(\.retryDelayMs) == [60_000, 60_000])
    }

    @Test func queryOfTheUsersOwnNeedsNoExpectedValue() throws {
        #expect(try kind("postgres: /etc/marb/prod.env#DATABASE_URL") == .postgres(PostgresExpectation(
            dsn: SecretRef(file: "/etc/marb/prod.env", key: "DATABASE_URL"), query: "SELECT 1", expect: "1")))
        #expect(try kind("postgres: {dsn: /e.env#DB, query: SELECT count(*) FROM alembic_version}") == .postgres(
            PostgresExpectation(dsn: SecretRef(file: "/e.env", key: "DB"), query: "SELECT count(*) FROM alembic_version",
                                expect: nil)))
        #expect(try kind("postgres: {dsn: /e.env#DB, query: SELECT 2, expect: 2}") == .postgres(
            PostgresExpectation(dsn: SecretRef(file: "/e.env", key: "DB"), query: "SELECT 2", expect: "2")))
    }

    @Test func journalPatternCountsOnlyThePatternUnlessMaxErrorsIsGiven() throws {
        #expect(try kind("journal: {unit: marb.service, pattern: Traceback}") == .journal(JournalExpectation(
            unit: "marb.service", sinceMinutes: 10, maxErrors: nil, pattern: "Traceback", maxMatches: 0)))
        #expect(try kind("journal: {unit: marb, since: 1h, max_errors: 5}") == .journal(JournalExpectation(
            unit: "marb.service", sinceMinutes: 60, maxErrors: 5)))
    }

    // MARK: - Short forms and values

    @Test func shortForms() throws {
        #expect(try kind("service: nginx") == .service(ServiceExpectation(unit: "nginx.service")))
        #expect(try kind("http: https://marb.example.org/api/v1/health") == .http(HTTPExpectation(
            url: "https://marb.example.org/api/v1/health")))
        #expect(try kind("command: [redis-cli, ping]") == .command(CommandExpectation(argv: ["redis-cli", "ping"])))
        #expect(try kind("command: uptime") == .command(CommandExpectation(argv: ["uptime"])))
        #expect(try kind("disk: /opt/marb2.0") == .disk(DiskExpectation(path: "/opt/marb2.0")))
        #expect(try kind("redis: /etc/marb/prod.env#REDIS_URL") == .redis(RedisExpectation(
            url: SecretRef(file: "/etc/marb/prod.env", key: "REDIS_URL"))))
    }

    @Test func valueForms() throws {
        #expect(try kind("http: {url: \"http://[::1]:8000/\", status: [200, 204, 200], method: head, body_contains: ok, "
                         + "json: {\"data.ok\": true, version: 2.0.0, error: ~}}") == .http(HTTPExpectation(
            url: "http://[::1]:8000/", method: "HEAD", status: [200, 204], bodyContains: ["ok"],
            json: ["data.ok": "true", "version": "2.0.0", "error": "null"])))
        for (mode, value) in [("\"0600\"", 0o600), ("600", 0o600), ("0640", 0o640), ("\"0o750\"", 0o750), ("4755", 0o4755)] {
            #expect(try kind("file: {path: /x, mode: \(mode)}") == .file(FileExpectation(path: "/x", mode: value)))
        }
        #expect(try kind("port: {port: 53, address: \"[::1]\", udp: true}") == .port(PortExpectation(
            port: 53, address: "::1", udp: true)))
        #expect(try kind("sqlite: {path: /a.db, journal_mode: WAL, warning_size: 1.5G}") == .sqlite(SQLiteExpectation(
            path: "/a.db", journalMode: "wal", warningBytes: 1_610_612_736)))
        #expect(try kind("tls: {host: 127.0.0.1, port: 8443, warning_days: 30, critical_days: 7, allow_self_signed: yes}")
                == .tls(TLSExpectation(host: "127.0.0.1", port: 8443, warningDays: 30, criticalDays: 7,
                                       allowSelfSigned: true)))
        #expect(try kind("disk: {warning: 70%, critical: 85.5}") == .disk(DiskExpectation(
            path: "/", warningPercent: 70, criticalPercent: 85.5)))
    }

    @Test func defaultIDs() throws {
        let yaml = """
            checks:
              - service: marb@prod.service
              - port: {port: 8000, address: 127.0.0.1}
              - port: {port: 53, udp: true}
              - port: {port: 8001, address: "::1"}
              - http: https://127.0.0.1/api/v1/health
              - tcp: {host: db.internal, port: 5432}
              - tls: {host: marb.example.org}
              - tls: {file: /etc/ssl/certs/marb.pem}
              - postgres: /etc/marb/prod.env#DATABASE_URL
              - redis: {port: 6380}
              - sqlite: /opt/racklab/racklab.db
              - file: /etc/marb/prod.env
              - command: [/usr/bin/redis-cli, ping]
              - disk: /
              - memory:
              - load:
              - journal: marb@prod.service
            """
        #expect(try checks(yaml).map(\.id) == [
            "service:marb@prod.service", "port:127.0.0.1:8000", "port:53/udp", "port:[::1]:8001",
            "http:https://127.0.0.1/api/v1/health", "tcp:db.internal:5432", "tls:marb.example.org:443",
            "tls:/etc/ssl/certs/marb.pem", "postgres:/etc/marb/prod.env#DATABASE_URL", "redis:127.0.0.1:6380",
            "sqlite:/opt/racklab/racklab.db", "file:/etc/marb/prod.env", "command:/usr/bin/redis-cli ping", "disk:/",
            "memory", "load", "journal:marb@prod.service",
        ])
    }

    @Test func durations() {
        #expect(CheckDuration.parseMilliseconds("250ms") == 250)
        #expect(CheckDuration.parseMilliseconds("2s") == 2000)
        #expect(CheckDuration.parseMilliseconds("1.5s") == 1500)
        #expect(CheckDuration.parseMilliseconds("1.1s") == 1100)
        #expect(CheckDuration.parseMilliseconds("0.25s") == 250)
        #expect(CheckDuration.parseMilliseconds("1.5m") == 90_000)
        #expect(CheckDuration.parseMilliseconds("1m") == 60_000)
        #expect(CheckDuration.parseMilliseconds("2 S") == 2000)
        #expect(CheckDuration.parseMilliseconds("1h") == 3_600_000)
        #expect(CheckDuration.parseMilliseconds("0s") == 0)
        for bad in ["", "5", "ms", "1.s", ".5s", "0.5ms", "-1s", "1d", "1x", "99999999999999999999s", "1..5s"] {
            #expect(CheckDuration.parseMilliseconds(bad) == nil, "\(bad)")
        }
        #expect(CheckDuration.format(milliseconds: 250) == "250ms")
        #expect(CheckDuration.format(milliseconds: 1500) == "1.5s")
        #expect(CheckDuration.format(milliseconds: 90_000) == "90s")
        #expect(CheckDuration.format(milliseconds: 120_000) == "2m")
        #expect(CheckDuration.format(milliseconds: 0) == "0ms")
    }

    // MARK: - Errors: shape

    @Test func eachCheckHasExactlyOneKind() {
        let kinds = "service, port, http, tcp, tls, postgres, redis, sqlite, file, command, disk, memory, load, journal, container"
        #expect(errors(check: "name: a") == ["checks.yml:2:5: checks[0]: expected exactly one of \(kinds), got none"])
        #expect(errors("checks:\n  - http: {url: \"http://a/\"}\n    tcp: {host: a, port: 1}\n    disk: /\n") == [
            "checks.yml:3:5: checks[0]: expected exactly one of \(kinds), got http, tcp and disk",
        ])
        #expect(errors(check: "5") == [
            #"checks.yml:2:5: checks[0]: expected a mapping with one of \#(kinds), got "5""#,
        ])
        #expect(errors("checks:\n  -\n") == ["checks.yml:2:4: checks[0]: empty check; expected exactly one of \(kinds)"])
    }

    @Test func fileShape() {
        #expect(errors("- service: a\n") == ["checks.yml:1:1: expected a mapping with a checks: list, got a list"])
        #expect(errors("defaults: {}\n") == [#"checks.yml:1:1: missing key "checks": the list of checks to run"#])
        #expect(errors("checks: {a: 1}\n") == ["checks.yml:1:9: checks: expected a list, got a mapping"])
        #expect(errors("chekcs: []\n") == [#"checks.yml:1:1: chekcs: unknown key (did you mean "checks"?)"#])
        #expect(errors("checks:\n  - http: {url: \"http://a/\"\n") == [
            "checks.yml:3:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping that starts at line 2)",
        ])
    }

    @Test func unknownKeysSuggestTheClosest() {
        #expect(errors(check: "servce: x") == [#"checks.yml:2:5: checks[0].servce: unknown key (did you mean "service"?)"#])
        #expect(errors(check: "memory:\n    retrys: 2") == [
            #"checks.yml:3:5: checks[0].retrys: unknown key (did you mean "retries"?)"#,
        ])
        #expect(errors(check: "http: {url: \"http://a/\", follow_redirect: true}") == [
            #"checks.yml:2:30: checks[0].http.follow_redirect: unknown key (did you mean "follow_redirects"?)"#,
        ])
        #expect(errors(check: "service: {unti: x}") == [
            #"checks.yml:2:5: checks[0].service: missing key "unit": the systemd unit to check, like marb@prod.service"#,
            #"checks.yml:2:15: checks[0].service.unti: unknown key (did you mean "unit"?)"#,
        ])
        #expect(errors(check: "tcp: {host: a, port: 1, timeout: 2s}") == [
            "checks.yml:2:29: checks[0].tcp.timeout: unknown key; expected one of host, port",
        ])
        #expect(errors(check: "foo: x") == [
            "checks.yml:2:5: checks[0].foo: unknown key; expected one of name, app, instance, timeout, retries, "
                + "retry_delay, interval, service, port, http, tcp, tls, postgres, redis, sqlite, file, command, disk, memory, load, journal, container",
        ])
    }

    @Test func nullValuesAreNeverDroppedSilently() {
        let empty = "must not be empty; leave the key out for the default"
        #expect(errors(check: "{timeout: ~, memory: {warning: , critical: ~}}") == [
            "checks.yml:2:15: checks[0].timeout: \(empty)",
            "checks.yml:2:36: checks[0].memory.warning: \(empty)",
            "checks.yml:2:48: checks[0].memory.critical: \(empty)",
        ])
        #expect(errors(check: "http: {url: \"http://a/\", max_latency: ~, verify_tls: ~}") == [
            "checks.yml:2:43: checks[0].http.max_latency: \(empty)",
            "checks.yml:2:58: checks[0].http.verify_tls: expected true or false, got nothing",
        ])
        #expect(errors(check: "port: ~") == [#"checks.yml:2:5: checks[0].port: missing key "port": the port number, like 8000"#])
    }

    @Test func missingRequiredKeys() {
        #expect(errors(check: "tcp: {host: a}") == [
            #"checks.yml:2:5: checks[0].tcp: missing key "port": the port to connect to, like 5432"#,
        ])
        #expect(errors(check: "http:") == [
            #"checks.yml:2:5: checks[0].http: missing key "url": the address to request, like https://127.0.0.1/api/v1/health"#,
        ])
        #expect(errors(check: "tls: {port: 443}") == [
            #"checks.yml:2:5: checks[0].tls: missing key "host": the server to connect to (or file: a certificate file)"#,
        ])
        #expect(errors(check: "command: {exit_status: 0}") == [
            #"checks.yml:2:5: checks[0].command: missing key "argv": the program and its arguments, like [/usr/bin/redis-cli, ping]"#,
        ])
    }

    // MARK: - Errors: values

    @Test func httpStatus() {
        #expect(errors(check: #"http: {url: "http://a/", status: 20x}"#) == [
            #"checks.yml:2:38: checks[0].http.status: expected an integer 100-599 or a list of them, got "20x""#,
        ])
        #expect(errors(check: #"http: {url: "http://a/", status: 700}"#) == [
            #"checks.yml:2:38: checks[0].http.status: expected an integer 100-599 or a list of them, got "700""#,
        ])
        #expect(errors(check: #"http: {url: "http://a/", status: [200, 700]}"#) == [
            #"checks.yml:2:44: checks[0].http.status[1]: expected an integer 100-599, got "700""#,
        ])
        #expect(errors(check: #"http: {url: "http://a/", status: []}"#) == [
            "checks.yml:2:38: checks[0].http.status: must not be empty",
        ])
    }

    @Test func urls() {
        #expect(errors(check: "http: {url: x}") == [
            #"checks.yml:2:17: checks[0].http.url: expected an http or https URL like https://127.0.0.1/api/v1/health, got "x""#,
        ])
        #expect(errors(check: #"http: {url: "ftp://a/"}"#) == [
            #"checks.yml:2:17: checks[0].http.url: unsupported scheme "ftp"; expected http or https"#,
        ])
        #expect(errors(check: #"http: {url: "http:///x"}"#) == [
            "checks.yml:2:17: checks[0].http.url: expected a host in the URL, like https://127.0.0.1/api/v1/health",
        ])
        #expect(errors(check: #"http: {url: "http://a:99999/x"}"#) == [
            #"checks.yml:2:17: checks[0].http.url: the URL's port must be between 1 and 65535, got "99999""#,
        ])
        #expect(errors(check: #"http: {url: "http://bad host/"}"#) == [
            #"checks.yml:2:17: checks[0].http.url: expected an http or https URL like https://127.0.0.1/api/v1/health, got "http://bad host/""#,
        ])
        #expect(errors(check: #"http: {url: "http://a/", method: FETCH, max_latency: 0ms, json: {"a..b": 1}}"#) == [
            #"checks.yml:2:38: checks[0].http.method: unknown method "FETCH"; expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"#,
            "checks.yml:2:58: checks[0].http.max_latency: must be longer than zero",
            "checks.yml:2:70: checks[0].http.json.a..b: expected a JSON field like status or a dotted path like data.ok",
        ])
    }

    @Test func portsAndHosts() {
        #expect(errors(check: "port: 70000") == ["checks.yml:2:11: checks[0].port: must be between 1 and 65535, got 70000"])
        #expect(errors(check: "tcp: {host: a, port: 0}") == [
            "checks.yml:2:26: checks[0].tcp.port: must be between 1 and 65535, got 0",
        ])
        #expect(errors(check: "tcp: {host: -bad-, port: 1}") == [
            #"checks.yml:2:17: checks[0].tcp.host: expected a host name or IP address like 127.0.0.1 or db.example.org, got "-bad-""#,
        ])
        #expect(errors(check: "port: {port: 80, address: localhost, listening: false, owner_unit: x}") == [
            #"checks.yml:2:31: checks[0].port.address: expected an IP address like 127.0.0.1, 0.0.0.0 or ::1, got "localhost""#,
            "checks.yml:2:60: checks[0].port.owner_unit: applies only to a port that is listening; remove it or set listening: true",
        ])
    }

    @Test func durationsMustBePositive() {
        #expect(errors(check: "{timeout: 0s, retries: 11, retry_delay: fast, memory: }") == [
            "checks.yml:2:15: checks[0].timeout: must be longer than zero",
            "checks.yml:2:28: checks[0].retries: must be between 0 and 10, got 11",
            #"checks.yml:2:45: checks[0].retry_delay: expected a duration like 250ms, 2s or 1m, got "fast""#,
        ])
        #expect(errors("defaults: {timeout: 1x}\nchecks: []\n") == [
            #"checks.yml:1:21: defaults.timeout: expected a duration like 250ms, 2s or 1m, got "1x""#,
        ])
        #expect(errors(check: "journal: {unit: a, since: 30s, max_matches: 1}") == [
            #"checks.yml:2:31: checks[0].journal.since: expected a duration in whole minutes like 10m, 1h or 1d, got "30s""#,
            "checks.yml:2:36: checks[0].journal.max_matches: needs pattern: the lines to count",
        ])
    }

    @Test func warningMustComeBeforeCritical() {
        #expect(errors(check: "disk: {warning: 95}") == [
            "checks.yml:2:21: checks[0].disk.warning: 95 must be below critical (the default 90)",
        ])
        #expect(errors(check: "disk: {warning: 95, critical: 90}") == [
            "checks.yml:2:35: checks[0].disk.critical: 90 must be above warning (95)",
        ])
        #expect(errors(check: "memory: {critical: 50}") == [
            "checks.yml:2:24: checks[0].memory.critical: 50 must be above warning (the default 90)",
        ])
        #expect(errors(check: "load: {warning_per_cpu: 3, critical_per_cpu: 2}") == [
            "checks.yml:2:50: checks[0].load.critical_per_cpu: 2 must be above warning_per_cpu (3)",
        ])
        #expect(errors(check: "sqlite: {path: /a.db, warning_size: 2GiB, critical_size: 1GiB}") == [
            "checks.yml:2:62: checks[0].sqlite.critical_size: 1 GiB must be above warning_size (2 GiB)",
        ])
        #expect(errors(check: "tls: {host: a, critical_days: 20}") == [
            "checks.yml:2:35: checks[0].tls.critical_days: 20 must be below warning_days (the default 14)",
        ])
    }

    @Test func unitsModesAndFiles() {
        #expect(errors(check: "service: marb@.service") == [
            #"checks.yml:2:14: checks[0].service: "marb@.service" is a template; name an instance, like "marb@prod.service""#,
        ])
        #expect(errors(check: "service: \"bad unit\"") == [
            #"checks.yml:2:14: checks[0].service: expected a systemd unit like "marb@prod.service" or "nginx.service", got "bad unit""#,
        ])
        #expect(errors(check: #"file: {path: /x, mode: "0800"}"#) == [
            #"checks.yml:2:28: checks[0].file.mode: expected an octal mode like "0600" or "640", got "0800""#,
        ])
        #expect(errors(check: #"file: {path: /x, exists: false, mode: "0600"}"#) == [
            "checks.yml:2:37: checks[0].file.mode: applies only to a file that exists; remove it or set exists: true",
        ])
        #expect(errors(check: "file: etc/marb/prod.env") == [
            #"checks.yml:2:11: checks[0].file: expected an absolute path, got "etc/marb/prod.env""#,
        ])
        #expect(errors(check: "tls: {host: a, file: /x.pem}") == ["checks.yml:2:20: checks[0].tls.file: give host or file, not both"])
        #expect(errors(check: "tls: {file: /x.pem, port: 443}") == [
            "checks.yml:2:25: checks[0].tls.port: applies only with host; a certificate file has no port",
        ])
        #expect(errors(check: "{instance: prod, memory: }") == [
            "checks.yml:2:16: checks[0].instance: needs app: the app this instance belongs to",
        ])
    }

    @Test func commandsRunWithoutAShell() {
        let noShell = "expected a list like [/usr/bin/redis-cli, ping]: commands run without a shell, so write the "
            + "program and each argument as a list item"
        #expect(errors(check: #"command: {argv: "redis-cli ping"}"#) == ["checks.yml:2:21: checks[0].command.argv: \(noShell)"])
        #expect(errors(check: #"command: "redis-cli ping""#) == ["checks.yml:2:14: checks[0].command: \(noShell)"])
        #expect(errors(check: #"command: {argv: ["redis-cli ping"]}"#) == [
            #"checks.yml:2:22: checks[0].command.argv[0]: "redis-cli ping" contains a space: commands run without a shell, so write the program and each argument as separate list items"#,
        ])
        #expect(errors(check: "command: {argv: [./run.sh]}") == [
            #"checks.yml:2:22: checks[0].command.argv[0]: expected an absolute path or a program name found in PATH, got "./run.sh""#,
        ])
        #expect(errors(check: "command: {argv: []}") == [
            "checks.yml:2:21: checks[0].command.argv: must not be empty; expected a list like [/usr/bin/redis-cli, ping]",
        ])
        #expect(errors(check: #"command: {argv: [ps, aux, "|", grep, x]}"#) == [
            #"checks.yml:2:31: checks[0].command.argv[2]: "|" would reach the program as an argument: commands run without a shell"#,
        ])
    }

    @Test func duplicateIDsAreReportedAtTheSecond() {
        #expect(errors("checks:\n  - service: a\n  - service: a.service\n") == [
            #"checks.yml:3:5: checks[1]: duplicate id "service:a.service", already used by checks[0] at line 2; give one of them a distinct name"#,
        ])
        #expect(errors("checks:\n  - memory:\n  - name: memory\n    load:\n") == [
            #"checks.yml:3:11: checks[1]: duplicate id "memory", already used by checks[0] at line 2; give one of them a distinct name"#,
        ])
        // Two checks of one unit are fine once one has a name.
        #expect(errors("checks:\n  - journal: a\n  - {name: a tracebacks, journal: {unit: a, pattern: Traceback}}\n").isEmpty)
    }

    @Test func errorCarriesItsParts() throws {
        let result = CheckFileParser.parse("checks:\n  - tcp: {host: a, port: 0}\n", file: "c.yml")
        guard case .failure(let failure) = result else { Issue.record("expected a failure"); return }
        #expect(failure.errors == [ManifestError(file: "c.yml", line: 2, column: 26, path: "checks[0].tcp.port",
                                                 message: "must be between 1 and 65535, got 0")])
    }

    @Test func severalErrorsAreCollectedInFileOrder() {
        let yaml = """
            defaults:
              timeout: soon
            checks:
              - service: {unit: marb@prod.service, activ: true}
              - http:
                  url: https://127.0.0.1/api/v1/health
                  status: 20x
              - port: 99999
              - disk: {warning: 95, critical: 90}
              - command: {argv: "redis-cli ping"}
              - service: marb@prod
            """
        #expect(errors(yaml) == [
            #"checks.yml:2:12: defaults.timeout: expected a duration like 250ms, 2s or 1m, got "soon""#,
            #"checks.yml:4:40: checks[0].service.activ: unknown key (did you mean "active"?)"#,
            #"checks.yml:7:15: checks[1].http.status: expected an integer 100-599 or a list of them, got "20x""#,
            "checks.yml:8:11: checks[2].port: must be between 1 and 65535, got 99999",
            "checks.yml:9:35: checks[3].disk.critical: 90 must be above warning (95)",
            "checks.yml:10:21: checks[4].command.argv: expected a list like [/usr/bin/redis-cli, ping]: commands run "
                + "without a shell, so write the program and each argument as a list item",
            #"checks.yml:11:5: checks[5]: duplicate id "service:marb@prod.service", already used by checks[0] at line 4; give one of them a distinct name"#,
        ])
    }

    // MARK: - Secrets

    @Test func secretsWrittenInlineAreRefusedWithoutTheirValue() {
        let yaml = """
            checks:
              - http:
                  url: http://127.0.0.1:8000/health
                  bearer: abc123-BEARER-SECRET
              - http: {url: "https://admin:pw-URL-SECRET@127.0.0.1/", headers: {Authorization: Basic QUERY-SECRET}}
              - http: {url: "https://127.0.0.1/?api_key=KEY-SECRET", headers: {X-Api-Key: HEADER-SECRET}}
              - http: {url: "https://127.0.0.1/", headers: {Accept: Bearer ACCEPT-SECRET}, secret_headers: {X-Token: TOKEN-SECRET}}
              - postgres: {dsn: "postgres://marb:DSN-SECRET@127.0.0.1/marb"}
              - redis: {url: "redis://:REDIS-SECRET@127.0.0.1:6379/0"}
              - command: {argv: [mysql, --password=ARGV-SECRET]}
              - command: {argv: [mysql, --password, ARGV2-SECRET]}
              - {memory: , password: TOP-SECRET}
            """
        let found = errors(yaml)
        let ref = "a secret is never written inline (the value is not shown)"
        let credential = "a credential is never written inline (the value is not shown)"
        let onCommandLine = "a secret is never written on a command line (the value is not shown); use a check that "
            + "takes it from an env file, or a program that reads it itself"
        #expect(found == [
            "checks.yml:4:15: checks[0].http.bearer: expected a reference to an env file variable, like /etc/app/prod.env#API_TOKEN; \(ref)",
            "checks.yml:5:17: checks[1].http.url: credentials in a URL are not allowed (the value is not shown); take them from an env file with bearer or secret_headers",
            "checks.yml:5:69: checks[1].http.headers.Authorization: \(credential); take it from an env file with bearer or secret_headers, like Authorization: /etc/app/prod.env#API_TOKEN",
            "checks.yml:6:17: checks[2].http.url: a secret in the query string is not allowed (the value is not shown); take it from an env file with bearer or secret_headers",
            "checks.yml:6:68: checks[2].http.headers.X-Api-Key: \(credential); take it from an env file with secret_headers, like X-Api-Key: /etc/app/prod.env#API_TOKEN",
            "checks.yml:7:57: checks[3].http.headers.Accept: \(credential); take it from an env file with secret_headers, like Accept: /etc/app/prod.env#API_TOKEN",
            "checks.yml:7:106: checks[3].http.secret_headers.X-Token: expected a reference to an env file variable, like /etc/app/prod.env#API_TOKEN; \(ref)",
            "checks.yml:8:21: checks[4].postgres.dsn: expected a reference to an env file variable, like /etc/app/prod.env#DATABASE_URL; \(ref)",
            "checks.yml:9:18: checks[5].redis.url: expected a reference to an env file variable, like /etc/app/prod.env#REDIS_URL; \(ref); for a server without a password, give host and port instead",
            "checks.yml:10:29: checks[6].command.argv[1]: \(onCommandLine)",
            "checks.yml:11:41: checks[7].command.argv[2]: \(onCommandLine)",
            "checks.yml:12:16: checks[8].password: unknown key; secrets do not belong in the manifest (keep them in the app's environment file)",
        ])
        let text = found.joined(separator: "\n")
        #expect(!text.contains("SECRET"))
        #expect(!text.contains("abc123"))
    }

    @Test func aReferenceMustNameAnAbsoluteFileAndAVariable() {
        for bad in ["prod.env#TOKEN", "/etc/marb/prod.env", "/etc/marb/#TOKEN", "/etc/marb/prod.env#", "/e.env#1TOKEN",
                    "/e.env#TO-KEN"] {
            let found = errors(check: "http: {url: \"http://a/\", bearer: \"\(bad)\"}")
            #expect(found == [
                "checks.yml:2:38: checks[0].http.bearer: expected a reference to an env file variable, like "
                    + "/etc/app/prod.env#API_TOKEN; a secret is never written inline (the value is not shown)",
            ], "\(bad)")
        }
    }

    // MARK: - In steward.yml

    @Test func manifestChecksKey() throws {
        let yaml = """
            version: 1
            apps:
              marb:
                kind: fastapi
                instances:
                  prod: {port: 8000, bind: 127.0.0.1}
            check_defaults:
              timeout: 3s
              retries: 1
            checks:
              - service: marb@prod.service
                app: marb
                instance: prod
              - name: health
                app: marb
                instance: prod
                http: {url: "http://127.0.0.1:8000/api/v1/health", json: {status: healthy}}
                timeout: 1s
            """
        let manifest = try ManifestParser.parse(yaml, file: "steward.yml").get()
        #expect(manifest.apps.map(\.name) == ["marb"])
        #expect(manifest.checks == [
            CheckSpec(id: "service:marb@prod.service", app: "marb", instance: "prod",
                      kind: .service(ServiceExpectation(unit: "marb@prod.service")), timeoutMs: 3000, retries: 1,
                      retryDelayMs: 200, source: "steward.yml:11"),
            CheckSpec(id: "health", app: "marb", instance: "prod",
                      kind: .http(HTTPExpectation(url: "http://127.0.0.1:8000/api/v1/health", json: ["status": "healthy"])),
                      timeoutMs: 1000, retries: 1, retryDelayMs: 200, source: "steward.yml:14"),
        ])
        let data = try JSONEncoder().encode(manifest)
        #expect(try JSONDecoder().decode(Manifest.self, from: data) == manifest)
        #expect(Manifest().checks.isEmpty)
        #expect(try ManifestParser.parse("version: 1\n", file: "steward.yml").get().checks.isEmpty)
    }

    @Test func manifestCheckErrorsAreLocatedInSteward() {
        let yaml = """
            check_defaults: {timeout: 0s}
            checks:
              - postgres: {dsn: "postgres://marb:hunter2@db/marb"}
            defaults: {}
            """
        let found = ManifestFixture.errors(yaml)
        #expect(found == [
            "steward.yml:1:27: check_defaults.timeout: must be longer than zero",
            "steward.yml:3:21: checks[0].postgres.dsn: expected a reference to an env file variable, like "
                + "/etc/app/prod.env#DATABASE_URL; a secret is never written inline (the value is not shown)",
            "steward.yml:4:1: defaults: unknown key; expected one of version, journal_window, thresholds, apps, silence, "
                + "check_defaults, checks, probes, serve, hosts",
        ])
        #expect(!found.joined().contains("hunter2"))
    }

    // MARK: - The mARB example

    @Test func marbExampleParses() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/checks.marb.yml")
        let yaml = try String(contentsOf: url, encoding: .utf8)
        let parsed = try checks(yaml, file: "checks.marb.yml")
        let kinds = Set(parsed.map(\.kind.name))
        #expect(kinds.isSuperset(of: ["service", "port", "http", "tls", "postgres", "redis", "file", "disk", "memory",
                                      "journal"]))
        let health = try #require(parsed.first { $0.id == "api health" })
        guard case .http(let http) = health.kind else { Issue.record("api health is not http"); return }
        #expect(http.url == "http://127.0.0.1:8000/api/v1/health")
        #expect(http.json == ["status": "healthy", "database": "connected", "redis": "connected"])
        let redis = try #require(parsed.first { $0.kind.name == "redis" })
        #expect(redis.kind == .redis(RedisExpectation(url: SecretRef(file: "/etc/marb/prod.env", key: "REDIS_URL"),
                                                      maxLength: ["celery": 100])))
        let postgres = try #require(parsed.first { $0.kind.name == "postgres" })
        guard case .postgres(let pg) = postgres.kind else { return }
        #expect(pg.dsn == SecretRef(file: "/etc/marb/prod.env", key: "DATABASE_URL"))
    }
}
