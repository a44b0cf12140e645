import Foundation

/// Everything that silences alerts at one moment: the silences people set, and Steward's own operations (a deploy,
/// rollback, restore or backup of an instance, and its grace period after). The engine refreshes it from the
/// history and the state database; the API and the dashboard show its reason next to each alert.
public struct SilenceView: Sendable, Equatable {
    public var silences: [SilenceRecord]
    public var operations: [OperationSilence.OperationSpan]
    public var grace: TimeInterval

    public init(silences: [SilenceRecord] = [], operations: [OperationSilence.OperationSpan] = [], grace: TimeInterval = 300) {
        self.silences = silences
        self.operations = operations
        self.grace = grace
    }

    /// Why an alert of `app`/`instance`/`subject` is silenced at `now`, or nil. A person's silence is named first:
    /// it says who to ask.
    public func reason(app: String?, instance: String?, subject: String, now: Date) -> String? {
        if let silence = silences.first(where: { $0.covers(app: app, instance: instance, subject: subject, at: now) }) {
            return "silenced by \(silence.createdBy) until \(Self.time(silence.endsAt)): \(silence.reason)"
        }
        return OperationSilence.reason(app: app, instance: instance, operations: operations, grace: grace, now: now)
            .map { OperationSilence.describe($0, now: now) }
    }

    public func reason(for record: AlertRecord, now: Date) -> String? {
        reason(app: record.app, instance: record.instance, subject: record.subject, now: now)
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
