/// "Did you mean" for unknown keys, and the key names that smell of secrets.
enum KeySuggestion {
    /// The known key closest to `key` when it is at most two edits away (case and `-`/`_` ignored).
    static func closest(to key: String, in known: [String]) -> String? {
        let normalized = normalize(key)
        var best: (key: String, distance: Int)? = nil
        for candidate in known {
            let distance = editDistance(normalized, normalize(candidate))
            guard distance <= 2, distance < max(normalized.count, 1) else { continue }
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best?.key
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    private static let secretWords: Set<String> = [
        "password", "passwd", "pass", "pwd", "token", "secret", "dsn", "apikey", "credential", "credentials",
        "privatekey", "auth",
    ]

    /// Whether a key names a secret: one of its words (split at `_`, `-`, `.`) is `password`, `token`, `secret`,
    /// `dsn` and the like, or it ends in such a word (`api_key`, `DB_PASSWORD`, `secretKey`).
    static func looksLikeSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        let words = lower.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0 == " " }).map(String.init)
        if words.contains(where: secretWords.contains) { return true }
        let joined = words.joined()
        if ["apikey", "privatekey", "secretkey", "accesskey"].contains(where: joined.hasSuffix) { return true }
        return ["password", "passwd", "token", "secret"].contains(where: joined.contains)
    }

    private static func normalize(_ key: String) -> String {
        String(key.lowercased().map { $0 == "-" ? "_" : $0 })
    }
}
