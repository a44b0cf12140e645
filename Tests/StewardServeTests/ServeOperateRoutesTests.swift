import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardOps
@testable import StewardServe
import StewardSystem
import Testing

/// The operate routes in process, with a registry of fake operations (the real ones run in the sandbox tests):
/// only the keys a route allows reach the operation, the daemon's manifest is added, the answer is 202 with the id
/// (or the finished operation with `?wait`), events stream as SSE, a read token is refused, the eleventh request in
/// a minute is 429, and every request is in the audit log.
extension ServeRoutesTests {
    /// Fake operations: each answers the request it was given, after two events; `deploy` with `ref: "bad"` fails.
    static let fakes: [String: OperationRegistry.Runner] = Dictionary(uniqueKeysWithValues: ["deploy", "rollback", "backup", "backup.verify"].map { name in
        (name, fake)
    })

    static let fake: OperationRegistry.Runner = { @Sendable data, host throws(OperationError) in
            host.emit(.stepStarted, step: "fetch")
            host.emit(.stepFinished, step: "fetch", message: "ok")
            if String(decoding: data, as: UTF8.self).contains(#""ref":"bad""#) {
                throw OperationError(.failed, "health gate failed", exitCode: 4)
            }
            let echo = String(decoding: data, as: UTF8.self)
            return (Data(#"{"schema":"fake/1","operator":"\#(host.identity.operatorName)","request":\#(echo)}"#.utf8), 0, nil)
    }

    func operateFixture() throws -> Fixture {
        var fixture = try fixture()
        let host = HostContext(statePath: fixture.directory.appendingPathComponent("state.db").path,
                               identity: OperationIdentity(operatorName: "serve", host: "test"))
        fixture.state.operations = ServeOperations(base: host, history: fixture.state.history, operations: Self.fakes,
                                                   logger: .init(label: "test"), now: { Self.now })
        fixture.state.manifestPath = "/etc/steward/steward.yml"
        fixture.state.runChecks = { checks in
            checks.map { ($0, CheckResult(id: $0.spec.id, kind: $0.spec.kind.name, app: $0.spec.app, instance: $0.spec.instance, status: .pass,
                                          expected: "", found: "", message: "ran now", durationMs: 1)) }
        }
        return fixture
    }

    static let operate: HTTPFields = [.authorization: "Bearer \(operateToken)", .contentType: "application/json"]

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    @Test func aDeployStartsTheOperationWithOnlyTheAllowedKeysAndTheDaemonsManifest() async throws {
        try await withApp(try operateFixture()) { client in
            let accepted = try await client.execute(uri: "/api/v1/deploys", method: .post, headers: Self.operate,
                                                    body: Self.body(#"{"target":"marb@prod","ref":"v1.4.2","dryRun":true}"#))
            #expect(accepted.status == .accepted)
            let body = try Self.json(accepted)
            let id = try #require(body["operation_id"] as? String)
            #expect(accepted.headers[.location] == "/api/v1/operations/\(id)")
            #expect((body["links"] as? [String: String])?["events"] == "/api/v1/operations/\(id)/events")

            // The SSE stream replays the events and ends with the result.
            let events = try await client.execute(uri: "/api/v1/operations/\(id)/events", method: .get, headers: Self.read)
            #expect(events.headers[.contentType] == "text/event-stream")
            let text = String(buffer: events.body)
            #expect(text.hasPrefix("retry: 5000\n\n"))
            #expect(text.contains("event: step_started\ndata: {") && text.contains("event: step_finished\ndata: {"))
            #expect(text.contains("event: result\ndata: {\"exit_code\":0,\"result\":{"))

            let view = try Self.json(try await client.execute(uri: "/api/v1/operations/\(id)", method: .get, headers: Self.read))
            #expect(view["state"] as? String == "succeeded" && view["exit_code"] as? Int == 0)
            #expect(view["identity"] as? String == "deployer" && view["target"] as? String == "marb@prod")
            let result = try #require(view["result"] as? [String: Any])
            #expect(result["operator"] as? String == "api:deployer")
            let request = try #require(result["request"] as? [String: Any])
            #expect(request["manifest"] as? String == "/etc/steward/steward.yml")
            #expect(request["ref"] as? String == "v1.4.2" && request["dryRun"] as? Bool == true)
            #expect((view["events"] as? [Any])?.count == 2)
        }
    }

    @Test func keysARouteDoesNotTakeAreRefusedByName() async throws {
        try await withApp(try operateFixture()) { client in
            for (uri, json, key) in [("/api/v1/deploys", #"{"target":"marb","ref":"v1","manifest":"/tmp/evil.yml"}"#, "manifest"),
                                     ("/api/v1/deploys", #"{"target":"marb","dryrun":true}"#, "dryrun"),
                                     ("/api/v1/backups", #"{"store":"/tmp/x"}"#, "store"),
                                     ("/api/v1/rollbacks", #"{"target":"marb","steward":"/tmp/x"}"#, "steward")] {
                let response = try await client.execute(uri: uri, method: .post, headers: Self.operate, body: Self.body(json))
                #expect(response.status == .badRequest, "\(json)")
                let error = try Self.json(response)["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.hasPrefix("unknown key \"\(key)\"") == true, "\(String(describing: error))")
            }
            let notJSON = try await client.execute(uri: "/api/v1/deploys", method: .post, headers: Self.operate, body: Self.body("[1]"))
            #expect(notJSON.status == .badRequest)
            let badID = try await client.execute(uri: "/api/v1/backups/abc/verify", method: .post, headers: Self.operate)
            #expect(badID.status == .badRequest)
        }
    }

    @Test func aBadWaitIsRefusedBeforeAnythingStarts() async throws {
        let fixture = try operateFixture()
        let history = try #require(fixture.state.history)
        try await withApp(fixture) { client in
            let refused = try await client.execute(uri: "/api/v1/deploys?wait=abc", method: .post, headers: Self.operate,
                                                   body: Self.body(#"{"target":"marb@prod","ref":"v1.4.2"}"#))
            #expect(refused.status == .badRequest && refused.headers[.location] == nil)
            let log = try await history.run { try $0.auditLog() }
            #expect(log.count == 1 && log[0].status == 400 && log[0].operationID == nil)
            #expect(fixture.state.operations?.keptCount() == 0, "nothing was started")
        }
    }

    @Test func waitAnswersTheFinishedOperationAndAFailureKeepsItsExitCode() async throws {
        try await withApp(try operateFixture()) { client in
            let failed = try await client.execute(uri: "/api/v1/deploys?wait=10", method: .post, headers: Self.operate,
                                                  body: Self.body(#"{"target":"marb@prod","ref":"bad"}"#))
            #expect(failed.status == .ok)
            let view = try Self.json(failed)
            #expect(view["state"] as? String == "failed" && view["exit_code"] as? Int == 4)
            let error = (view["result"] as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["message"] as? String == "health gate failed")
            let verify = try await client.execute(uri: "/api/v1/backups/12/verify?wait=10", method: .post, headers: Self.operate,
                                                  body: Self.body(#"{"quick":true}"#))
            let request = ((try Self.json(verify)["result"] as? [String: Any])?["request"] as? [String: Any])
            #expect(request?["id"] as? String == "12" && request?["quick"] as? Bool == true)
        }
    }

    @Test func aReadTokenIsRefusedTheEleventhRequestWaitsAndEveryRequestIsAudited() async throws {
        let fixture = try operateFixture()
        let history = try #require(fixture.state.history)
        try await withApp(fixture) { client in
            let refused = try await client.execute(uri: "/api/v1/backups", method: .post, headers: Self.read)
            #expect(refused.status == .forbidden)
            let anonymous = try await client.execute(uri: "/api/v1/backups", method: .post)
            #expect(anonymous.status == .unauthorized)
            for i in 1...10 {
                let response = try await client.execute(uri: "/api/v1/checks/run", method: .post, headers: Self.operate,
                                                        body: Self.body(#"{"target":"marb"}"#))
                #expect(response.status == .ok, "request \(i)")
            }
            let limited = try await client.execute(uri: "/api/v1/checks/run", method: .post, headers: Self.operate)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "6")
            #expect((try Self.json(limited)["error"] as? [String: Any])?["code"] as? String == "rate_limited")
            // Another token has its own allowance.
            let other = try await client.execute(uri: "/api/v1/checks/run", method: .post, headers: Self.read)
            #expect(other.status == .forbidden)
            let log = try await history.run { try $0.auditLog(limit: 50) }
            Self.expectAudited(log)
        }
    }

    static func expectAudited(_ log: [APIAuditEntry]) {
        // Requests with a valid token only: the anonymous 401 went to the journal.
        #expect(log.count == 13)
        #expect(log.filter { $0.status == 429 }.count == 1 && log.filter { $0.status == 403 }.count == 2)
        #expect(log.filter { $0.status == 200 }.allSatisfy { $0.identity == "deployer" && $0.route == "/api/v1/checks/run" && !$0.requestID.isEmpty })
        #expect(!log.contains { $0.status == 401 })
    }

    @Test func checksRunAnswersTheResultsOfTheTargetsChecks() async throws {
        try await withApp(try operateFixture()) { client in
            let response = try await client.execute(uri: "/api/v1/checks/run", method: .post, headers: Self.operate,
                                                    body: Self.body(#"{"target":"marb@prod"}"#))
            let checks = try #require(try Self.json(response)["checks"] as? [[String: Any]])
            #expect(checks.map { $0["id"] as? String } == ["api health", "queue"])
            #expect(checks.allSatisfy { $0["message"] as? String == "ran now" && $0["state"] as? String == "pass" })
            let none = try await client.execute(uri: "/api/v1/checks/run", method: .post, headers: Self.operate,
                                                body: Self.body(#"{"target":"nope"}"#))
            #expect(none.status == .notFound)
        }
    }
}

/// What the routes build is what the real operations decode: the flags the request types require are there, the
/// daemon's manifest is there, and nothing else.
@Suite struct OperateRouteRequestTests {
    @Test func everyRoutesRequestDecodesAsItsOperationsRequest() throws {
        let manifest = "/etc/steward/steward.yml"
        let deploy = try OperateRoute.deploy(manifest: manifest).request(body: Data(#"{"target":"marb@prod","ref":"v1.4.2"}"#.utf8))
        let d = try JSONDecoder.steward.decode(DeployOperation.Request.self, from: deploy.data)
        #expect(d.target == "marb@prod" && d.ref == "v1.4.2" && d.manifest == manifest && !d.dryRun && d.problem == nil)
        let rollback = try OperateRoute.rollback(manifest: manifest).request(body: Data(#"{"target":"marb@prod"}"#.utf8))
        let r = try JSONDecoder.steward.decode(RollbackOperation.Request.self, from: rollback.data)
        #expect(r.target == "marb@prod" && r.manifest == manifest && !r.dryRun)
        let backup = try OperateRoute.backup(manifest: manifest).request(body: Data())
        let b = try JSONDecoder.steward.decode(BackupOperation.Request.self, from: backup.data)
        #expect(b.target == nil && !b.verify && b.reason == "manual" && b.manifest == manifest && b.store == nil)
        let verified = try OperateRoute.backup(manifest: manifest).request(body: Data(#"{"verify":true}"#.utf8))
        #expect(try JSONDecoder.steward.decode(BackupOperation.Request.self, from: verified.data).verify)
        let verify = try OperateRoute.verify(manifest: manifest).request(body: Data(), adding: ["id": .string("12")])
        let v = try JSONDecoder.steward.decode(VerifyOperation.Request.self, from: verify.data)
        #expect(v.id == "12" && !v.latest && !v.quick && v.manifest == manifest)
        // A client cannot turn `latest` on through the verify route: it is the daemon's.
        #expect(throws: APIError.self) { try OperateRoute.verify(manifest: manifest).request(body: Data(#"{"latest":true}"#.utf8)) }
    }
}
