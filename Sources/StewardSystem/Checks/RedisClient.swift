import Foundation
import StewardCore

/// Just enough RESP2 for health checks: AUTH, SELECT, PING, LLEN. No Redis library is available here, and these
/// four commands do not justify one.
struct RedisClient {
    enum Reply: Equatable {
        case simple(String), error(String), integer(Int), bulk(String?), array([Reply]?)
    }

    let socket: TCPSocket
    var buffer: [UInt8] = []

    init(host: String, port: Int, timeoutMs: Int) throws {
        socket = try TCPSocket.connect(host: host, port: port, timeoutMs: timeoutMs)
    }

    /// Encodes a command as a RESP array of bulk strings: arguments are data, never parsed by the server as syntax.
    static func encode(_ args: [String]) -> [UInt8] {
        var out = "*\(args.count)\r\n"
        for a in args { out += "$\(a.utf8.count)\r\n\(a)\r\n" }
        return Array(out.utf8)
    }

    mutating func call(_ args: [String]) throws -> Reply {
        try socket.send(Self.encode(args))
        while true {
            var index = 0
            if let reply = Self.parse(buffer, &index) {
                buffer.removeFirst(index)
                return reply
            }
            buffer += try socket.receive()
        }
    }

    /// Parses one reply from `bytes` at `index`; nil when more bytes are needed.
    static func parse(_ bytes: [UInt8], _ index: inout Int) -> Reply? {
        guard index < bytes.count else { return nil }
        let type = bytes[index]
        guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
        let line = String(decoding: bytes[(index + 1)..<lineEnd], as: UTF8.self)
        var next = lineEnd + 2
        switch type {
        case UInt8(ascii: "+"): index = next; return .simple(line)
        case UInt8(ascii: "-"): index = next; return .error(line)
        case UInt8(ascii: ":"): index = next; return .integer(Int(line) ?? 0)
        case UInt8(ascii: "$"):
            guard let length = Int(line) else { return nil }
            if length < 0 { index = next; return .bulk(nil) }
            guard bytes.count >= next + length + 2 else { return nil }
            let value = String(decoding: bytes[next..<(next + length)], as: UTF8.self)
            index = next + length + 2
            return .bulk(value)
        case UInt8(ascii: "*"):
            guard let count = Int(line) else { return nil }
            if count < 0 { index = next; return .array(nil) }
            var items: [Reply] = []
            for _ in 0..<count {
                guard let item = parse(bytes, &next) else { return nil }
                items.append(item)
            }
            index = next
            return .array(items)
        default:
            return nil
        }
    }
}
