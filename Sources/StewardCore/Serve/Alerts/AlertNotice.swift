import Foundation

/// What a channel is told: enough to render a message without the state (the engine adds the rule, subject and
/// deploy it knows).
public struct AlertNotice: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// The alert fired: step 0's channels.
        case firing
        /// A reminder after `repeat`, to the channels of every step reached.
        case repeating
        /// The alert went unacknowledged long enough to reach a later step: that step's channels not yet told.
        case escalated
        /// A silence dropped notices and the alert still fires now that it ended: every step reached, once.
        case afterSilence = "after_silence"
        /// Someone took it: every channel told so far.
        case acknowledged
        /// Good again: every channel told so far.
        case resolved
    }

    public var kind: Kind
    /// The highest escalation step reached when it was sent.
    public var step: Int
    public var severity: Severity
    public var summary: String
    /// The first bad run of the streak.
    public var since: Date
    /// Who acknowledged, on `acknowledged` notices.
    public var acknowledgedBy: String?

    public init(kind: Kind, step: Int, severity: Severity, summary: String, since: Date, acknowledgedBy: String? = nil) {
        self.kind = kind
        self.step = step
        self.severity = severity
        self.summary = summary
        self.since = since
        self.acknowledgedBy = acknowledgedBy
    }
}
