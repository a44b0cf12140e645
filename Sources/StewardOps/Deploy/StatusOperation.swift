import Foundation
import StewardCore
import StewardSystem

/// What each app instance runs (its last good deploy), its last deploy, and any interrupted deploy.
public enum StatusOperation: StewardOperation {
    public static let name = "status"

    public struct Request: Codable, Sendable {
        /// `APP` or `APP@INSTANCE`; every instance with a record when nil.
        public var target: String?
        public init(target: String? = nil) { self.target = target }
    }

    public struct Instance: Codable, Sendable {
        public var label: String
        /// The newest succeeded deploy: what runs now, as far as Steward knows.
        public var serving: DeployRecord?
        public var last: DeployRecord
        /// The deploy that was interrupted and waits for `--resume` or `--abort`.
        public var interrupted: DeployRecord?
        public var interruptedMessage: String?
    }

    public struct Output: OperationOutput {
        public var schema = "steward.status/1"
        public var state: String
        public var instances: [Instance]
        /// 1 when a deploy waits for `--resume` or `--abort`.
        public var exitCode: Int32 { instances.contains { $0.interrupted != nil } ? 1 : 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        let store = try host.openState()
        let target = TargetName(request.target)
        do {
            var latest: [String: DeployRecord] = [:]
            for r in try store.deploys(app: target?.app, instance: target?.instance, limit: 5000) where latest[r.label] == nil {
                latest[r.label] = r
            }
            var instances: [Instance] = []
            for label in latest.keys.sorted() {
                let history = try store.deploys(app: latest[label]!.app, instance: latest[label]!.instance, limit: 200)
                let unfinished = try DeployEngine.interrupted(state: store, app: history[0].app, instance: history[0].instance, now: host.clock.now())
                instances.append(Instance(label: label, serving: history.first { $0.status == .succeeded }, last: history[0],
                                          interrupted: unfinished, interruptedMessage: unfinished.map(DeployEngine.interruptedMessage)))
            }
            return Output(state: host.statePath, instances: instances)
        } catch {
            throw OperationError(.stateUnavailable, "cannot read the deploy records in \(host.statePath): \(error)", subject: host.statePath)
        }
    }
}
