/// A finding the user accepts: a rule (or a family of rules), optionally limited to subjects, and why.
///
/// `rule` is an id (`ports.public-bind`) or a glob (`logs.*`); `subject` is exact or a glob
/// (`calb-sizingtool@*`); a nil subject matches every subject. `*` matches any run of characters, dots included.
public struct Silence: Sendable, Equatable, Codable {
    public var rule: String
    public var subject: String?
    /// Why the finding is accepted; shown next to the silenced finding in the report.
    public var reason: String

    public init(rule: String, subject: String? = nil, reason: String) {
        self.rule = rule
        self.subject = subject
        self.reason = reason
    }

    /// Whether this silence covers a finding of `rule` about `subject`.
    public func matches(rule: String, subject: String) -> Bool {
        guard Glob.matches(self.rule, rule) else { return false }
        guard let pattern = self.subject else { return true }
        return Glob.matches(pattern, subject)
    }
}
