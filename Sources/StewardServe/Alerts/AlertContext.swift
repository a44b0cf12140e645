import Foundation
import StewardCore
import StewardSystem

/// What the alert engine reads besides its own alerts: the silences people set (history) and Steward's operations
/// (state database, opened read-only and kept open: the daemon never locks or migrates the CLI's database), and the
/// deploys an alert may have followed. Each read runs on the history's thread.
struct AlertContext: Sendable {
    let history: HistoryAccess
    let state: StateDatabaseReader
    let grace: TimeInterval
    let deployWindow: TimeInterval

    init(history: HistoryAccess, statePath: String, grace: TimeInterval, deployWindow: TimeInterval) {
        self.history = history
        self.state = StateDatabaseReader(path: statePath)
        self.grace = grace
        self.deployWindow = deployWindow
    }

    func silenceView(now: Date) async throws -> SilenceView {
        let state = state, grace = grace
        return try await history.run { store in
            let silences = try store.silences(notEndedAt: now)
            let spans = try state.read { try $0.operationSpans(now: now, within: grace) } ?? []
            return SilenceView(silences: silences, operations: spans, grace: grace)
        }
    }

    /// The deploy (or rollback) of the alert's instance its bad stretch began within the window of, if any.
    func deploy(for record: AlertRecord) async throws -> AlertMessage.Deploy? {
        guard let app = record.app, let since = record.state.since else { return nil }
        let state = state, instance = record.instance, window = deployWindow
        let marks = try await history.run { _ -> [DeployAttribution.DeployMark] in
            try state.read { store in
                try store.deploys(app: app, instance: instance, limit: 20).filter { $0.kind != .promote }.map {
                    DeployAttribution.DeployMark(id: $0.id, app: $0.app, instance: $0.instance, ref: $0.ref, status: $0.status.rawValue,
                                                 operatorName: $0.user, startedAt: $0.startedAt)
                }
            } ?? []
        }
        return DeployAttribution.deploy(app: app, instance: instance, since: since, window: window, deploys: marks)
    }
}
