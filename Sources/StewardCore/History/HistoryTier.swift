import Foundation

/// The history's resolutions, finest first: raw results, then 5-minute, hourly and daily rollups. Each tier is
/// computed from the one before it, and its buckets are aligned on UTC multiples of their width, so a coarser
/// bucket is always made of whole finer ones.
public enum HistoryTier: Int, Sendable, Codable, CaseIterable, Comparable {
    case raw = 0, fiveMinutes = 1, hourly = 2, daily = 3

    /// The width of a bucket in milliseconds; 1 for raw rows, which are points.
    public var widthMs: Int64 {
        switch self {
        case .raw: 1
        case .fiveMinutes: 300_000
        case .hourly: 3_600_000
        case .daily: 86_400_000
        }
    }

    /// The tier this one is rolled up from; nil for raw.
    public var source: HistoryTier? { HistoryTier(rawValue: rawValue - 1) }

    /// The tier this one is rolled up into; nil for daily.
    public var rolledInto: HistoryTier? { HistoryTier(rawValue: rawValue + 1) }

    /// The start of the bucket holding `ms` (floor division, so it also holds before 1970).
    public func bucketStart(_ ms: Int64) -> Int64 {
        let r = ms % widthMs
        return r < 0 ? ms - r - widthMs : ms - r
    }

    public static func < (lhs: HistoryTier, rhs: HistoryTier) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The history's units: times are whole milliseconds since 1970 and latencies whole microseconds, integers that
/// SQLite stores in 3 to 6 bytes where a double takes 8 (the size per check per year is a target).
public enum HistoryTime {
    /// Clamped to what Int64 holds (a far-off or non-finite time from a request must not trap the daemon).
    public static func ms(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value.isFinite else { return value > 0 ? .max : .min }
        let bound = Double(Int64(1) << 62)
        return Int64(max(min(value, bound), -bound))
    }
    public static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
    public static func ms(seconds: TimeInterval) -> Int64 { Int64((seconds * 1000).rounded()) }
    /// A latency in microseconds; negative or non-finite values (a clock that stepped back) count as 0.
    public static func micros(ms latency: Double) -> Int64 {
        guard latency.isFinite, latency > 0 else { return 0 }
        return Int64(min(latency * 1000, Double(Int64.max / 4)).rounded())
    }
}
