import Foundation

/// Steward runs the pending numbered SQL migrations and their tracking rows in ONE transaction it opens itself
/// (`psql --single-transaction`, `sqlite3` reading `BEGIN IMMEDIATE; … COMMIT;`), so a file failing halfway leaves the
/// database as it was. A file that controls transactions itself breaks that: a `COMMIT;` in the middle commits what
/// came before and runs the rest outside any transaction; a `BEGIN;` fails obscurely; a psql meta-command (`\set
/// ON_ERROR_STOP off`, `\!`, `\i`) or a sqlite3 dot-command (`.bail off`, `.read`) changes how the tool reads and
/// stops. This check finds them before anything runs.
///
/// It reads a file the way the tool does, not by searching text: `'…'` strings (`''`), `"…"` identifiers,
/// `--` and `/* */` comments (nested in PostgreSQL), PostgreSQL `E'…'` strings and `$tag$…$tag$` bodies, SQLite
/// `` `…` `` and `[…]` identifiers. A keyword counts only where a statement starts: the `BEGIN … END` of a SQLite
/// `CREATE TRIGGER` body or of a PostgreSQL `BEGIN ATOMIC` function body, and PL/pgSQL inside `$$`, are the file's
/// own. Where psql and the server could read a byte differently from this check (a backslash before a quote, whose
/// meaning depends on `standard_conforming_strings` or the client encoding; a NUL byte, at which both tools stop
/// reading a line) the file is refused rather than guessed.
public enum SQLScriptCheck {
    public enum Dialect: Sendable { case postgres, sqlite }

    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable { case transactionControl, psqlMetaCommand, sqliteDotCommand, unterminated, ambiguous, nulByte }
        /// 1-based line of the file.
        public var line: Int
        public var kind: Kind
        /// What was found, as written: `COMMIT`, `\!`, `.bail`, `'…'`.
        public var what: String

        public init(line: Int, kind: Kind, what: String) {
            self.line = line
            self.kind = kind
            self.what = what
        }

        /// `LINE: WHAT: why (the fix)`.
        public var description: String { "\(line): \(what): \(reason)" }

        public var reason: String {
            switch kind {
            case .transactionControl:
                "Steward runs the pending migrations and their tracking rows in one transaction; a file must not control transactions itself (remove it)"
            case .psqlMetaCommand:
                "a psql meta-command; Steward runs the pending migrations as plain SQL in one transaction, which a meta-command could end or leave (remove it)"
            case .sqliteDotCommand:
                "a sqlite3 dot-command; Steward runs the pending migrations as plain SQL in one transaction, which a dot-command could end or leave (remove it)"
            case .unterminated:
                "not closed by the end of the file, so it would take in the tracking row Steward runs after the file (close it)"
            case .ambiguous:
                "psql and the server can read this differently from how Steward checked it (standard_conforming_strings, client encoding); write a quote as '' rather than after a backslash"
            case .nulByte:
                "a NUL byte; psql and sqlite3 stop reading a line at it, so the rest would run unchecked (remove it)"
            }
        }
    }

    /// The first thing in `text` that would take the file out of Steward's transaction, or nil.
    public static func check(_ text: Data, dialect: Dialect) -> Finding? {
        text.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self), postgres: dialect == .postgres)
            return scanner.run()
        }
    }

    public static func check(_ text: String, dialect: Dialect) -> Finding? {
        check(Data(text.utf8), dialect: dialect)
    }

    /// The located refusal: `db/migrations/003_x.sql:7: COMMIT: Steward runs … (remove it)`.
    public static func refusal(file: String, _ finding: Finding) -> String { "\(file):\(finding)" }

    /// Statements that start, end or nest transactions (or cannot run in one) on either database.
    static let postgresTransaction: Set<String> = ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "VACUUM"]
    static let sqliteTransaction: Set<String> = ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "VACUUM"]
}

private extension UInt8 {
    static let nl = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), quote = UInt8(ascii: "'"), dquote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\"), dollar = UInt8(ascii: "$"), dash = UInt8(ascii: "-"), slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*"), semicolon = UInt8(ascii: ";"), dot = UInt8(ascii: "."), hash = UInt8(ascii: "#")
    var isSpace: Bool { self == 0x20 || (self >= 0x09 && self <= 0x0D) }
    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isLetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
    /// Starts a PostgreSQL identifier or dollar-quote tag: a letter, `_` or any byte of a non-ASCII character.
    var isIdentStart: Bool { isLetter || self == UInt8(ascii: "_") || self >= 0x80 }
    var isIdentPart: Bool { isIdentStart || isDigit || self == .dollar }
}

/// One pass over the bytes, in the tool's own reading. SQLite statement ends follow `sqlite3_complete()` (what the
/// sqlite3 shell uses to decide when a statement is whole and when a line may be a dot-command); PostgreSQL ones
/// follow psql's lexer (a `;` outside parentheses and outside a `CREATE FUNCTION … BEGIN ATOMIC … END` body).
private struct Scanner {
    typealias Finding = SQLScriptCheck.Finding
    let b: UnsafeBufferPointer<UInt8>
    let pg: Bool
    var i = 0
    var line = 1

    // SQLite: the state of sqlite3_complete() (0 invalid, 1 start, 2 normal, 3 explain, 4 create, 5 trigger, 6 semi, 7 end).
    var lite = 0
    var triggerLine = 0
    // PostgreSQL: psql's statement state.
    var atStart = true
    var paren = 0, parenLine = 0
    var beginDepth = 0, beginLine = 0
    var idents: [UInt8] = [0, 0, 0, 0]
    var identCount = 0
    var prepareLine: Int?

    init(bytes: UnsafeBufferPointer<UInt8>, postgres: Bool) {
        b = bytes
        pg = postgres
    }

    var n: Int { b.count }
    func at(_ k: Int) -> UInt8 { k < b.count ? b[k] : 0 }

    /// sqlite3_complete()'s transitions by token: semi, whitespace, other, EXPLAIN, CREATE, TEMP, TRIGGER, END.
    static let liteTrans: [[Int]] = [
        [1, 0, 2, 3, 4, 2, 2, 2], [1, 1, 2, 3, 4, 2, 2, 2], [1, 2, 2, 2, 2, 2, 2, 2], [1, 3, 3, 2, 4, 2, 2, 2],
        [1, 4, 2, 2, 2, 4, 5, 2], [6, 5, 5, 5, 5, 5, 5, 5], [6, 6, 5, 5, 5, 5, 5, 7], [1, 7, 5, 5, 5, 5, 5, 5],
    ]
    enum LiteToken: Int { case semi = 0, other = 2, explain, create, temp, trigger, end }

    mutating func feed(_ token: LiteToken) {
        let before = lite
        lite = Self.liteTrans[lite][token.rawValue]
        if lite == 5 && before == 4 { triggerLine = line }
    }

    /// Any token but a word, `;` or whitespace.
    mutating func other() {
        if pg { atStart = false; prepareLine = nil } else { feed(.other) }
    }

    mutating func run() -> Finding? {
        guard let base = b.baseAddress, n > 0 else { return nil }
        if let nul = memchr(base, 0, n) {
            let k = base.distance(to: UnsafePointer(nul.assumingMemoryBound(to: UInt8.self)))
            return Finding(line: 1 + b[0..<k].lazy.filter { $0 == .nl }.count, kind: .nulByte, what: "NUL")
        }
        if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }  // a UTF-8 byte order mark
        if let f = lineStart() { return f }
        while i < n {
            let c = b[i]
            if c == .nl {
                line += 1
                i += 1
                if let f = lineStart() { return f }
                continue
            }
            if c.isSpace { i += 1; continue }
            if c == .dash && at(i + 1) == .dash {
                // To the end of the line (psql also ends it at a carriage return); the newline is the loop's.
                while i < n && b[i] != .nl && !(pg && b[i] == .cr) { i += 1 }
                continue
            }
            if c == .slash && at(i + 1) == .star {
                if let f = blockComment() { return f }
                continue
            }
            if c == .quote {
                if let f = pg ? pgString(escapes: false) : quoted(close: .quote, what: "'…'") { return f }
                other()
                continue
            }
            if c == .dquote {
                if let f = quoted(close: .dquote, what: "\"…\"") { return f }
                other()
                continue
            }
            if c == .semicolon {
                i += 1
                semicolon()
                continue
            }
            if pg {
                if let f = pgToken(c) { return f }
            } else {
                if let f = liteToken(c) { return f }
            }
        }
        return endOfFile()
    }

    // MARK: - Lines (sqlite3's dot-commands and `go`)

    /// At the start of a line outside any string or comment. The sqlite3 shell reads a line whose first character is
    /// `.` as a dot-command and one starting with `#` as a comment when no statement is pending; a line that is only
    /// `go` or `/` ends a statement like `;` when that completes it.
    mutating func lineStart() -> Finding? {
        guard !pg else { return nil }
        if lite <= 1 {
            var j = i
            while j < n && (b[j] == 0x20 || b[j] == 0x09) { j += 1 }
            if at(j) == .dot {
                var k = j + 1
                while k < n && !b[k].isSpace && k - j < 24 { k += 1 }
                return Finding(line: line, kind: .sqliteDotCommand, what: String(decoding: b[j..<k], as: UTF8.self))
            }
            if at(i) == .hash {
                while i < n && b[i] != .nl { i += 1 }
                return nil
            }
        }
        var j = i
        while j < n && b[j] != .nl && b[j].isSpace { j += 1 }
        let word: Int
        if at(j) == .slash && at(j + 1) != .star { word = 1 } else if (at(j) | 0x20) == UInt8(ascii: "g") && (at(j + 1) | 0x20) == UInt8(ascii: "o") { word = 2 } else { return nil }
        var k = j + word
        // Only whitespace and comments may follow on the line.
        while k < n && b[k] != .nl {
            if b[k].isSpace { k += 1 } else if b[k] == .dash && at(k + 1) == .dash { break } else if b[k] == .slash && at(k + 1) == .star {
                var e = k + 2
                while e < n && b[e] != .nl && !(b[e] == .star && at(e + 1) == .slash) { e += 1 }
                guard e < n && b[e] == .star else { return nil }
                k = e + 2
            } else { return nil }
        }
        if Self.liteTrans[lite][LiteToken.semi.rawValue] == 1 {
            lite = 1
            i = j + word
        }
        return nil
    }

    // MARK: - Tokens

    mutating func semicolon() {
        if pg {
            guard paren == 0 && beginDepth == 0 else { return }
            atStart = true
            identCount = 0
            prepareLine = nil
        } else {
            feed(.semi)
        }
    }

    mutating func liteToken(_ c: UInt8) -> Finding? {
        switch c {
        case UInt8(ascii: "`"):
            if let f = quoted(close: c, what: "`…`") { return f }
            other()
        case UInt8(ascii: "["):
            if let f = quoted(close: UInt8(ascii: "]"), what: "[…]", doubled: false) { return f }
            other()
        default:
            // sqlite3_complete() reads letters, digits, `_`, `$` and non-ASCII bytes as one word.
            guard c.isIdentPart else { i += 1; other(); return nil }
            let start = i
            while i < n && b[i].isIdentPart { i += 1 }
            let word = upper(start, i)
            if lite <= 1, let word, SQLScriptCheck.sqliteTransaction.contains(word) {
                return Finding(line: line, kind: .transactionControl, what: word)
            }
            switch word ?? "" {
            case "CREATE": feed(.create)
            case "TEMP", "TEMPORARY": feed(.temp)
            case "TRIGGER": feed(.trigger)
            case "END": feed(.end)
            case "EXPLAIN": feed(.explain)
            default: feed(.other)
            }
        }
        return nil
    }

    mutating func pgToken(_ c: UInt8) -> Finding? {
        switch c {
        case .backslash:
            var k = i + 1
            while k < n && !b[k].isSpace && k - i < 24 { k += 1 }
            return Finding(line: line, kind: .psqlMetaCommand, what: String(decoding: b[i..<k], as: UTF8.self))
        case .dollar:
            return dollar()
        case UInt8(ascii: "("):
            if paren == 0 { parenLine = line }
            paren += 1
            i += 1
            other()
        case UInt8(ascii: ")"):
            if paren > 0 { paren -= 1 }
            i += 1
            other()
        case _ where c.isDigit:
            // A number: digits, a fraction, an exponent only when digits follow it (`1e'x'` is 1 and an E'' string).
            while i < n && b[i].isDigit { i += 1 }
            if at(i) == .dot && at(i + 1) != .dot {
                i += 1
                while i < n && b[i].isDigit { i += 1 }
            }
            if (at(i) | 0x20) == UInt8(ascii: "e") {
                var k = i + 1
                if at(k) == UInt8(ascii: "+") || at(k) == .dash { k += 1 }
                if at(k).isDigit {
                    i = k
                    while i < n && b[i].isDigit { i += 1 }
                }
            }
            other()
        case _ where c.isIdentStart:
            return pgWord()
        default:
            i += 1
            other()
        }
        return nil
    }

    mutating func pgWord() -> Finding? {
        let start = i
        while i < n && b[i].isIdentPart { i += 1 }
        if i - start == 1 && (b[start] | 0x20) == UInt8(ascii: "e") && at(i) == .quote {
            if let f = pgString(escapes: true) { return f }
            other()
            return nil
        }
        let word = upper(start, i)
        if atStart, let word, SQLScriptCheck.postgresTransaction.contains(word) {
            return Finding(line: line, kind: .transactionControl, what: word == "START" ? "START TRANSACTION" : word)
        }
        if let p = prepareLine, word == "TRANSACTION" { return Finding(line: p, kind: .transactionControl, what: "PREPARE TRANSACTION") }
        prepareLine = atStart && word == "PREPARE" ? line : nil
        atStart = false
        // psql's own rule for `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END`: its `;` do not end the statement.
        if identCount == 0 { idents = [0, 0, 0, 0] }
        if identCount < 4, let word, ["CREATE", "FUNCTION", "PROCEDURE", "OR", "REPLACE"].contains(word) {
            idents[identCount] = word.utf8.first! | 0x20
        }
        identCount += 1
        let c = UInt8(ascii: "c"), f = UInt8(ascii: "f"), p = UInt8(ascii: "p"), o = UInt8(ascii: "o"), r = UInt8(ascii: "r")
        if idents[0] == c && (idents[1] == f || idents[1] == p || (idents[1] == o && idents[2] == r && (idents[3] == f || idents[3] == p))) && paren == 0 {
            switch word ?? "" {
            case "BEGIN":
                if beginDepth == 0 { beginLine = line }
                beginDepth += 1
            case "CASE": if beginDepth >= 1 { beginDepth += 1 }
            case "END": if beginDepth > 0 { beginDepth -= 1 }
            default: break
            }
        }
        return nil
    }

    /// `$1` (a parameter), `$tag$ … $tag$` (a body nothing inside of counts), or a lone `$`.
    mutating func dollar() -> Finding? {
        if at(i + 1).isDigit {
            i += 1
            while i < n && b[i].isDigit { i += 1 }
            other()
            return nil
        }
        var j = i + 1
        if at(j).isIdentStart {
            j += 1
            while j < n && (b[j].isIdentStart || b[j].isDigit) { j += 1 }
        }
        guard at(j) == .dollar else { i += 1; other(); return nil }
        let delimiter = Array(b[i...j])
        let what = String(decoding: delimiter, as: UTF8.self) + "…" + String(decoding: delimiter, as: UTF8.self)
        // psql compares tags after blanking the later bytes of multibyte characters: only ASCII tags read the same.
        if delimiter.contains(where: { $0 >= 0x80 }) { return Finding(line: line, kind: .ambiguous, what: what) }
        var k = j + 1
        while k + delimiter.count <= n {
            if b[k] == .dollar && b[k..<(k + delimiter.count)].elementsEqual(delimiter) {
                advance(to: k + delimiter.count)
                other()
                return nil
            }
            k += 1
        }
        return Finding(line: line, kind: .unterminated, what: what)
    }

    /// A PostgreSQL string at `i` (its opening quote). `escapes`: an `E'…'` string, where a backslash escapes the next
    /// byte. A plain string is read as the server reads it with `standard_conforming_strings` on; where reading it with
    /// the setting off would end it elsewhere, or a backslash follows a non-ASCII byte (which a client encoding such as
    /// SJIS reads as part of that character), the file is ambiguous.
    mutating func pgString(escapes: Bool) -> Finding? {
        let start = i
        var j = i + 1
        var sawBackslash = false
        var end: Int?
        while j < n {
            let c = b[j]
            if c == .backslash {
                sawBackslash = true
                if b[j - 1] >= 0x80 && (at(j + 1) == .quote || at(j + 1) == .backslash) {
                    return Finding(line: line + lines(start, j), kind: .ambiguous, what: "'…\\" + String(UnicodeScalar(at(j + 1))))
                }
                if escapes { j += 2; continue }
            }
            if c == .quote {
                if at(j + 1) == .quote { j += 2; continue }
                end = j
                break
            }
            j += 1
        }
        guard let end else { return Finding(line: line, kind: .unterminated, what: escapes ? "E'…'" : "'…'") }
        if !escapes && sawBackslash && offModeEnd(start) != end {
            return Finding(line: line, kind: .ambiguous, what: "'…\\''")
        }
        advance(to: end + 1)
        return nil
    }

    /// Where a plain string from `start` ends when backslashes escape (`standard_conforming_strings = off`).
    func offModeEnd(_ start: Int) -> Int? {
        var j = start + 1
        while j < n {
            if b[j] == .backslash { j += 2; continue }
            if b[j] == .quote {
                if at(j + 1) == .quote { j += 2; continue }
                return j
            }
            j += 1
        }
        return nil
    }

    /// A string or quoted identifier from `i` to `close`; `doubled`: two closing characters stand for one.
    mutating func quoted(close: UInt8, what: String, doubled: Bool = true) -> Finding? {
        var j = i + 1
        while j < n {
            if b[j] == close {
                if doubled && at(j + 1) == close { j += 2; continue }
                advance(to: j + 1)
                return nil
            }
            j += 1
        }
        return Finding(line: line, kind: .unterminated, what: what)
    }

    /// `/* … */`, nested in PostgreSQL.
    mutating func blockComment() -> Finding? {
        var depth = 0
        var j = i
        while j < n {
            if b[j] == .slash && at(j + 1) == .star && (pg || depth == 0) {
                depth += 1
                j += 2
            } else if b[j] == .star && at(j + 1) == .slash {
                depth -= 1
                j += 2
                if depth == 0 {
                    advance(to: j)
                    return nil
                }
            } else {
                j += 1
            }
        }
        return Finding(line: line, kind: .unterminated, what: "/*…*/")
    }

    mutating func endOfFile() -> Finding? {
        if pg {
            if beginDepth > 0 { return Finding(line: beginLine, kind: .unterminated, what: "BEGIN ATOMIC … END") }
            if paren > 0 { return Finding(line: parenLine, kind: .unterminated, what: "(…)") }
        } else if lite >= 5 {
            return Finding(line: triggerLine, kind: .unterminated, what: "CREATE TRIGGER … BEGIN … END;")
        }
        return nil
    }

    // MARK: - Helpers

    mutating func advance(to j: Int) {
        line += lines(i, j)
        i = j
    }

    func lines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        for k in from..<min(to, n) where b[k] == .nl { count += 1 }
        return count
    }

    /// The ASCII word in `start..<end`, upper-cased (nil when too long or not ASCII to be a keyword).
    func upper(_ start: Int, _ end: Int) -> String? {
        guard end - start <= 12 else { return nil }
        var bytes: [UInt8] = []
        for k in start..<end {
            guard b[k] < 0x80 else { return nil }
            bytes.append(b[k].isLetter ? b[k] & ~0x20 : b[k])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
