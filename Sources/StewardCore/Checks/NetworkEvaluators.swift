import Foundation

/// Pure judgements of the network check kinds over what an executor observed.
public enum NetworkEvaluators {
    public struct HTTPObservation: Sendable, Equatable {
        public var status: Int
        public var body: String
        public var latencyMs: Double
        public var location: String?
        public init(status: Int, body: String, latencyMs: Double, location: String? = nil) {
            self.status = status
            self.body = body
            self.latencyMs = latencyMs
            self.location = location
        }
    }

    public static func http(_ e: HTTPExpectation, _ o: HTTPObservation) -> Verdict {
        let expectedStatus = e.status.map(String.init).joined(separator: "|")
        var parts: [Verdict] = []
        if e.status.contains(o.status) {
            parts.append(.pass(expected: "HTTP \(expectedStatus)", found: "HTTP \(o.status)"))
        } else {
            var message = "\(e.method) \(Redactor.scrubURLCredentials(e.url)) answered \(o.status)"
            if o.status == 502 || o.status == 504 { message += " (the proxy could not reach its upstream)" }
            if let location = o.location { message += " redirecting to \(Redactor.scrub(location))" }
            parts.append(.fail(expected: "HTTP \(expectedStatus)", found: "HTTP \(o.status)", message))
        }
        for needle in e.bodyContains {
            parts.append(o.body.contains(needle) ? .pass(expected: "body contains \(needle.debugDescription)", found: "found")
                : .fail(expected: "body contains \(needle.debugDescription)", found: "not found", "response body lacks \(needle.debugDescription)"))
        }
        if !e.json.isEmpty {
            let isJSON = (try? JSONDecoder().decode(JSONValue.self, from: Data(o.body.utf8))) != nil
            for (path, want) in e.json.sorted(by: { $0.key < $1.key }) {
                guard isJSON else {
                    parts.append(.fail(expected: "\(path) == \(want.debugDescription)", found: "not JSON", "the response is not JSON"))
                    continue
                }
                let got = jsonValue(o.body, path: path)
                parts.append(got == want ? .pass(expected: "\(path) == \(want.debugDescription)", found: want.debugDescription)
                    : .fail(expected: "\(path) == \(want.debugDescription)", found: got.map { Redactor.scrub($0).debugDescription } ?? "missing",
                            "\(path) is \(got.map { Redactor.scrub($0).debugDescription } ?? "missing"), not \(want.debugDescription)"))
            }
        }
        if let max = e.maxLatencyMs {
            parts.append(o.latencyMs <= Double(max) ? .pass(expected: "≤ \(max) ms", found: "\(Int(o.latencyMs)) ms")
                : .fail(.warning, expected: "≤ \(max) ms", found: "\(Int(o.latencyMs)) ms", "slow: \(Int(o.latencyMs)) ms"))
        }
        return Verdict.all(parts)
    }

    /// The value at a dotted path (`data.status`, `items.0.id`) as text: strings bare, numbers and booleans as
    /// JSON writes them, objects and lists as compact JSON.
    public static func jsonValue(_ body: String, path: String) -> String? {
        guard var current = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)) else { return nil }
        for component in path.split(separator: ".") {
            switch current {
            case .object(let dict): guard let next = dict[String(component)] else { return nil }; current = next
            case .array(let list): guard let i = Int(component), list.indices.contains(i) else { return nil }; current = list[i]
            default: return nil
            }
        }
        return current.text
    }

    public struct TLSObservation: Sendable, Equatable {
        public var notAfter: Date
        public var subject: String
        public var names: [String]
        public var selfSigned: Bool
        /// Why the chain did not verify against the system's roots, nil when it did.
        public var chainError: String?
        public init(notAfter: Date, subject: String, names: [String], selfSigned: Bool, chainError: String?) {
            self.notAfter = notAfter
            self.subject = subject
            self.names = names
            self.selfSigned = selfSigned
            self.chainError = chainError
        }
    }

    /// Whether a certificate name covers a host name (`*.example.org` covers `a.example.org`, not `example.org`).
    public static func name(_ pattern: String, covers host: String) -> Bool {
        let p = pattern.lowercased(), h = host.lowercased()
        if p == h { return true }
        guard p.hasPrefix("*.") else { return false }
        let suffix = p.dropFirst(1)
        return h.hasSuffix(suffix) && !h.dropLast(suffix.count).contains(".") && h.count > suffix.count
    }

    public static func tls(_ e: TLSExpectation, _ o: TLSObservation, now: Date) -> Verdict {
        let days = Int((o.notAfter.timeIntervalSince(now) / 86400).rounded(.down))
        let expiry = days < 0 ? "expired \(-days) day(s) ago" : "expires in \(days) day(s)"
        var parts: [Verdict] = []
        if days < e.criticalDays {
            parts.append(.fail(.critical, expected: "≥ \(e.warningDays) days left", found: expiry, "certificate \(o.subject) \(expiry)"))
        } else if days < e.warningDays {
            parts.append(.fail(.warning, expected: "≥ \(e.warningDays) days left", found: expiry, "certificate \(o.subject) \(expiry)"))
        } else {
            parts.append(.pass(expected: "≥ \(e.warningDays) days left", found: expiry))
        }
        // The name to cover: the one asked for, else the host connected to unless that is an address.
        if let host = e.serverName ?? e.host.flatMap({ IPAddress.isValid($0) ? nil : $0 }), !host.isEmpty {
            parts.append(o.names.contains { name($0, covers: host) } ? .pass(expected: "covers \(host)", found: Format.list(o.names))
                : .fail(expected: "covers \(host)", found: Format.list(o.names), "certificate does not cover \(host)"))
        }
        if o.selfSigned {
            parts.append(e.allowSelfSigned ? .pass(expected: "self-signed allowed", found: "self-signed")
                : .fail(.warning, expected: "issued by a CA", found: "self-signed", "certificate is self-signed"))
        } else if let error = o.chainError {
            parts.append(.fail(.critical, expected: "valid chain", found: "invalid chain", error))
        }
        return Verdict.all(parts)
    }

    public static func postgres(_ e: PostgresExpectation, value: String?) -> Verdict {
        guard let want = e.expect else { return .pass(expected: "query runs", found: "ok") }
        return value == want ? .pass(expected: "\(e.query) → \(want)", found: value ?? "NULL")
            : .fail(expected: "\(e.query) → \(want)", found: value.map { Redactor.scrub($0) } ?? "NULL", "query returned \(value.map { Redactor.scrub($0) } ?? "NULL")")
    }

    public static func redis(_ e: RedisExpectation, pong: Bool, lengths: [String: Int]) -> Verdict {
        var parts: [Verdict] = [pong ? .pass(expected: "PONG", found: "PONG") : .fail(expected: "PONG", found: "no PONG", "redis did not answer PING")]
        for (key, max) in e.maxLength.sorted(by: { $0.key < $1.key }) {
            let length = lengths[key] ?? 0
            parts.append(length <= max ? .pass(expected: "LLEN \(key) ≤ \(max)", found: "\(length)")
                : .fail(.warning, expected: "LLEN \(key) ≤ \(max)", found: "\(length)", "queue \(key) holds \(length) items (backlog)"))
        }
        return Verdict.all(parts)
    }
}

/// A decoded JSON document, so values compare the same on every platform (no NSNumber booleans).
enum JSONValue: Decodable {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var text: String {
        switch self {
        case .string(let s): return s
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(\.quoted).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { "\"\($0)\":\(o[$0]!.quoted)" }.joined(separator: ",") + "}"
        }
    }

    var quoted: String {
        if case .string(let s) = self { return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return text
    }
}
