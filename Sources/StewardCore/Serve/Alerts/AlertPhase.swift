/// Where an alert is in its life. Only `ok` and `pending` live in memory alone: the engine writes a row from
/// `firing` on (a restart at worst delays an alert by its `for_runs`).
public enum AlertPhase: String, Sendable, Codable {
    /// Nothing wrong, or nothing since the last alert resolved and its row was closed.
    case ok
    /// Bad, but not yet for long enough; a good run drops it silently (a flap).
    case pending
    /// Channels are being told, reminded and escalated.
    case firing
    /// Someone took it: no more reminders or escalation until it resolves.
    case acknowledged
    /// Good again after firing; the next bad run opens a new alert.
    case resolved
}
