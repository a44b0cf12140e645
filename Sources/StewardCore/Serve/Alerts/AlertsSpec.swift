import Foundation

/// The manifest's `serve.alerts`: the channels notices go to, the rules that turn bad streaks into alerts, and how
/// alerts are tied to Steward's own operations.
public struct AlertsSpec: Sendable, Equatable, Codable {
    /// Seconds after a deploy, rollback, restore or backup ends during which its instance stays silenced.
    public var operationGrace: TimeInterval
    /// An alert whose bad stretch began this many seconds after a deploy names that deploy.
    public var deployWindow: TimeInterval
    /// Webhook hosts (exact names) allowed to resolve to loopback, private or link-local addresses.
    public var allowPrivate: [String]
    public var channels: [AlertChannel]
    public var rules: [AlertRoute]

    public init(operationGrace: TimeInterval = 300, deployWindow: TimeInterval = 1800, allowPrivate: [String] = [],
                channels: [AlertChannel] = [], rules: [AlertRoute] = []) {
        self.operationGrace = operationGrace
        self.deployWindow = deployWindow
        self.allowPrivate = allowPrivate
        self.channels = channels
        self.rules = rules
    }
}

/// A rule and what it covers: checks (by id or key glob, and app glob), or findings at or above a severity.
public struct AlertRoute: Sendable, Equatable, Codable {
    public var rule: AlertRule
    public var match: AlertMatch

    public init(rule: AlertRule, match: AlertMatch) {
        self.rule = rule
        self.match = match
    }
}

public struct AlertMatch: Sendable, Equatable, Codable {
    /// Globs on a check's id or history key; `["*"]` by default.
    public var checks: [String]
    /// Globs on the check's app; `["*"]` (any, host checks too) by default.
    public var apps: [String]
    /// Findings of the audit at or above this severity; nil: the rule covers checks only.
    public var findings: Severity?

    public init(checks: [String] = ["*"], apps: [String] = ["*"], findings: Severity? = nil) {
        self.checks = checks
        self.apps = apps
        self.findings = findings
    }

    /// Whether a check of `app` with `id` and history `key` is covered (never, for a findings rule).
    public func covers(checkID id: String, key: String, app: String?) -> Bool {
        guard findings == nil else { return false }
        let appMatches = apps.contains { pattern in pattern == "*" || (app.map { Glob.matches(pattern, $0) } ?? false) }
        return appMatches && checks.contains { Glob.matches($0, id) || Glob.matches($0, key) }
    }

    /// Whether a finding of `severity` is covered.
    public func covers(finding severity: Severity) -> Bool { findings.map { severity >= $0 } ?? false }
}
