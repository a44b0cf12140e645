import Foundation

/// `APP` or `APP@INSTANCE` as a value, parsed once.
public struct TargetName: Codable, Sendable, Equatable, CustomStringConvertible {
    public var app: String
    /// nil: every instance of the app.
    public var instance: String?

    public init(app: String, instance: String? = nil) {
        self.app = app
        self.instance = instance
    }

    /// nil for nil; `app@` names the app's unnamed instance.
    public init?(_ text: String?) {
        guard let text else { return nil }
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        self.init(app: parts[0], instance: parts.count > 1 ? parts[1] : nil)
    }

    public var description: String { instance.map { "\(app)@\($0)" } ?? app }

    /// Whether a record of `app`/`instance` is one this names.
    public func matches(app: String, instance: String) -> Bool {
        self.app == app && (self.instance == nil || self.instance == instance)
    }
}
