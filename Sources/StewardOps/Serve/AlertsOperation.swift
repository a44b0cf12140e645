import Foundation
import StewardCore
import StewardSystem

/// `steward alerts`: the daemon's alerts from a root shell. Lists and silences are read and written in the history
/// directly (the daemon re-reads silences every second); an acknowledgement is left for the daemon, which alone
/// holds the alert's live state and tells the channels, and the command waits for its answer. Not in the
/// registry: the API has its own routes for these, through the running engine.
public enum AlertsOperation: StewardOperation {
    public static let name = "alerts"

    public enum Action: String, Codable, Sendable { case list, ack, silence, unsilence, silences }

    public struct Request: Codable, Sendable {
        public var action: Action
        /// `list`: resolved alerts too (the latest 200).
        public var all: Bool
        /// `ack`: the alert; `unsilence`: the silence.
        public var id: Int64?
        public var silence: SilenceDraft?
        public var manifest: String?
        /// The history database instead of the manifest's `serve.history.path`.
        public var history: String?
        /// `ack`: seconds to wait for the daemon to take it.
        public var wait: Double
        public var dryRun: Bool

        public init(action: Action, all: Bool = false, id: Int64? = nil, silence: SilenceDraft? = nil, manifest: String? = nil,
                    history: String? = nil, wait: Double = 10, dryRun: Bool = false) {
            self.action = action
            self.all = all
            self.id = id
            self.silence = silence
            self.manifest = manifest
            self.history = history
            self.wait = wait
            self.dryRun = dryRun
        }
    }

    public struct Listed: Codable, Sendable, Equatable {
        public var id: Int64
        public var rule: String
        public var subject: String
        public var target: String?
        public var state: String
        public var severity: String
        public var summary: String
        public var since: Date?
        public var acknowledgedBy: String?
        /// "failing since deploy #12 of v1.4.2 …", when it followed one.
        public var deploy: String?
        public var silenced: String?
    }

    public struct ListedSilence: Codable, Sendable, Equatable {
        public var id: Int64
        public var target: String?
        public var subject: String?
        public var startsAt: Date
        public var endsAt: Date
        public var reason: String
        public var createdBy: String
    }

    /// `steward.alerts/1`.
    public struct Output: OperationOutput {
        public var schema = "steward.alerts/1"
        public var action: Action
        public var dryRun: Bool
        public var history: String
        public var alerts: [Listed] = []
        public var silences: [ListedSilence] = []
        /// What the change did, in words.
        public var result: String?
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        // A manifest that is there but bad is an error: falling back to the defaults would write another database.
        let serve = try ManifestSource.load(explicit: request.manifest, host: host).manifest.serve ?? .defaults
        guard request.wait.isFinite, (0...120).contains(request.wait) else {
            throw OperationError(.invalidRequest, "wait: expected seconds from 0 to 120")
        }
        let historyPath = request.history ?? serve.history.path
        let path = host.files.path(historyPath)
        let now = host.clock.now()
        var output = Output(action: request.action, dryRun: request.dryRun, history: historyPath)
        let exists = FileManager.default.fileExists(atPath: path)
        // Reading must not create the daemon's database where it never ran.
        if !exists && request.action != .silence {
            if request.action == .list || request.action == .silences { return output }
            throw OperationError(.notFound, "no history at \(historyPath): steward serve has not run here", subject: historyPath)
        }
        let store: HistoryStore
        do { store = try HistoryStore(path: path) } catch {
            throw OperationError(.stateUnavailable, "cannot open the history \(historyPath): \(error)", subject: historyPath)
        }
        do {
            switch request.action {
            case .list:
                let spans = (try? StateStore.openReadOnly(path: host.statePath)?.operationSpans(now: now, within: serve.alerts.operationGrace)) ?? []
                let view = SilenceView(silences: try store.silences(notEndedAt: now), operations: spans, grace: serve.alerts.operationGrace)
                output.alerts = try (request.all ? store.recentAlerts() : store.openAlerts()).map { listed($0, view: view, now: now) }
            case .silences:
                output.silences = try store.silences(notEndedAt: now).map(listed)
            case .silence:
                guard let draft = request.silence else { throw OperationError(.invalidRequest, "silence: expected duration and reason") }
                var silence: SilenceRecord
                do throws(SilenceDraft.Refusal) { silence = try draft.silence(by: host.identity.operatorName, now: now) } catch {
                    throw OperationError(.invalidRequest, error.description, subject: error.field)
                }
                if !request.dryRun {
                    silence.id = try store.addSilence(silence)
                    try? host.openState().event("alerts.silence", subject: draft.target ?? "host", result: "added",
                                                 detail: "until \(Timestamp.iso(silence.endsAt)) by \(host.identity.operatorName): \(silence.reason)")
                }
                output.silences = [listed(silence)]
                output.result = request.dryRun ? "would silence; nothing written" : "silenced"
            case .unsilence:
                let id = try required(request.id, "id")
                guard try store.silences(notEndedAt: now).contains(where: { $0.id == id }) else {
                    throw OperationError(.notFound, "no silence \(id) in force", subject: String(id))
                }
                if !request.dryRun {
                    try store.endSilence(id: id, at: now)
                    try? host.openState().event("alerts.unsilence", subject: String(id), result: "ended", detail: "by \(host.identity.operatorName)")
                }
                output.result = request.dryRun ? "would end silence \(id); nothing written" : "silence \(id) ended"
            case .ack:
                let id = try required(request.id, "id")
                guard let alert = try store.alert(id: id) else { throw OperationError(.notFound, "no alert \(id)", subject: String(id)) }
                guard alert.state.phase == .firing else {
                    throw OperationError(.refused, "alert \(id) is \(alert.state.phase.rawValue); only a firing alert can be acknowledged", subject: String(id))
                }
                if request.dryRun {
                    output.result = "would acknowledge alert \(id); nothing written"
                    output.alerts = [listed(alert, view: SilenceView(), now: now)]
                    return output
                }
                output.result = try await acknowledge(id, by: host.identity.operatorName, store: store, wait: request.wait)
                try? host.openState().event("alerts.ack", subject: String(id), result: "acknowledged", detail: "by \(host.identity.operatorName)")
                // The daemon answers as it writes the alert: show it once the write is in.
                var after = try store.alert(id: id)
                for _ in 0..<25 where after?.state.phase == .firing {
                    try? await Task.sleep(for: .milliseconds(200))
                    after = try store.alert(id: id)
                }
                if let after { output.alerts = [listed(after, view: SilenceView(), now: now)] }
            }
        } catch let error as OperationError {
            throw error
        } catch {
            throw OperationError(.stateUnavailable, "the history \(historyPath): \(error)", subject: historyPath)
        }
        return output
    }

    /// Leaves the request and waits for the daemon's answer; when none comes in time, withdraws it (whichever side
    /// marks it first decides), so a stopped daemon never acknowledges it later behind the operator's back.
    static func acknowledge(_ id: Int64, by who: String, store: HistoryStore, wait: Double) async throws -> String {
        let request = try store.addAlertRequest(alertID: id, action: "ack", by: who, at: Date())
        let deadline = Date().addingTimeInterval(max(0, min(wait, 120)))
        while Date() < deadline {
            try? await Task.sleep(for: .milliseconds(200))
            if let taken = try store.alertRequest(id: request), taken.doneAt != nil { return try answer(taken, id) }
        }
        if try store.finishAlertRequest(id: request, result: "expired", at: Date()) {
            throw OperationError(.unavailable, "steward serve did not take the acknowledgement within \(Int(wait)) s; nothing changed",
                                 hint: "systemctl status steward.service", subject: String(id))
        }
        guard let taken = try store.alertRequest(id: request) else { return "acknowledged" }
        return try answer(taken, id)
    }

    static func answer(_ request: AlertRequest, _ id: Int64) throws -> String {
        let result = request.result ?? ""
        guard result == "acknowledged" else { throw OperationError(.refused, "alert \(id): \(result)", subject: String(id)) }
        return "alert \(id) acknowledged; the channels told of it hear it"
    }

    static func required(_ id: Int64?, _ name: String) throws(OperationError) -> Int64 {
        guard let id, id > 0 else { throw OperationError(.invalidRequest, "\(name): expected a positive integer") }
        return id
    }

    static func listed(_ record: AlertRecord, view: SilenceView, now: Date) -> Listed {
        let s = record.state
        return Listed(id: record.id ?? 0, rule: record.rule, subject: record.subject, target: record.target, state: s.phase.rawValue,
                      severity: s.severity.rawValue, summary: s.summary, since: s.since, acknowledgedBy: s.acknowledgedBy,
                      deploy: record.deploy.map { DeployAttribution.sentence($0, since: s.since ?? $0.startedAt) },
                      silenced: s.phase == .resolved ? nil : view.reason(for: record, now: now))
    }

    static func listed(_ s: SilenceRecord) -> ListedSilence {
        ListedSilence(id: s.id ?? 0, target: s.app.map { app in s.instance.map { "\(app)@\($0)" } ?? app }, subject: s.subject,
                      startsAt: s.startsAt, endsAt: s.endsAt, reason: s.reason, createdBy: s.createdBy)
    }
}
