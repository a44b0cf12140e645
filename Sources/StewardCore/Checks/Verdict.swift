/// What a pure evaluation concludes; the runner adds id, timing and attempts to make a `CheckResult`.
public struct Verdict: Sendable, Equatable {
    public var status: CheckResult.Status
    public var severity: Severity
    public var expected: String
    public var found: String
    public var message: String

    public init(_ status: CheckResult.Status, severity: Severity = .critical, expected: String, found: String, message: String = "") {
        self.status = status
        self.severity = severity
        self.expected = expected
        self.found = found
        self.message = message
    }

    public static func pass(expected: String, found: String) -> Verdict { Verdict(.pass, severity: .info, expected: expected, found: found) }
    public static func fail(_ severity: Severity = .critical, expected: String, found: String, _ message: String) -> Verdict {
        Verdict(.fail, severity: severity, expected: expected, found: found, message: message)
    }
    public static func unknown(expected: String, _ reason: String) -> Verdict {
        Verdict(.unknown, severity: .warning, expected: expected, found: "unknown", message: reason)
    }

    /// Combines the verdicts of one check's several expectations: the worst wins, messages are joined.
    public static func all(_ verdicts: [Verdict]) -> Verdict {
        guard !verdicts.isEmpty else { return .pass(expected: "-", found: "-") }
        let failed = verdicts.filter { $0.status != .pass }
        if failed.isEmpty {
            return .pass(expected: verdicts.map(\.expected).joined(separator: ", "), found: verdicts.map(\.found).joined(separator: ", "))
        }
        let worst = failed.contains { $0.status == .fail } ? failed.filter { $0.status == .fail } : failed
        return Verdict(worst[0].status, severity: worst.map(\.severity).max() ?? .critical,
                       expected: failed.map(\.expected).joined(separator: ", "), found: failed.map(\.found).joined(separator: ", "),
                       message: failed.map(\.message).filter { !$0.isEmpty }.joined(separator: "; "))
    }
}

extension Verdict {
    /// A connection that did not happen: refused means the host answered and nothing listens (a failure);
    /// anything else — no route, no name, a timeout — means it could not be judged from here (unknown).
    public static func noConnection(expected: String, found: String, _ message: String) -> Verdict {
        let lower = message.lowercased()
        let refused = lower.contains("refused") || lower.contains("reset by peer")
        return refused ? .fail(expected: expected, found: found, message) : Verdict(.unknown, severity: .warning, expected: expected, found: "unreachable", message: message)
    }
}
