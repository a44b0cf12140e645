import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// Bearer tokens on the routes: `/api/v1` needs a `read` token, a wrong or malformed one is refused (never treated
/// as anonymous), `/healthz` stays open, `/metrics` follows `serve.metrics`.
extension ServeRoutesTests {
    static let apiRoutes = ["/api/v1/status", "/api/v1/checks", "/api/v1/checks/api%20health/history", "/api/v1/findings",
                            "/api/v1/deploys", "/api/v1/backups"]

    @Test func everyAPIRouteNeedsAToken() async throws {
        try await withApp(try fixture()) { client in
            for uri in Self.apiRoutes {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="steward""#, "\(uri)")
                    let error = try Self.json(response)["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "unauthorized", "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: Self.read) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(Self.operateToken)"]) { response in
                    #expect(response.status == .ok, "operate includes read: \(uri)")
                }
            }
        }
    }

    @Test func aWrongOrMalformedTokenIsRefusedAndNeverEchoed() async throws {
        try await withApp(try fixture()) { client in
            for header in ["Bearer stw_not-a-token-of-this-host", "Bearer " + Self.readToken + "x", "Bearer " + String(Self.readToken.dropLast()),
                           "Basic cmVhZGVyOnJlYWRlcg==", "Bearer ", "Bearer not-even-prefixed", "Bearer stw_" + String(repeating: "a", count: 300)] {
                try await client.execute(uri: "/api/v1/status", method: .get, headers: [.authorization: header]) { response in
                    #expect(response.status == .unauthorized, "\(header)")
                    let body = String(buffer: response.body)
                    #expect(!body.contains("stw_"), "the presented value is not echoed: \(body)")
                }
            }
            // /healthz never needs one, and a wrong token there is refused like anywhere else.
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func aRevokedTokenIsRefusedOnceTheFileChanges() async throws {
        let fixture = try fixture()
        let path = fixture.directory.appendingPathComponent("tokens").path
        let clock = ManualInstant()
        var state = fixture.state
        state.tokens = TokenStore(path: path, now: { clock.now })
        try await withApp(Fixture(state: state, directory: fixture.directory)) { client in
            try await client.execute(uri: "/api/v1/checks", method: .get, headers: Self.read) { #expect($0.status == .ok) }
            let kept = try TokenFileIO.entries(path).filter { $0.name != "reader" }
            try TokenFileIO.write(kept, to: path)
            // Within the second the store does not look again; after it, the file's change is seen.
            try await client.execute(uri: "/api/v1/checks", method: .get, headers: Self.read) { #expect($0.status == .ok) }
            clock.advance(.milliseconds(1001))
            try await client.execute(uri: "/api/v1/checks", method: .get, headers: Self.read) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/checks", method: .get, headers: [.authorization: "Bearer \(Self.operateToken)"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func aTokenFileOthersCanReadRefusesEveryTokenAndTellsTheLogNotTheClient() async throws {
        let fixture = try fixture()
        let path = fixture.directory.appendingPathComponent("tokens").path
        #expect(chmod(path, 0o644) == 0)
        #expect(fixture.state.tokens.problem()?.contains("mode 644") == true)
        try await withApp(fixture) { client in
            try await client.execute(uri: "/api/v1/status", method: .get, headers: Self.read) { response in
                #expect(response.status == .unauthorized)
                let message = (try Self.json(response)["error"] as? [String: Any])?["message"] as? String ?? ""
                // The why is for the log and the operator, not for whoever sent the request.
                #expect(message == "no token can be checked on this host now; the daemon's log says why", "\(message)")
                #expect(!message.contains("644") && !message.contains(path))
            }
        }
    }

    @Test func metricsAreOpenOnLoopbackAndNeedAReadTokenOtherwise() async throws {
        try await withApp(try fixture(metricsNeedToken: true)) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: Self.read) { #expect($0.status == .ok) }
        }
        #expect(ServeSpec(address: "127.0.0.1").metricsNeedToken == false)
        #expect(ServeSpec(address: "0.0.0.0").metricsNeedToken == true)
        #expect(ServeSpec(address: "0.0.0.0", metrics: .public).metricsNeedToken == false)
        #expect(ServeSpec(address: "::1", metrics: .token).metricsNeedToken == true)
    }

    @Test func anOperateRouteRefusesAReadToken() async throws {
        let router = Router(context: ServeContext.self)
        let tokens = try fixture()
        router.add(middleware: ErrorJSONMiddleware())
        router.add(middleware: TokenAuthenticator(tokens: tokens.state.tokens))
        router.group("op").add(middleware: RequireScope(scope: .operate)).post("run") { _, _ in "ran" }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/op/run", method: .post, headers: Self.read) { response in
                #expect(response.status == .forbidden)
                let error = try Self.json(response)["error"] as? [String: Any]
                #expect(error?["message"] as? String == "the token reader lacks the operate scope")
            }
            try await client.execute(uri: "/op/run", method: .post, headers: [.authorization: "Bearer \(Self.operateToken)"]) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "ran")
            }
        }
        try? FileManager.default.removeItem(at: tokens.directory)
    }
}

/// A monotonic instant the test moves by hand.
final class ManualInstant: @unchecked Sendable {
    private let lock = NSLock()
    private var instant = ContinuousClock.now
    var now: ContinuousClock.Instant { lock.withLock { instant } }
    func advance(_ by: Duration) { lock.withLock { instant += by } }
}
