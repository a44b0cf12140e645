/// An address as the resolver gives it (4 or 16 bytes), so the SSRF guard judges exactly what the connection will
/// use, never a spelling of it.
public struct RawIPAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Nil unless `bytes` holds 4 (IPv4) or 16 (IPv6) bytes.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// Dotted quad, or RFC 5952 text (lowercase, the longest run of two or more zero groups as `::`, `::ffff:a.b.c.d`
    /// for mapped IPv4): the form shown in refusals and given to the HTTP client to connect to.
    public var description: String {
        if isIPv4 { return bytes.map { String($0) }.joined(separator: ".") }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return "::ffff:" + bytes[12...].map { String($0) }.joined(separator: ".")
        }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        var best = (start: -1, length: 1)
        var index = 0
        while index < 8 {
            let start = index
            while index < 8, groups[index] == 0 { index += 1 }
            if index - start > best.length { best = (start, index - start) }
            index = max(index, start + 1)
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.length)...].joined(separator: ":")
    }
}
