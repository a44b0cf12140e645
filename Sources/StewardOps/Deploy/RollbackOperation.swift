import Foundation
import StewardCore
import StewardSystem

/// `steward rollback`: the previous good release (or `to`) again, with or without the database it had, decided by
/// ``RollbackPolicy``; recorded as a `rollback` deploy. Its dry run is the plan of the steps the rollback would run.
public enum RollbackOperation: StewardOperation {
    public static let name = "rollback"

    public struct Request: Codable, Sendable {
        /// `APP@INSTANCE`, or `APP` for an app with a single instance.
        public var target: String
        /// A tag (or commit) deployed successfully before; default: the previous good release.
        public var to: String?
        /// Restore the backup taken before the deploy that followed that release.
        public var restoreDb: Bool
        /// Keep the database as it is.
        public var keepDb: Bool
        /// The plan with every command line; nothing is changed.
        public var dryRun: Bool
        public var manifest: String?
        public var store: String?

        public init(target: String, to: String? = nil, restoreDb: Bool = false, keepDb: Bool = false, dryRun: Bool = false,
                    manifest: String? = nil, store: String? = nil) {
            self.target = target
            self.to = to
            self.restoreDb = restoreDb
            self.keepDb = keepDb
            self.dryRun = dryRun
            self.manifest = manifest
            self.store = store
        }

        /// Absent flags are false.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(target: try c.decode(String.self, forKey: .target), to: try c.decodeIfPresent(String.self, forKey: .to),
                      restoreDb: try c.decodeIfPresent(Bool.self, forKey: .restoreDb) ?? false,
                      keepDb: try c.decodeIfPresent(Bool.self, forKey: .keepDb) ?? false,
                      dryRun: try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false,
                      manifest: try c.decodeIfPresent(String.self, forKey: .manifest), store: try c.decodeIfPresent(String.self, forKey: .store))
        }

        /// What is wrong with the request as asked; nil when nothing.
        public var problem: String? {
            restoreDb && keepDb ? "give --restore-db or --keep-db, not both" : nil
        }
    }

    public struct Output: OperationOutput {
        public var schema = "steward.rollback/1"
        public var target: String
        /// The earlier release brought back (by a plan: that would be).
        public var release: DeployRecord
        /// `restore` or `keep`.
        public var database: String
        /// The rollback's own record; nil for a plan.
        public var record: DeployRecord?
        /// The dry run: every step with its command lines, as a deploy's plan.
        public var plan: DeployOperation.Plan?
        public var stateWriteError: String?
        /// 0 the release runs again and its checks pass (a plan: it would run); 1 failed before the switch (a plan:
        /// refused); 2 rolled back or worse.
        public var exitCode: Int32 {
            if let record { return DeployRun.exitCode(record, stateWriteError: stateWriteError) }
            return plan?.refused == false ? 0 : 1
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        if let problem = request.problem { throw OperationError(.invalidRequest, problem) }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, full: true, host: host)
        let target = try DeployTargetResolver.target(TargetName(label: request.target), in: apps)
        if target.compose != nil {
            throw OperationError(.invalidRequest, "\(target.label) is a Compose project: roll it back by deploying the tag it ran before (steward deploy \(target.label) --ref TAG); a failed deploy is undone on its own", subject: target.label)
        }
        let engine = DeployRun.engine(target, state: apps.state, on: host)
        let asked: RollbackDatabase? = request.restoreDb ? .restore : request.keepDb ? .keep : nil
        var chosen: RollbackChoice?
        // The rollback and its plan choose alike.
        func choose(servingCommit: String?, schemaNow: String?) throws(OperationError) -> RollbackChoice {
            let history: [DeployRecord]
            do { history = try apps.state.deploys(app: target.app, instance: target.instance, limit: 1000) } catch {
                throw OperationError(.stateUnavailable, "cannot read the deploy records in \(host.statePath): \(error)", subject: host.statePath)
            }
            let choice = try RollbackPolicy.decide(label: target.label, history: history, servingCommit: servingCommit, schemaNow: schemaNow,
                                                   to: request.to, database: asked)
            chosen = choice
            return choice
        }
        if request.dryRun {
            let plan = try await DeployRun.conclude(target) { try await engine.planRollback(choosing: choose) }
            return output(target, chosen!, plan: DeployOperation.Plan(lines: plan.lines, refused: plan.refused))
        }
        let record = try await DeployRun.conclude(target) { try await engine.rollback(choosing: choose) }
        // The engine returns a record only once `choose` has chosen.
        return output(target, chosen!, record: record, stateWriteError: engine.stateWriteError)
    }

    private static func output(_ target: DeployTarget, _ choice: RollbackChoice, record: DeployRecord? = nil, plan: DeployOperation.Plan? = nil,
                               stateWriteError: String? = nil) -> Output {
        Output(target: target.label, release: choice.release, database: choice.database == .restore ? "restore" : "keep",
               record: record, plan: plan, stateWriteError: stateWriteError)
    }
}
