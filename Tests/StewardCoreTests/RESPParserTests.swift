import Testing
@testable import StewardCore

/// The RESP2 reply parser is bounded: huge or negative lengths, deep nesting and garbage are errors, not traps,
/// allocations or waits for more bytes.
@Suite struct RESPParserTests {
    func parse(_ text: String) throws -> RESPReply? {
        var i = 0
        return try RESPParser.parse(Array(text.utf8), &i)
    }

    @Test func ordinaryReplies() throws {
        #expect(try parse("+PONG\r\n") == .simple("PONG"))
        #expect(try parse("-ERR wrong\r\n") == .error("ERR wrong"))
        #expect(try parse(":42\r\n") == .integer(42))
        #expect(try parse("$5\r\nhello\r\n") == .bulk("hello"))
        #expect(try parse("$-1\r\n") == .bulk(nil))
        #expect(try parse("*2\r\n:1\r\n$1\r\nx\r\n") == .array([.integer(1), .bulk("x")]))
        #expect(try parse("*-1\r\n") == .array(nil))
    }

    @Test func incompleteRepliesWaitForMore() throws {
        #expect(try parse("+PON") == nil)
        #expect(try parse("$5\r\nhel") == nil)
        #expect(try parse("*2\r\n:1\r\n") == nil)
    }

    /// `$9223372036854775807` made `next + length + 2` overflow: a trap, a crash of the whole check run.
    @Test func hugeLengthsAreRefused() {
        for reply in ["$9223372036854775807\r\nabc", "$9223372036854775806\r\n", "*9223372036854775807\r\n",
                      "$2000000\r\n", "$-2\r\n", "*-5\r\n", "$99999999999999999999\r\n"] {
            #expect(throws: RESPParser.Malformed.self, "\(reply)") { try parse(reply) }
        }
    }

    @Test func nestingAndElementCountAreBounded() {
        #expect(throws: RESPParser.Malformed.self) { try parse(String(repeating: "*1\r\n", count: 100_000) + ":1\r\n") }
        #expect(throws: RESPParser.Malformed.self) { try parse(String(repeating: "*60000\r\n", count: 3)) }
    }

    @Test func garbageIsAnErrorNotAWait() {
        for reply in ["HTTP/1.1 400 Bad Request\r\n", "?\r\n", ":abc\r\n", "$5\r\nhelloXY"] {
            #expect(throws: RESPParser.Malformed.self, "\(reply)") { try parse(reply) }
        }
        // A line that never ends is refused once longer than any header.
        #expect(throws: RESPParser.Malformed.self) { try parse("+" + String(repeating: "a", count: 70_000)) }
    }
}
