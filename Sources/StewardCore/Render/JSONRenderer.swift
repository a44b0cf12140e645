import Foundation

/// Renders a report as the documented JSON schema (see `AuditReport`), keys sorted so output is diffable.
public enum JSONRenderer {
    public static func render<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Dates (backup times, verifications) as ISO 8601, like every other time in the schema.
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text + "\n"
    }
}
