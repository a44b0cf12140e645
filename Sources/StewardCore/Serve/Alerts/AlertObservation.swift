/// One run's outcome for an alert's subject (a check or a finding), as the alert machine sees it.
public enum AlertObservation: Sendable, Equatable {
    case good
    /// `summary` is what the notice says is wrong ("HTTP 503 from /health").
    case bad(summary: String, severity: Severity)
    /// The probe could not tell; the rule's `unknown` policy decides whether it counts as bad.
    case unknown(reason: String)
}
