import Testing
import StewardCore

@Suite("Manifest errors")
struct ManifestErrorTests {
    private func errors(_ yaml: String) -> [String] { ManifestFixture.errors(yaml) }

    // MARK: - Types and ranges

    @Test func badPortIsLocatedAtItsValue() {
        let yaml = """
            version: 1
            journal_window: 6h
            apps:
              web:
                instances:
                  prod:
                    port: 80a
            """
        #expect(errors(yaml) == [#"steward.yml:7:15: apps.web.instances.prod.port: expected an integer, got "80a""#])
    }

    @Test func errorCarriesItsParts() throws {
        let result = ManifestParser.parse("apps:\n  web:\n    instances:\n      prod:\n        port: 80a\n", file: "n1.yml")
        guard case .failure(let failure) = result else { Issue.record("expected a failure"); return }
        let error = try #require(failure.errors.first)
        #expect(error == ManifestError(file: "n1.yml", line: 5, column: 15, path: "apps.web.instances.prod.port",
                                       message: #"expected an integer, got "80a""#))
    }

    @Test func portsOutOfRange() {
        #expect(errors("apps:\n  web:\n    instances:\n      prod: {port: 70000}\n      test: {port: 0}\n") == [
            "steward.yml:4:20: apps.web.instances.prod.port: must be between 1 and 65535, got 70000",
            "steward.yml:5:20: apps.web.instances.test.port: must be between 1 and 65535, got 0",
        ])
    }

    @Test func wrongShapes() {
        #expect(errors("apps:\n  - web\n") == ["steward.yml:2:3: apps: expected a mapping, got a list"])
        #expect(errors("- a\n- b\n") == ["steward.yml:1:1: expected a mapping, got a list"])
        #expect(errors("thresholds: 80\n") == [#"steward.yml:1:13: thresholds: expected a mapping, got "80""#])
        #expect(errors("silence:\n  rule: logs.*\n") == ["steward.yml:2:3: silence: expected a list, got a mapping"])
        #expect(errors("apps:\n  web:\n    unit: [a, b]\n") == ["steward.yml:3:11: apps.web.unit: expected a string, got a list"])
        #expect(errors("apps:\n  web:\n    instances:\n      prod: {production: maybe}\n") == [
            #"steward.yml:4:26: apps.web.instances.prod.production: expected true or false, got "maybe""#,
        ])
    }

    @Test func longValuesAreNotEchoed() {
        let long = String(repeating: "9a", count: 30)
        #expect(errors("apps:\n  web:\n    instances:\n      prod:\n        port: \(long)\n") == [
            "steward.yml:5:15: apps.web.instances.prod.port: expected an integer, got a 60-character value",
        ])
        #expect(errors("apps:\n  db: \"postgres://app:pw@db/app\"\n") == [
            "steward.yml:2:7: apps.db: expected a mapping, got a URL with credentials",
        ])
    }

    @Test func versionMustBeOne() {
        #expect(errors("version: 2\n") == ["steward.yml:1:10: version: unsupported version 2; this Steward reads version 1"])
        #expect(errors("version: one\n") == [#"steward.yml:1:10: version: expected an integer, got "one""#])
    }

    @Test func unknownKind() {
        #expect(errors("apps:\n  web:\n    kind: rails\n") == [
            #"steward.yml:3:11: apps.web.kind: unknown kind "rails"; expected one of fastapi, django, streamlit, flask, generic, compose"#,
        ])
    }

    // MARK: - Unknown keys and secrets

    @Test func unknownKeySuggestsTheClosestKnownKey() {
        #expect(errors("apps:\n  web:\n    instnces: {}\n") == [
            #"steward.yml:3:5: apps.web.instnces: unknown key (did you mean "instances"?)"#,
        ])
        #expect(errors("journal-window: 6h\n") == [#"steward.yml:1:1: journal-window: unknown key (did you mean "journal_window"?)"#])
        #expect(errors("silences: []\n") == [#"steward.yml:1:1: silences: unknown key (did you mean "silence"?)"#])
        #expect(errors("thresholds:\n  disk_warnig_percent: 70\n") == [
            #"steward.yml:2:3: thresholds.disk_warnig_percent: unknown key (did you mean "disk_warning_percent"?)"#,
        ])
        #expect(errors("apps:\n  web:\n    instances:\n      prod: {Port: 80}\n") == [
            #"steward.yml:4:14: apps.web.instances.prod.Port: unknown key (did you mean "port"?)"#,
        ])
    }

    @Test func unknownKeyWithoutCloseMatchListsTheKnownKeys() {
        #expect(errors("hostname: n1\n") == [
            "steward.yml:1:1: hostname: unknown key; expected one of version, journal_window, thresholds, apps, silence, "
                + "check_defaults, checks, probes, serve, hosts",
        ])
        #expect(errors("apps:\n  web:\n    instances:\n      prod: {user: calb}\n") == [
            "steward.yml:4:14: apps.web.instances.prod.user: unknown key; expected one of production, port, bind, slots",
        ])
    }

    @Test func secretKeysAreRejectedWithoutTheirValue() {
        let yaml = """
            password: hunter2-top
            apps:
              web:
                dsn: postgres://app:s3cr3t-pw@db/app
                instances:
                  prod:
                    token: ghp_abcdefSECRET
              api_token: tok-SECRET-42
            silence:
              - rule: logs.*
                reason: ok
                secret: xyzzy-SECRET
            """
        let found = errors(yaml)
        let secretMessage = "unknown key; secrets do not belong in the manifest (keep them in the app's environment file)"
        #expect(found == [
            "steward.yml:1:1: password: \(secretMessage)",
            "steward.yml:4:5: apps.web.dsn: \(secretMessage)",
            "steward.yml:7:9: apps.web.instances.prod.token: \(secretMessage)",
            "steward.yml:8:3: apps.api_token: \(secretMessage)",
            "steward.yml:12:5: silence[0].secret: \(secretMessage)",
        ])
        for secret in ["hunter2", "s3cr3t", "SECRET"] {
            #expect(!found.joined().contains(secret))
        }
    }

    @Test func unknownKeysNeverEchoTheirValue() {
        let found = errors("apps:\n  web:\n    owner: alice-the-admin\n")
        #expect(found == ["steward.yml:3:5: apps.web.owner: unknown key; expected one of kind, unit, directory, env_file, health, instances, backup, deploy, compose"])
    }

    @Test func appNamedLikeASecretWordIsFineWhenItIsAnApp() throws {
        let manifest = try #require(ManifestFixture.manifest("apps:\n  token-service:\n    kind: fastapi\n"))
        #expect(manifest.apps.map(\.name) == ["token-service"])
    }

    // MARK: - Names

    @Test func invalidNames() {
        #expect(errors("apps:\n  -web: {}\n  web:\n    instances:\n      \"prod env\": {}\n      _x: {}\n") == [
            #"steward.yml:2:3: apps.-web: invalid app name; use letters, digits, "_", "." and "-", starting with a letter or digit"#,
            #"steward.yml:5:7: apps.web.instances.prod env: invalid instance name; use letters, digits, "_", "." and "-", starting with a letter or digit"#,
            #"steward.yml:6:7: apps.web.instances._x: invalid instance name; use letters, digits, "_", "." and "-", starting with a letter or digit"#,
        ])
    }

    // MARK: - Thresholds

    @Test func percentsAreBetweenZeroAndHundred() {
        #expect(errors("thresholds:\n  swap_warning_percent: 120\n  memory_warning_percent: lots\n") == [
            "steward.yml:2:25: thresholds.swap_warning_percent: must be between 0 and 100, got 120",
            #"steward.yml:3:27: thresholds.memory_warning_percent: expected a percentage like 80 or 80%, got "lots""#,
        ])
    }

    @Test func warningMustBeBelowCritical() {
        // Only the warning is set: it is wrong against the default critical.
        #expect(errors("thresholds:\n  disk_warning_percent: 95\n") == [
            "steward.yml:2:25: thresholds.disk_warning_percent: 95 must be below disk_critical_percent (the default 90)",
        ])
        // Both set: reported at the one written second.
        #expect(errors("thresholds:\n  memory_warning_percent: 96\n  memory_critical_percent: 96\n") == [
            "steward.yml:3:28: thresholds.memory_critical_percent: 96 must be above memory_warning_percent (96)",
        ])
        #expect(errors("thresholds:\n  disk_critical_percent: 70\n  disk_warning_percent: 80\n") == [
            "steward.yml:3:25: thresholds.disk_warning_percent: 80 must be below disk_critical_percent (70)",
        ])
        // Free space works the other way round: the warning limit is the larger.
        #expect(errors("thresholds:\n  disk_critical_free: 4GiB\n") == [
            "steward.yml:2:23: thresholds.disk_critical_free: 4 GiB must be below disk_warning_free (the default 2 GiB)",
        ])
        // An invalid value is reported once, not compared.
        #expect(errors("thresholds:\n  disk_warning_percent: 101\n  disk_critical_percent: 90\n") == [
            "steward.yml:2:25: thresholds.disk_warning_percent: must be between 0 and 100, got 101",
        ])
    }

    @Test func sizesAndCounts() {
        #expect(errors("thresholds:\n  disk_warning_free: 2 gigs\n  restarts_warning: 0\n  tracebacks_warning: 1.5\n") == [
            #"steward.yml:2:22: thresholds.disk_warning_free: expected a size like 512MiB, 2GiB, 1.5G or 1024, got "2 gigs""#,
            "steward.yml:3:21: thresholds.restarts_warning: must be at least 1, got 0",
            #"steward.yml:4:23: thresholds.tracebacks_warning: expected an integer, got "1.5""#,
        ])
    }

    @Test func durations() {
        #expect(errors("journal_window: 1y\n") == [#"steward.yml:1:17: journal_window: expected a duration like 30m, 6h, 24h or 7d, got "1y""#])
        #expect(errors("journal_window: 24\n") == [#"steward.yml:1:17: journal_window: expected a duration like 30m, 6h, 24h or 7d, got "24""#])
        #expect(errors("journal_window: 0h\n") == ["steward.yml:1:17: journal_window: must be longer than zero"])
    }

    // MARK: - Apps

    @Test func duplicatePortWithinAnApp() {
        let yaml = """
            apps:
              x:
                instances:
                  prod:
                    port: 8511
                  test:
                    port: 8511
            """
        #expect(errors(yaml) == ["steward.yml:7:15: apps.x.instances.test.port: 8511 is already used by instance prod"])
    }

    @Test func duplicatePortAcrossApps() {
        let yaml = """
            apps:
              calb-sizingtool:
                instances:
                  prod: {port: 8511}
              other:
                instances:
                  prod: {port: 8511, bind: 127.0.0.1}
            """
        #expect(errors(yaml) == ["steward.yml:7:20: apps.other.instances.prod.port: 8511 is already used by calb-sizingtool@prod"])
    }

    @Test func unitMustFitTheInstances() {
        #expect(errors("apps:\n  web:\n    unit: web.service\n    instances: {prod: {}}\n") == [
            #"steward.yml:3:11: apps.web.unit: "web.service" is not a template; an app with instances needs a unit like "web@.service""#,
        ])
        #expect(errors("apps:\n  web:\n    unit: web@.service\n") == [
            #"steward.yml:3:11: apps.web.unit: "web@.service" is a template; declare the app's instances under instances"#,
        ])
        #expect(errors("apps:\n  web:\n    unit: web.socket\n") == [
            #"steward.yml:3:11: apps.web.unit: expected a systemd service like "web.service" or "web@.service", got "web.socket""#,
        ])
    }

    @Test func pathsAndPlaceholders() {
        let yaml = """
            apps:
              web:
                directory: opt/web
                env_file: /etc/web/{env}.env
                health: healthz
              one:
                directory: /srv/{instance}
            """
        #expect(errors(yaml) == [
            #"steward.yml:3:16: apps.web.directory: expected an absolute path, got "opt/web""#,
            #"steward.yml:4:15: apps.web.env_file: unknown placeholder "{env}"; the only placeholder is {instance}"#,
            #"steward.yml:5:13: apps.web.health: expected a URL path like "/health", got "healthz""#,
            "steward.yml:7:16: apps.one.directory: uses {instance} but apps.one has no instances",
        ])
    }

    @Test func bindMustBeAnAddress() {
        #expect(errors("apps:\n  web:\n    instances:\n      prod: {bind: localhost}\n      test: {bind: 300.1.1.1}\n") == [
            #"steward.yml:4:20: apps.web.instances.prod.bind: expected an IP address like 127.0.0.1 or ::1, got "localhost""#,
            #"steward.yml:5:20: apps.web.instances.test.bind: expected an IP address like 127.0.0.1 or ::1, got "300.1.1.1""#,
        ])
        #expect(errors("apps:\n  web:\n    instances:\n      a: {bind: \"::\"}\n      b: {bind: \"[::1]\"}\n      c: {bind: 0.0.0.0}\n      d: {bind: \"fe80::1:2\"}\n").isEmpty)
    }

    // MARK: - Silences

    @Test func silenceNeedsRuleAndReason() {
        let yaml = """
            silence:
              - rule: ports.public-bind
              - subject: web@prod
                reason: "   "
              - rule: logs.*
                reason:
              - rule: ports
                reason: ok
              - rule: "*"
                reason: ok
              -
            """
        #expect(errors(yaml) == [
            #"steward.yml:2:5: silence[0]: missing key "reason": say why the finding is accepted; the report shows it"#,
            #"steward.yml:3:5: silence[1]: missing key "rule": the id of the rule to silence, like "ports.public-bind""#,
            "steward.yml:4:13: silence[1].reason: must not be empty; say why the finding is accepted",
            "steward.yml:6:12: silence[2].reason: must not be empty; say why the finding is accepted",
            #"steward.yml:7:11: silence[3].rule: expected a rule id like "ports.public-bind" or a family like "logs.*", got "ports""#,
            #"steward.yml:9:11: silence[4].rule: expected a rule id like "ports.public-bind" or a family like "logs.*", got "*""#,
            "steward.yml:11:4: silence[5]: empty silence; give it a rule and a reason",
        ])
    }

    // MARK: - Several errors, syntax errors

    @Test func allErrorsAreCollectedAndSortedByLine() {
        let yaml = """
            silence:
              - rule: logs.*
            version: 3
            apps:
              web:
                kind: rails
                instances:
                  prod: {port: 99999}
            thresholds:
              disk_warning_percent: 101
            """
        #expect(errors(yaml) == [
            #"steward.yml:2:5: silence[0]: missing key "reason": say why the finding is accepted; the report shows it"#,
            "steward.yml:3:10: version: unsupported version 3; this Steward reads version 1",
            #"steward.yml:6:11: apps.web.kind: unknown kind "rails"; expected one of fastapi, django, streamlit, flask, generic, compose"#,
            "steward.yml:8:20: apps.web.instances.prod.port: must be between 1 and 65535, got 99999",
            "steward.yml:10:25: thresholds.disk_warning_percent: must be between 0 and 100, got 101",
        ])
    }

    @Test func syntaxErrorIsLocated() {
        #expect(errors("apps:\n  web:\n    kind: streamlit\n   unit: x\n") == [
            "steward.yml:4:4: invalid YAML: did not find expected key (while parsing a block mapping that starts at line 2)",
        ])
        #expect(errors("apps:\n\tweb: {}\n") == [
            "steward.yml:2:1: invalid YAML: found character that cannot start any token (while scanning for the next token)",
        ])
        #expect(errors("apps:\n  web: {kind: flask\n") == [
            "steward.yml:3:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping that starts at line 2)",
        ])
        #expect(errors("silence: [\n") == [
            "steward.yml:2:1: invalid YAML: did not find expected node content (while parsing a flow node)",
        ])
    }

    @Test func duplicateKeyIsLocatedAtTheSecondOccurrence() {
        #expect(errors("apps:\n  web:\n    kind: flask\n    unit: web.service\n    kind: django\n") == [
            #"steward.yml:5:5: duplicate key "kind"; first given at line 3"#,
        ])
    }
}
