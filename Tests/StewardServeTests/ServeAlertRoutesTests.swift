import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// The alert routes in process over a real history, with the engine running: alerts listed with the deploy they
/// followed, acknowledged through the engine (409 for one no longer firing, 404 for none), silences added with
/// the operate scope only, checked field by field, listed and ended.
extension ServeRoutesTests {
    static let operateJSON: HTTPFields = [.authorization: "Bearer \(operateToken)", .contentType: "application/json"]

    /// The fixture with an alert engine over its history, and one firing alert (and one resolved) in it.
    func alertsFixture() throws -> (Fixture, AlertEngine, firing: Int64, resolved: Int64) {
        var fixture = try fixture()
        let history = try #require(fixture.state.history)
        let spec = AlertsSpec(rules: [AlertRoute(rule: AlertRule(id: "checks", escalation: [.init(after: 0, channels: [])]), match: AlertMatch())])
        let dispatcher = AlertDispatcher(channels: [], history: history, logger: Logger(label: "test")) { _, _ in DeliveryOutcome(ok: true, detail: "") }
        let engine = AlertEngine(spec: spec, history: history, statePath: fixture.directory.appendingPathComponent("state.db").path,
                                 checks: [ScheduledCheck(spec: Self.api)], host: "box", dispatcher: dispatcher, logger: Logger(label: "test"), tick: .milliseconds(100),
                                 now: { Self.now })
        fixture.state.alerts = engine
        var firing = AlertState()
        firing.phase = .firing
        firing.since = Self.now.addingTimeInterval(-120)
        firing.firedAt = Self.now.addingTimeInterval(-60)
        firing.summary = "HTTP 503 from /health"
        firing.severity = .critical
        let deploy = AlertMessage.Deploy(id: 12, ref: "v1.4.2", operatorName: "api:ci", startedAt: Self.now.addingTimeInterval(-300),
                                         rollback: "steward rollback marb@prod")
        let firingID = try history.store.saveAlert(AlertRecord(rule: "checks", subject: ScheduledCheck(spec: Self.api).key, kind: "check", app: "marb", instance: "prod",
                                                               state: firing, deploy: deploy))
        var resolved = firing
        resolved.phase = .resolved
        resolved.resolvedAt = Self.now
        let resolvedID = try history.store.saveAlert(AlertRecord(rule: "checks", subject: "disk /", kind: "check", app: nil, instance: nil, state: resolved))
        return (fixture, engine, firingID, resolvedID)
    }

    @Test func alertsAreListedWithTheDeployTheyFollowedAndAcknowledgedThroughTheEngine() async throws {
        let (fixture, engine, firing, resolved) = try alertsFixture()
        let task = Task { try await engine.run() }
        defer { task.cancel() }
        try await withApp(fixture) { client in
            let list = try Self.json(try await client.execute(uri: "/api/v1/alerts", method: .get, headers: Self.read))
            let alerts = try #require(list["alerts"] as? [[String: Any]])
            #expect(alerts.map { $0["id"] as? Int } == [Int(firing)])
            let deploy = try #require(alerts[0]["deploy"] as? [String: Any])
            #expect(deploy["sentence"] as? String == "failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes after it; roll back: steward rollback marb@prod")
            let all = try Self.json(try await client.execute(uri: "/api/v1/alerts?state=all", method: .get, headers: Self.read))
            #expect((all["alerts"] as? [[String: Any]])?.count == 2)
            #expect(try await client.execute(uri: "/api/v1/alerts?state=nope", method: .get, headers: Self.read).status == .badRequest)

            #expect(try await client.execute(uri: "/api/v1/alerts/\(firing)/ack", method: .post, headers: Self.read).status == .forbidden)
            let ack = try await client.execute(uri: "/api/v1/alerts/\(firing)/ack", method: .post, headers: Self.operateJSON)
            #expect(ack.status == .ok)
            let taken = try Self.json(ack)
            #expect(taken["state"] as? String == "acknowledged" && taken["acknowledged_by"] as? String == "api:deployer")
            #expect(try await client.execute(uri: "/api/v1/alerts/\(firing)/ack", method: .post, headers: Self.operateJSON).status == .conflict)
            #expect(try await client.execute(uri: "/api/v1/alerts/\(resolved)/ack", method: .post, headers: Self.operateJSON).status == .conflict)
            #expect(try await client.execute(uri: "/api/v1/alerts/999/ack", method: .post, headers: Self.operateJSON).status == .notFound)
            let one = try Self.json(try await client.execute(uri: "/api/v1/alerts/\(firing)", method: .get, headers: Self.read))
            #expect(one["schema"] as? String == "steward.serve.alert/1" && one["state"] as? String == "acknowledged")
            #expect(one["deliveries"] is [Any])
        }
    }

    @Test func silencesNeedOperateAreCheckedByFieldListedAndEnded() async throws {
        let (fixture, engine, firing, _) = try alertsFixture()
        let task = Task { try await engine.run() }
        defer { task.cancel() }
        try await withApp(fixture) { client in
            let body = Self.body(#"{"target":"marb@prod","duration":"2h","reason":"db migration"}"#)
            #expect(try await client.execute(uri: "/api/v1/silences", method: .post, headers: Self.read, body: body).status == .forbidden)
            let bad = try await client.execute(uri: "/api/v1/silences", method: .post, headers: Self.operateJSON,
                                               body: Self.body(#"{"target":"marb@prod","duration":"45d","reason":"x"}"#))
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("duration:"))
            let unknown = try await client.execute(uri: "/api/v1/silences", method: .post, headers: Self.operateJSON,
                                                   body: Self.body(#"{"target":"marb@prod","duration":"2h","reason":"x","until":"never"}"#))
            #expect(unknown.status == .badRequest && String(buffer: unknown.body).contains("unknown key \\\"until\\\""))

            let created = try await client.execute(uri: "/api/v1/silences", method: .post, headers: Self.operateJSON, body: body)
            #expect(created.status == .created)
            let silence = try Self.json(created)
            let id = try #require(silence["id"] as? Int)
            #expect(created.headers[.location] == "/api/v1/silences/\(id)")
            #expect(silence["target"] as? String == "marb@prod" && silence["created_by"] as? String == "api:deployer")
            let listed = try Self.json(try await client.execute(uri: "/api/v1/silences", method: .get, headers: Self.read))
            #expect((listed["silences"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])

            // The engine re-reads them: the firing alert now shows why it is quiet.
            try await AlertEngineTests.eventually("the alert shows its silence") {
                let alert = try fixture.state.history?.store.alert(id: firing)
                return alert.flatMap { engine.silenceReason(for: $0) }?.contains("db migration") == true
            }

            #expect(try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete, headers: Self.read).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete, headers: Self.operateJSON).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete, headers: Self.operateJSON).status == .notFound)
            let after = try Self.json(try await client.execute(uri: "/api/v1/silences", method: .get, headers: Self.read))
            #expect((after["silences"] as? [Any])?.isEmpty == true)
        }
    }
}
