import Testing
@testable import StewardCore

/// The nginx site parser is bounded in nesting and includes: hostile or broken configs yield what can be read,
/// never a stack overflow or an endless include loop.
@Suite struct NginxBoundsTests {
    @Test func deepNestingDoesNotOverflowTheStack() {
        let deep = "server { listen 80; server_name a.example; " + String(repeating: "location / { ", count: 50_000)
            + String(repeating: "} ", count: 50_000) + "}\nserver { server_name b.example; }"
        let sites = NginxConfigParser.parse(deep, file: "/etc/nginx/sites-enabled/x")
        #expect(sites.map(\.serverNames) == [["a.example"], ["b.example"]])
    }

    @Test func includesAreBoundedInCountAndDepth() {
        var reads = 0
        // A file that includes itself ten times: 10 + 100 + 1000 + 10000 reads without a bound on the count.
        let sites = NginxConfigParser.parse("server { server_name a; include loop.conf; }", file: "x") { path in
            reads += 1
            return String(repeating: "include loop.conf; ", count: 10) + "proxy_set_header X-Loop 1;"
        }
        #expect(sites.count == 1)
        #expect(reads <= NginxConfigParser.maxIncludes)
    }

    @Test func ordinaryIncludesStillApply() {
        let sites = NginxConfigParser.parse("server { server_name a; location / { include proxy_params; proxy_pass http://127.0.0.1:8000; } }",
                                            file: "x") { $0 == "/etc/nginx/proxy_params" ? "proxy_set_header Host $host;" : nil }
        #expect(sites.first?.locations.first?.proxySetHeaders == ["Host"])
    }
}
