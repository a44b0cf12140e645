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

/// A Compose project's `.env` as it was before a deploy: kept (root-only) in Steward's state directory, so an undo
/// puts back the file the previous release ran with, even when it was edited for the new one. Recorded with its owner
/// and mode, which the file gets back.
public struct ComposeEnvSnapshot: Sendable, Codable, Equatable {
    /// The copy in Steward's state directory.
    public var path: String
    public var sha256: String
    public var uid: UInt32
    public var gid: UInt32
    public var mode: UInt32

    public init(path: String, sha256: String, uid: UInt32, gid: UInt32, mode: UInt32) {
        self.path = path
        self.sha256 = sha256
        self.uid = uid
        self.gid = gid
        self.mode = mode
    }
}
