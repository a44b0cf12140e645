import Testing
@testable import StewardCore

/// The small parsers behind the TLS, data store, log and unit rules: certbot's log, pg_hba.conf, logrotate,
/// journald.conf, nginx redirects and the unit properties systemctl reports.
@Suite struct AuditConfigParserTests {
    @Test func certbotLogNamesFailedLineagesOfEveryVersion() {
        let log = """
            2026-11-30 03:12:01,100:DEBUG:certbot._internal.main:certbot version: 2.1.0
            2026-11-30 03:12:04,511:ERROR:certbot._internal.renewal:Failed to renew certificate api.example.org with error: Some challenges have failed.
            2026-11-30 03:12:04,512:DEBUG:certbot._internal.renewal:Attempting to renew cert (old.example.org) from /etc/letsencrypt/renewal/old.example.org.conf produced an unexpected error: timeout.
              /etc/letsencrypt/live/api.example.org/fullchain.pem (failure)
            2026-11-30 03:12:04,600:ERROR:certbot._internal.renewal:All renewals failed.
            """
        let (lineages, lines) = CertbotLog.failures(log)
        #expect(lineages == ["api.example.org", "old.example.org"])
        #expect(lines.count == 3)
        #expect(CertbotLog.failures("Congratulations, all renewals succeeded:\n  /etc/letsencrypt/live/a/fullchain.pem (success)\n").lineages.isEmpty)
    }

    @Test func pgHbaListsOnlyTCPTrust() {
        let text = """
            # TYPE  DATABASE USER ADDRESS METHOD
            local   all      all          trust
            host    all      all  127.0.0.1/32  scram-sha-256
            host    all      all  0.0.0.0/0     trust
            hostssl app      app  10.0.0.0 255.0.0.0 trust   # a mask in its own field
            host    trust    all  ::1/128       md5
            """
        #expect(PgHba.trustLines(text, file: "/h") == [
            "/h:4: host all all 0.0.0.0/0 trust",
            "/h:5: hostssl app app 10.0.0.0 255.0.0.0 trust",
        ])
    }

    @Test func logrotatePatternsAndCoverage() {
        let conf = """
            weekly
            include /etc/logrotate.d
            /var/log/wtmp {
                monthly
            }
            /opt/racklab/*/logs/*.log /var/log/racklab.log {
                daily
                postrotate
                    systemctl kill -s HUP racklab@prod
                endscript
            }
            "/srv/app/app.log"
            {
                weekly
            }
            """
        #expect(LogrotateConfig.patterns(conf) == ["/var/log/wtmp", "/opt/racklab/*/logs/*.log", "/var/log/racklab.log", "/srv/app/app.log"])
        let files = [(path: "/etc/logrotate.d/racklab", text: conf)]
        #expect(LogrotateConfig.covering("/opt/racklab/prod/logs/api.log", files: files) == "/etc/logrotate.d/racklab")
        #expect(LogrotateConfig.covering("/opt/marb/prod/logs/app.log", files: files) == nil)
    }

    @Test func journaldSystemMaxUseLastAssignmentWins() {
        #expect(JournaldConfig.systemMaxUse(["[Journal]\n#SystemMaxUse=\n"]) == nil)
        #expect(JournaldConfig.systemMaxUse(["[Journal]\nSystemMaxUse=1G\n", "[Journal]\nSystemMaxUse=200M\n"]) == "200M")
        #expect(JournaldConfig.systemMaxUse(["[Journal]\nSystemMaxUse=1G\n", "[Journal]\nSystemMaxUse=\n"]) == nil)
        #expect(JournaldConfig.systemMaxUse(["[Other]\nSystemMaxUse=1G\n"]) == nil)
    }

    @Test func nginxRedirectsToHTTPSAtAnyLevel() {
        let sites = NginxConfigParser.parse("""
            server { listen 80; server_name a.org; return 301 https://$host$request_uri; }
            server { listen 80; server_name b.org; location / { rewrite ^ https://b.org$request_uri permanent; } }
            server { listen 80; listen 443 ssl; server_name c.org; if ($scheme = http) { return 308 https://$host$request_uri; } }
            server { listen 80; server_name d.org; return 301 http://e.org; }
            server { listen 443 ssl; server_name e.org; ssl_certificate /etc/ssl/e.pem; }
            """, file: "f")
        #expect(sites.map(\.redirectsToHTTPS) == [true, true, true, false, false])
        #expect(sites.map(\.servesTLS) == [false, false, true, false, true])
        #expect(sites.map(\.servesPlainHTTP) == [true, true, true, true, false])
    }

    @Test func systemctlShowGivesOrderingAndSandboxing() throws {
        let unit = try #require(SystemctlShowParser.parse("""
            Id=app.service
            After=network.target postgresql.service basic.target
            NoNewPrivileges=no
            ProtectSystem=full
            PrivateTmp=yes

            """).first)
        #expect(unit.after == ["basic.target", "network.target", "postgresql.service"])  // sorted: systemd's order is not stable
        #expect([unit.noNewPrivileges, unit.protectSystem, unit.privateTmp] == ["no", "full", "yes"])
        #expect(Systemctl.show(units: ["app.service"]).arguments[3].hasSuffix("FragmentPath,After,NoNewPrivileges,ProtectSystem,PrivateTmp"))
    }

    @Test("local database URLs", arguments: [
        ("postgresql://u:p@localhost/db", true), ("postgresql:///db", true), ("redis://:pw@127.0.0.1:6379/0", true),
        ("redis://[::1]:6379", true), ("postgresql://u:p@db.internal:5432/db", false), ("redis://10.0.0.2", false),
    ])
    func localURL(url: String, local: Bool) {
        #expect(LocalURL.isLocal(url) == local)
    }
}
