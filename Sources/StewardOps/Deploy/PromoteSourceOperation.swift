import Foundation
import StewardCore
import StewardSystem

/// The release an instance runs, as a promotion takes it: its tag and commit, refused while the instance is not on a
/// tag or its checks fail. `steward promote` asks it of the source on the same host; across hosts the controller asks
/// the source host's agent for it, then the destination host's agent deploys the tag with the commit expected
/// (``DeployOperation/Request/expectedCommit``), so a tag that names another commit there deploys nothing.
public enum PromoteSourceOperation: StewardOperation {
    public static let name = "promote.source"

    public struct Request: Codable, Sendable {
        public var app: String
        public var instance: String
        public var manifest: String?
        public var store: String?

        public init(app: String, instance: String, manifest: String? = nil, store: String? = nil) {
            self.app = app
            self.instance = instance
            self.manifest = manifest
            self.store = store
        }
    }

    public struct Output: OperationOutput {
        public var schema = "steward.promote.source/1"
        public var app: String
        public var instance: String
        public var tag: String
        public var commit: String
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, full: true, host: host)
        let source = try DeployTargetResolver.target(TargetName(app: request.app, instance: request.instance), in: apps)
        let (tag, commit) = try await release(of: source, engine: DeployRun.engine(source, state: apps.state, on: host))
        return Output(app: request.app, instance: request.instance, tag: tag, commit: commit)
    }

    /// The tag and commit `source` runs, if it may be promoted: on a tag and its checks passing.
    static func release(of source: DeployTarget, engine: DeployEngine) async throws(OperationError) -> (tag: String, commit: String) {
        let from = source.label
        guard let commit = await engine.serving().commit else {
            throw OperationError(.unavailable, "cannot tell what \(from) runs", subject: from)
        }
        guard let tag = await engine.tags(at: commit).first else {
            throw OperationError(.refused, "\(from) runs \(commit.prefix(12)), which no tag points at; tag it (git tag vX.Y.Z \(commit.prefix(12))) and deploy the tag to \(source.instance) first",
                                 subject: from)
        }
        if let failure = await source.checks() {
            throw OperationError(.refused, "\(from) is not healthy, so \(tag) is not promoted: \(failure)", subject: from)
        }
        return (tag, commit)
    }
}
