import Foundation

/// An alert as the history keeps it from the moment it fires: the rule and subject it is about (one open alert per
/// pair), where it belongs, the machine's state (so a restarted daemon carries on: repeats, escalation, who was
/// told), and the deploy it followed. Pending streaks stay in memory: a restart at worst delays an alert by N runs.
public struct AlertRecord: Sendable, Equatable {
    public var id: Int64?
    public var rule: String
    /// A check's history key, or a finding's `rule subject`.
    public var subject: String
    /// `check` or `finding`.
    public var kind: String
    public var app: String?
    public var instance: String?
    public var state: AlertState
    /// The deploy whose window the alert's bad stretch began in, named when it fired.
    public var deploy: AlertMessage.Deploy?

    public init(id: Int64? = nil, rule: String, subject: String, kind: String, app: String?, instance: String?, state: AlertState,
                deploy: AlertMessage.Deploy? = nil) {
        self.id = id
        self.rule = rule
        self.subject = subject
        self.kind = kind
        self.app = app
        self.instance = instance
        self.state = state
        self.deploy = deploy
    }

    /// Where the alert belongs, as the CLI names it: `marb@prod`, `marb`, or nil for the host.
    public var target: String? { app.map { app in instance.map { "\(app)@\($0)" } ?? app } }
}
