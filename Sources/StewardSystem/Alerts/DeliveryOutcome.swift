import StewardCore

/// How one delivery of a notice through one channel went: the delivery log's line. A failure is an outcome, never
/// a throw: the queue retries it and the dashboard shows it. `detail` never holds a secret value or a Slack URL
/// (which is itself a credential): it is scrubbed of every secret the delivery read before it is cut to length.
public struct DeliveryOutcome: Sendable, Equatable {
    public var ok: Bool
    public var detail: String

    public init(ok: Bool, detail: String) {
        self.ok = ok
        self.detail = detail
    }

    static func failed(_ detail: String) -> DeliveryOutcome { DeliveryOutcome(ok: false, detail: detail) }

    /// Longer details (a receiver's error page) are cut here, after scrubbing: cutting first could leave the start
    /// of a secret that no longer matches whole.
    static let detailLimit = 300

    /// The outcome with every occurrence of each of `secrets` replaced by `***`, as one line of bounded length.
    func hiding(_ secrets: [String]) -> DeliveryOutcome {
        var text = detail
        for secret in secrets.filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return DeliveryOutcome(ok: ok, detail: AlertHeaderText.truncated(AlertHeaderText.oneLine(text), Self.detailLimit))
    }
}
