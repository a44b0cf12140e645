import Foundation

/// Reads what the migration tools print.
public enum MigrationParsers {
    /// Revisions in `alembic current` or `alembic heads` output: the first word of each line that looks like a
    /// revision (`3f2a9c1b7d4e (head)`); log lines (`INFO  [alembic…`) are skipped.
    public static func alembicRevisions(_ text: String) -> Set<String> {
        var revisions: Set<String> = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let first = trimmed.split(separator: " ").first, !trimmed.hasPrefix("INFO"), !trimmed.hasPrefix("WARN") else { continue }
            if first.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { revisions.insert(String(first)) }
        }
        return revisions
    }

    /// Applied and pending migrations in `manage.py showmigrations --plan` output (`[X]  app.0001_initial`).
    public static func djangoPlan(_ text: String) -> (applied: [String], pending: [String]) {
        var applied: [String] = [], pending: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("[X]") || t.hasPrefix("[x]") {
                applied.append(Self.name(t.dropFirst(3)))
            } else if t.hasPrefix("[ ]") {
                pending.append(Self.name(t.dropFirst(3)))
            }
        }
        return (applied, pending)
    }

    private static func name(_ rest: Substring) -> String {
        // "  core.0002_item (1 squashed migrations)" → "core.0002_item"
        String(rest.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }

    /// A short, stable name for a schema state: `django:<n> applied:<hash>`, so two releases can be compared.
    public static func fingerprint(kind: String, items: [String]) -> String {
        let last = items.last ?? "none"
        return "\(kind):\(items.count):\(last)"
    }
}
