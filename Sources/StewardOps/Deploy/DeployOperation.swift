import Foundation
import StewardCore
import StewardSystem

/// `steward deploy`: a new deploy of a ref (or its dry-run plan), or the end of an interrupted one (`resume`,
/// `abort`). Progress lines are log events; the result is the deploy's record (or the plan).
public enum DeployOperation: StewardOperation {
    public static let name = "deploy"

    public struct Request: Codable, Sendable {
        /// `APP@INSTANCE`, or `APP` for an app with a single instance.
        public var target: String
        /// The tag (or, with `allowUntagged`, a branch or commit) to deploy; exactly one of `ref`, `resume`, `abort`.
        public var ref: String?
        public var resume: Bool
        public var abort: Bool
        /// The plan with every command line; nothing is changed.
        public var dryRun: Bool
        public var allowUntagged: Bool
        /// Deploy over uncommitted changes in the checkout; a resume needs it again.
        public var force: Bool
        /// Why `allowUntagged` or `force`; recorded with the release.
        public var reason: String?
        /// The manifest (default: `./steward.yml`, then `/etc/steward/steward.yml`) and the backup store override.
        public var manifest: String?
        public var store: String?
        /// A promotion from another host (`steward promote --from test@n1-test --to prod@n1-prod`): the commit the
        /// source instance runs. `ref` must resolve to exactly that commit here, or nothing is deployed; the record
        /// says `promote`.
        public var expectedCommit: String?

        public init(target: String, ref: String? = nil, resume: Bool = false, abort: Bool = false, dryRun: Bool = false,
                    allowUntagged: Bool = false, force: Bool = false, reason: String? = nil, manifest: String? = nil, store: String? = nil,
                    expectedCommit: String? = nil) {
            self.expectedCommit = expectedCommit
            self.target = target
            self.ref = ref
            self.resume = resume
            self.abort = abort
            self.dryRun = dryRun
            self.allowUntagged = allowUntagged
            self.force = force
            self.reason = reason
            self.manifest = manifest
            self.store = store
        }

        /// Absent flags are false, so a request names only what it asks for.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(target: try c.decode(String.self, forKey: .target), ref: try c.decodeIfPresent(String.self, forKey: .ref),
                      resume: try c.decodeIfPresent(Bool.self, forKey: .resume) ?? false,
                      abort: try c.decodeIfPresent(Bool.self, forKey: .abort) ?? false,
                      dryRun: try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false,
                      allowUntagged: try c.decodeIfPresent(Bool.self, forKey: .allowUntagged) ?? false,
                      force: try c.decodeIfPresent(Bool.self, forKey: .force) ?? false,
                      reason: try c.decodeIfPresent(String.self, forKey: .reason),
                      manifest: try c.decodeIfPresent(String.self, forKey: .manifest), store: try c.decodeIfPresent(String.self, forKey: .store),
                      expectedCommit: try c.decodeIfPresent(String.self, forKey: .expectedCommit))
        }

        /// What is wrong with the request as asked, before anything is read; nil when nothing. The CLI shows it as a
        /// usage error; the agent as an `invalid_request`.
        public var problem: String? {
            let modes = [ref != nil, resume, abort].filter { $0 }.count
            if modes != 1 { return "give exactly one of --ref TAG, --resume or --abort" }
            if (allowUntagged || force) && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                return "--allow-untagged and --force need --reason \"why\"; it is recorded with the release"
            }
            if let ref, !RefPolicy.isSafeRef(ref) { return "--ref: \"\(ref.prefix(60))\" is not a tag, branch or commit name" }
            if dryRun && (resume || abort) { return "--dry-run plans a new deploy; it does not combine with --resume or --abort" }
            if let commit = expectedCommit {
                guard ref != nil else { return "expected_commit goes with ref (a promotion deploys a tag)" }
                guard (7...64).contains(commit.count), commit.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                    return "expected_commit: expected 7 to 64 lowercase hex digits"
                }
                if allowUntagged || force { return "a promotion deploys the source's tag as it is: --allow-untagged and --force do not apply" }
            }
            if abort && (force || allowUntagged) { return "--abort puts the previous release back; --force and --allow-untagged do not apply" }
            if resume && allowUntagged { return "--resume keeps the ref the interrupted deploy was allowed; --allow-untagged does not apply" }
            return nil
        }
    }

    /// The dry-run: the preflight's verdict and every step with its command lines.
    public struct Plan: Codable, Sendable {
        public var lines: [String]
        /// The preflight (or a missing app user, or an interrupted deploy) would refuse the deploy.
        public var refused: Bool
    }

    public struct Output: OperationOutput {
        public var schema = "steward.deploy/1"
        /// `deploy`, `resume`, `abort`, or `plan` (a dry run).
        public var action: String
        public var target: String
        /// The deploy's record as the state database holds it; nil for a plan.
        public var record: DeployRecord?
        public var plan: Plan?
        /// A write to the state database that failed: the record is not what happened.
        public var stateWriteError: String?
        /// 0 succeeded (a plan: it would run); 1 failed before the switch (a plan: refused); 2 rolled back or worse.
        public var exitCode: Int32 {
            if let record { return DeployRun.exitCode(record, stateWriteError: stateWriteError) }
            return plan?.refused == false ? 0 : 1
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        if let problem = request.problem { throw OperationError(.invalidRequest, problem) }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, full: true, host: host)
        let target = try DeployTargetResolver.target(TargetName(label: request.target), in: apps)
        let engine = DeployRun.engine(target, state: apps.state, on: host)
        if request.resume || request.abort {
            // A resume does not imply --force: a dirty tree is refused again unless this request says force with a reason.
            let record = try await DeployRun.conclude(target) {
                request.resume ? try await engine.resume(force: request.force, reason: request.reason) : try await engine.abort()
            }
            return Output(action: request.resume ? "resume" : "abort", target: target.label, record: record, stateWriteError: engine.stateWriteError)
        }
        let deploy = request.expectedCommit.map { DeployRequest(ref: request.ref ?? "", kind: .promote, expectedCommit: $0) }
            ?? DeployRequest(ref: request.ref ?? "", allowUntagged: request.allowUntagged, force: request.force, reason: request.reason)
        return try await run(deploy, dryRun: request.dryRun, engine: engine, target: target)
    }

    /// A new deploy (or its plan) of `target`: the deploy operation's and a promotion's.
    static func run(_ deploy: DeployRequest, dryRun: Bool, engine: DeployEngine, target: DeployTarget) async throws(OperationError) -> Output {
        if dryRun {
            let plan = await engine.plan(deploy)
            return Output(action: "plan", target: target.label, plan: Plan(lines: plan.lines, refused: plan.refused))
        }
        let record = try await DeployRun.conclude(target) { try await engine.deploy(deploy) }
        return Output(action: deploy.kind.rawValue, target: target.label, record: record, stateWriteError: engine.stateWriteError)
    }
}
