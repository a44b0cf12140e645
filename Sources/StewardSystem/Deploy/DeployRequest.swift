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

/// What a rollback brings back, chosen under the instance's lock (``DeployEngine/rollback(choosing:)``).
public struct RollbackChoice: Sendable, Equatable {
    /// The earlier good deploy whose code comes back.
    public var release: DeployRecord
    public var database: RollbackDatabase
    /// The backups a `restore` restores: those taken before the first deploy after `release` that took one.
    public var backupIDs: [Int64]

    public init(release: DeployRecord, database: RollbackDatabase, backupIDs: [Int64]) {
        self.release = release
        self.database = database
        self.backupIDs = backupIDs
    }
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
    /// Another operation holds the instance (its lock): worth retrying later, unlike a policy's no.
    public var busy: Bool
    public init(_ message: String, busy: Bool = false) {
        self.message = message
        self.busy = busy
    }
    public var description: String { message }
}
