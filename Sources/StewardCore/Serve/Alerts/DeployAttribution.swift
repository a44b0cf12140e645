import Foundation

/// Names the deploy an alert followed (what no monitor does): the newest deploy of the alert's instance that began
/// within `window` before the alert's bad stretch did, with the rollback the CLI would run. "failing since deploy #12
/// of v1.4.2 (by api:ci), 3 minutes after it; roll back: steward rollback marb@prod".
public enum DeployAttribution {
    /// A deploy as the history mirrors it.
    public struct DeployMark: Sendable, Equatable {
        public var id: Int64
        public var app: String
        public var instance: String
        public var ref: String
        public var status: String
        public var operatorName: String
        public var startedAt: Date

        public init(id: Int64, app: String, instance: String, ref: String, status: String, operatorName: String, startedAt: Date) {
            self.id = id
            self.app = app
            self.instance = instance
            self.ref = ref
            self.status = status
            self.operatorName = operatorName
            self.startedAt = startedAt
        }
    }

    /// The deploy to name, or nil. Rollbacks count too (a rollback that broke things is worth naming); a deploy that
    /// began after the stretch did cannot have caused it.
    public static func deploy(app: String?, instance: String?, since: Date, window: TimeInterval, deploys: [DeployMark]) -> AlertMessage.Deploy? {
        guard let app else { return nil }
        let candidates = deploys.filter {
            $0.app == app && (instance == nil || $0.instance == instance) && $0.startedAt <= since
                && since.timeIntervalSince($0.startedAt) <= window
        }
        guard let newest = candidates.max(by: { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }) else { return nil }
        return AlertMessage.Deploy(id: newest.id, ref: newest.ref, operatorName: newest.operatorName, startedAt: newest.startedAt,
                                   rollback: "steward rollback \(newest.app)@\(newest.instance)")
    }

    /// `failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes after it; roll back: steward rollback marb@prod`.
    public static func sentence(_ deploy: AlertMessage.Deploy, since: Date) -> String {
        "failing since deploy #\(deploy.id) of \(deploy.ref) (by \(deploy.operatorName)), "
            + "\(ago(since.timeIntervalSince(deploy.startedAt))) after it; roll back: \(deploy.rollback)"
    }

    /// `40 seconds`, `1 minute`, `3 minutes`, `2 hours`.
    public static func ago(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        func unit(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        if s < 60 { return unit(s, "second") }
        if s < 3600 { return unit(s / 60, "minute") }
        return unit(s / 3600, "hour")
    }
}
