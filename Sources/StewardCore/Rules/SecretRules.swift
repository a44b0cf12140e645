import Foundation

/// Rules about the strength of the keys an app signs and encrypts with. Values are measured here and never shown:
/// evidence gives the key's name, its length and what is wrong.
enum SecretRules {
    static let all = [weakKey]

    /// Keys the app itself generates and signs or encrypts with (seed 001: `JWT_SECRET_KEY` and `ENCRYPTION_KEY`,
    /// "32+ chars"; seed 002: `secrets.token_urlsafe(32)`). Passwords of other services and third-party API keys
    /// are not here: their length is not the operator's choice.
    static let exactNames: Set<String> = ["SECRET_KEY", "JWT_SECRET", "JWT_KEY", "ENCRYPTION_KEY", "AUTH_TOKEN", "SESSION_SECRET",
                                          "SIGNING_KEY", "APP_KEY", "APP_SECRET", "TOKEN_SECRET", "COOKIE_SECRET"]
    static let suffixes = ["_SECRET_KEY", "_JWT_SECRET", "_ENCRYPTION_KEY", "_SIGNING_KEY", "_AUTH_TOKEN", "_SESSION_SECRET", "_APP_SECRET"]

    static func isStrengthKey(_ key: String) -> Bool {
        let k = key.uppercased()
        return exactNames.contains(k) || suffixes.contains { k.hasSuffix($0) }
    }

    /// Shortest length accepted: 32 characters, as the seeds' runbooks ask (`openssl rand -base64 32` gives 44).
    static let minimumLength = 32
    /// Below this many bits by the character-frequency estimate, a value is too predictable whatever its length.
    static let minimumBits = 96.0

    /// What is wrong with a value, or nil. The estimate is Shannon's over the value's own characters (a lower bound
    /// for random strings of that alphabet, an upper one for words): it catches `aaaa…`, repeated patterns and short
    /// alphabets, not every guessable phrase.
    static func weakness(_ value: String) -> String? {
        let chars = Array(value)
        if chars.count < minimumLength { return "\(chars.count) characters, fewer than \(minimumLength)" }
        for period in 1...(chars.count / 2) where chars.count % period == 0 {
            if (period..<chars.count).allSatisfy({ chars[$0] == chars[$0 - period] }) {
                return "\(chars.count) characters repeating a \(period)-character sequence"
            }
        }
        let bits = estimatedBits(value)
        if bits < minimumBits { return "\(chars.count) characters but about \(Int(bits)) bits of entropy (\(Set(chars).count) distinct characters)" }
        return nil
    }

    static func estimatedBits(_ value: String) -> Double {
        var counts: [Character: Int] = [:]
        for c in value { counts[c, default: 0] += 1 }
        let n = Double(value.count)
        let perChar = counts.values.reduce(0.0) { h, c in let p = Double(c) / n; return h - p * log2(p) }
        return perChar * n
    }

    static let weakKey: Rule = Rule(
        id: "secrets.weak-key", severity: .critical,
        rationale: "A short or predictable signing or encryption key can be guessed offline: tokens forged, data decrypted."
    ) { ctx in
        FileRules.envFiles(ctx).compactMap { file, instances in
            let weak: [(String, String)] = file.keys.compactMap { key in
                guard isStrengthKey(key), let value = file.values[key]?.revealedForAnalysis else { return nil }
                let v = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"' \t"))
                // Defaults are files.default-credentials' finding; URLs carry their own secrets.
                guard !FileRules.isDefault(v), !v.contains("://"), let why = weakness(v) else { return nil }
                return (key, why)
            }
            guard !weak.isEmpty else { return nil }
            let production = instances.contains(where: \.production)
            return weakKey.finding(
                production ? .critical : .warning,
                subject: file.path,
                summary: "\(file.path) has weak key(s): \(Format.list(weak.map(\.0)))",
                evidence: weak.map { "\($0.0): \($0.1) (value not shown)" } + ["used by \(instances.map(\.label).joined(separator: ", "))"],
                fix: "Generate each with `openssl rand -base64 48` (or Python's `secrets.token_urlsafe(48)`), replace it in \(file.path), then restart \(instances.map(\.unit).joined(separator: " ")). Changing a JWT or session key logs every user out; an ENCRYPTION_KEY needs the stored data re-encrypted first.")
        }
    }
}
