import Foundation
import StewardCore

/// Just enough RESP2 for health checks: AUTH, SELECT, PING, LLEN. No Redis library is available here, and these
/// four commands do not justify one. It speaks over a ``TCPConnection``'s exchange, so every call ends by the
/// connection's deadline.
struct RedisClient {
    typealias Reply = RESPReply

    var connection: TCPConnection.Exchange
    var buffer: [UInt8] = []

    init(_ connection: TCPConnection.Exchange) {
        self.connection = connection
    }

    /// Encodes a command as a RESP array of bulk strings: arguments are data, never parsed by the server as syntax.
    static func encode(_ args: [String]) -> [UInt8] {
        var out = "*\(args.count)\r\n"
        for a in args { out += "$\(a.utf8.count)\r\n\(a)\r\n" }
        return Array(out.utf8)
    }

    mutating func call(_ args: [String]) async throws -> Reply {
        try await connection.send(Self.encode(args))
        while true {
            var index = 0
            if let reply = try Self.parse(buffer, &index) {
                buffer.removeFirst(index)
                return reply
            }
            // The parser refuses any header over its bounds, so a reply that is still incomplete past them is not one.
            guard buffer.count <= RESPParser.Limits().maxBulkLength + (1 << 20) else { throw RESPParser.Malformed(reason: "reply larger than expected") }
            buffer += try await connection.receive()
        }
    }

    /// Parses one reply from `bytes` at `index`; nil when more bytes are needed. Bounded: see ``RESPParser``.
    static func parse(_ bytes: [UInt8], _ index: inout Int) throws -> Reply? {
        try RESPParser.parse(bytes, &index)
    }
}
