import Foundation
import Testing
@testable import StewardCore

/// The check that refuses a migration file taking itself out of Steward's one transaction: keywords count only where a
/// statement starts, as psql and the sqlite3 shell read the file (strings, identifiers, comments, dollar bodies,
/// trigger and BEGIN ATOMIC bodies are the file's own).
@Suite struct SQLScriptCheckTests {
    typealias Kind = SQLScriptCheck.Finding.Kind

    /// (file, dialect, expected finding as `LINE: WHAT` or nil).
    static let cases: [(String, SQLScriptCheck.Dialect?, String?)] = [
        // Transaction control where a statement starts, any case, after comments.
        ("CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);", nil, "2: COMMIT"),
        ("begin;\ncreate table a (id int);\ncommit;", nil, "1: BEGIN"),
        ("CREATE TABLE a (id int); END;", nil, "1: END"),
        ("INSERT INTO t VALUES (1);\n  -- a note\n  /* another */ ROLLBACK;", nil, "3: ROLLBACK"),
        ("SAVEPOINT s1;", nil, "1: SAVEPOINT"),
        ("RELEASE s1;", nil, "1: RELEASE"),
        ("VACUUM;", nil, "1: VACUUM"),
        ("START TRANSACTION;", .postgres, "1: START TRANSACTION"),
        ("ABORT;", .postgres, "1: ABORT"),
        ("SELECT 1;\nPREPARE TRANSACTION 'x';", .postgres, "2: PREPARE TRANSACTION"),
        ("PREPARE q AS SELECT 1;", .postgres, nil),
        ("\u{FEFF}BEGIN;", nil, "1: BEGIN"),
        // The keywords inside strings, identifiers, comments and bodies are not statements.
        ("INSERT INTO notes VALUES ('COMMIT;'), ('it''s; COMMIT');", nil, nil),
        ("INSERT INTO notes VALUES ('a\nCOMMIT;\nb');", nil, nil),
        ("CREATE TABLE \"commit\" (\"end\" int); -- COMMIT;\n/* ; COMMIT; */ SELECT 1;", nil, nil),
        ("SELECT 1; SELECT 'begin' AS begin_at, commit_id FROM t;", nil, nil),
        ("/* outer /* nested */ ; COMMIT; */ SELECT 1;", .postgres, nil),
        ("DO $$ BEGIN PERFORM 1; COMMIT; END $$;", .postgres, nil),
        ("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN NEW;\nEND;\n$body$;\nSELECT 1;", .postgres, nil),
        ("SELECT $a$ $b$ ; COMMIT; $b$ $a$;", .postgres, nil),
        ("SELECT E'it\\'s; COMMIT; --';", .postgres, nil),
        ("SELECT e'\\\\'; COMMIT;", .postgres, "1: COMMIT"),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 1 END;\nEND;\nCOMMIT;", .postgres, "6: COMMIT"),
        ("CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;", .postgres, nil),
        ("SELECT `x`, [y] FROM t; COMMIT;", .sqlite, "1: COMMIT"),
        ("SELECT [a;COMMIT;] FROM t;", .sqlite, nil),
        // SQLite trigger bodies: their BEGIN … END (and a CASE … END inside) are the trigger's.
        ("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN n > 0 THEN n END;\n  INSERT INTO c VALUES (1);\nEND;\nCREATE TABLE d (id int);", .sqlite, nil),
        ("CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\nBEGIN;", .sqlite, "2: BEGIN"),
        ("CREATE TRIGGER IF NOT EXISTS t AFTER INSERT ON a BEGIN SELECT 1; END; COMMIT;", .sqlite, "1: COMMIT"),
        // Tool commands.
        ("CREATE TABLE a (id int);\n\\set ON_ERROR_STOP off\nSELECT 1;", .postgres, "2: \\set"),
        ("CREATE TABLE a (id int); \\! id -u > /tmp/x", .postgres, "1: \\!"),
        ("SELECT 1 \\g", .postgres, "1: \\g"),
        ("CREATE TABLE a (id int);\n.bail off\nINSERT INTO nowhere VALUES (1);", .sqlite, "2: .bail"),
        (".shell id", .sqlite, "1: .shell"),
        ("-- setup\n.read other.sql", .sqlite, "2: .read"),
        ("SELECT '\n.shell id\n';", .sqlite, nil),
        ("SELECT 1\n;", .sqlite, nil),
        // sqlite3's own line rules: `#` lines are comments, a `go` line ends a statement.
        ("# it's a note\nCREATE TABLE a (id int);", .sqlite, nil),
        ("SELECT 1\ngo\nCOMMIT\ngo", .sqlite, "3: COMMIT"),
        ("SELECT 1\n/\nROLLBACK", .sqlite, "3: ROLLBACK"),
        // Not closed at the end of the file: it would swallow the tracking row after it.
        ("INSERT INTO t VALUES ('oops);", nil, "1: '…'"),
        ("SELECT 1; /* never closed", nil, "1: /*…*/"),
        ("SELECT $x$ open", .postgres, "1: $x$…$x$"),
        ("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n SELECT 1;", .sqlite, "1: CREATE TRIGGER … BEGIN … END;"),
        // Read differently by psql under other settings: refused rather than guessed.
        ("SELECT 'C:\\'; COMMIT; --';", .postgres, "1: '…\\''"),
        ("SELECT 'a\\b';", .postgres, nil),
        ("SELECT 1;\0\nCOMMIT;", nil, "1: NUL"),
    ]

    @Test(arguments: 0..<cases.count)
    func findings(_ index: Int) {
        let (text, only, expected) = Self.cases[index]
        for dialect in only.map({ [$0] }) ?? [.postgres, .sqlite] {
            let found = SQLScriptCheck.check(text, dialect: dialect)
            #expect(found.map { "\($0.line): \($0.what)" } == expected, "\(dialect): \(text.debugDescription)")
        }
    }

    @Test func theRefusalNamesFileLineAndFix() {
        let finding = SQLScriptCheck.check("CREATE TABLE a (id int);\nCOMMIT;\n", dialect: .postgres)
        #expect(finding?.kind == .transactionControl)
        #expect(finding.map { SQLScriptCheck.refusal(file: "db/migrations/003_x.sql", $0) }
                == "db/migrations/003_x.sql:2: COMMIT: Steward runs the pending migrations and their tracking rows in one transaction; "
                + "a file must not control transactions itself (remove it)")
        #expect(SQLScriptCheck.check("\\i /etc/shadow", dialect: .postgres)?.kind == .psqlMetaCommand)
        #expect(SQLScriptCheck.check(".open /tmp/x", dialect: .sqlite)?.kind == .sqliteDotCommand)
    }

    @Test func aLargeFileIsCheckedQuickly() {
        let statement = "INSERT INTO t (a, b) VALUES (1, 'text with ; and -- and /* and $$ inside');\n"
        let text = Data(String(repeating: statement, count: 40_000).utf8)  // ~3 MB
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(SQLScriptCheck.check(text, dialect: .postgres) == nil) }
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }
}
