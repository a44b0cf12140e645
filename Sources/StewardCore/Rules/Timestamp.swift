import Foundation

/// Timestamps in listings and evidence: UTC, to the second, ISO 8601.
public enum Timestamp {
    public static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
