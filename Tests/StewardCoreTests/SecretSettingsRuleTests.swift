import Testing
@testable import StewardCore

@Suite("Secrets' strength and app settings rules")
struct SecretSettingsRuleTests {
    /// N1 with `values` added to prod's env file (prod is production by its name, test is not).
    static func prod(_ values: KeyValuePairs<String, String>) -> Facts {
        n1Facts().with(envFile: N1.prodEnv) { file in
            for (k, v) in values { file.keys.append(k); file.values[k] = Secret(v) }
        }
    }

    static func test(_ values: KeyValuePairs<String, String>) -> Facts {
        n1Facts().with(envFile: N1.testEnv) { file in
            for (k, v) in values { file.keys.append(k); file.values[k] = Secret(v) }
        }
    }

    static let strong = "Zq3xV9p_L2mKc8Tn4Rb7Wd1Yh6Gf0Js5Ae-Xu2Ni8Oo"

    // MARK: secrets.weak-key

    @Test("secrets.weak-key: length, repetition, entropy", arguments: [
        ("JWT_SECRET_KEY", "short-key-123", true),
        ("JWT_SECRET_KEY", strong, false),
        ("ENCRYPTION_KEY", String(repeating: "ab", count: 20), true),
        ("SECRET_KEY", String(repeating: "a", count: 40) + "b", true),
        ("AUTH_TOKEN", "abababababcdcdcdcdcdabcdabcdabcddcba", true),  // 36 characters of 4 symbols: at most 72 bits
        ("DB_PASSWORD", "short", false),  // not a key the app generates
        ("SECRET_KEY", "changeme", false),  // files.default-credentials reports it
        ("APP_SECRET_KEY", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false),
    ] as [(String, String, Bool)])
    func weakKey(key: String, value: String, fires: Bool) {
        let result = findings("secrets.weak-key", Self.prod([key: value]))
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("secrets.weak-key", N1.prodEnv, .critical)] : []))
    }

    @Test func weakKeyEvidenceGivesLengthNeverTheValue() throws {
        let f = try #require(findings("secrets.weak-key", Self.prod(["JWT_SECRET_KEY": "tiny-secret"])).first)
        #expect(f.evidence.first == "JWT_SECRET_KEY: 11 characters, fewer than 32 (value not shown)")
        #expect(!"\(f)".contains("tiny-secret"))
    }

    @Test func weakKeyOutsideProductionIsAWarning() {
        #expect(findings("secrets.weak-key", Self.test(["SECRET_KEY": "abc"])).map(\.severity) == [.warning])
    }

    // MARK: settings

    @Test("settings.cors-wildcard", arguments: [
        ("CORS_ORIGINS", "*", true), ("CORS_ORIGINS", "[\"*\"]", true), ("CORS_ORIGINS", "https://a.org,*", true),
        ("CORS_ORIGINS", "https://a.org,https://b.org", false), ("CORS_ORIGINS", "https://*.a.org", false),
        ("CORS_ALLOW_ALL_ORIGINS", "True", true), ("CORS_ALLOW_ALL_ORIGINS", "False", false),
    ] as [(String, String, Bool)])
    func cors(key: String, value: String, fires: Bool) {
        #expect(findings("settings.cors-wildcard", Self.prod([key: value])).map { RuleSubject($0) }
            == (fires ? [RuleSubject("settings.cors-wildcard", "calb-sizingtool@prod", .warning)] : []))
        #expect(findings("settings.cors-wildcard", Self.test([key: value])).isEmpty)  // not production
    }

    @Test("settings.auth-disabled", arguments: [
        ("REQUIRE_AUTH", "false", true), ("REQUIRE_AUTH", "true", false), ("AUTH_DISABLED", "1", true),
        ("AUTH_DISABLED", "0", false), ("DISABLE_AUTH", "yes", true), ("AUTH_ENABLED", "off", true),
    ] as [(String, String, Bool)])
    func auth(key: String, value: String, fires: Bool) {
        #expect(findings("settings.auth-disabled", Self.prod([key: value])).map { RuleSubject($0) }
            == (fires ? [RuleSubject("settings.auth-disabled", "calb-sizingtool@prod", .critical)] : []))
        #expect(findings("settings.auth-disabled", Self.test([key: value])).isEmpty)
    }

    @Test("settings.allowed-hosts-wildcard", arguments: [
        ("ALLOWED_HOSTS", "*", true), ("DJANGO_ALLOWED_HOSTS", "a.org *", true), ("ALLOWED_HOSTS", "a.org,.a.org", false),
    ] as [(String, String, Bool)])
    func allowedHosts(key: String, value: String, fires: Bool) {
        #expect(findings("settings.allowed-hosts-wildcard", Self.prod([key: value])).map { RuleSubject($0) }
            == (fires ? [RuleSubject("settings.allowed-hosts-wildcard", "calb-sizingtool@prod", .warning)] : []))
    }

    /// prod as a Django app behind an nginx site on 443 that proxies to its port.
    static func django(_ values: KeyValuePairs<String, String>, tls: Bool = true) -> Facts {
        prod(values).with(unit: N1.prodUnit) { $0.execStart = ["/opt/calb/.venv/bin/gunicorn", "calb.wsgi:application"] }.changing {
            $0.nginx = NginxFacts(configValid: true, sites: [NginxSite(
                file: "/etc/nginx/sites-enabled/calb", serverNames: ["calb.example.org"], listen: [tls ? "443 ssl" : "80"],
                locations: [NginxLocation(path: "/", proxyPass: "http://127.0.0.1:8511", proxySetHeaders: [], line: 3)])])
        }
    }

    @Test("settings.insecure-cookies: judged only when the env file sets them", arguments: [
        (["SESSION_COOKIE_SECURE": "False", "CSRF_COOKIE_SECURE": "True"], true, true),
        (["SESSION_COOKIE_SECURE": "True"], true, true),  // CSRF_COOKIE_SECURE missing
        (["SESSION_COOKIE_SECURE": "True", "CSRF_COOKIE_SECURE": "1"], true, false),
        (["DJANGO_SESSION_COOKIE_SECURE": "True", "DJANGO_CSRF_COOKIE_SECURE": "True"], true, false),
        ([:], true, false),  // settings.py may set them: not seen, not judged
        (["SESSION_COOKIE_SECURE": "False"], false, false),  // no HTTPS site
    ] as [([String: String], Bool, Bool)])
    func cookies(values: [String: String], tls: Bool, fires: Bool) {
        let pairs = values.sorted { $0.key < $1.key }
        let facts = Self.django([:], tls: tls).with(envFile: N1.prodEnv) { file in
            for (k, v) in pairs { file.keys.append(k); file.values[k] = Secret(v) }
        }
        #expect(findings("settings.insecure-cookies", facts).map { RuleSubject($0) }
            == (fires ? [RuleSubject("settings.insecure-cookies", "calb-sizingtool@prod", .warning)] : []))
    }
}

extension SecretSettingsRuleTests {
    @Test func aCookieSettingThatIsNotABooleanIsNamedNotQuoted() throws {
        let facts = Self.django([:]).with(envFile: N1.prodEnv) { file in
            file.keys += ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]
            file.values["SESSION_COOKIE_SECURE"] = Secret("tok-CANARY-77")
            file.values["CSRF_COOKIE_SECURE"] = Secret("True")
        }
        let f = try #require(findings("settings.insecure-cookies", facts).first)
        #expect(f.evidence.first == "SESSION_COOKIE_SECURE is not a boolean (\(N1.prodEnv))")
        #expect(!"\(f)".contains("CANARY"))
    }
}
