import Foundation
import HTTPTypes
import NIOCore
import Hummingbird
import StewardCore
import StewardSystem

/// The dashboard, served by the daemon itself: server-rendered HTML pages (`/`, `/alerts`, `/findings`), the
/// login (`/login`, `/logout`), the forms that acknowledge alerts and set or end silences, the live updates
/// (`/events`) and the stylesheet and script (`/static/`). Not part of the API: no bearer tokens here, a session
/// cookie instead (``DashboardPageMiddleware``); every form post carries the session's CSRF token and must come
/// from the daemon's own origin (``CSRFCheck``); the forms that change alerts need the `operate` scope and pass
/// through the same rate limit, audit log and alert engine calls as the API's.
extension ServeRoutes {
    static func addDashboardRoutes(_ router: Router<ServeContext>, _ state: ServeRouteState, operateGuard: OperateGuard) {
        _ = DashboardTemplates.library
        let sessions = DashboardSessions(tokens: state.tokens, now: state.now)
        let loginLimiter = RateLimiter(perMinute: 10, burst: 10)
        let unauthenticated = router.group().add(middleware: DashboardPageMiddleware(sessions: sessions, requireSession: false))
        let pages = router.group().add(middleware: DashboardPageMiddleware(sessions: sessions, requireSession: true))
        let forms = pages.group().add(middleware: operateGuard).add(middleware: RequireScope(scope: .operate))

        unauthenticated.get("static/app.css") { _, _ in DashboardPage.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        unauthenticated.get("static/app.js") { _, _ in DashboardPage.asset(DashboardAssets.js, type: "text/javascript; charset=utf-8") }

        unauthenticated.get("login") { _, context -> Response in
            if context.dashboardSession != nil { return DashboardPage.redirect("/") }
            return DashboardPage.html(DashboardTemplates.render("login", DashboardViews.LoginPage(error: nil)))
        }

        unauthenticated.post("login") { request, context -> Response in
            let fields = try await DashboardForm.fields(request, context, session: nil)
            if case .limited(let wait) = loginLimiter.take("ip:\(context.remote ?? "local")", now: state.now()) {
                throw APIError(.tooManyRequests, "rate_limited", "Too many login attempts; wait a minute.",
                               headers: [.retryAfter: String(Int(wait.rounded(.up)))])
            }
            let token = (fields["token"] ?? "").trimmingCharacters(in: .whitespaces)
            switch sessions.login(token: token) {
            case .created(let session):
                context.logger.notice("dashboard: \(session.name) logged in from \(context.remote ?? "a local client")")
                return DashboardPage.redirect("/", cookie: CookieHeader.session(session.id, maxAge: Int(DashboardSessionTable.lifetime),
                                                                                secure: DashboardPage.overTLS(request)))
            case .denied:
                context.logger.notice("dashboard: refused a login from \(context.remote ?? "a local client")")
                return DashboardPage.html(DashboardTemplates.render("login", DashboardViews.LoginPage(error: "That token is not valid on this host.")),
                                          status: .unauthorized)
            case .unavailable:
                return DashboardPage.html(DashboardTemplates.render("login", DashboardViews.LoginPage(
                    error: "No token can be checked on this host now; the daemon's log says why.")), status: .serviceUnavailable)
            }
        }

        pages.post("logout") { request, context -> Response in
            let session = try DashboardForm.session(context)
            _ = try await DashboardForm.fields(request, context, session: session)
            sessions.logout(session.id)
            return DashboardPage.redirect("/login", cookie: CookieHeader.expired(secure: DashboardPage.overTLS(request)))
        }

        pages.get("/") { _, context -> Response in
            let session = try DashboardForm.session(context)
            let instances = try await DashboardOverview.instances(state, canOperate: TokenScope.operate.isGranted(by: session.scopes))
            var chrome = DashboardViews.chrome("Overview", session, now: state.now())
            chrome.navOverview = true
            return DashboardPage.html(DashboardTemplates.render("overview", DashboardViews.OverviewPage(chrome: chrome, instances: instances, hosts: (state.fleet?.snapshot() ?? []).map(DashboardViews.Host.init))))
        }

        pages.get("alerts") { _, context -> Response in
            try await alertsPage(state, try DashboardForm.session(context), error: nil, status: .ok)
        }

        pages.get("findings") { _, context -> Response in
            let session = try DashboardForm.session(context)
            let findings = try await state.history?.run { try $0.openFindings() } ?? []
            var chrome = DashboardViews.chrome("Findings", session, now: state.now())
            chrome.navFindings = true
            return DashboardPage.html(DashboardTemplates.render("findings", DashboardViews.FindingsPage(
                chrome: chrome, findings: findings.map(DashboardViews.finding))))
        }

        pages.get("events") { _, context -> Response in
            let id = try DashboardForm.session(context).id
            guard let frames = DashboardEvents.stream(state, alive: { sessions.session(id) != nil }) else {
                throw APIError(.serviceUnavailable, "busy", "Too many live views are open; the page still works without one.")
            }
            return SSE.response(frames, latestOnly: true)
        }

        forms.post("alerts/:id/ack") { request, context -> Response in
            let session = try DashboardForm.session(context)
            _ = try await DashboardForm.fields(request, context, session: session)
            let id = try positiveID(context, "id")
            guard let engine = state.alerts else { throw APIError(.serviceUnavailable, "unavailable", "The alert engine is not running.") }
            switch await engine.acknowledge(id: id, by: "dashboard:\(session.name)") {
            case .success: return DashboardPage.redirect("/alerts")
            case .failure(.notFiring(let phase)):
                throw APIError(.conflict, "not_firing", "Alert \(id) is \(phase.rawValue); only a firing alert can be acknowledged.")
            case .failure(.notFound):
                throw APIError(.notFound, "not_found", "Alert \(id) is not open.")
            case .failure(.unavailable):
                throw APIError(.serviceUnavailable, "unavailable", "The alert engine is stopping; nothing changed.")
            }
        }

        forms.post("silences") { request, context -> Response in
            let session = try DashboardForm.session(context)
            let fields = try await DashboardForm.fields(request, context, session: session)
            func optional(_ key: String) -> String? {
                guard let value = fields[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
                return value
            }
            let draft = SilenceDraft(target: optional("target"), subject: optional("subject"), duration: optional("duration") ?? "",
                                     reason: fields["reason"] ?? "")
            var silence: SilenceRecord
            do throws(SilenceDraft.Refusal) { silence = try draft.silence(by: "dashboard:\(session.name)", now: state.now()) } catch {
                return try await alertsPage(state, session, error: error.description, status: .badRequest)
            }
            let history = try requireHistory(state)
            let record = silence
            silence.id = try await history.run { try $0.addSilence(record) }
            state.alerts?.silencesChanged()
            return DashboardPage.redirect("/alerts")
        }

        forms.post("silences/:id/end") { request, context -> Response in
            let session = try DashboardForm.session(context)
            _ = try await DashboardForm.fields(request, context, session: session)
            let id = try positiveID(context, "id")
            let history = try requireHistory(state)
            let now = state.now()
            guard try await history.run({ try $0.endSilence(id: id, at: now) }) else {
                throw APIError(.notFound, "not_found", "No silence \(id) is in force.")
            }
            state.alerts?.silencesChanged()
            return DashboardPage.redirect("/alerts")
        }
    }

    static func alertsPage(_ state: ServeRouteState, _ session: DashboardSessionTable.Session, error: String?,
                           status: HTTPResponse.Status) async throws -> Response {
        let canOperate = TokenScope.operate.isGranted(by: session.scopes)
        let now = state.now()
        let openAlerts = try await DashboardOverview.openAlerts(state)
        let (silences, recent) = try await state.history?.run { store in
            (try store.silences(notEndedAt: now), try store.recentAlerts(limit: 50).filter { $0.state.phase == .resolved })
        } ?? ([], [])
        var chrome = DashboardViews.chrome("Alerts", session, now: now)
        chrome.navAlerts = true
        let page = DashboardViews.AlertsPage(
            chrome: chrome, error: error,
            open: openAlerts.map { DashboardViews.alert($0, silenced: state.alerts?.silenceReason(for: $0), canOperate: canOperate) },
            silences: silences.filter { $0.startsAt <= now }.map(DashboardViews.silence),
            recent: recent.map { DashboardViews.alert($0, silenced: nil, canOperate: false) })
        return DashboardPage.html(DashboardTemplates.render("alerts", page), status: status)
    }
}

/// What every dashboard form post goes through.
enum DashboardForm {
    static func session(_ context: ServeContext) throws -> DashboardSessionTable.Session {
        guard let session = context.dashboardSession else { throw APIError(.unauthorized, "unauthorized", "Log in first.") }
        return session
    }

    /// The form's fields, once the request came from this origin and (with a session) carries its CSRF token; 403
    /// otherwise. Bodies over 16 KiB are refused.
    static func fields(_ request: Request, _ context: ServeContext, session: DashboardSessionTable.Session?) async throws -> [String: String] {
        if case .refused(let why) = CSRFCheck.origin(origin: request.headers[.origin],
                                                     secFetchSite: request.headers[HTTPField.Name("Sec-Fetch-Site")!],
                                                     host: request.head.authority ?? request.headers[HTTPField.Name("Host")!],
                                                     forwardedHost: request.headers[HTTPField.Name("X-Forwarded-Host")!]) {
            context.logger.notice("dashboard: refused a form post to \(request.uri.path) from \(context.remote ?? "a local client"): \(why)")
            throw APIError(.forbidden, "csrf", "Refused: \(why).")
        }
        let body = try await request.body.collect(upTo: 16 << 10)
        guard let fields = FormBody.parse(String(buffer: body)) else {
            throw APIError(.badRequest, "invalid_request", "The form could not be read.")
        }
        if let session, !CSRFCheck.tokensMatch(fields["csrf"], session.csrf) {
            context.logger.notice("dashboard: refused a form post to \(request.uri.path) by \(session.name) without its CSRF token")
            throw APIError(.forbidden, "csrf", "The form's security token is missing or stale; reload the page and try again.")
        }
        return fields
    }
}

extension DashboardPage {
    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
