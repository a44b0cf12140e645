import Testing
@testable import StewardCore

/// Channel URLs before any lookup: http(s) only, no credentials, a host, the port defaulted.
@Suite struct OutboundURLTests {
    @Test func defaultsThePortFromTheScheme() throws {
        let https = try OutboundURL("https://hooks.example.com/steward?x=1")
        #expect(https.scheme == "https" && https.host == "hooks.example.com" && https.port == 443)
        #expect(try OutboundURL("http://hooks.lan/x").port == 80)
        let upper = try OutboundURL("HTTP://hooks.lan:8080/x")
        #expect(upper.scheme == "http" && upper.host == "hooks.lan" && upper.port == 8080)
    }

    @Test func anIPv6HostLosesItsBrackets() throws {
        let url = try OutboundURL("http://[::1]:9000/hook")
        #expect(url.host == "::1" && url.port == 9000)
    }

    @Test(arguments: [
        ("ftp://hooks.example.com/", OutboundURL.Problem.scheme),
        ("file:///etc/shadow", .scheme),
        ("gopher://127.0.0.1:6379/_FLUSHALL", .scheme),
        ("hooks.example.com/steward", .scheme),
        ("https://user:secret@hooks.example.com/", .userinfo),
        ("https://user@hooks.example.com/", .userinfo),
        ("https:///steward", .noHost),
        ("https://hooks.example.com:0/", .port),
        ("https://hooks example.com/", .invalid),
    ])
    func refuses(_ text: String, _ problem: OutboundURL.Problem) {
        #expect(throws: problem) { try OutboundURL(text) }
    }
}
