/// What the engine does after a step of the alert machine. The machine decides; the engine writes and delivers.
public enum AlertEffect: Sendable, Equatable {
    /// Write the alert's row: the state changed and the alert is (or just was) firing. Never dropped by a silence.
    case persist
    /// Deliver `notice` to these channels (each at most once per step, in the rule's order).
    case notify(AlertNotice, channels: [String])
}
