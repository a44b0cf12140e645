import Foundation
@testable import StewardCore
import Testing

/// The pure parts of the dashboard's login: the cookie, the CSRF checks, the form body, the session table's expiry.
@Suite struct DashboardSessionTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_633_600)

    @Test func theSessionCookieIsHttpOnlyStrictAndSecureOnlyOverTLS() {
        #expect(CookieHeader.session("abc", maxAge: 43200, secure: false) == "steward_session=abc; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict")
        #expect(CookieHeader.session("abc", maxAge: 60, secure: true).hasSuffix("; HttpOnly; SameSite=Strict; Secure"))
        #expect(CookieHeader.expired(secure: false).hasPrefix("steward_session=; Path=/; Max-Age=0;"))
    }

    @Test func theCookieHeaderIsParsedAndBounded() {
        #expect(CookieHeader.value("steward_session", in: "a=1; steward_session=xyz ;b=2") == "xyz")
        #expect(CookieHeader.value("steward_session", in: "steward_session_other=1") == nil)
        #expect(CookieHeader.value("steward_session", in: "junk; steward_session=") == "")
        #expect(CookieHeader.value("steward_session", in: nil) == nil)
        #expect(CookieHeader.value("steward_session", in: String(repeating: "a=1;", count: 3000) + "steward_session=x") == nil)
    }

    @Test func csrfTokensCompareWholly() {
        #expect(CSRFCheck.tokensMatch("abcdef", "abcdef"))
        #expect(!CSRFCheck.tokensMatch("abcdeg", "abcdef"))
        #expect(!CSRFCheck.tokensMatch("abcde", "abcdef"))
        #expect(!CSRFCheck.tokensMatch(nil, "abcdef"))
        #expect(!CSRFCheck.tokensMatch("", ""))
    }

    @Test func aFormPostMustComeFromTheDaemonsOwnOrigin() {
        let host = "127.0.0.1:8470"
        #expect(CSRFCheck.origin(origin: nil, secFetchSite: nil, host: host, forwardedHost: nil) == .allowed)
        #expect(CSRFCheck.origin(origin: "http://127.0.0.1:8470", secFetchSite: "same-origin", host: host, forwardedHost: nil) == .allowed)
        #expect(CSRFCheck.origin(origin: "https://steward.example.com", secFetchSite: nil, host: host,
                                 forwardedHost: "steward.example.com") == .allowed)
        #expect(CSRFCheck.origin(origin: "http://evil.example", secFetchSite: nil, host: host, forwardedHost: nil) != .allowed)
        // An opaque origin only with the browser's word that the post came from this origin: another site's page
        // with no-referrer sends `null` too, and over plain HTTP to a non-loopback address no Sec-Fetch-Site.
        #expect(CSRFCheck.origin(origin: "null", secFetchSite: "same-origin", host: host, forwardedHost: nil) == .allowed)
        #expect(CSRFCheck.origin(origin: "null", secFetchSite: "cross-site", host: host, forwardedHost: nil) != .allowed)
        #expect(CSRFCheck.origin(origin: "null", secFetchSite: nil, host: host, forwardedHost: nil) != .allowed)
        #expect(CSRFCheck.origin(origin: "file://", secFetchSite: nil, host: host, forwardedHost: nil) != .allowed)
        #expect(CSRFCheck.origin(origin: nil, secFetchSite: "cross-site", host: host, forwardedHost: nil) != .allowed)
        #expect(CSRFCheck.origin(origin: nil, secFetchSite: "same-site", host: host, forwardedHost: nil) != .allowed)
        #expect(CSRFCheck.origin(origin: "http://127.0.0.1:8470/x", secFetchSite: nil, host: host, forwardedHost: nil) != .allowed)
    }

    @Test func formBodiesAreDecoded() {
        #expect(FormBody.parse("csrf=a%2Bb&reason=deploy+of+v1.4&empty=&reason=second") == ["csrf": "a+b", "reason": "deploy of v1.4", "empty": ""])
        #expect(FormBody.parse("x=%ZZ") == nil)
        #expect(FormBody.parse("x=%FF") == nil)
        #expect(FormBody.parse((0..<40).map { "f\($0)=1" }.joined(separator: "&")) == nil)
    }

    static func session(_ id: String, at: Date) -> DashboardSessionTable.Session {
        .init(id: id, name: "reader", scopes: [.read], tokenDigest: [1, 2], csrf: "c-\(id)", createdAt: at)
    }

    @Test func sessionsExpireAfterTwelveHoursOrTwoIdleHours() {
        var table = DashboardSessionTable()
        table.add(Self.session("a", at: Self.t0), now: Self.t0)
        #expect(table.touch("a", now: Self.t0.addingTimeInterval(3600))?.name == "reader")
        // Seen an hour in: alive until three hours in, gone after.
        #expect(table.touch("a", now: Self.t0.addingTimeInterval(3 * 3600 - 1)) != nil)
        #expect(table.touch("a", now: Self.t0.addingTimeInterval(5 * 3600 + 1)) == nil)
        #expect(table.count == 0)
        // Used every hour: still ends twelve hours after login.
        table.add(Self.session("b", at: Self.t0), now: Self.t0)
        for hour in 1..<12 { #expect(table.touch("b", now: Self.t0.addingTimeInterval(Double(hour) * 3600)) != nil) }
        #expect(table.touch("b", now: Self.t0.addingTimeInterval(12 * 3600)) == nil)
        #expect(table.touch("nope", now: Self.t0) == nil)
    }

    @Test func theTableKeepsAtMostItsCapacityDroppingTheLeastRecentlyUsed() {
        var table = DashboardSessionTable(capacity: 3)
        for (i, id) in ["a", "b", "c"].enumerated() { table.add(Self.session(id, at: Self.t0.addingTimeInterval(Double(i))), now: Self.t0.addingTimeInterval(Double(i))) }
        _ = table.touch("a", now: Self.t0.addingTimeInterval(10))
        table.add(Self.session("d", at: Self.t0.addingTimeInterval(11)), now: Self.t0.addingTimeInterval(11))
        #expect(table.count == 3)
        #expect(table.touch("b", now: Self.t0.addingTimeInterval(12)) == nil)
        #expect(table.touch("a", now: Self.t0.addingTimeInterval(12)) != nil)
        #expect(table.remove("a")?.csrf == "c-a")
    }
}
