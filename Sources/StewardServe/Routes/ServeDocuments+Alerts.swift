import Foundation
import StewardCore

/// The alert and silence documents: `steward.serve.alerts/1`, `steward.serve.alert/1`, `steward.serve.silences/1`.
extension ServeDocuments {
    struct Alerts: Encodable {
        var schema = "steward.serve.alerts/1"
        var generatedAt: Date
        var state: String
        var alerts: [Alert]
        enum CodingKeys: String, CodingKey { case schema, state, alerts, generatedAt = "generated_at" }
    }

    /// One alert; `deliveries` only when it is asked for by id.
    struct Alert: Encodable {
        var schema: String?
        var id: Int64
        var rule: String
        var subject: String
        var kind: String
        var app: String?
        var instance: String?
        /// firing, acknowledged or resolved.
        var state: String
        var severity: String
        var summary: String
        var since: Date?
        var firedAt: Date?
        var acknowledgedAt: Date?
        var acknowledgedBy: String?
        var resolvedAt: Date?
        var step: Int
        var notified: [String]
        /// Why it is silenced now (a person's silence, or Steward's own deploy or backup), or null.
        var silenced: String?
        var deploy: Deploy?
        var deliveries: [Delivery]?

        struct Deploy: Encodable {
            var id: Int64
            var ref: String
            var operatorName: String
            var startedAt: Date
            var rollback: String
            /// "failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes after it; roll back: …"
            var sentence: String
            enum CodingKeys: String, CodingKey {
                case id, ref, rollback, sentence
                case operatorName = "operator", startedAt = "started_at"
            }
        }

        struct Delivery: Encodable {
            var channel: String
            var notice: String
            var at: Date
            var ok: Bool
            var detail: String
        }

        enum CodingKeys: String, CodingKey {
            case schema, id, rule, subject, kind, app, instance, state, severity, summary, since, step, notified, silenced, deploy, deliveries
            case firedAt = "fired_at", acknowledgedAt = "acknowledged_at", acknowledgedBy = "acknowledged_by", resolvedAt = "resolved_at"
        }

        init(_ record: AlertRecord, silenced: String?, deliveries: [Delivery]? = nil) {
            let s = record.state
            schema = deliveries == nil ? nil : "steward.serve.alert/1"
            id = record.id ?? 0
            rule = record.rule
            subject = record.subject
            kind = record.kind
            app = record.app
            instance = record.instance
            state = s.phase.rawValue
            severity = s.severity.rawValue
            summary = s.summary
            since = s.since
            firedAt = s.firedAt
            acknowledgedAt = s.acknowledgedAt
            acknowledgedBy = s.acknowledgedBy
            resolvedAt = s.resolvedAt
            step = s.step
            notified = s.notified.sorted()
            self.silenced = s.phase == .resolved ? nil : silenced
            deploy = record.deploy.map { d in
                Deploy(id: d.id, ref: d.ref, operatorName: d.operatorName, startedAt: d.startedAt, rollback: d.rollback,
                       sentence: DeployAttribution.sentence(d, since: s.since ?? d.startedAt))
            }
            self.deliveries = deliveries
        }
    }

    struct Silences: Encodable {
        var schema = "steward.serve.silences/1"
        var generatedAt: Date
        var silences: [Silence]
        enum CodingKeys: String, CodingKey { case schema, silences, generatedAt = "generated_at" }
    }

    struct Silence: Encodable {
        var id: Int64
        var target: String?
        var subject: String?
        var startsAt: Date
        var endsAt: Date
        var reason: String
        var createdBy: String
        enum CodingKeys: String, CodingKey {
            case id, target, subject, reason
            case startsAt = "starts_at", endsAt = "ends_at", createdBy = "created_by"
        }

        init(_ s: SilenceRecord) {
            id = s.id ?? 0
            target = s.app.map { app in s.instance.map { "\(app)@\($0)" } ?? app }
            subject = s.subject
            startsAt = s.startsAt
            endsAt = s.endsAt
            reason = s.reason
            createdBy = s.createdBy
        }
    }
}
