import Foundation

/// One deploy (or rollback) as the state database keeps it: what was asked, what was running before, what each
/// step did, and how it ended. The record of an interrupted deploy is what `--resume` and `--abort` work from.
public struct DeployRecord: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case deploy, rollback, promote }

    public var id: Int64 = 0
    public var app: String
    public var instance: String
    public var kind: Kind = .deploy
    /// The ref as asked (`v1.4.2`) and the commit it named.
    public var ref: String
    public var commit: String
    /// What served before: restored by a rollback.
    public var previousCommit: String?
    public var previousRef: String?
    public var strategy: DeploySpec.Strategy
    /// The release directory (the checkout for `in-place`).
    public var release: String
    public var previousRelease: String?
    /// Who ran it: the operator the front end names (the CLI: `SUDO_USER`, else `USER`).
    public var user: String
    /// Why a refused condition was overridden (`--allow-untagged`, `--force`); empty otherwise.
    public var reason: String = ""
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: DeployStatus = .running
    /// The process that ran it last (shown; an operation is told alive by its lease, not by this).
    public var pid: Int32
    public var host: String
    /// The operation that runs it (a resume's, once resumed): its lease in the state database's `operation` table
    /// says whether it still runs. Nil for records from before leases.
    public var operationID: String?
    /// Backups taken before the migrations (catalog ids).
    public var backupIDs: [Int64] = []
    /// The schema after this release's migrations (`alembic:3f2a…`, `django:12 applied:…`), to tell whether a
    /// rollback needs the database too.
    public var schema: String?
    /// The schema before the deploy.
    public var previousSchema: String?
    /// SHA-256 of the requirements file this release installed.
    public var requirementsHash: String?
    public var error: String?
    /// What the failing release answered, and its journal since the restart: captured before the rollback.
    public var evidence: String?
    public var steps: [StepRecord] = []
    /// nginx site files that are the release's own (linked into the checkout), with their SHA-256 before the
    /// deploy: a change means `nginx -t` and a reload.
    public var nginxSites: [String: String] = [:]
    /// Whether this deploy reloaded nginx with the new site config (a rollback reloads it again).
    public var nginxReloaded = false
    /// The release directory this deploy created (`releases`): the only one its undoing may remove.
    public var createdRelease: String?
    /// The commit the ref had to name (a promotion).
    public var expectedCommit: String?
    /// Backups taken by a rollback before it restored an older database: what undoing the rollback restores.
    public var safetyBackupIDs: [Int64] = []
    /// blue-green: the port of the slot this deploy started (the one that serves once it succeeds), and of the slot
    /// that served before it (nil on the first blue-green deploy).
    public var slot: Int?
    public var previousSlot: Int?
    /// blue-green: why the release declared its migrations incompatible with the release serving
    /// (`.steward/incompatible-migrations`): the serving slot was stopped before they ran (stop-migrate-start), and an
    /// undo restores the database.
    public var incompatibleMigrations: String?
    /// A Compose project: the images its built services ran before the deploy (what an undo names again).
    public var previousImages: [ComposeImage]?
    /// A Compose project: its `.env` before the deploy (what an undo puts back).
    public var envSnapshot: ComposeEnvSnapshot?

    public init(app: String, instance: String, ref: String, commit: String, strategy: DeploySpec.Strategy,
                release: String, user: String, startedAt: Date, pid: Int32, host: String) {
        self.app = app
        self.instance = instance
        self.ref = ref
        self.commit = commit
        self.strategy = strategy
        self.release = release
        self.user = user
        self.startedAt = startedAt
        self.pid = pid
        self.host = host
    }

    public var label: String { instance.isEmpty ? app : "\(app)@\(instance)" }
    public var shortCommit: String { String(commit.prefix(12)) }

    public func step(_ name: DeployStep) -> StepRecord? { steps.last { $0.name == name.rawValue } }

    /// Whether `name` finished (ok or skipped): `--resume` does not run it again.
    public func completed(_ name: DeployStep) -> Bool {
        guard let s = step(name) else { return false }
        return s.result == .ok || s.result == .skipped
    }

    /// Whether `name` was started at all (the host may have changed).
    public func started(_ name: DeployStep) -> Bool { step(name) != nil }

    public var durationMs: Int? {
        finishedAt.map { Int(($0.timeIntervalSince(startedAt) * 1000).rounded()) }
    }
}

/// One step of a deploy.
public struct StepRecord: Sendable, Codable, Equatable {
    public var name: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var result: StepResult
    public var detail: String
    public var durationMs: Int

    public init(name: String, startedAt: Date, finishedAt: Date? = nil, result: StepResult = .running, detail: String = "", durationMs: Int = 0) {
        self.name = name
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.result = result
        self.detail = detail
        self.durationMs = durationMs
    }
}
