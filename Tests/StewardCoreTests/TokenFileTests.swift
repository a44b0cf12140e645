import Foundation
import StewardCore
import Testing

/// The token file's format: what is read back is what was written, every bad line is refused with its line number,
/// and scopes nest (`operate` includes `read`).
@Suite struct TokenFileTests {
    static let created = Date(timeIntervalSince1970: 1_764_626_400)  // 2025-12-01T22:00:00Z
    static let digest = String(repeating: "3f", count: 32)

    @Test func formatThenParseGivesTheEntriesBack() throws {
        let entries = [TokenEntry(name: "ci-deploy", scopes: [.read, .operate], sha256: Self.digest, created: Self.created),
                       TokenEntry(name: "grafana.readonly", scopes: [.read], sha256: String(repeating: "0a", count: 32), created: Self.created)]
        let text = TokenFile.format(entries)
        #expect(text.hasPrefix("# steward serve API tokens"))
        #expect(text.contains("\nci-deploy read,operate sha256:\(Self.digest) 2025-12-01T22:00:00Z\n"))
        #expect(try TokenFile.parse(text).get() == entries)
        #expect(try TokenFile.parse("").get() == [])
    }

    @Test func badLinesAreRefusedWithTheirNumber() {
        let good = "ci read sha256:\(Self.digest) 2025-12-01T22:00:00Z"
        let cases: [(String, String)] = [
            ("# c\n\nci read sha256:\(Self.digest)", "line 3: expected NAME SCOPES sha256:HEX CREATED, got 3 fields"),
            ("Ci read sha256:\(Self.digest) 2025-12-01T22:00:00Z", #"line 1: name "Ci": expected 1 to 64 of a-z, 0-9, '.', '_', '-' (not starting with '.' or '-')"#),
            ("-ci read sha256:\(Self.digest) 2025-12-01T22:00:00Z", #"line 1: name "-ci": expected 1 to 64 of a-z, 0-9, '.', '_', '-' (not starting with '.' or '-')"#),
            ("ci admin sha256:\(Self.digest) 2025-12-01T22:00:00Z", #"line 1: scope "admin": expected read, operate or read,operate"#),
            ("ci read,read sha256:\(Self.digest) 2025-12-01T22:00:00Z", #"line 1: scope "read": expected read, operate or read,operate"#),
            ("ci read sha1:\(Self.digest) 2025-12-01T22:00:00Z", "line 1: expected sha256: and 64 lowercase hex digits"),
            ("ci read sha256:\(Self.digest.uppercased()) 2025-12-01T22:00:00Z", "line 1: expected sha256: and 64 lowercase hex digits"),
            ("ci read sha256:\(Self.digest.dropLast()) 2025-12-01T22:00:00Z", "line 1: expected sha256: and 64 lowercase hex digits"),
            ("ci read sha256:\(Self.digest) yesterday", #"line 1: created "yesterday": expected an ISO 8601 time like 2026-12-01T22:00:00Z"#),
            ("\(good)\n\(good)", "line 2: the name ci is already used by an earlier line"),
        ]
        for (text, message) in cases {
            switch TokenFile.parse(text) {
            case .success: Issue.record("accepted: \(text)")
            case .failure(let error): #expect(error.description == message, "\(text)")
            }
        }
        let many = (0...TokenFile.maxTokens).map { "t\($0) read sha256:\(Self.digest) 2025-12-01T22:00:00Z" }.joined(separator: "\n")
        #expect(throws: TokenFileError(line: TokenFile.maxTokens + 1, .tooMany(TokenFile.maxTokens))) { try TokenFile.parse(many).get() }
    }

    @Test func operateIncludesReadButNotTheOtherWayRound() {
        #expect(TokenScope.read.isGranted(by: [.read]))
        #expect(TokenScope.read.isGranted(by: [.operate]))
        #expect(TokenScope.operate.isGranted(by: [.operate]))
        #expect(!TokenScope.operate.isGranted(by: [.read]))
        #expect(!TokenScope.read.isGranted(by: []))
        #expect(TokenScope.parseList("operate,read") == .success([.read, .operate]))
        #expect(TokenScope.format([.operate, .read]) == "read,operate")
        #expect(TokenScope.parseList("") == .failure(.badScope("")))
    }

    @Test func namesAreBounded() {
        #expect(TokenEntry.isValidName("a"))
        #expect(TokenEntry.isValidName(String(repeating: "a", count: 64)))
        #expect(!TokenEntry.isValidName(String(repeating: "a", count: 65)))
        for bad in ["", ".hidden", "a b", "a/b", "é", "UPPER"] { #expect(!TokenEntry.isValidName(bad), "\(bad)") }
    }
}
