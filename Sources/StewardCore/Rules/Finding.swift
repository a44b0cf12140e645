/// How bad a finding is. Ordered, so the worst of a run decides the exit code.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, warning, critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One problem a rule found: what, where, the proof, and the exact fix.
public struct Finding: Sendable, Codable, Equatable {
    /// Stable rule id, e.g. `git.prod-on-branch`.
    public var rule: String
    public var severity: Severity
    /// What the finding is about: a unit, a file, a port, a mount point.
    public var subject: String
    public var summary: String
    public var evidence: [String]
    /// A command or an edit that resolves it.
    public var fix: String
    /// Set when the manifest silences this finding; silenced findings are reported but do not count.
    public var silenced: String?

    public init(rule: String, severity: Severity, subject: String, summary: String, evidence: [String], fix: String,
                silenced: String? = nil) {
        self.rule = rule
        self.severity = severity
        self.subject = subject
        self.summary = summary
        self.evidence = evidence
        self.fix = fix
        self.silenced = silenced
    }
}
