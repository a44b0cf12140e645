import Foundation
import Logging
import ServiceLifecycle
import StewardCore
import StewardOps
@testable import StewardServe
import StewardSystem
import Synchronization
import Testing

/// The alert engine over a real history and a real state database, with a recording channel (the channels' own
/// I/O is tested against real receivers in StewardSystemTests, and end to end in the sandbox): a failing check fires
/// once and names the deploy it followed, an acknowledgement and the recovery reach the channel told, a silence in
/// the history or a deploy in progress keeps it quiet, `steward alerts ack` goes through the running engine (and
/// changes nothing without one), and a failed delivery is tried again and logged.
@Suite struct AlertEngineTests {
    static let check = ScheduledCheck(spec: CheckSpec(id: "api", app: "marb", instance: "prod",
                                                      kind: .http(HTTPExpectation(url: "http://127.0.0.1:8000/health")), intervalMs: 30_000))

    /// What the channel was sent: `EVENT #ID`.
    final class Channel: Sendable {
        let sent = Mutex<[AlertMessage]>([])
        let failures = Mutex(0)

        func deliver(_ message: AlertMessage, _ channel: AlertChannel) -> DeliveryOutcome {
            if failures.withLock({ n in n > 0 ? { n -= 1; return true }() : false }) { return DeliveryOutcome(ok: false, detail: "HTTP 502") }
            sent.withLock { $0.append(message) }
            return DeliveryOutcome(ok: true, detail: "HTTP 200")
        }

        var events: [String] { sent.withLock { $0.map { "\($0.event.rawValue) #\($0.alertID)" } } }
    }

    struct Setup {
        let directory: URL
        let history: HistoryAccess
        let statePath: String
        let channel = Channel()
        let engine: AlertEngine
        let dispatcher: AlertDispatcher

        init(rules: [AlertRoute] = [AlertRoute(rule: AlertRule(id: "checks", forRuns: 2, escalation: [.init(after: 0, channels: ["ops"])]),
                                                match: AlertMatch())]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("alert-engine-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            history = HistoryAccess(store: try HistoryStore(path: directory.appendingPathComponent("history.db").path))
            statePath = directory.appendingPathComponent("state.db").path
            let spec = AlertsSpec(operationGrace: 300, deployWindow: 1800, channels: [AlertChannel(name: "ops", kind: .email(to: ["ops@example.org"], from: nil))],
                                  rules: rules)
            let channel = self.channel
            dispatcher = AlertDispatcher(channels: spec.channels, history: history, logger: Logger(label: "test"),
                                         retryDelays: [.milliseconds(20)]) { message, via in channel.deliver(message, via) }
            engine = AlertEngine(spec: spec, history: history, statePath: statePath, checks: [AlertEngineTests.check], host: "box",
                                 dispatcher: dispatcher, logger: Logger(label: "test"), tick: .milliseconds(100))
        }

        /// Runs the engine and the dispatcher while `body` runs.
        func running(_ body: () async throws -> Void) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dispatcher.run() }
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                try await body()
            }
            try? FileManager.default.removeItem(at: directory)
        }

        func result(_ status: CheckResult.Status) -> CheckResult {
            CheckResult(id: "api", kind: "http", app: "marb", instance: "prod", status: status, expected: "200", found: status == .pass ? "200" : "503",
                        message: status == .pass ? "" : "HTTP 503 from /health", durationMs: 3)
        }

        func observe(_ status: CheckResult.Status, at: Date = Date()) { engine.observe(AlertEngineTests.check, result(status), at: at) }
    }

    /// Waits (up to 20 s: the whole suite runs in parallel on two cores) until `condition` holds.
    static func eventually(_ what: Comment, _ condition: () throws -> Bool) async throws {
        for _ in 0..<400 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("never: \(what)")
    }

    @Test func aFailingCheckFiresOnceNamesItsDeployAndItsAcknowledgementAndRecoveryFollow() async throws {
        let setup = try Setup()
        let state = try StateStore(path: setup.statePath)
        let deployed = Date().addingTimeInterval(-180)
        let deploy = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: "v1.4.2", commit: "abc", strategy: .releases,
                                                         release: "/srv/marb/releases/2", user: "api:ci", startedAt: deployed, pid: 1, host: "h"))
        try await setup.running {
            setup.observe(.fail)
            setup.observe(.fail)
            setup.observe(.fail)
            try await Self.eventually("the firing notice") { setup.channel.events.count == 1 }
            let alert = try #require(try setup.history.store.openAlerts().first)
            let id = try #require(alert.id)
            #expect(setup.channel.events == ["firing #\(id)"])
            #expect(alert.deploy?.id == deploy.id && alert.deploy?.ref == "v1.4.2" && alert.deploy?.rollback == "steward rollback marb@prod")
            let message = try #require(setup.channel.sent.withLock { $0.first })
            #expect(message.deploy?.id == deploy.id && message.host == "box" && message.summary == "HTTP 503 from /health")

            guard case .success(let taken) = await setup.engine.acknowledge(id: id, by: "api:alice") else { Issue.record("refused"); return }
            #expect(taken.state.phase == .acknowledged && taken.state.acknowledgedBy == "api:alice")
            #expect(await setup.engine.acknowledge(id: id, by: "api:bob") == .failure(.notFiring(.acknowledged)))
            setup.observe(.pass)
            try await Self.eventually("the resolved notice") { setup.channel.events.count == 3 }
            #expect(setup.channel.events == ["firing #\(id)", "acknowledged #\(id)", "resolved #\(id)"])
            try await Self.eventually("the row resolved") { try setup.history.store.alert(id: id)?.state.phase == .resolved }
            #expect(try setup.history.store.openAlerts().isEmpty)
            try await Self.eventually("three deliveries logged") { try setup.history.store.deliveries(alertID: id).count == 3 }
        }
    }

    @Test func aSilenceInTheHistoryKeepsTheFiringQuietAndItIsSentWhenTheSilenceEnds() async throws {
        let setup = try Setup()
        let silenceID = try setup.history.store.addSilence(SilenceRecord(app: "marb", instance: "prod", subject: nil, startsAt: Date().addingTimeInterval(-1),
                                                                         endsAt: Date().addingTimeInterval(3600), reason: "migration", createdBy: "alice"))
        try await setup.running {
            setup.observe(.fail)
            setup.observe(.fail)
            try await Self.eventually("the silenced alert written") { try !setup.history.store.openAlerts().isEmpty }
            let alert = try #require(try setup.history.store.openAlerts().first)
            // The engine's own record of it: nobody told, the notice owed.
            #expect(alert.state.phase == .firing && alert.state.owedAfterSilence && alert.state.notified.isEmpty)
            #expect(setup.engine.silenceReason(for: alert)?.hasPrefix("silenced by alice until") == true)
            #expect(setup.channel.events.isEmpty)
            try setup.history.store.endSilence(id: silenceID, at: Date())
            setup.engine.silencesChanged()
            setup.observe(.fail)
            try await Self.eventually("the notice owed") { setup.channel.events == ["after_silence #\(alert.id ?? 0)"] }
        }
    }

    @Test func aDeployInProgressSilencesItsInstance() async throws {
        let setup = try Setup()
        let state = try StateStore(path: setup.statePath)
        let lease = try OperationLease(state: state, kind: "deploy", subject: "marb@prod",
                                       holder: OperationHolder(operatorName: "api:ci", host: InstanceLock.hostName), timing: .init(ttl: 30, renewEvery: 10))
        try await setup.running {
            setup.observe(.fail)
            setup.observe(.fail)
            try await Self.eventually("the alert written") { try !setup.history.store.openAlerts().isEmpty }
            let alert = try #require(try setup.history.store.openAlerts().first)
            #expect(setup.engine.silenceReason(for: alert) == "silenced: deploy by api:ci running")
            #expect(alert.state.owedAfterSilence && alert.state.notified.isEmpty)
            #expect(setup.channel.events.isEmpty)
            try lease.finish("succeeded")
        }
    }

    @Test func steward_alerts_ackGoesThroughTheRunningEngineAndChangesNothingWithoutOne() async throws {
        let setup = try Setup()
        let host = HostContext(statePath: setup.directory.appendingPathComponent("cli-state.db").path,
                               identity: OperationIdentity(operatorName: "alice", host: "box"))
        let historyPath = setup.directory.appendingPathComponent("history.db").path
        var alertID: Int64 = 0
        try await setup.running {
            setup.observe(.fail)
            setup.observe(.fail)
            try await Self.eventually("the firing notice") { setup.channel.events.count == 1 }
            alertID = try #require(try setup.history.store.openAlerts().first?.id)
            let output = try await AlertsOperation.run(.init(action: .ack, id: alertID, history: historyPath, wait: 5), on: host)
            #expect(output.result?.contains("acknowledged") == true && output.alerts.first?.acknowledgedBy == "alice")
            try await Self.eventually("the channel hears it") { setup.channel.events.last == "acknowledged #\(alertID)" }
            // A second request (as a CLI that read the row before the first landed would leave) is refused by the engine.
            let again = try setup.history.store.addAlertRequest(alertID: alertID, action: "ack", by: "bob", at: Date())
            try await Self.eventually("the engine's answer") { try setup.history.store.alertRequest(id: again)?.doneAt != nil }
            #expect(try setup.history.store.alertRequest(id: again)?.result == "not firing: acknowledged")
        }
    }

    @Test func withoutARunningEngineAnAckExpiresAndChangesNothing() async throws {
        let setup = try Setup()
        var firing = AlertState()
        firing.phase = .firing
        firing.notified = ["ops"]
        let id = try setup.history.store.saveAlert(AlertRecord(rule: "checks", subject: AlertEngineTests.check.key, kind: "check", app: "marb",
                                                               instance: "prod", state: firing))
        let host = HostContext(statePath: setup.directory.appendingPathComponent("cli-state.db").path,
                               identity: OperationIdentity(operatorName: "alice", host: "box"))
        do {
            _ = try await AlertsOperation.run(.init(action: .ack, id: id, history: setup.directory.appendingPathComponent("history.db").path, wait: 0.5),
                                              on: host)
            Issue.record("acknowledged without a daemon")
        } catch {
            #expect(error.code == .unavailable)
        }
        #expect(try setup.history.store.pendingAlertRequests().isEmpty, "withdrawn")
        // A daemon that starts later does not apply it: once it has taken a later request, the first is still undone.
        try await setup.running {
            let probe = try setup.history.store.addAlertRequest(alertID: 999, action: "ack", by: "alice", at: Date())
            try await Self.eventually("the daemon took the later request") { try setup.history.store.alertRequest(id: probe)?.doneAt != nil }
            #expect(try setup.history.store.alert(id: id)?.state.phase == .firing)
            #expect(setup.channel.events.isEmpty)
        }
    }

    @Test func aFailedDeliveryIsTriedAgainAndBothAttemptsAreLogged() async throws {
        let setup = try Setup()
        setup.channel.failures.withLock { $0 = 1 }
        try await setup.running {
            setup.observe(.fail)
            setup.observe(.fail)
            try await Self.eventually("delivered on the second try") { setup.channel.events.count == 1 }
            let id = try #require(try setup.history.store.openAlerts().first?.id)
            try await Self.eventually("two attempts logged") { try setup.history.store.deliveries(alertID: id).map(\.ok) == [false, true] }
            #expect(try setup.history.store.deliveries(alertID: id).first?.detail == "HTTP 502")
        }
    }

    @Test func aDispatcherWithoutChannelsRunsUntilTheDaemonStops() async throws {
        let dispatcher = AlertDispatcher(channels: [], history: nil, logger: Logger(label: "test")) { _, _ in DeliveryOutcome(ok: true, detail: "") }
        let first = await withTaskGroup(of: String.self) { group in
            group.addTask { try? await dispatcher.run(); return "returned" }
            group.addTask { try? await Task.sleep(for: .milliseconds(500)); return "still running" }
            let first = await group.next()
            group.cancelAll()
            return first
        }
        #expect(first == "still running")
    }
}
