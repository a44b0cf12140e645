import Foundation

/// A silence set by someone (API, dashboard, `steward alerts silence`): an instance, or one subject of it, from
/// `startsAt` to `endsAt`, with the reason shown wherever its alerts would be.
public struct SilenceRecord: Sendable, Equatable {
    public var id: Int64?
    public var app: String?
    public var instance: String?
    /// A check key or finding subject; nil for everything of the instance (or of the host, without an app).
    public var subject: String?
    public var startsAt: Date
    public var endsAt: Date
    public var reason: String
    public var createdBy: String

    public init(id: Int64? = nil, app: String?, instance: String?, subject: String?, startsAt: Date, endsAt: Date, reason: String,
                createdBy: String) {
        self.id = id
        self.app = app
        self.instance = instance
        self.subject = subject
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.createdBy = createdBy
    }

    /// Whether it covers an alert of `app`/`instance`/`subject` at `now`.
    public func covers(app: String?, instance: String?, subject: String, at now: Date) -> Bool {
        guard startsAt <= now, now < endsAt else { return false }
        if let own = self.app, own != app { return false }
        if let own = self.instance, own != instance { return false }
        if let own = self.subject, own != subject { return false }
        return true
    }
}
