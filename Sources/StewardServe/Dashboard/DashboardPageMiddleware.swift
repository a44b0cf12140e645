import Foundation
import HTTPTypes
import Hummingbird
import StewardCore

/// In front of every dashboard route: finds the request's login (its session cookie, checked against the token
/// file), sets it and its identity on the context (so ``OperateGuard`` and ``RequireScope`` judge a form post as
/// they judge the API), sends a page request without one to `/login`, answers errors as HTML pages (never JSON,
/// never a detail the log keeps), and puts the security headers on every answer.
struct DashboardPageMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let sessions: DashboardSessions
    /// Whether the routes behind it need a login (everything but `/login` and `/static/`).
    let requireSession: Bool

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        var context = context
        let cookie = CookieHeader.value(CookieHeader.sessionName, in: request.headers[.cookie])
        if let session = sessions.session(cookie) {
            context.dashboardSession = session
            context.identity = ServeIdentity(name: session.name, scopes: session.scopes)
        } else if requireSession {
            guard request.method == .get || request.method == .head else {
                return Self.secured(DashboardPage.message(status: .unauthorized, "Not logged in",
                                                          "Your session ended (logged out, expired, or its token was revoked). Log in again.",
                                                          session: nil, now: sessions.now()))
            }
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            if cookie != nil { response.headers[.setCookie] = CookieHeader.expired(secure: DashboardPage.overTLS(request)) }
            return Self.secured(response)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = DashboardPage.message(status: error.status, Self.heading(error.status), error.message,
                                             session: context.dashboardSession, now: sessions.now())
            response.headers.append(contentsOf: error.headers.filter { $0.name != .wwwAuthenticate })
        } catch let error as HTTPError {
            response = DashboardPage.message(status: error.status, Self.heading(error.status), error.body ?? error.status.reasonPhrase,
                                             session: context.dashboardSession, now: sessions.now())
        } catch {
            context.logger.error("dashboard \(request.method) \(request.uri.path) failed: \(error)")
            response = DashboardPage.message(status: .internalServerError, "Something went wrong", "The daemon's log says what.",
                                             session: context.dashboardSession, now: sessions.now())
        }
        return Self.secured(response)
    }

    static func heading(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "That did not work"
        case 401: "Not logged in"
        case 403: "Not allowed"
        case 404: "Not found"
        case 409: "Already changed"
        case 429: "Too many requests"
        default: "Unavailable"
        }
    }

    /// Only the daemon's own scripts, styles and images; no framing; no sniffing; no referrer.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    static func secured(_ response: Response) -> Response {
        var response = response
        for field in securityHeaders where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }
}

/// How dashboard answers are made: HTML pages (never cached: they show who is logged in), redirects, errors.
enum DashboardPage {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        if let cookie { response.headers[.setCookie] = cookie }
        return response
    }

    static func message(status: HTTPResponse.Status, _ heading: String, _ text: String, session: DashboardSessionTable.Session?,
                        now: Date) -> Response {
        html(DashboardTemplates.render("message", DashboardViews.MessagePage(chrome: DashboardViews.chrome(heading, session, now: now),
                                                                             heading: heading, text: text)), status: status)
    }

    /// Whether the browser reached the daemon over TLS (through a proxy that says so): the cookie is then `Secure`.
    static func overTLS(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}
