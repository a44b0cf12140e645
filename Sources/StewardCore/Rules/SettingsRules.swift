import Foundation

/// Rules about settings that production apps take from their environment: CORS, authentication switches, and
/// Django's host and cookie settings. Only the values these rules judge are named (`*`, `false`), never secrets.
enum SettingsRules {
    static let all = [corsWildcard, authDisabled, allowedHostsWildcard, insecureCookies]

    /// Whether a list setting (`*`, `a,b`, `["*"]`, `https://*.example.org`) allows any origin or host.
    static func listsWildcard(_ text: String) -> Bool {
        let items = text.split(whereSeparator: { ", \t[]\"'".contains($0) }).map(String.init)
        return items.contains("*")
    }

    static let corsKeys = ["CORS_ORIGINS", "CORS_ALLOWED_ORIGINS", "BACKEND_CORS_ORIGINS", "ALLOWED_ORIGINS", "CORS_ORIGIN",
                           "CORS_ORIGIN_WHITELIST", "CORS_ALLOW_ORIGINS"]
    static let corsAllowAllKeys = ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"]

    /// A rule on production app instances whose evidence is read from their environment: one finding per instance
    /// with any evidence, `summary` and `fix` given the instance and its unit.
    static func productionRule(id: String, severity: Severity, rationale: String, evidence: @escaping @Sendable (AppEnvironment) -> [String],
                               summary: @escaping @Sendable (Inventory.Instance) -> String,
                               fix: @escaping @Sendable (UnitFacts) -> String) -> Rule {
        Rule(id: id, severity: severity, rationale: rationale) { ctx in
            AppEnvironment.apps(ctx).filter { $0.0.production }.compactMap { instance, unit, env in
                let found = evidence(env)
                guard !found.isEmpty else { return nil }
                return Finding(rule: id, severity: severity, subject: instance.label, summary: summary(instance), evidence: found, fix: fix(unit))
            }
        }
    }

    /// `KEY=value (source)` for each of `keys` set to a boolean equal to `value`.
    static func flagged(_ env: AppEnvironment, _ keys: [String], _ value: Bool) -> [String] {
        keys.compactMap { key in env[key].flatMap { e in AppEnvironment.flag(e.text) == value ? "\(key)=\(e.text) (\(e.source))" : nil } }
    }

    static let corsWildcard = productionRule(
        id: "settings.cors-wildcard", severity: .warning,
        rationale: "A wildcard CORS origin lets any website call the API from its visitors' browsers (seed 001: \"no wildcards\").",
        evidence: { env in
            corsKeys.compactMap { key in env[key].flatMap { listsWildcard($0.text) ? "\(key) contains * (\($0.source))" : nil } }
                + flagged(env, corsAllowAllKeys, true)
        },
        summary: { "Production instance \($0.label) accepts requests from any origin (CORS)" },
        fix: { "List the production origins instead, e.g. `CORS_ORIGINS=https://app.example.org` (and drop CORS_ALLOW_ALL_ORIGINS), in the env file, then `systemctl restart \($0.name)`." })

    /// Keys that turn authentication off when false, and those that turn it off when true.
    static let authOnKeys = ["REQUIRE_AUTH", "AUTH_REQUIRED", "AUTH_ENABLED", "ENABLE_AUTH", "AUTHENTICATION_ENABLED"]
    static let authOffKeys = ["AUTH_DISABLED", "DISABLE_AUTH", "SKIP_AUTH", "NO_AUTH", "AUTHENTICATION_DISABLED"]

    static let authDisabled = productionRule(
        id: "settings.auth-disabled", severity: .critical,
        rationale: "With authentication switched off by a setting, anyone who reaches the app is an authenticated user.",
        evidence: { env in flagged(env, authOnKeys, false) + flagged(env, authOffKeys, true) },
        summary: { "Production instance \($0.label) runs with authentication disabled" },
        fix: { "Set `REQUIRE_AUTH=true` (or remove the AUTH_DISABLED-style switch) in the env file, then `systemctl restart \($0.name)` and check that an unauthenticated request is refused." })

    static let allowedHostsKeys = ["ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"]

    static let allowedHostsWildcard: Rule = Rule(
        id: "settings.allowed-hosts-wildcard", severity: .warning,
        rationale: "ALLOWED_HOSTS=* turns off Django's Host header check: poisoned password-reset links and cache entries."
    ) { ctx in
        AppEnvironment.apps(ctx).filter { $0.0.production }.compactMap { instance, unit, env in
            guard let hit = env.first(allowedHostsKeys), listsWildcard(hit.entry.text) else { return nil }
            let (key, e) = hit
            let names = InstanceSites.names(port: instance.port, facts: ctx.facts)
            return allowedHostsWildcard.finding(
                subject: instance.label, summary: "Production instance \(instance.label) accepts any Host header (\(key) contains *)",
                evidence: ["\(key) contains * (\(e.source))"] + (names.isEmpty ? [] : ["nginx serves it as \(names.joined(separator: " "))"]),
                fix: "Set `\(key)=\(names.isEmpty ? "app.example.org" : names.joined(separator: ","))` in \(e.source), then `systemctl restart \(unit.name)`.")
        }
    }

    static let secureCookieKeys = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]

    static let insecureCookies: Rule = Rule(
        id: "settings.insecure-cookies", severity: .warning,
        rationale: "On an HTTPS site, session and CSRF cookies without the Secure flag are sent over plain HTTP too."
    ) { ctx in
        AppEnvironment.apps(ctx).filter { $0.0.production && $0.0.kind == "django" }.compactMap { instance, unit, env in
            // Judged only when the env file sets them: settings.py may hard-code them, which the audit cannot see.
            let set = secureCookieKeys.compactMap { key in (env[key] ?? env["DJANGO_" + key]).map { (key, $0) } }
            guard !set.isEmpty, let site = InstanceSites.https(port: instance.port, facts: ctx.facts) else { return nil }
            // A value is quoted only when it reads as false: anything else in the variable is not this rule's to show.
            var evidence = set.filter { AppEnvironment.flag($0.1.text) != true }.map { key, entry in
                AppEnvironment.flag(entry.text) == false ? "\(key)=\(entry.text) (\(entry.source))" : "\(key) is not a boolean (\(entry.source))"
            }
            let missing = secureCookieKeys.filter { key in !set.contains { $0.0 == key } }
            evidence += missing.map { "\($0) is not set, while \(set[0].0) is (\(set[0].1.source))" }
            guard !evidence.isEmpty else { return nil }
            return insecureCookies.finding(
                subject: instance.label, summary: "Django instance \(instance.label) serves HTTPS without Secure cookies",
                evidence: evidence + ["HTTPS site: \(site.file) (\(site.serverNames.joined(separator: " ")))"],
                fix: "Set `SESSION_COOKIE_SECURE=True` and `CSRF_COOKIE_SECURE=True` in \(set[0].1.source) (settings.py must read them), then `systemctl restart \(unit.name)`.")
        }
    }
}

/// The nginx sites that proxy to an app's port.
enum InstanceSites {
    static func sites(port: Int?, facts: Facts) -> [NginxSite] {
        guard let port else { return [] }
        return (facts.nginx?.sites ?? []).filter { $0.locations.contains { $0.upstreamIsLocal && $0.upstream?.port == port } }
    }

    /// Public server names of those sites.
    static func names(port: Int?, facts: Facts) -> [String] {
        var seen = Set<String>()
        return sites(port: port, facts: facts).flatMap(\.serverNames).filter { ProductionInference.isPublic($0) && seen.insert($0).inserted }
    }

    /// A site serving the port over TLS.
    static func https(port: Int?, facts: Facts) -> NginxSite? {
        sites(port: port, facts: facts).first(where: \.servesTLS)
    }
}

extension NginxSite {
    /// Listens with `ssl` or on 443, or presents a certificate.
    public var servesTLS: Bool {
        !sslCertificates.isEmpty || listen.contains { l in l.split(separator: " ").contains { $0 == "ssl" || $0.hasSuffix(":443") || $0 == "443" } }
    }

    /// Listens for plain HTTP (port 80, or a listen without `ssl` and without a port other than 80).
    public var servesPlainHTTP: Bool {
        listen.contains { l in
            let words = l.split(separator: " ")
            guard !words.contains("ssl"), let address = words.first else { return false }
            return address == "80" || address.hasSuffix(":80")
        }
    }
}
