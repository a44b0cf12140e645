import Foundation

/// Alerts are silenced while Steward itself changes an instance (what no monitor knows): a deploy, rollback,
/// restore, backup or promote of `app@instance` silences that instance's alerts while it runs and for a grace
/// period after it ends (the app restarts, a backup stops a worker, caches warm up). Pure: the engine passes the
/// state database's operation rows in, as ``OperationSpan``s.
public enum OperationSilence {
    /// The operation kinds that change an instance in a way its checks would see.
    public static let kinds: Set<String> = ["deploy", "rollback", "resume", "abort", "restore", "backup", "promote"]

    /// One operation row as the silence needs it.
    public struct OperationSpan: Sendable, Equatable {
        public var id: String
        public var kind: String
        /// `app@instance`, or `app` for every instance of it.
        public var subject: String
        public var startedAt: Date
        /// nil while it may still run (its lease held).
        public var finishedAt: Date?
        public var operatorName: String

        public init(id: String, kind: String, subject: String, startedAt: Date, finishedAt: Date?, operatorName: String) {
            self.id = id
            self.kind = kind
            self.subject = subject
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.operatorName = operatorName
        }
    }

    /// Why an alert of `app`/`instance` is silenced at `now` by an operation, or nil: the running one first, else the
    /// one that ended last within `grace`.
    public static func reason(app: String?, instance: String?, operations: [OperationSpan], grace: TimeInterval, now: Date) -> OperationSpan? {
        guard let app else { return nil }
        let covering = operations.filter { op in
            guard kinds.contains(op.kind), op.startedAt <= now else { return false }
            let parts = op.subject.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts[0] == app, parts.count == 1 || instance == nil || parts[1] == instance else { return false }
            guard let finished = op.finishedAt else { return true }
            return now.timeIntervalSince(finished) <= grace
        }
        return covering.first { $0.finishedAt == nil }
            ?? covering.max { ($0.finishedAt ?? .distantPast) < ($1.finishedAt ?? .distantPast) }
    }

    /// How the dashboard and the API say it: `silenced: deploy by api:ci running` or `… ended 2 minutes ago`.
    public static func describe(_ op: OperationSpan, now: Date) -> String {
        guard let finished = op.finishedAt else { return "silenced: \(op.kind) by \(op.operatorName) running" }
        return "silenced: \(op.kind) by \(op.operatorName) ended \(DeployAttribution.ago(now.timeIntervalSince(finished))) ago"
    }
}
