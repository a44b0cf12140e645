import Testing
@testable import StewardCore

@Suite("File rules")
struct FileRuleTests {
    /// N1 with prod.env replaced by a file holding `values` (0600 root:root unless told).
    static func prodEnv(mode: Int = 0o600, owner: String = "root", group: String = "root",
                        _ values: KeyValuePairs<String, String>) -> Facts {
        n1Facts().with(envFile: N1.prodEnv) { $0 = envFile(N1.prodEnv, mode: mode, owner: owner, group: group, values) }
    }

    /// N1 with test.env replaced by a file holding `values`.
    static func testEnv(_ values: KeyValuePairs<String, String>) -> Facts {
        n1Facts().with(envFile: N1.testEnv) { $0 = envFile(N1.testEnv, values) }
    }

    // MARK: files.envfile-permissions

    typealias ModeCase = (mode: Int, group: String, expected: Severity?)

    static let modeCases: [ModeCase] = [
        (0o600, "root", nil),            // N1: root:root 0600
        (0o640, "calb", nil),            // root:<service group> 0640: the documented way, accepted
        (0o644, "root", .critical),      // readable by every user
        (0o644, "calb", .critical),
        (0o604, "root", .critical),
        (0o602, "root", .critical),
        (0o640, "root", .warning),       // group root is not the service's group
        (0o640, "adm", .warning),
        (0o660, "calb", .warning),       // service group may rewrite it
        (0o400, "root", nil),
    ]

    @Test("files.envfile-permissions", arguments: modeCases)
    func envfileMode(_ c: ModeCase) {
        let facts = Self.prodEnv(mode: c.mode, group: c.group, ["PORT": "8511"])
        let result = findings("files.envfile-permissions", facts)
        #expect(result.map { RuleSubject($0) } == (c.expected.map { [RuleSubject("files.envfile-permissions", N1.prodEnv, $0)] } ?? []))
    }

    @Test func envfilePermissionsIgnoreFilesNoAuditedUnitUses() {
        let facts = n1Facts().changing { $0.envFiles.append(envFile("/etc/other/app.env", mode: 0o666, ["X": "1"])) }
        #expect(findings("files.envfile-permissions", facts).isEmpty)
    }

    @Test func envfilePermissionsEvidenceNamesModeAndUsers() {
        let result = findings("files.envfile-permissions", Self.prodEnv(mode: 0o644, ["PORT": "8511"]))
        #expect(result.first?.evidence == ["-rw-r--r-- root:root (0644)", "used by calb-sizingtool@prod"])
    }

    // MARK: files.secrets-in-envfile

    @Test func secretsAreReportedByKeyNeverByValue() {
        let facts = Self.prodEnv([
            "PORT": "8511",
            "DATABASE_URL": "postgres://app:hunter2hunter2@db/app",
            "SECRET_KEY": "Zq8-not-a-default-value",
            "API_TOKEN": "tok_abcdef",
            "FOO": "bar",
        ])
        let result = findings("files.secrets-in-envfile", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("files.secrets-in-envfile", N1.prodEnv, .info)])
        #expect(result.first?.summary == "\(N1.prodEnv) holds 3 secret(s) in plaintext: DATABASE_URL, SECRET_KEY, API_TOKEN")
        let text = (result.flatMap(\.evidence) + result.map(\.summary) + result.map(\.fix)).joined(separator: "\n")
        for value in ["hunter2hunter2", "Zq8-not-a-default-value", "tok_abcdef"] { #expect(!text.contains(value)) }
        #expect(result.first?.evidence.first == "DATABASE_URL=\(Secret.mask)")
    }

    @Test func portOnlyEnvFilesHoldNoSecrets() {
        #expect(findings("files.secrets-in-envfile", n1Facts()).isEmpty)
        #expect(findings("files.secrets-in-envfile", Self.prodEnv(["PORT": "8511", "FOO": "bar", "URL": "https://example.com/x"])).isEmpty)
    }

    // MARK: files.default-credentials

    @Test("files.default-credentials: well-known values", arguments: [
        ("SECRET_KEY", "changeme"), ("SECRET_KEY", "django-insecure-abc123"), ("DB_PASSWORD", "\"admin\""),
        ("DATABASE_URL", "postgres://app:changeme@db/app"), ("API_TOKEN", "Password"),
    ] as [(String, String)])
    func defaultCredentialInProduction(key: String, value: String) {
        let result = findings("files.default-credentials", Self.prodEnv(["PORT": "8511", key: value]))
        #expect(result.map { RuleSubject($0) } == [RuleSubject("files.default-credentials", N1.prodEnv, .critical)])
        #expect(result.first?.summary.contains(key) == true)
        let text = result.map { $0.summary + $0.evidence.joined() + $0.fix }.joined()
        #expect(!text.contains(value))
    }

    @Test func defaultCredentialOutsideProductionIsAWarning() {
        let result = findings("files.default-credentials", Self.testEnv(["PORT": "8512", "DB_PASSWORD": "changeme"]))
        #expect(result.map { RuleSubject($0) } == [RuleSubject("files.default-credentials", N1.testEnv, .warning)])
    }

    @Test func adminUserCountsOnlyWithADefaultPassword() {
        let both = findings("files.default-credentials", Self.prodEnv(["ADMIN_USER": "admin", "ADMIN_PASSWORD": "admin"]))
        #expect(both.first?.summary.contains("ADMIN_USER, ADMIN_PASSWORD") == true)
        let strong = findings("files.default-credentials", Self.prodEnv(["ADMIN_USER": "admin", "ADMIN_PASSWORD": "k3-Zr!9wq"]))
        #expect(strong.isEmpty)
    }

    @Test func strongOrNonSecretValuesAreNotDefaults() {
        #expect(findings("files.default-credentials", n1Facts()).isEmpty)
        // "test" is a default password, but FOO is not a credential.
        #expect(findings("files.default-credentials", Self.prodEnv(["FOO": "test", "APP_NAME": "admin"])).isEmpty)
        #expect(findings("files.default-credentials", Self.prodEnv(["DATABASE_URL": "postgres://app:Vx9!kq2@db/app"])).isEmpty)
    }

    @Test func defaultPasswordInsideADSNIsADefaultCredential() {
        // `postgres://user:changeme@host/db` is the case the rule names; a key called *_DSN (a secret name) must not
        // hide it. FileRules.defaultCredentials returns `isDefault(whole value)` for secret-named keys and never
        // looks at the URL's password.
        let facts = Self.prodEnv(["DATABASE_DSN": "postgres://app:changeme@db/app"])
        #expect(subjects(findings("files.default-credentials", facts)) == [N1.prodEnv])
    }

    // MARK: files.debug-in-production

    @Test("files.debug-in-production: truthy debug settings", arguments: [
        ("DEBUG", "True"), ("DEBUG", "1"), ("DJANGO_DEBUG", "yes"), ("FLASK_ENV", "development"),
        ("STREAMLIT_GLOBAL_DEVELOPMENT_MODE", "true"), ("debug", "\"on\""),
    ] as [(String, String)])
    func debugInProduction(key: String, value: String) {
        let result = findings("files.debug-in-production", Self.prodEnv(["PORT": "8511", key: value]))
        #expect(result.map { RuleSubject($0) } == [RuleSubject("files.debug-in-production", "calb-sizingtool@prod", .critical)])
    }

    @Test func debugOffOrOutsideProductionIsFine() {
        #expect(findings("files.debug-in-production", n1Facts()).isEmpty)
        #expect(findings("files.debug-in-production", Self.prodEnv(["DEBUG": "False", "FLASK_ENV": "production"])).isEmpty)
        #expect(findings("files.debug-in-production", Self.testEnv(["DEBUG": "True"])).isEmpty)
    }

    @Test func devServerOptionsInExecStartCount() {
        let facts = n1Facts().with(unit: N1.prodUnit) {
            $0.execStart = ["\(N1.prodDir)/.venv/bin/uvicorn", "main:app", "--reload", "--port", "${PORT}"]
        }
        let result = findings("files.debug-in-production", facts)
        #expect(result.first?.evidence == ["ExecStart uses --reload (a development server option)"])
    }

    @Test func manifestCanMakeTestProductionForDebug() {
        let manifest = parsedManifest("""
            apps:
              calb-sizingtool:
                instances:
                  test:
                    production: true
            """)
        let result = findings("files.debug-in-production", Self.testEnv(["DEBUG": "1"]), manifest)
        #expect(subjects(result) == ["calb-sizingtool@test"])
    }

    // MARK: files.app-dir-permissions

    @Test func appDirOwnedByServiceUserIsFine() {
        #expect(findings("files.app-dir-permissions", n1Facts()).isEmpty)
        // root-owned code the service cannot change is fine too.
        let rootOwned = n1Facts().with(appDir: N1.prodDir) { $0.owner = "root"; $0.mode = 0o755 }
        #expect(findings("files.app-dir-permissions", rootOwned).isEmpty)
    }

    @Test func appDirOwnedBySomeoneElseIsAWarning() {
        let facts = n1Facts().with(appDir: N1.prodDir) { $0.owner = "deploy" }
        let result = findings("files.app-dir-permissions", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("files.app-dir-permissions", N1.prodDir, .warning)])
        #expect(result.first?.evidence.first == "\(N1.prodDir) is owned by deploy, the service runs as calb")
    }

    @Test func appDirOfARootServiceOwnedByAUserIsAWarning() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.user = "" }
        let result = findings("files.app-dir-permissions", facts)
        #expect(result.first?.evidence.first == "\(N1.prodDir) is owned by calb, the service runs as root")
    }

    @Test func worldWritableAppDirIsCritical() {
        let facts = n1Facts().with(appDir: N1.prodDir) { $0.mode = 0o777 }
        let result = findings("files.app-dir-permissions", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("files.app-dir-permissions", N1.prodDir, .critical)])
        #expect(result.first?.fix.contains("chmod o-w \(N1.prodDir)") == true)
    }

    @Test func appDirFindingsStayWithinTheRulesDeclaredSeverity() throws {
        // `Rule.severity` is documented as "the worst severity it reports" (and `steward rules` lists it), but
        // A rule never reports worse than the severity `steward rules` lists for it.
        let rule = try #require(RuleCatalog.rule("files.app-dir-permissions"))
        let facts = n1Facts().with(appDir: N1.prodDir) { $0.mode = 0o777 }
        let worst = try #require(findings("files.app-dir-permissions", facts).map(\.severity).max())
        #expect(worst <= rule.severity)
    }

    @Test func appDirMissingIsNotThisRulesBusiness() {
        let facts = n1Facts().with(appDir: N1.prodDir) { $0 = AppDirFacts(path: N1.prodDir, exists: false) }
        #expect(findings("files.app-dir-permissions", facts).isEmpty)
    }
}
