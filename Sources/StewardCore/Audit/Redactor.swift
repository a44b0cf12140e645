import Foundation

/// Scrubs credentials out of text that came from the host (command lines, log lines, tool output) before it is
/// stored as evidence. Env-file values never reach text at all; this catches secrets that live elsewhere.
public enum Redactor {
    static let secretWords = ["password", "passwd", "pwd", "secret", "token", "apikey", "api-key", "api_key", "auth", "key", "dsn", "credential"]

    /// Masks `user:password@` in URLs, `--password=x` / `--token x` options and `PASSWORD=x` assignments.
    public static func scrub(_ text: String) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var maskNext = false
        for i in words.indices {
            if maskNext, !words[i].isEmpty {
                words[i] = Secret.mask
                maskNext = false
                continue
            }
            words[i] = scrubURLCredentials(words[i])
            let lower = words[i].lowercased()
            if let eq = words[i].firstIndex(of: "=") {
                let name = lower[..<lower.index(lower.startIndex, offsetBy: words[i].distance(from: words[i].startIndex, to: eq))]
                if isSecretName(String(name)) {
                    words[i] = String(words[i][...eq]) + Secret.mask
                }
            } else if lower.hasPrefix("-"), isSecretName(lower) {
                maskNext = true
            }
        }
        return words.joined(separator: " ")
    }

    /// Scrubs a command line element by element, so arguments that hold spaces stay whole.
    public static func scrub(_ argv: [String]) -> [String] {
        var out: [String] = []
        var maskNext = false
        for arg in argv {
            if maskNext { out.append(Secret.mask); maskNext = false; continue }
            var a = scrubURLCredentials(arg)
            if let eq = a.firstIndex(of: "="), isSecretName(String(a[..<eq])) {
                a = String(a[...eq]) + Secret.mask
            } else if a.hasPrefix("-"), isSecretName(a) {
                maskNext = true
            }
            out.append(a)
        }
        return out
    }

    /// Whether a variable or option name suggests a secret: `DB_PASSWORD`, `--api-token`, `SECRET_KEY`.
    public static func isSecretName(_ name: String) -> Bool {
        let n = name.lowercased().trimmingDashes
        return secretWords.contains { word in
            n == word || n.hasSuffix("_" + word) || n.hasPrefix(word + "_") || n.contains("_" + word + "_")
                || n.hasSuffix("-" + word) || n.hasPrefix(word + "-") || n.hasSuffix(word)
                && ["password", "passwd", "secret", "token", "apikey", "dsn"].contains(word)
        }
    }

    /// `postgres://app:hunter2@db/app` → `postgres://app:***MASKED***@db/app`.
    public static func scrubURLCredentials(_ s: String) -> String {
        guard let scheme = s.range(of: "://") else { return s }
        let afterScheme = s[scheme.upperBound...]
        guard let at = afterScheme.firstIndex(of: "@") else { return s }
        let userinfo = afterScheme[..<at]
        guard !userinfo.contains("/"), let colon = userinfo.firstIndex(of: ":") else { return s }
        return String(s[..<colon]) + ":" + Secret.mask + String(s[at...])
    }
}

extension Redactor {
    /// Values from the host that are secrets by name (`SECRET_KEY`, `DB_PASSWORD`…) or URL passwords, from env files
    /// and units' `Environment=`. Short values are left out: masking "1" everywhere would garble the report.
    public static func knownSecrets(in facts: Facts) -> [String] {
        var values = Set<String>()
        func consider(_ key: String, _ value: String) {
            if isSecretName(key), value.count >= 6 { values.insert(value) }
            if let password = urlPassword(value), password.count >= 4 { values.insert(password) }
        }
        for file in facts.envFiles { for (k, v) in file.values { consider(k, v.revealedForAnalysis) } }
        for unit in facts.units { for (k, v) in unit.environment { consider(k, v.revealedForAnalysis) } }
        return values.sorted { $0.count > $1.count }
    }

    /// Replaces every occurrence of the given secret values in `text`: the last line of defence before output,
    /// for a secret that reached a log line or a command line the app printed.
    public static func maskKnown(_ secrets: [String], in text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: Secret.mask) }
    }

    /// The password of `scheme://user:password@host…`, if any.
    static func urlPassword(_ value: String) -> String? {
        guard let scheme = value.range(of: "://") else { return nil }
        let rest = value[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return nil }
        let userinfo = rest[..<at]
        guard !userinfo.contains("/"), let colon = userinfo.firstIndex(of: ":") else { return nil }
        return String(userinfo[userinfo.index(after: colon)...])
    }
}

extension String {
    var trimmingDashes: String { String(drop { $0 == "-" }) }
}
