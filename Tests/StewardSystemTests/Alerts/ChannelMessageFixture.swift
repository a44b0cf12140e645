import Foundation
import StewardCore

/// The example notice: marb@prod's health check failing 3 minutes after deploy #12.
enum ChannelMessageFixture {
    static let since = Date(timeIntervalSince1970: 1_800_000_000)

    static func message(_ event: AlertNotice.Kind = .firing) -> AlertMessage {
        AlertMessage(event: event, alertID: 7, rule: "api-down", subject: "marb@prod/api health", app: "marb", instance: "prod",
                     severity: .critical, summary: "answered 503", since: since,
                     deploy: .init(id: 12, ref: "v1.4.2", operatorName: "api:ci", startedAt: since - 190,
                                   rollback: "steward rollback marb@prod"),
                     host: "web1", sentAt: since + 60)
    }
}
