import Foundation
import StewardCore
import StewardSystem

/// `steward releases`: the deploy history of one app instance, newest first, and its interrupted deploy if any.
/// Reads only the state database: it works for an instance that no longer runs on this host.
public enum ReleasesOperation: StewardOperation {
    public static let name = "releases"

    public struct Request: Codable, Sendable {
        /// `APP@INSTANCE`, or `APP` for the app's unnamed instance.
        public var target: String
        /// At most this many deploys.
        public var limit: Int

        public init(target: String, limit: Int = 20) {
            self.target = target
            self.limit = limit
        }

        /// `limit` defaults to 20.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(target: try c.decode(String.self, forKey: .target), limit: try c.decodeIfPresent(Int.self, forKey: .limit) ?? 20)
        }
    }

    public struct Output: OperationOutput {
        public var schema = "steward.releases/1"
        public var state: String
        public var target: String
        /// Newest first.
        public var releases: [DeployRecord]
        /// The deploy that was interrupted and waits for `--resume` or `--abort`.
        public var interrupted: DeployRecord?
        public var interruptedMessage: String?
        /// A history is a report: 0 whatever it holds (`steward status` exits 1 for an interrupted deploy).
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        guard (1...100_000).contains(request.limit) else {
            throw OperationError(.invalidRequest, "limit: expected 1 to 100000, got \(request.limit)")
        }
        let store = try host.openState()
        let name = TargetName(label: request.target)
        let instance = name.instance ?? ""
        do {
            let records = try store.deploys(app: name.app, instance: instance, limit: request.limit)
            let unfinished = try DeployEngine.interrupted(state: store, app: name.app, instance: instance, now: host.clock.now())
            return Output(state: host.statePath, target: request.target, releases: records, interrupted: unfinished,
                          interruptedMessage: unfinished.map(DeployEngine.interruptedMessage))
        } catch {
            throw OperationError(.stateUnavailable, "cannot read the deploy records in \(host.statePath): \(error)", subject: host.statePath)
        }
    }
}
