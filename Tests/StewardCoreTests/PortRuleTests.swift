import Testing
@testable import StewardCore

@Suite("Port rules")
struct PortRuleTests {
    /// N1 with `PORT=<port>` in test.env.
    static func testPort(_ port: String) -> Facts {
        n1Facts().with(envFile: N1.testEnv) { $0.values["PORT"] = Secret(port) }
    }

    // MARK: ports.conflict

    @Test func stoppedTestSharingProdsPortIsAWarningAboutTest() {
        // N1: both env files say PORT=8511; test is inactive, so it is the one that would lose.
        let result = findings("ports.conflict", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ports.conflict", "calb-sizingtool@test", .warning)])
        #expect(result.first?.evidence == ["calb-sizingtool@prod: port 8511 (PORT in \(N1.prodEnv))",
                                           "calb-sizingtool@test: port 8511 (PORT in \(N1.testEnv))"])
        #expect(result.first?.fix.contains("edit \(N1.testEnv) (e.g. PORT=8512)") == true)
    }

    @Test func twoActiveInstancesOnOnePortIsCritical() {
        let facts = n1Facts().with(unit: N1.testUnit) {
            $0.activeState = "active"
            $0.subState = "running"
        }
        let result = findings("ports.conflict", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ports.conflict", "calb-sizingtool@test", .critical)])
    }

    @Test func distinctPortsDoNotConflict() {
        #expect(findings("ports.conflict", Self.testPort("8512")).isEmpty)
    }

    @Test func manifestPortsStandInOnlyWhenTheHostSaysNothing() {
        // No PORT in the env files and none on the command line: the manifest's port is the one to check.
        let facts = n1Facts().changing { facts in
            for i in facts.envFiles.indices { facts.envFiles[i].keys = []; facts.envFiles[i].values = [:] }
        }
        let manifest = parsedManifest("""
            apps:
              calb-sizingtool:
                instances:
                  prod: {port: 8511}
                  test: {port: 8512}
            """)
        #expect(findings("ports.conflict", facts, manifest).isEmpty)
        #expect(findings("ports.conflict", facts).isEmpty)
        #expect(findings("ports.mismatch", facts, manifest).isEmpty)
    }

    @Test func portHeldByAnotherUnitIsCritical() {
        let facts = Self.testPort("8512").changing {
            $0.sockets = [ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 8511, pid: 777, process: "nginx", unit: "nginx.service")]
        }
        let result = findings("ports.conflict", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ports.conflict", "calb-sizingtool@prod", .critical)])
        #expect(result.first?.summary == "Port 8511 of calb-sizingtool@prod is held by nginx.service")
    }

    @Test func udpListenersDoNotHoldATCPPort() {
        let facts = Self.testPort("8512").changing {
            $0.sockets! += [ListeningSocket(proto: .udp, address: "0.0.0.0", port: 8512, pid: 900, process: "avahi", unit: "avahi-daemon.service")]
        }
        #expect(findings("ports.conflict", facts).isEmpty)
    }

    // MARK: ports.public-bind

    @Test func wildcardBindBehindTheTunnelIsAWarning() {
        // N1: streamlit on 0.0.0.0:8511 while calb-ngrok@prod (tunnel targets unknown: no tunnels) fronts prod.
        let result = findings("ports.public-bind", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ports.public-bind", "calb-sizingtool@prod", .warning)])
        #expect(result.first?.evidence.contains("fronted by: tunnel calb-ngrok@prod serves instance prod") == true)
        // N1 runs `python -m streamlit run`: the fix is Streamlit's own address option.
        #expect(result.first?.fix.contains("--server.address 127.0.0.1") == true)
    }

    @Test func publicBindFixFitsANonStreamlitServer() {
        let facts = n1Facts().with(unit: N1.prodUnit) {
            $0.execStart = ["\(N1.prodDir)/.venv/bin/uvicorn", "main:app", "--host", "0.0.0.0", "--port", "${PORT}"]
        }
        let result = findings("ports.public-bind", facts)
        #expect(subjects(result) == ["calb-sizingtool@prod"])
        #expect(result.first?.fix.contains("uvicorn `--host 127.0.0.1`") == true)
        #expect(result.first?.fix.contains("--server.address") == false)
    }

    @Test func loopbackBindIsFine() {
        let facts = n1Facts().changing { $0.sockets![0].address = "127.0.0.1" }
        #expect(findings("ports.public-bind", facts).isEmpty)
    }

    @Test func wildcardBindWithoutAnyFrontIsNotThisRulesBusiness() {
        let facts = n1Facts().changing {
            $0.units.removeAll { $0.name.hasPrefix("calb-ngrok@") }
            $0.ngrok = []
        }
        #expect(findings("ports.public-bind", facts).isEmpty)
    }

    @Test func ngrokTunnelToThePortFronts() {
        let facts = n1Facts().changing {
            $0.units.removeAll { $0.name.hasPrefix("calb-ngrok@") }
            $0.ngrok = [NgrokFacts(path: "/root/.config/ngrok/ngrok.yml", units: ["ngrok.service"], version: "3",
                                   tunnelNames: ["app"], tunnelPorts: [8511], startsAll: true, problems: [])]
        }
        let result = findings("ports.public-bind", facts)
        #expect(subjects(result) == ["calb-sizingtool@prod"])
        #expect(result.first?.evidence.last == "fronted by: ngrok (/root/.config/ngrok/ngrok.yml) forwards to port 8511")
    }

    @Test func nginxProxyToThePortFronts() {
        let facts = n1Facts().changing {
            $0.units.removeAll { $0.name.hasPrefix("calb-ngrok@") }
            $0.ngrok = []
            $0.nginx = NginxRuleTests.nginx(proxyPass: "http://127.0.0.1:8511")
        }
        #expect(subjects(findings("ports.public-bind", facts)) == ["calb-sizingtool@prod"])
    }

    @Test func ipv6WildcardCountsToo() {
        let facts = n1Facts().changing {
            $0.sockets![0].proto = .tcp6
            $0.sockets![0].address = "::"
        }
        let result = findings("ports.public-bind", facts)
        #expect(subjects(result) == ["calb-sizingtool@prod"])
        #expect(result.first?.summary.contains("[::]:8511") == true)
    }

    @Test func publicBindIsSilentWithoutASocketTable() {
        #expect(findings("ports.public-bind", n1Facts().changing { $0.sockets = nil }).isEmpty)
    }

    // MARK: ports.mismatch

    @Test func manifestPortIsCheckedAgainstTheEnvFileNotSubstitutedForIt() {
        // test.env says 8511 (the seed's clash); a manifest that expects 8512 must not hide it.
        let manifest = parsedManifest("""
            apps:
              calb-sizingtool:
                instances:
                  prod: {port: 8511}
                  test: {port: 8512}
            """)
        let mismatch = findings("ports.mismatch", n1Facts(), manifest)
        #expect(mismatch.map { RuleSubject($0) } == [RuleSubject("ports.mismatch", "calb-sizingtool@test", .warning)])
        #expect(mismatch.first?.evidence.first == "manifest expects port 8512; configured: 8511 (PORT in /etc/calb-sizingtool/prod.env)".replacingOccurrences(of: "prod.env", with: "test.env"))
        #expect(subjects(findings("ports.conflict", n1Facts(), manifest)) == ["calb-sizingtool@test"])
    }

    @Test func expectedBindAddressIsChecked() {
        let manifest = parsedManifest("""
            apps:
              calb-sizingtool:
                instances:
                  prod: {port: 8511, bind: 127.0.0.1}
            """)
        let result = findings("ports.mismatch", n1Facts(), manifest)
        #expect(subjects(result) == ["calb-sizingtool@prod"])
        #expect(result.first?.evidence == ["manifest expects 127.0.0.1:8511; listening on 0.0.0.0:8511"])
        let loopback = n1Facts().changing { facts in
            for i in facts.sockets!.indices where facts.sockets![i].port == 8511 { facts.sockets![i].address = "127.0.0.1" }
        }
        #expect(findings("ports.mismatch", loopback, manifest).isEmpty)
    }

    @Test func mismatchIsSilentWithoutAManifest() {
        #expect(findings("ports.mismatch", n1Facts()).isEmpty)
    }

    // MARK: ports.not-listening

    @Test func activeProductionInstanceNotListeningIsCritical() {
        let facts = n1Facts().changing { $0.sockets!.removeAll { $0.port == 8511 } }
        let result = findings("ports.not-listening", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ports.not-listening", "calb-sizingtool@prod", .critical)])
    }

    @Test func activeNonProductionInstanceNotListeningIsAWarning() {
        let facts = Self.testPort("8512").with(unit: N1.testUnit) {
            $0.activeState = "active"
            $0.subState = "running"
        }
        let result = findings("ports.not-listening", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ports.not-listening", "calb-sizingtool@test", .warning)])
    }

    @Test func notListeningIsSilentOnN1AndWithoutASocketTable() {
        // prod listens on 8511; test is inactive.
        #expect(findings("ports.not-listening", n1Facts()).isEmpty)
        #expect(findings("ports.not-listening", n1Facts().changing { $0.sockets = nil }).isEmpty)
    }
}
