import Foundation

/// One check run as the history keeps it: which check, when it ran, how it ended and how long it took. The check
/// is named by the caller's key (the daemon's `app@instance/check-id`); the store only compares keys.
public struct CheckSample: Sendable, Equatable {
    public var check: String
    public var at: Date
    public var status: CheckResult.Status
    public var latencyMs: Double

    public init(check: String, at: Date, status: CheckResult.Status, latencyMs: Double) {
        self.check = check
        self.at = at
        self.status = status
        self.latencyMs = latencyMs
    }
}
