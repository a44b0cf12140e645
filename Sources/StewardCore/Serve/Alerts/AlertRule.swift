import Foundation

/// One `serve.alerts.rules` entry, as the alert machine needs it: when a bad streak becomes an alert, when it is
/// over, how often it is repeated and who hears of it when. Matching (which checks and findings the rule covers) is
/// the engine's; the manifest reader validates the values (escalation `after`s ascend, step 0 at 0).
public struct AlertRule: Sendable, Codable, Equatable {
    public var id: String
    /// Bad runs in a row before the alert fires (`for_runs`). 3 when neither it nor `for` is given: at the default
    /// 30 s interval one and a half minutes, enough to absorb a single slow answer or a service restart; 1 when
    /// only `for` is given, so the duration alone decides.
    public var forRuns: Int
    /// How long, in seconds, the streak must have lasted (`for`); 0 for no such condition. With `for_runs` too, the
    /// later of the two fires it.
    public var forDuration: TimeInterval
    /// Good runs in a row that resolve a fired alert (`resolve_runs`). 1 by default: a recovery is news at once,
    /// and flapping is already held back on the way in by `for_runs`.
    public var resolveRuns: Int
    /// Seconds between reminders while firing and unacknowledged (`repeat`); nil for none.
    public var repeatInterval: TimeInterval?
    /// Who is told when (`escalate`). Step 0 is told when the alert fires; step k when it has been firing,
    /// unacknowledged, for `after` seconds.
    public var escalation: [EscalationStep]
    /// What a run whose result is unknown (a probe that could not tell) counts as.
    public var unknown: UnknownPolicy
    /// The severity alerts of this rule carry, overriding the check's or finding's own; nil keeps theirs.
    public var severity: Severity?

    public struct EscalationStep: Sendable, Codable, Equatable {
        /// Seconds after firing.
        public var after: TimeInterval
        /// Channel names from `serve.alerts.channels`.
        public var channels: [String]

        public init(after: TimeInterval, channels: [String]) {
            self.after = after
            self.channels = channels
        }
    }

    public enum UnknownPolicy: String, Sendable, Codable, CaseIterable {
        /// Unknown counts as bad: a check that cannot tell for N runs is worth a look (the default).
        case bad
        /// Unknown changes nothing: the alert keeps its state and counters.
        case ignore
    }

    public init(id: String, forRuns: Int? = nil, forDuration: TimeInterval = 0, resolveRuns: Int = 1,
                repeatInterval: TimeInterval? = nil, escalation: [EscalationStep], unknown: UnknownPolicy = .bad,
                severity: Severity? = nil) {
        self.id = id
        self.forRuns = forRuns ?? (forDuration > 0 ? 1 : 3)
        self.forDuration = forDuration
        self.resolveRuns = resolveRuns
        self.repeatInterval = repeatInterval
        self.escalation = escalation
        self.unknown = unknown
        self.severity = severity
    }

    /// The manifest's key names, so an API answer listing rules reads like the manifest that made them.
    enum CodingKeys: String, CodingKey {
        case id, unknown, severity
        case forRuns = "for_runs", forDuration = "for", resolveRuns = "resolve_runs", repeatInterval = "repeat"
        case escalation = "escalate"
    }
}
