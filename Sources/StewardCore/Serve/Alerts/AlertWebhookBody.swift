import Foundation

/// The JSON a webhook (and an argv command, on stdin) receives: `{event, alert: {id, rule, subject, app, instance,
/// severity, summary, since, step, acknowledged_by?, deploy?}, host, sent_at}`. Keys sorted and dates ISO 8601
/// (UTC, seconds), so the same notice gives the same bytes: the signature covers these bytes, and a receiver can
/// recompute it.
public enum AlertWebhookBody {
    public static func render(_ m: AlertMessage) -> [UInt8] {
        let payload = Payload(
            event: m.event.rawValue,
            alert: .init(id: m.alertID, rule: m.rule, subject: m.subject, app: m.app, instance: m.instance,
                         severity: m.severity.rawValue, summary: m.summary, since: m.since, step: m.step,
                         acknowledgedBy: m.acknowledgedBy,
                         deploy: m.deploy.map { .init(id: $0.id, ref: $0.ref, operatorName: $0.operatorName,
                                                      startedAt: $0.startedAt, rollback: $0.rollback) }),
            host: m.host, sentAt: m.sentAt)
        return Array(encode(payload))
    }

    /// Sorted keys, no escaped slashes, ISO 8601 dates: the one encoder every JSON channel body uses.
    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Only strings, numbers and dates: encoding cannot fail.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    private struct Payload: Encodable {
        var event: String
        var alert: Alert
        var host: String
        var sentAt: Date

        enum CodingKeys: String, CodingKey { case event, alert, host, sentAt = "sent_at" }
    }

    private struct Alert: Encodable {
        var id: Int64
        var rule: String
        var subject: String
        var app: String?
        var instance: String?
        var severity: String
        var summary: String
        var since: Date
        var step: Int
        var acknowledgedBy: String?
        var deploy: Deploy?

        enum CodingKeys: String, CodingKey {
            case id, rule, subject, app, instance, severity, summary, since, step, deploy
            case acknowledgedBy = "acknowledged_by"
        }
    }

    private struct Deploy: Encodable {
        var id: Int64
        var ref: String
        var operatorName: String
        var startedAt: Date
        var rollback: String

        enum CodingKeys: String, CodingKey {
            case id, ref, rollback
            case operatorName = "operator"
            case startedAt = "started_at"
        }
    }
}
