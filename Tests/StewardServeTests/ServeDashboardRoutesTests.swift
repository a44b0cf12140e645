import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// The dashboard in process: the login and its cookie, pages that need one, CSRF on every form, scopes on the
/// forms that change alerts, escaping, security headers, and the overview's deploy links.
extension ServeRoutesTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Logs in through the form; the session cookie (`steward_session=…`) for later requests.
    func login(_ client: any TestClientProtocol, _ token: String) async throws -> String {
        let response = try await client.execute(uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "token=\(token)"))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        return String(setCookie.split(separator: ";")[0])
    }

    func page(_ client: any TestClientProtocol, _ uri: String, _ cookie: String) async throws -> (TestResponse, String) {
        let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
        return (response, String(buffer: response.body))
    }

    /// The CSRF token the page's forms carry.
    static func csrf(_ html: String) throws -> String {
        let marker = #"name="csrf" value=""#
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ cookie: String, _ body: String, origin: String? = nil) async throws -> TestResponse {
        var headers = Self.form
        headers[.cookie] = cookie
        if let origin { headers[.origin] = origin }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func loginSetsAnHttpOnlyStrictSessionCookieThatIsNotTheToken() async throws {
        try await withApp(try fixture()) { client in
            let response = try await client.execute(uri: "/login", method: .post, headers: Self.form,
                                                    body: ByteBuffer(string: "token=\(Self.readToken)"))
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.wholeMatch(of: /steward_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict/) != nil, "\(cookie)")
            #expect(!cookie.contains(Self.readToken) && !cookie.contains("stw_"))
            // Behind a TLS proxy the cookie is Secure.
            let tls = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded",
                                                                                        .init("X-Forwarded-Proto")!: "https"],
                                               body: ByteBuffer(string: "token=\(Self.readToken)"))
            #expect(tls.headers[.setCookie]?.hasSuffix("; Secure") == true)

            let (overview, html) = try await page(client, "/", String(cookie.split(separator: ";")[0]))
            #expect(overview.status == .ok)
            #expect(overview.headers[.contentType] == "text/html; charset=utf-8")
            #expect(overview.headers[.init("Content-Security-Policy")!]?.hasPrefix(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'") == true)
            #expect(overview.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(overview.headers[.init("Referrer-Policy")!] == "same-origin")
            #expect(overview.headers[.cacheControl] == "no-store")
            #expect(html.contains(#"<tr class="check fail" data-check-key="marb@prod/api health" data-state="fail">"#))
            #expect(html.contains(#"<section class="instance fail" data-target="marb@prod" data-state="fail">"#))
            #expect(html.contains(#"<tr class="check pass" data-check-key="host/disk /" data-state="pass">"#))
            #expect(html.contains("reader (read only)"))
            #expect(!html.contains("stw_"), "no token in the page")
            // No inline script or style: the CSP would block them.
            #expect(!html.contains("<script>") && !html.contains("style=") && !html.contains("<style"))
        }
    }

    @Test func aWrongTokenIsRefusedWithoutACookieOrAnEcho() async throws {
        try await withApp(try fixture()) { client in
            let response = try await client.execute(uri: "/login", method: .post, headers: Self.form,
                                                    body: ByteBuffer(string: "token=stw_not-a-token-of-this-host"))
            #expect(response.status == .unauthorized)
            #expect(response.headers[.setCookie] == nil)
            let html = String(buffer: response.body)
            #expect(html.contains("That token is not valid on this host.") && !html.contains("stw_not"))
            // A login form posted from another site is refused before the token is looked at.
            let forged = try await client.execute(uri: "/login", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded", .origin: "http://evil.example"],
                                                  body: ByteBuffer(string: "token=\(Self.readToken)"))
            #expect(forged.status == .forbidden && forged.headers[.setCookie] == nil)
        }
    }

    @Test func pagesWithoutASessionGoToTheLoginAndAnUnknownCookieIsDropped() async throws {
        try await withApp(try fixture()) { client in
            for uri in ["/", "/alerts", "/findings", "/events"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .seeOther && response.headers[.location] == "/login", "\(uri)")
            }
            let stale = try await client.execute(uri: "/", method: .get, headers: [.cookie: "steward_session=\(String(repeating: "a", count: 43))"])
            #expect(stale.status == .seeOther && stale.headers[.setCookie]?.contains("Max-Age=0") == true)
            // A bearer token is the API's, not the dashboard's.
            let bearer = try await client.execute(uri: "/", method: .get, headers: Self.read)
            #expect(bearer.status == .seeOther)
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(login.status == .ok && String(buffer: login.body).contains(#"<form method="post" action="/login">"#))
            let script = try await client.execute(uri: "/static/app.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body).contains("new EventSource('/events')"))
        }
    }

    @Test func everyFormNeedsTheSessionsCSRFTokenAndTheDaemonsOrigin() async throws {
        try await withApp(try operateFixture()) { client in
            let cookie = try await login(client, Self.operateToken)
            let (_, html) = try await page(client, "/alerts", cookie)
            let csrf = try Self.csrf(html)
            #expect(csrf.count == 43)
            let silence = "target=marb%40prod&duration=30m&reason=load+test"
            #expect(try await post(client, "/silences", cookie, silence).status == .forbidden, "no token")
            #expect(try await post(client, "/silences", cookie, silence + "&csrf=" + String(repeating: "x", count: 43)).status == .forbidden,
                    "a wrong token")
            #expect(try await post(client, "/silences", cookie, silence + "&csrf=\(csrf)", origin: "http://evil.example").status == .forbidden,
                    "another origin")
            #expect(try await post(client, "/logout", cookie, "").status == .forbidden, "logout too")
            // Nothing was written.
            let none = try await fixtureSilences(client, cookie)
            #expect(none.isEmpty)

            let made = try await post(client, "/silences", cookie, silence + "&csrf=\(csrf)", origin: "http://localhost")
            #expect(made.status == .seeOther && made.headers[.location] == "/alerts")
            let silences = try await fixtureSilences(client, cookie)
            #expect(silences == ["marb@prod: load test (by dashboard:deployer"])
            // A bad draft is refused with the field named, nothing written.
            let bad = try await post(client, "/silences", cookie, "target=marb%40prod&duration=90d&reason=x&csrf=\(csrf)")
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("duration: expected whole minutes"))

            let id = try await silenceID(client, cookie)
            #expect(try await post(client, "/silences/\(id)/end", cookie, "csrf=\(csrf)").status == .seeOther)
            #expect(try await fixtureSilences(client, cookie).isEmpty)

            let out = try await post(client, "/logout", cookie, "csrf=\(csrf)")
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .seeOther, "the session is gone")
        }
    }

    func fixtureSilences(_ client: any TestClientProtocol, _ cookie: String) async throws -> [String] {
        let (_, html) = try await page(client, "/alerts", cookie)
        return html.split(separator: "\n").filter { $0.hasPrefix("<li data-silence-id=") }.map {
            String($0.split(separator: ">", maxSplits: 1)[1].prefix { $0 != ")" }).replacingOccurrences(of: "&#39;", with: "'")
                .components(separatedBy: ", until")[0]
        }
    }

    func silenceID(_ client: any TestClientProtocol, _ cookie: String) async throws -> String {
        let (_, html) = try await page(client, "/alerts", cookie)
        let start = try #require(html.range(of: #"data-silence-id=""#)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test func aReadSessionCannotAcknowledgeOrSilence() async throws {
        try await withApp(try operateFixture()) { client in
            let cookie = try await login(client, Self.readToken)
            let (_, html) = try await page(client, "/alerts", cookie)
            #expect(!html.contains(#"action="/silences""#), "no silence form for a read session")
            let csrf = try Self.csrf(html)
            let ack = try await post(client, "/alerts/1/ack", cookie, "csrf=\(csrf)")
            #expect(ack.status == .forbidden)
            #expect(String(buffer: ack.body).contains("lacks the operate scope"))
            #expect(ack.headers[.contentType] == "text/html; charset=utf-8")
            let silence = try await post(client, "/silences", cookie, "target=marb&duration=1h&reason=x&csrf=\(csrf)")
            #expect(silence.status == .forbidden)
        }
    }

    @Test func aCheckMessageIsEscaped() async throws {
        let fixture = try fixture()
        fixture.state.live.update(key: "marb@prod/api health",
                                  CheckResult(id: "api health", kind: "http", app: "marb", instance: "prod", status: .fail, expected: "200",
                                              found: "503", message: "<script>alert('owned')</script> & \"more\"", durationMs: 29),
                                  at: Self.now)
        try await withApp(fixture) { client in
            let cookie = try await login(client, Self.readToken)
            let (_, html) = try await page(client, "/", cookie)
            #expect(!html.contains("<script>alert"))
            #expect(html.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; &amp; &quot;more&quot;"))
        }
    }

    @Test func revokingTheTokenEndsItsSessions() async throws {
        let fixture = try fixture()
        let path = fixture.directory.appendingPathComponent("tokens").path
        let clock = ManualInstant()
        var state = fixture.state
        state.tokens = TokenStore(path: path, now: { clock.now })
        try await withApp(Fixture(state: state, directory: fixture.directory)) { client in
            let cookie = try await login(client, Self.readToken)
            #expect(try await page(client, "/", cookie).0.status == .ok)
            try TokenFileIO.write(try TokenFileIO.entries(path).filter { $0.name != "reader" }, to: path)
            clock.advance(.milliseconds(1001))
            #expect(try await page(client, "/", cookie).0.status == .seeOther)
        }
    }

    @Test func theOverviewNamesTheDeployAnAlertFollowedAndMarksIt() async throws {
        let fixture = try fixture()
        try await Self.recordDeployAndAlert(fixture)
        try await withApp(fixture) { client in
            let cookie = try await login(client, Self.operateToken)
            let (_, html) = try await page(client, "/", cookie)
            #expect(html.contains(#"<line class="deploy-marker" data-deploy-id="1""#))
            #expect(html.contains("deploy #1 v1.4.2 by api:ci at 2025-12-01 23:50 UTC"))
            #expect(html.contains("<dt>Version</dt><dd>v1.4.2</dd>"))
            #expect(html.contains("failing since deploy #1 of v1.4.2 (by api:ci), 5 minutes after it; roll back: steward rollback marb@prod"))
            #expect(html.contains("<code>steward rollback marb@prod</code>"))
            #expect(html.contains(#"action="/alerts/1/ack""#), "an operate session may acknowledge")
            #expect(html.contains("#1 postgres 2025-12-01 23:50 UTC, 4 KiB"))
            #expect(html.contains("not verified"))
            let (_, alerts) = try await page(client, "/alerts", cookie)
            #expect(alerts.contains(#"<li class="alert firing" data-alert-id="1" data-state="firing">"#))
        }
    }

    /// A succeeded deploy of marb@prod ten minutes ago, with its backup, imported the daemon's way; an alert that
    /// fired five minutes after it, naming it.
    static func recordDeployAndAlert(_ fixture: Fixture) async throws {
        let history = try #require(fixture.state.history)
        let statePath = fixture.directory.appendingPathComponent("state/state.db").path
        let state = try StateStore(path: statePath)
        let started = now.addingTimeInterval(-600)
        var deploy = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: "v1.4.2", commit: "abc123", strategy: .releases,
                                                         release: "/srv/marb/releases/1", user: "api:ci", startedAt: started, pid: 1, host: "h"))
        deploy.status = .succeeded
        deploy.finishedAt = started.addingTimeInterval(40)
        try state.updateDeploy(deploy)
        _ = try state.insert(BackupRecord(app: "marb", instance: "prod", source: "db", kind: .postgres, path: "/b/1", createdAt: started,
                                          sizeBytes: 4096, sha256: "ab", durationMs: 5, contents: BackupContents(), reason: "pre-deploy"))
        _ = await StateImporter(statePath: statePath, history: history, logger: .init(label: "test")).once(now: now)
        var alertState = AlertState()
        alertState.phase = .firing
        alertState.since = now.addingTimeInterval(-300)
        alertState.firedAt = now.addingTimeInterval(-240)
        alertState.severity = .critical
        alertState.summary = "answered 503"
        let alert = AlertRecord(rule: "api-down", subject: "marb@prod/api health", kind: "check", app: "marb", instance: "prod",
                                state: alertState, deploy: AlertMessage.Deploy(id: 1, ref: "v1.4.2", operatorName: "api:ci", startedAt: started,
                                                                               rollback: "steward rollback marb@prod"))
        _ = try await history.run { try $0.saveAlert(alert) }
    }

    @Test func templatesInsertMarkupOnlyFromTheSVGRenderers() {
        for (name, text) in DashboardTemplates.sources {
            var rest = Substring(text)
            while let open = rest.range(of: "{{{") {
                let close = rest[open.upperBound...].range(of: "}}}")!
                let variable = rest[open.upperBound..<close.lowerBound]
                #expect(variable.hasSuffix("SVG"), "\(name): {{{\(variable)}}} inserts unescaped data")
                rest = rest[close.upperBound...]
            }
            #expect(!text.contains("{{&"), "\(name)")
        }
    }

    @Test func theLiveFrameCarriesEachCheckAndInstanceState() throws {
        let fixture = try fixture()
        let frame = DashboardEvents.frame(fixture.state, alerts: 2)
        #expect(frame.checks.map(\.state) == ["fail", "pass", "pending"])
        #expect(frame.instances.map(\.target) == ["marb@prod", "host"])
        #expect(frame.instances.map(\.state) == ["fail", "pass"])
        let text = DashboardEvents.text(frame)
        #expect(text.hasPrefix("event: state\ndata: {") && text.hasSuffix("}\n\n"))
        #expect(text.contains(#""last_run":"2025-12-01 23:59 UTC""#))
        try? FileManager.default.removeItem(at: fixture.directory)
    }
}
