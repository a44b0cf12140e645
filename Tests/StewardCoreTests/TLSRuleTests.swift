import Foundation
import Testing
@testable import StewardCore

@Suite("TLS rules: expiry, names, self-signed, Let's Encrypt renewal, HTTP redirect")
struct TLSRuleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let site = "/etc/nginx/sites-enabled/marb"
    static let cert = "/etc/letsencrypt/live/api.example.org/fullchain.pem"

    static func certificate(days: Double, names: [String] = ["api.example.org"], serverNames: [String] = ["api.example.org"],
                            selfSigned: Bool = false, path: String = cert, unreadable: String? = nil) -> CertificateFacts {
        CertificateFacts(path: path, site: site, serverNames: serverNames, notAfter: unreadable == nil ? now.addingTimeInterval(days * 86400) : nil,
                         names: names, selfSigned: selfSigned, subject: "CN=\(names.first ?? "?")", unreadableReason: unreadable)
    }

    static func facts(_ certs: [CertificateFacts], letsEncrypt: LetsEncryptFacts? = nil, sites: [NginxSite]? = nil) -> Facts {
        Facts(nginx: sites.map { NginxFacts(configValid: true, sites: $0) },
              tls: TLSFacts(certificates: certs, letsEncrypt: letsEncrypt, observedAt: now))
    }

    @Test("tls.cert-expiry: 21 days warn, 7 days or expired critical", arguments: [
        (90.0, nil), (21.5, nil), (21.0, Severity.warning), (8.0, .warning), (7.0, .critical), (0.5, .critical), (-3.0, .critical),
    ] as [(Double, Severity?)])
    func expiry(days: Double, severity: Severity?) {
        let result = findings("tls.cert-expiry", Self.facts([Self.certificate(days: days)]))
        #expect(result.map { RuleSubject($0) } == (severity.map { [RuleSubject("tls.cert-expiry", Self.cert, $0)] } ?? []))
    }

    @Test func expiredSaysSoAndTheFixRenewsTheLineage() throws {
        let f = try #require(findings("tls.cert-expiry", Self.facts([Self.certificate(days: -2)])).first)
        #expect(f.summary == "The certificate for api.example.org expired 2d 0h ago")
        #expect(f.fix.hasPrefix("`certbot renew --cert-name api.example.org`"))
    }

    @Test func oneFindingPerFileWhateverTheSitesThatServeIt() {
        let a = Self.certificate(days: 3), b = Self.certificate(days: 3, serverNames: ["www.example.org"])
        #expect(findings("tls.cert-expiry", Self.facts([a, b])).count == 1)
    }

    @Test func unreadableOrUnprobedCertificatesAreNotJudged() {
        #expect(findings("tls.cert-expiry", Self.facts([Self.certificate(days: 1, unreadable: "permission denied")])).isEmpty)
        #expect(findings("tls.cert-expiry", Facts()).isEmpty)
    }

    @Test("tls.cert-name-mismatch", arguments: [
        (["api.example.org"], ["api.example.org"], false), (["*.example.org"], ["api.example.org"], false),
        (["*.example.org"], ["a.b.example.org"], true), (["example.org"], ["api.example.org"], true),
        (["api.example.org"], ["api.example.org", "www.example.org"], true),
        (["localhost"], ["_", "localhost", "127.0.0.1"], false),
    ] as [([String], [String], Bool)])
    func names(certNames: [String], serverNames: [String], fires: Bool) {
        let result = findings("tls.cert-name-mismatch", Self.facts([Self.certificate(days: 60, names: certNames, serverNames: serverNames)]))
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("tls.cert-name-mismatch", "\(Self.site): \(Self.cert)", .critical)] : []))
    }

    @Test("tls.self-signed: only on a public name", arguments: [
        (["api.example.org"], true, true), (["api.example.org"], false, false), (["localhost", "_"], true, false),
    ] as [([String], Bool, Bool)])
    func selfSigned(serverNames: [String], selfSigned: Bool, fires: Bool) {
        let result = findings("tls.self-signed", Self.facts([Self.certificate(days: 300, names: serverNames, serverNames: serverNames, selfSigned: selfSigned)]))
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("tls.self-signed", Self.cert, .warning)] : []))
    }

    @Test("tls.no-renewal: a lineage and neither timer nor cron", arguments: [
        (["api"], [], [], true), (["api"], ["certbot.timer"], [], false), (["api"], [], ["/etc/cron.d/certbot"], false), ([], [], [], false),
    ] as [([String], [String], [String], Bool)])
    func renewal(lineages: [String], timers: [String], cron: [String], fires: Bool) {
        let le = LetsEncryptFacts(lineages: lineages, enabledTimers: timers, cronEntries: cron)
        let result = findings("tls.no-renewal", Self.facts([], letsEncrypt: le))
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("tls.no-renewal", "/etc/letsencrypt", .warning)] : []))
    }

    @Test func failedRenewalNamesTheLineagesAndQuotesTheLog() throws {
        let le = LetsEncryptFacts(lineages: ["api"], enabledTimers: ["certbot.timer"], failedRenewals: ["api"],
                                  failureLines: ["Failed to renew certificate api with error: Connection refused"])
        let f = try #require(findings("tls.renewal-failed", Self.facts([], letsEncrypt: le)).first)
        #expect(RuleSubject(f) == RuleSubject("tls.renewal-failed", "/etc/letsencrypt", .warning))
        #expect(f.evidence.first == "Failed to renew certificate api with error: Connection refused")
        #expect(findings("tls.renewal-failed", Self.facts([], letsEncrypt: LetsEncryptFacts(lineages: ["api"]))).isEmpty)
    }

    static func server(_ file: String, listen: [String], names: [String] = ["api.example.org"], redirect: Bool = false, cert: Bool = false) -> NginxSite {
        NginxSite(file: file, serverNames: names, listen: listen, locations: [], sslCertificates: cert ? [Self.cert] : [], redirectsToHTTPS: redirect)
    }

    @Test("tls.no-https-redirect", arguments: [
        // 443 only: nothing answers on 80.
        ([TLSRuleTests.server("a", listen: ["443 ssl"], cert: true)], true),
        // The usual pair: a redirecting server on 80.
        ([TLSRuleTests.server("a", listen: ["443 ssl"], cert: true), TLSRuleTests.server("a", listen: ["80"], redirect: true)], false),
        // 80 and 443 in one server with a conditional redirect.
        ([TLSRuleTests.server("a", listen: ["80", "443 ssl"], redirect: true, cert: true)], false),
        // 80 serves the site in plain HTTP.
        ([TLSRuleTests.server("a", listen: ["443 ssl"], cert: true), TLSRuleTests.server("b", listen: ["[::]:80", "0.0.0.0:80"])], true),
        // A catch-all redirect on 80 covers every name.
        ([TLSRuleTests.server("a", listen: ["443 ssl"], cert: true), TLSRuleTests.server("c", listen: ["80 default_server"], names: ["_"], redirect: true)], false),
        // No public name: not judged.
        ([TLSRuleTests.server("a", listen: ["443 ssl"], names: ["localhost"], cert: true)], false),
    ] as [([NginxSite], Bool)])
    func redirect(sites: [NginxSite], fires: Bool) {
        let result = findings("tls.no-https-redirect", Self.facts([], sites: sites))
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("tls.no-https-redirect", "a", .warning)] : []))
    }
}
