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

/// The tag that keeps a service's previous image while a deploy may roll back to it (a prune drops untagged images).
public enum ComposeDeployTag {
    public static func keep(project: String, service: String, deploy id: Int64) -> String {
        let clean: (String) -> String = { String($0.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" }) }
        return "steward-rollback/\(clean(project))_\(clean(service)):deploy-\(id)"
    }
}
