import Foundation

/// Adopting a database whose numbered SQL files were applied by hand (seed 003's `psql` loop): it has no tracking
/// table, so which files it has is read from its schema. A file that creates tables counts as applied when every
/// table it creates exists; the files up to the last such file are recorded as applied (without running them), the
/// rest are pending. Files in between that create no table (an index, an `ALTER`) are judged by their place.
/// A file whose tables are missing before one whose tables exist is refused: the database does not follow the files'
/// order, and only the operator can say what it has.
public enum SQLMigrationAdoption {
    public enum Outcome: Equatable, Sendable {
        /// The names recorded as applied, in order, and the evidence (`001_init.sql: tenants`).
        case adopted([String], evidence: [String])
        case refused(String)
    }

    public static func adopt(_ files: [(name: String, sql: String)], existingTables: Set<String>) -> Outcome {
        var lastApplied = -1
        var firstMissing: (index: Int, name: String, tables: [String])?
        var evidence: [String] = []
        for (i, file) in files.enumerated() {
            let created = createdTables(file.sql)
            guard !created.isEmpty else { continue }
            let missing = created.filter { !existingTables.contains($0) }
            if missing.isEmpty {
                if let gap = firstMissing {
                    return .refused("\(file.name)'s tables exist but \(gap.name)'s (\(gap.tables.joined(separator: ", "))) do not: the database does not follow the files' order; record what it has in \(SQLMigrationTracking.table) (name, checksum, applied_at) by hand")
                }
                lastApplied = i
                evidence.append("\(file.name): \(created.joined(separator: ", "))")
            } else if firstMissing == nil {
                firstMissing = (i, file.name, missing)
            }
        }
        return .adopted(files.prefix(lastApplied + 1).map(\.name), evidence: evidence)
    }

    /// The tables `CREATE TABLE [IF NOT EXISTS] [schema.]name` statements make, as `schema.name` (`public` unless
    /// named; unquoted names folded to lower case as PostgreSQL does). `--` and `/* */` comments are skipped.
    public static func createdTables(_ sql: String) -> [String] {
        let text = stripComments(sql)
        let pattern = #"(?i)\bCREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?)"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        var result: [String] = []
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let parts = splitQualified(ns.substring(with: match.range(at: 1)))
            let name = parts.count == 2 ? parts.joined(separator: ".") : "public." + (parts.first ?? "")
            if !result.contains(name) { result.append(name) }
        }
        return result
    }

    static func splitQualified(_ name: String) -> [String] {
        var parts: [String] = [], current = "", quoted = false, wasQuoted = false
        var chars = Array(name)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { current.append("\""); chars = chars.dropFirst() } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
                wasQuoted = true
            } else if c == "." {
                parts.append(wasQuoted ? current : current.lowercased())
                (current, wasQuoted) = ("", false)
            } else if !c.isWhitespace {
                current.append(c)
            }
        }
        parts.append(wasQuoted ? current : current.lowercased())
        return parts
    }

    /// The statements' text without comments, and with string literals (`'…'`, `$tag$…$tag$`) blanked: a `CREATE
    /// TABLE` in a comment, a string or a function's body creates nothing now.
    static func stripComments(_ sql: String) -> String {
        var out = "", chars = Array(sql)[...]
        while let c = chars.popFirst() {
            if c == "'" {
                out.append("'")
                while let n = chars.popFirst() { if n == "'" { break } }
                out.append("'")
            } else if c == "$", let close = chars.firstIndex(of: "$"),
                      chars[chars.startIndex..<close].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                let tag = "$" + String(chars[chars.startIndex..<close]) + "$"
                chars = chars[chars.index(after: close)...]
                let rest = String(chars)
                if let end = rest.range(of: tag) {
                    chars = Array(rest[end.upperBound...])[...]
                } else {
                    chars = []
                }
                out.append(" ")
            } else if c == "-", chars.first == "-" {
                while let n = chars.first, n != "\n" { chars = chars.dropFirst() }
            } else if c == "/", chars.first == "*" {
                chars = chars.dropFirst()
                while let n = chars.popFirst() { if n == "*", chars.first == "/" { chars = chars.dropFirst(); break } }
                out.append(" ")
            } else {
                out.append(c)
            }
        }
        return out
    }
}
