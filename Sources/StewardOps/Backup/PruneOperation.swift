import Foundation
import StewardCore
import StewardSystem

/// `steward backup prune`: deletes backups beyond each app's retention (`keep:` last, daily, weekly), source by
/// source. Never the newest backup of a source, its newest verified one, or one a running restore or deploy uses
/// (``RetentionPlan``). With `dryRun`, returns the same decisions and deletes nothing.
public enum PruneOperation: StewardOperation {
    public static let name = "backup.prune"

    public struct Request: Codable, Sendable {
        /// `APP` or `APP@INSTANCE`; every app when nil.
        public var target: String?
        public var dryRun: Bool
        /// Where the retention of each app is read; nil: `./steward.yml`, then `/etc/steward/steward.yml`.
        public var manifest: String?

        public init(target: String? = nil, dryRun: Bool = false, manifest: String? = nil) {
            self.target = target
            self.dryRun = dryRun
            self.manifest = manifest
        }
    }

    /// One backup and what retention decided: kept (with why) or deleted.
    public struct Decision: Codable, Sendable {
        public var backup: BackupRecord
        public var keep: Bool
        /// Why it is kept (`last 3`, `daily 2026-11-22`, `newest verified`, `newest`, `in use`); empty when deleted.
        public var reasons: [String]
    }

    /// `steward.prune/1` (docs/json.md).
    public struct Output: OperationOutput {
        public var schema = "steward.prune/1"
        public var dryRun: Bool
        /// Source by source, newest first.
        public var decisions: [Decision]
        /// How many were deleted (or would be, with `dryRun`).
        public var deleted: Int { decisions.filter { !$0.keep }.count }
        public var exitCode: Int32 { 0 }

        enum CodingKeys: String, CodingKey { case schema, dryRun, decisions, deleted }

        init(dryRun: Bool, decisions: [Decision]) {
            self.dryRun = dryRun
            self.decisions = decisions
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            schema = try c.decode(String.self, forKey: .schema)
            dryRun = try c.decode(Bool.self, forKey: .dryRun)
            decisions = try c.decode([Decision].self, forKey: .decisions)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schema, forKey: .schema)
            try c.encode(dryRun, forKey: .dryRun)
            try c.encode(decisions, forKey: .decisions)
            try c.encode(deleted, forKey: .deleted)
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        // Retention is the manifest's and the catalog is the state database's: no need to list the host's units.
        let manifest = try ManifestSource.load(explicit: request.manifest, host: host).manifest
        let service = BackupService(state: try host.openState(), files: host.files, runner: host.runner, clock: host.wallClock)
        let target = TargetName(request.target)
        let prune = { () throws(OperationError) -> Output in
            do {
                let records = try service.state.records().filter { target?.matches(app: $0.app, instance: $0.instance) ?? true }
                let plans = try service.prune(records, retention: { (manifest.app(named: $0.app)?.backup ?? .defaults).retention }, dryRun: request.dryRun,
                                              progress: host.backupProgress)
                return Output(dryRun: request.dryRun,
                              decisions: plans.flatMap { $0.decisions.map { Decision(backup: $0.record, keep: $0.keep, reasons: $0.reasons) } })
            } catch {
                throw OperationError(.failed, "cannot prune the backups in \(service.state.path): \(error)", subject: service.state.path)
            }
        }
        if request.dryRun { return try prune() }
        return try await host.leased("backup.prune", subject: target?.description ?? "all", state: service.state) { () async throws(OperationError) in try prune() }
    }
}
