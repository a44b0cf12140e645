import Foundation

/// Scrubs credentials out of text that came from the host (command lines, log lines, tool output) before it is
/// stored as evidence. Env-file values never reach text at all; this catches secrets that live elsewhere.
public enum Redactor {
    /// Name fragments that mark a secret, as the issue names them (`*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*KEY*`,
    /// `*DSN*`) plus their usual spellings.
    static let secretFragments = ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "PASSPHRASE", "KEY", "DSN", "CREDENTIAL", "PRIVATE"]

    /// Whether a variable or option name suggests a secret: `DB_PASSWORD`, `--api-token`, `SECRET_KEY`, `DB_PASS`.
    public static func isSecretName(_ name: String) -> Bool {
        let n = name.drop { $0 == "-" }.uppercased().replacingOccurrences(of: "-", with: "_")
        if n.isEmpty || n == "PWD" { return false }  // PWD is the working directory, not a password
        return secretFragments.contains { n.contains($0) } || n.hasSuffix("_PASS") || n == "PASS" || n.hasSuffix("_PWD")
    }

    /// Free-text patterns: `password: x`, `token=x` (also in URL queries), `Authorization: Bearer x`.
    static let textPatterns: [NSRegularExpression] = [
        #"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"#,
        #"(?i)\b([A-Za-z0-9_]*(password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|dsn))(["']?\s*[:=]\s*["']?)[^\s&"',;]+"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    /// Masks `user:password@` in URLs, `--password=x` / `--token x` options, `PASSWORD=x` assignments,
    /// `password: x`, `?token=x` and bearer tokens, in free text (log lines, tool output).
    public static func scrub(_ text: String) -> String {
        var out = scrub(text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)).joined(separator: " ")
        for (i, re) in textPatterns.enumerated() {
            let template = i == 0 ? "$1 \(Secret.mask)" : "$1$3\(Secret.mask)"
            out = re.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out
    }

    /// Scrubs a command line element by element, so arguments that hold spaces stay whole.
    public static func scrub(_ argv: [String]) -> [String] {
        var out: [String] = []
        var maskNext = false
        for arg in argv {
            if maskNext, !arg.isEmpty { out.append(Secret.mask); maskNext = false; continue }
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

    /// `postgres://app:hunter2@db/app` → `postgres://app:***MASKED***@db/app` (a password may hold `@`), for every
    /// URL in `s`: `BROKERS=redis://a:x@h1,redis://b:y@h2` loses both passwords.
    public static func scrubURLCredentials(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let (range, _) = urlPasswordRange(rest) {
            out += rest[..<range.lowerBound] + Secret.mask
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// The password of `scheme://user:password@host…`, if any (of the first URL that has one).
    public static func urlPassword(_ value: String) -> String? {
        urlPasswordRange(Substring(value)).map { String(value[$0.0]) }
    }

    /// Where the password of the first URL in `s` that has one is: between the first `:` of the userinfo and the
    /// last `@` before the path.
    static func urlPasswordRange(_ s: Substring) -> (Range<String.Index>, Void)? {
        var from = s.startIndex
        while let scheme = s[from...].range(of: "://") {
            let rest = s[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" || $0.isWhitespace } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                let start = s.index(after: colon)
                if start < at { return (start..<at, ()) }
            }
            from = scheme.upperBound
        }
        return nil
    }

    /// Text from the host cut to `limit` characters for a report, scrubbed BEFORE it is cut: a cut first could split
    /// a URL password or a `password=` value so that the pattern no longer matches and its head leaks. Very long text
    /// is first reduced to its head, ending at a whitespace so that no token is split there either.
    public static func excerpt(_ text: String, limit: Int) -> String {
        let bound = 64 * 1024
        var head = Substring(text)
        if head.utf8.count > bound {
            head = head.prefix(bound)
            if let space = head.lastIndex(where: { $0.isWhitespace }) { head = head[..<space] } else { head = "" }
        }
        let clean = scrub(String(head))
        return clean.count > limit ? String(clean.prefix(limit)) : clean
    }

    /// Values from the host that are secrets by name (`SECRET_KEY`, `DB_PASSWORD`…) or URL passwords, from env files
    /// and units' `Environment=`. Very short values are left out: masking "1" everywhere would garble the report.
    public static func knownSecrets(in facts: Facts) -> [String] {
        var values = Set<String>()
        func consider(_ key: String, _ value: String) {
            if isSecretName(key), value.count >= 4 { values.insert(value) }
            if let password = urlPassword(value), password.count >= 4 { values.insert(password) }
        }
        for file in facts.envFiles { for (k, v) in file.values { consider(k, v.revealedForAnalysis) } }
        for unit in facts.units { for (k, v) in unit.environment { consider(k, v.revealedForAnalysis) } }
        for project in facts.compose ?? [] { for (k, v) in project.env?.values ?? [:] { consider(k, v.revealedForAnalysis) } }
        return values.sorted { $0.count > $1.count }
    }

    /// Replaces every occurrence of the given secret values in `text`, also as JSON escapes them: the last line of
    /// defence before output, for a secret that reached a log line or a command line the app printed.
    public static func maskKnown(_ secrets: [String], in text: String) -> String {
        secrets.reduce(text) { text, secret in
            let escaped = String(JSONRenderer.render(secret).dropFirst().dropLast(2))  // "…"\n → …
            let plain = text.replacingOccurrences(of: secret, with: Secret.mask)
            return escaped == secret ? plain : plain.replacingOccurrences(of: escaped, with: Secret.mask)
        }
    }
}
