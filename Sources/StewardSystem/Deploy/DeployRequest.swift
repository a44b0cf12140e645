import StewardCore

/// What `steward deploy` was asked.
public struct DeployRequest: Sendable {
    public var ref: String
    public var allowUntagged = false
    public var force = false
    /// Why `--allow-untagged` or `--force` was needed; recorded with the release.
    public var reason: String?
    public var kind: DeployRecord.Kind = .deploy
    /// The commit the ref must name (a promotion: what the source instance runs); refused when it names another.
    public var expectedCommit: String?

    public init(ref: String, allowUntagged: Bool = false, force: Bool = false, reason: String? = nil, kind: DeployRecord.Kind = .deploy,
                expectedCommit: String? = nil) {
        self.ref = ref
        self.allowUntagged = allowUntagged
        self.force = force
        self.reason = reason
        self.kind = kind
        self.expectedCommit = expectedCommit
    }
}

/// How a rollback treats the database.
public enum RollbackDatabase: Sendable {
    /// Restore the backup taken before the deploy that followed the target release.
    case restore
    /// Leave the database as it is.
    case keep
}

/// A failure of one step, with what failed.
public struct DeployFailure: Error, CustomStringConvertible, Sendable {
    public var step: DeployStep
    public var message: String
    public var description: String { "\(step.rawValue): \(message)" }
}

/// A deploy refused before it changed anything.
public struct DeployRefusal: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
