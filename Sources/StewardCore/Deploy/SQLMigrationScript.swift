import Foundation

/// The one script that applies the pending numbered SQL migrations with their tracking rows, in one transaction,
/// built from the bytes Steward read once (the same bytes it checked with ``SQLScriptCheck`` and checksummed).
/// psql and sqlite3 read it on standard input, so they never open the app's files by a path of their own.
public struct SQLMigrationScript: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var name: String
        public var checksum: String
        public var bytes: Data
        public init(name: String, checksum: String, bytes: Data) {
            self.name = name
            self.checksum = checksum
            self.bytes = bytes
        }
    }

    public var text: Data
    /// Where each file starts in the script (1-based line) and how many lines it has, to name errors by file and line.
    struct Span: Sendable, Equatable {
        var name: String
        var firstLine: Int
        var lines: Int
    }
    var spans: [Span] = []

    /// SQLite: waits up to 30 s for a running app's write to finish instead of failing with "database is locked"
    /// (`.timeout` is allowed under `-safe`), and takes the write lock at `BEGIN IMMEDIATE`, so the transaction never
    /// has to upgrade a read lock mid-way (which fails at once, whatever the timeout, when the app writes meanwhile).
    public static let sqliteBusyTimeoutMilliseconds = 30_000

    /// `recorded`: files an adopted database already has (``SQLMigrationAdoption``): tracking rows only, never run.
    /// `explicitTransaction`: PostgreSQL's own `BEGIN;` … `COMMIT;` in the script (for a psql whose input may be cut
    /// off, which then rolls back) instead of psql's `--single-transaction` (which commits at the end of its input).
    public init(files: [File], dialect: SQLScriptCheck.Dialect, recorded: [File] = [], explicitTransaction: Bool = false) {
        var out = Data()
        var line = 1
        func add(_ s: String) {
            out.append(contentsOf: s.utf8)
            line += s.utf8.lazy.filter { $0 == UInt8(ascii: "\n") }.count
        }
        if dialect == .sqlite {
            add(".timeout \(Self.sqliteBusyTimeoutMilliseconds)\nBEGIN IMMEDIATE;\n")
        } else if explicitTransaction {
            add("BEGIN;\n")
        }
        add(SQLMigrationTracking.createTable + ";\n")
        for f in recorded { add(SQLMigrationTracking.insert(name: f.name, checksum: f.checksum) + ";\n") }
        for f in files {
            let count = f.bytes.lazy.filter { $0 == UInt8(ascii: "\n") }.count
            spans.append(Span(name: f.name, firstLine: line, lines: count + 1))
            out.append(f.bytes)
            line += count
            // A last statement without `;`, or a last line that is a `--` comment, ends here.
            add("\n;\n" + SQLMigrationTracking.insert(name: f.name, checksum: f.checksum) + ";\n")
        }
        if dialect == .sqlite || explicitTransaction { add("COMMIT;\n") }
        text = out
    }

    /// The file and line a line of the script comes from.
    public func locate(_ scriptLine: Int) -> (name: String, line: Int)? {
        guard let span = spans.last(where: { $0.firstLine <= scriptLine }), scriptLine < span.firstLine + span.lines else { return nil }
        return (span.name, scriptLine - span.firstLine + 1)
    }

    /// A tool's error with the script's line numbers (`psql:<stdin>:12:`, sqlite3's `near line 12:`) named as the
    /// migration file and its own line (`db/migrations/002_x.sql:3:`).
    public func located(_ message: String, directory: String) -> String {
        var result = message
        for (pattern, prefix) in [(#"psql:<stdin>:([0-9]+):"#, ""), (#"near line ([0-9]+):"#, "near ")] {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            let ns = result as NSString
            var pieces: [(NSRange, String)] = []
            for match in regex.matches(in: result, range: NSRange(location: 0, length: ns.length)) {
                guard let n = Int(ns.substring(with: match.range(at: 1))), let origin = locate(n) else { continue }
                pieces.append((match.range, "\(prefix)\(directory)/\(origin.name):\(origin.line):"))
            }
            let mutable = NSMutableString(string: result)
            for (range, text) in pieces.reversed() { mutable.replaceCharacters(in: range, with: text) }
            result = mutable as String
        }
        return result
    }
}
