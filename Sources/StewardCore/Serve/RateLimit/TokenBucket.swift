import Foundation

/// One client's allowance on the operate endpoints (seed 002: 10 a minute): `capacity` requests at once, then one
/// more every `60 / perMinute` seconds.
///
/// Kept as the moment the bucket will be full again (GCRA's theoretical arrival time) rather than a count of
/// tokens and a date: one value, exact arithmetic with whole-second intervals, and "idle" is simply `full <= now`.
/// Time is the wall clock passed in: one that jumps forward fills the bucket, and one that steps back is taken as
/// an empty bucket (`full` is never more than a full bucket's worth ahead), not as hours of refusals.
public struct TokenBucket: Sendable, Equatable {
    /// Seconds one request costs.
    let interval: TimeInterval
    /// How far ahead of now `full` may be before a request is refused: `capacity - 1` intervals.
    let tolerance: TimeInterval
    /// When the bucket is full again; a new bucket is full already.
    private(set) var full: Date

    public init(capacity: Int = 10, perMinute: Int = 10, now: Date) {
        interval = 60 / Double(max(1, perMinute))
        tolerance = interval * Double(max(1, capacity) - 1)
        full = now
    }

    /// Spends one request, or says how long until one is available.
    public mutating func take(now: Date) -> RateDecision {
        let ahead = min(max(full, now).timeIntervalSince(now), tolerance + interval)
        full = now.addingTimeInterval(ahead)
        if ahead > tolerance { return .limited(retryAfter: ahead - tolerance) }
        full.addTimeInterval(interval)
        return .allowed
    }

    /// Whether it has refilled completely: then forgetting it loses nothing.
    func isFull(at now: Date) -> Bool { full <= now }
}

public enum RateDecision: Sendable, Equatable {
    case allowed
    /// Refused; a request after this many seconds would pass (`Retry-After: ceil(retryAfter)`).
    case limited(retryAfter: TimeInterval)
}
