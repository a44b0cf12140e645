import Foundation

/// A silence as someone asks for it (the API's `POST /api/v1/silences`, the dashboard's form, `steward alerts
/// silence`), checked the same way for all three: what it covers, for how long, and why. Bad input is refused with
/// the field named, before anything is written.
public struct SilenceDraft: Sendable, Equatable, Codable {
    /// `app`, `app@instance`, or nil for the whole host.
    public var target: String?
    /// One check key or finding subject; nil for everything of the target.
    public var subject: String?
    /// `30m`, `2h`, `1d` (whole minutes, at most 30 days).
    public var duration: String
    public var reason: String

    public init(target: String?, subject: String? = nil, duration: String, reason: String) {
        self.target = target
        self.subject = subject
        self.duration = duration
        self.reason = reason
    }

    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var field: String
        public var message: String
        public var description: String { "\(field): \(message)" }
    }

    /// The longest silence: anything longer is a rule to change, not an alert to mute.
    public static let maxMinutes = 30 * 24 * 60

    /// The silence this asks for, from `now`, made by `who`.
    public func silence(by who: String, now: Date) throws(Refusal) -> SilenceRecord {
        var app: String?, instance: String?
        if let target {
            let parts = target.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.allSatisfy(Self.isName) else {
                throw Refusal(field: "target", message: "expected app or app@instance (letters, digits, . _ -), got \(Self.quoted(target))")
            }
            app = parts[0]
            instance = parts.count > 1 ? parts[1] : nil
        }
        if let subject {
            guard !subject.isEmpty, subject.count <= 200, Self.isPlain(subject) else {
                throw Refusal(field: "subject", message: "expected a check key or finding subject of 1 to 200 characters on one line, without control characters")
            }
        }
        guard let minutes = TimeWindow.parseMinutes(duration), (1...Self.maxMinutes).contains(minutes) else {
            throw Refusal(field: "duration", message: "expected whole minutes, hours or days from 1m to 30d (30m, 2h, 1d), got \(Self.quoted(duration))")
        }
        let why = reason.trimmingCharacters(in: .whitespaces)
        guard !why.isEmpty, why.count <= 200, Self.isPlain(why) else {
            throw Refusal(field: "reason", message: "say why in 1 to 200 characters on one line, without control characters (it is shown next to every alert it silences)")
        }
        return SilenceRecord(app: app, instance: instance, subject: subject, startsAt: now,
                             endsAt: now.addingTimeInterval(TimeInterval(minutes * 60)), reason: why, createdBy: who)
    }

    /// No control or format character (newlines, escape sequences a terminal would obey, bidi overrides, NUL):
    /// the text is printed on root's terminal and in notices.
    static func isPlain(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control && $0.properties.generalCategory != .format }
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    static func quoted(_ text: String) -> String { "\"\(text.prefix(80))\"" }
}
