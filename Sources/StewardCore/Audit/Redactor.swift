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

    public static func scrub(_ argv: [String]) -> [String] {
        scrub(argv.joined(separator: " ")).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
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

extension String {
    var trimmingDashes: String { String(drop { $0 == "-" }) }
}
