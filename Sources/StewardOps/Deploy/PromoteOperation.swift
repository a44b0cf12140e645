import Foundation
import StewardCore
import StewardSystem

/// `steward promote`: deploys to one instance exactly the tag another runs (test → prod), refused while the
/// source is not on a tag or its checks fail. The deploy is recorded as a `promote` that must check out the very
/// commit the source runs.
public enum PromoteOperation: StewardOperation {
    public static let name = "promote"

    public struct Request: Codable, Sendable {
        public var app: String
        /// The instance whose release is promoted.
        public var from: String
        /// The instance deployed.
        public var to: String
        /// The destination's deploy plan; nothing is changed.
        public var dryRun: Bool
        public var manifest: String?
        public var store: String?

        public init(app: String, from: String = "test", to: String = "prod", dryRun: Bool = false, manifest: String? = nil, store: String? = nil) {
            self.app = app
            self.from = from
            self.to = to
            self.dryRun = dryRun
            self.manifest = manifest
            self.store = store
        }

        /// `from` defaults to test, `to` to prod, `dryRun` to false.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(app: try c.decode(String.self, forKey: .app), from: try c.decodeIfPresent(String.self, forKey: .from) ?? "test",
                      to: try c.decodeIfPresent(String.self, forKey: .to) ?? "prod", dryRun: try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false,
                      manifest: try c.decodeIfPresent(String.self, forKey: .manifest), store: try c.decodeIfPresent(String.self, forKey: .store))
        }

        /// What is wrong with the request as asked; nil when nothing.
        public var problem: String? { from == to ? "--from and --to name the same instance" : nil }
    }

    public struct Output: OperationOutput {
        public var schema = "steward.promote/1"
        public var app: String
        public var from: String
        public var to: String
        /// The tag the source runs, and its commit: what the destination gets.
        public var tag: String
        public var commit: String
        /// The destination's deploy (or its plan), as `steward deploy` reports it.
        public var deploy: DeployOperation.Output
        public var exitCode: Int32 { deploy.exitCode }

        public init(app: String, from: String, to: String, tag: String, commit: String, deploy: DeployOperation.Output) {
            self.app = app
            self.from = from
            self.to = to
            self.tag = tag
            self.commit = commit
            self.deploy = deploy
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        if let problem = request.problem { throw OperationError(.invalidRequest, problem) }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, full: true, host: host)
        let from = "\(request.app)@\(request.from)"
        let source = try DeployTargetResolver.target(TargetName(app: request.app, instance: request.from), in: apps)
        let (tag, commit) = try await PromoteSourceOperation.release(of: source, engine: DeployRun.engine(source, state: apps.state, on: host))
        host.say("promote: \(from) runs \(tag) (\(commit.prefix(12))) and its checks pass")
        let dest = try DeployTargetResolver.target(TargetName(app: request.app, instance: request.to), in: apps)
        if dest.compose != nil {
            throw OperationError(.invalidRequest, "\(dest.label) is a Compose project: it has no instances to promote between", subject: dest.label)
        }
        let engine = DeployRun.engine(dest, state: apps.state, on: host)
        let deploy = try await DeployOperation.run(DeployRequest(ref: tag, kind: .promote, expectedCommit: commit), dryRun: request.dryRun,
                                                   engine: engine, target: dest)
        return Output(app: request.app, from: request.from, to: request.to, tag: tag, commit: commit, deploy: deploy)
    }
}
