import Foundation

/// One notice as every channel renders it: what happened (``AlertNotice/Kind``), to which alert, and, when the
/// alert began soon after a deploy, that deploy and the rollback that would undo it. Holds no secret: summaries
/// come from check results and findings, which are scrubbed before they are recorded.
public struct AlertMessage: Sendable, Equatable, Codable {
    public var event: AlertNotice.Kind
    public var alertID: Int64
    public var rule: String
    /// The check's history key or the finding's `rule subject`.
    public var subject: String
    public var app: String?
    public var instance: String?
    public var severity: Severity
    public var summary: String
    /// When the alert's bad stretch began.
    public var since: Date
    /// The escalation step that sent it (0 first).
    public var step: Int
    public var acknowledgedBy: String?
    public var deploy: Deploy?
    /// The host that sends it (`hostname`).
    public var host: String
    public var sentAt: Date

    /// The deploy the alert followed: `failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes after it`.
    public struct Deploy: Sendable, Equatable, Codable {
        public var id: Int64
        public var ref: String
        public var operatorName: String
        public var startedAt: Date
        /// The commands that would roll it back: `steward rollback marb@prod`.
        public var rollback: String

        public init(id: Int64, ref: String, operatorName: String, startedAt: Date, rollback: String) {
            self.id = id
            self.ref = ref
            self.operatorName = operatorName
            self.startedAt = startedAt
            self.rollback = rollback
        }
    }

    public init(event: AlertNotice.Kind, alertID: Int64, rule: String, subject: String, app: String?, instance: String?,
                severity: Severity, summary: String, since: Date, step: Int = 0, acknowledgedBy: String? = nil,
                deploy: Deploy? = nil, host: String, sentAt: Date) {
        self.event = event
        self.alertID = alertID
        self.rule = rule
        self.subject = subject
        self.app = app
        self.instance = instance
        self.severity = severity
        self.summary = summary
        self.since = since
        self.step = step
        self.acknowledgedBy = acknowledgedBy
        self.deploy = deploy
        self.host = host
        self.sentAt = sentAt
    }
}

extension AlertMessage {
    /// The message a notice of `record` becomes (the record has its id: notices follow its first write).
    public init(_ notice: AlertNotice, of record: AlertRecord, host: String, sentAt: Date) {
        self.init(event: notice.kind, alertID: record.id ?? 0, rule: record.rule, subject: record.subject, app: record.app,
                  instance: record.instance, severity: notice.severity, summary: notice.summary, since: notice.since, step: notice.step,
                  acknowledgedBy: notice.acknowledgedBy, deploy: record.deploy, host: host, sentAt: sentAt)
    }
}
