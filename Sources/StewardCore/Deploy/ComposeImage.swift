/// A Compose service's image as its container runs it: the reference Compose gives it (`pulse_ingest`) and the id
/// behind it. Recorded before a deploy builds, so an undo (in this process or an `--abort` after a kill) names the
/// previous image again by its id.
public struct ComposeImage: Sendable, Codable, Equatable {
    public var service: String
    public var reference: String
    public var id: String

    public init(service: String, reference: String, id: String) {
        self.service = service
        self.reference = reference
        self.id = id
    }
}
