/// A value read from an env file or a unit's `Environment=`: available to rules for analysis, never to output.
///
/// Encoding, string interpolation and `description` all yield the mask, so a secret cannot leak through a
/// renderer, a log line or an error message by accident; only `revealedForAnalysis` gives the value, and only
/// rules call it.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let mask = "***MASKED***"
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The real value. Use it to compute a fact or a finding, never to build text that is shown.
    public var revealedForAnalysis: String { value }

    public var description: String { Secret.mask }
    public var debugDescription: String { Secret.mask }

    public init(from decoder: any Decoder) throws {
        // Decoding a report gives back masks, never values: reports never carried them.
        value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Secret.mask)
    }
}
