/// One RESP2 reply, as a Redis server sends it.
public enum RESPReply: Equatable, Sendable {
    case simple(String), error(String), integer(Int), bulk(String?), array([RESPReply]?)
}

/// Parses RESP2 replies from bytes: pure, so it can be tested and fuzzed without a server. The server is outside
/// input: every length, count and depth is bounded (a `$9223372036854775807` header must be refused, not trusted
/// to size arithmetic or a buffer), and bytes that are not RESP are an error at once rather than a wait for more.
public enum RESPParser {
    public struct Limits: Sendable {
        /// Longest bulk string accepted; health checks read PONG and small integers.
        public var maxBulkLength = 1 << 20
        /// Most elements in all arrays of one reply together.
        public var maxElements = 65_536
        /// Deepest nesting of arrays.
        public var maxDepth = 16
        /// Longest header or simple line (`+…`, `-…`, `:…`, `$n`, `*n`).
        public var maxLineLength = 64 << 10
        public init() {}
    }

    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public init(reason: String) { self.reason = reason }
        public var description: String { "malformed Redis reply: \(reason)" }
    }

    /// Parses one reply from `bytes` at `index` and moves `index` past it; nil when more bytes are needed.
    public static func parse(_ bytes: [UInt8], _ index: inout Int, limits: Limits = Limits()) throws -> RESPReply? {
        var budget = limits.maxElements
        return try parse(bytes, &index, limits, depth: 0, budget: &budget)
    }

    static func parse(_ bytes: [UInt8], _ index: inout Int, _ limits: Limits, depth: Int, budget: inout Int) throws -> RESPReply? {
        guard index < bytes.count else { return nil }
        let type = bytes[index]
        guard [UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "$"), UInt8(ascii: "*")].contains(type) else {
            throw Malformed(reason: "unknown type byte \(type)")
        }
        var lineEnd: Int? = nil
        var i = index + 1
        while i + 1 < bytes.count, i - index <= limits.maxLineLength {
            if bytes[i] == 13 && bytes[i + 1] == 10 { lineEnd = i; break }
            i += 1
        }
        guard let lineEnd else {
            if bytes.count - index > limits.maxLineLength + 2 { throw Malformed(reason: "line longer than \(limits.maxLineLength) bytes") }
            return nil
        }
        let line = String(decoding: bytes[(index + 1)..<lineEnd], as: UTF8.self)
        var next = lineEnd + 2
        func count(_ what: String, max: Int) throws -> Int {
            guard let n = Int(line), n >= -1 else { throw Malformed(reason: "\(what) \"\(line.prefix(24))\" is not a length") }
            guard n <= max else { throw Malformed(reason: "\(what) of \(n) exceeds \(max)") }
            return n
        }
        switch type {
        case UInt8(ascii: "+"): index = next; return .simple(line)
        case UInt8(ascii: "-"): index = next; return .error(line)
        case UInt8(ascii: ":"):
            guard let n = Int(line) else { throw Malformed(reason: "integer \"\(line.prefix(24))\"") }
            index = next
            return .integer(n)
        case UInt8(ascii: "$"):
            let length = try count("bulk length", max: limits.maxBulkLength)
            if length < 0 { index = next; return .bulk(nil) }
            guard bytes.count - next >= length + 2 else { return nil }
            guard bytes[next + length] == 13, bytes[next + length + 1] == 10 else { throw Malformed(reason: "bulk string not ended by CRLF") }
            let value = String(decoding: bytes[next..<(next + length)], as: UTF8.self)
            index = next + length + 2
            return .bulk(value)
        default:  // "*"
            let n = try count("array size", max: limits.maxElements)
            if n < 0 { index = next; return .array(nil) }
            guard depth < limits.maxDepth else { throw Malformed(reason: "arrays nested deeper than \(limits.maxDepth)") }
            budget -= n
            guard budget >= 0 else { throw Malformed(reason: "more than \(limits.maxElements) elements in one reply") }
            var items: [RESPReply] = []
            items.reserveCapacity(min(n, 64))
            for _ in 0..<n {
                guard let item = try parse(bytes, &next, limits, depth: depth + 1, budget: &budget) else { return nil }
                items.append(item)
            }
            index = next
            return .array(items)
        }
    }
}
