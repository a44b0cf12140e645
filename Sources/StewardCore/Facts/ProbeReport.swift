/// How one probe went: it gathered its facts, or it could not, and why.
///
/// A probe's failure is a result, never a crash of the run (goss keeps it in `Err`, node_exporter in
/// `scrape_collector_success`); rules that need the missing facts stay silent and the report says why.
public struct ProbeReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, unknown, skipped }
    public var name: String
    public var status: Status
    /// Why the probe is unknown or skipped (permission denied, command missing, timeout, not installed).
    public var reason: String?
    public var durationMs: Int

    public init(name: String, status: Status, reason: String? = nil, durationMs: Int = 0) {
        self.name = name
        self.status = status
        self.reason = reason
        self.durationMs = durationMs
    }
}
