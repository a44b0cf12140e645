import Foundation

/// The wall-clock time the backup loop schedules by (a calendar names times of day, not durations), and a way to
/// wait for one. Injected so tests move time by hand.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at `date` or soon after; throws when the task is cancelled.
    func sleep(until date: Date) async throws
}

/// The host's clock. A sleep is measured on the monotonic clock; the loop never sleeps more than a minute at a
/// time, so a wall clock set forward or back (NTP, a resumed VM) is noticed within that minute.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
    }
}
