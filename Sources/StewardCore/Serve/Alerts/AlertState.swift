import Foundation

/// What the alert machine remembers about one (rule, subject) pair between runs. The engine keeps it (in memory,
/// and in the `alert` row from `firing` on) and hands it back with the next observation.
public struct AlertState: Sendable, Codable, Equatable {
    public var phase: AlertPhase
    /// The first bad run of the current streak: "failing since".
    public var since: Date?
    /// Bad runs in a row while pending.
    public var badRuns: Int
    /// Good runs in a row while firing or acknowledged.
    public var goodRuns: Int
    public var firedAt: Date?
    /// The last notice that went to every step reached (firing, repeat, after silence): repeats count from it.
    public var lastNotified: Date?
    /// The highest escalation step reached, told or not (a silence may have dropped it).
    public var step: Int
    /// Channels that were actually sent something for this alert: acknowledged and resolved notices go to them,
    /// and only to them (a channel never told it fired is not told it stopped).
    public var notified: Set<String>
    /// A firing, repeat or escalation was dropped by a silence: when the silence ends and the alert still fires,
    /// it is sent once.
    public var owedAfterSilence: Bool
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var resolvedAt: Date?
    /// The latest bad run's severity and summary, for notices.
    public var severity: Severity
    public var summary: String

    /// No alert.
    public init() {
        phase = .ok
        since = nil
        badRuns = 0
        goodRuns = 0
        firedAt = nil
        lastNotified = nil
        step = 0
        notified = []
        owedAfterSilence = false
        acknowledgedAt = nil
        acknowledgedBy = nil
        resolvedAt = nil
        severity = .warning
        summary = ""
    }
}
