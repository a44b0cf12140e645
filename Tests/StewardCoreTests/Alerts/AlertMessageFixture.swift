import Foundation
import StewardCore

/// The notice of the example: marb@prod's health check failing 3 minutes after deploy #12.
enum AlertMessageFixture {
    /// 2027-01-15T08:00:00Z.
    static let since = Date(timeIntervalSince1970: 1_800_000_000)

    static func message(_ event: AlertNotice.Kind = .firing, severity: Severity = .critical, summary: String = "answered 503",
                        subject: String = "marb@prod/api health", deployed: Bool = true, acknowledgedBy: String? = nil) -> AlertMessage {
        AlertMessage(event: event, alertID: 7, rule: "api-down", subject: subject, app: "marb", instance: "prod",
                     severity: severity, summary: summary, since: since, acknowledgedBy: acknowledgedBy,
                     deploy: deployed ? .init(id: 12, ref: "v1.4.2", operatorName: "api:ci", startedAt: since - 190,
                                              rollback: "steward rollback marb@prod") : nil,
                     host: "web1", sentAt: since + 60)
    }
}
