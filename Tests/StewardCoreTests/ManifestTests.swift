import Foundation
import Testing
import StewardCore

@Suite("Manifest parsing")
struct ManifestTests {
    static let full = """
        # steward.yml
        version: 1
        journal_window: 6h
        thresholds:
          disk_warning_percent: 75
          disk_critical_percent: 92.5%
          disk_warning_free: 4GiB
          disk_critical_free: 1.5G
          memory_warning_percent: 85
          memory_critical_percent: 97
          swap_warning_percent: 40
          ssh_failed_logins_warning: 25
          tracebacks_warning: 3
          restarts_warning: 2
        apps:
          calb-sizingtool:
            kind: streamlit
            unit: calb-sizingtool@.service
            directory: /opt/calb/{instance}/CALB_SIZINGTOOL
            env_file: /etc/calb-sizingtool/{instance}.env
            health: /_stcore/health
            instances:
              prod:
                production: true
                port: 8511
                bind: 127.0.0.1
              test:
                port: 8512
          api:
            kind: fastapi
            instances:
              live:
                port: 8000
              staging:
                production: yes
                port: 8001
                bind: "::1"
          worker: {}
        silence:
          - rule: ports.public-bind
            subject: calb-sizingtool@prod
            reason: "firewalled at the provider; tunnel only"
          - rule: logs.*
            reason: noisy
        """

    @Test func fullManifestParsesToExactValues() throws {
        let manifest = try ManifestParser.parse(Self.full, file: "steward.yml").get()
        let expected = Manifest(
            version: 1,
            journalWindowHours: 6,
            thresholds: Thresholds(
                diskWarningPercent: 75, diskCriticalPercent: 92.5,
                diskWarningFreeBytes: 4_294_967_296, diskCriticalFreeBytes: 1_610_612_736,
                memoryWarningPercent: 85, memoryCriticalPercent: 97, swapWarningPercent: 40,
                sshFailedLoginsWarning: 25, tracebacksWarning: 3, restartsWarning: 2),
            apps: [
                AppSpec(name: "calb-sizingtool", kind: .streamlit, unit: "calb-sizingtool@.service",
                        directory: "/opt/calb/{instance}/CALB_SIZINGTOOL",
                        envFile: "/etc/calb-sizingtool/{instance}.env", health: "/_stcore/health",
                        instances: [
                            InstanceSpec(name: "prod", production: true, port: 8511, bind: "127.0.0.1"),
                            InstanceSpec(name: "test", port: 8512, bind: nil),  // production by name: false, not declared
                        ]),
                AppSpec(name: "api", kind: .fastapi, instances: [
                    InstanceSpec(name: "live", port: 8000),  // production by name: true, not declared
                    InstanceSpec(name: "staging", production: true, port: 8001, bind: "::1"),
                ]),
                AppSpec(name: "worker", kind: .generic),
            ],
            silences: [
                Silence(rule: "ports.public-bind", subject: "calb-sizingtool@prod",
                        reason: "firewalled at the provider; tunnel only"),
                Silence(rule: "logs.*", subject: nil, reason: "noisy"),
            ])
        #expect(manifest == expected)
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
    func emptyDocumentIsTheEmptyManifest(yaml: String) throws {
        let manifest = try ManifestParser.parse(yaml, file: "steward.yml").get()
        #expect(manifest == .empty)
        #expect(manifest.version == 1)
        #expect(manifest.journalWindowHours == 24)
        #expect(manifest.thresholds == .defaults)
        #expect(manifest.apps.isEmpty)
        #expect(manifest.silences.isEmpty)
    }

    @Test func defaultsFillWhatTheFileLeavesOut() throws {
        let manifest = try ManifestParser.parse("""
            thresholds:
              disk_warning_percent: 70
            apps:
              web:
                instances:
                  prod:
                  test: {}
            silence:
            """, file: "steward.yml").get()
        #expect(manifest.version == 1)
        #expect(manifest.journalWindowHours == 24)
        var thresholds = Thresholds.defaults
        thresholds.diskWarningPercent = 70
        #expect(manifest.thresholds == thresholds)
        let web = try #require(manifest.app(named: "web"))
        #expect(web.kind == .generic)
        #expect(web.unit == nil)
        #expect(web.unitTemplate == "web@.service")
        #expect(web.directory == nil && web.envFile == nil && web.health == nil)
        #expect(web.instances == [InstanceSpec(name: "prod"), InstanceSpec(name: "test")])
        #expect(web.instances.map(\.production) == [true, false] && web.instances.allSatisfy { $0.declaredProduction == nil })
        #expect(manifest.silences.isEmpty)
    }

    @Test func thresholdDefaults() {
        let t = Thresholds.defaults
        #expect(t.diskWarningPercent == 80)
        #expect(t.diskCriticalPercent == 90)
        #expect(t.diskWarningFreeBytes == 2 * 1024 * 1024 * 1024)
        #expect(t.diskCriticalFreeBytes == 512 * 1024 * 1024)
        #expect(t.memoryWarningPercent == 90)
        #expect(t.memoryCriticalPercent == 95)
        #expect(t.swapWarningPercent == 50)
        #expect(t.sshFailedLoginsWarning == 10)
        #expect(t.tracebacksWarning == 1)
        #expect(t.restartsWarning == 1)
    }

    @Test(arguments: [("30m", 1), ("1m", 1), ("90m", 2), ("6h", 6), ("24h", 24), ("7d", 168), ("2w", 336)])
    func journalWindowInWholeHours(text: String, hours: Int) throws {
        let manifest = try ManifestParser.parse("journal_window: \(text)\n", file: "steward.yml").get()
        #expect(manifest.journalWindowHours == hours)
    }

    @Test func unitNames() {
        let templated = AppSpec(name: "calb-sizingtool", instances: [InstanceSpec(name: "prod"), InstanceSpec(name: "test")])
        #expect(templated.unitTemplate == "calb-sizingtool@.service")
        #expect(templated.unitName(forInstance: "prod") == "calb-sizingtool@prod.service")
        #expect(templated.unitNames == ["calb-sizingtool@prod.service", "calb-sizingtool@test.service"])

        let custom = AppSpec(name: "sizing", unit: "calb-sizingtool@.service", instances: [InstanceSpec(name: "prod")])
        #expect(custom.unitName(forInstance: "prod") == "calb-sizingtool@prod.service")

        let plain = AppSpec(name: "worker")
        #expect(plain.unitTemplate == "worker.service")
        #expect(plain.unitName(forInstance: nil) == "worker.service")
        #expect(plain.unitName(forInstance: "prod") == "worker.service")
        #expect(plain.unitNames == ["worker.service"])
    }

    @Test func resolveSubstitutesEveryInstancePlaceholder() {
        let app = AppSpec(name: "calb-sizingtool")
        #expect(app.resolve("/opt/calb/{instance}/CALB_SIZINGTOOL", instance: "prod") == "/opt/calb/prod/CALB_SIZINGTOOL")
        #expect(app.resolve("/srv/{instance}/{instance}.env", instance: "test") == "/srv/test/test.env")
        #expect(app.resolve("/etc/app.env", instance: "prod") == "/etc/app.env")
    }

    @Test(arguments: [
        ("prod", true), ("PROD", true), ("Production", true), ("production", true), ("live", true), ("LIVE", true),
        ("test", false), ("staging", false), ("prod2", false), ("preprod", false), ("dev", false), ("", false),
    ])
    func productionDefaultsByName(name: String, production: Bool) {
        #expect(InstanceSpec.defaultProduction(name: name) == production)
        #expect(InstanceSpec(name: name).production == production)
    }

    @Test func explicitProductionOverridesTheName() throws {
        let manifest = try ManifestParser.parse("""
            apps:
              web:
                instances:
                  prod:
                    production: false
                  canary:
                    production: true
                  live: {}
                  qa: {}
            """, file: "steward.yml").get()
        let flags = manifest.apps[0].instances.map { "\($0.name)=\($0.production)" }
        #expect(flags == ["prod=false", "canary=true", "live=true", "qa=false"])
    }

    @Test func appsAndInstancesKeepFileOrder() throws {
        let manifest = try ManifestParser.parse("""
            apps:
              zeta: {instances: {b: {}, a: {}, c: {}}}
              alpha: {}
              mid: {}
            """, file: "steward.yml").get()
        #expect(manifest.apps.map(\.name) == ["zeta", "alpha", "mid"])
        #expect(manifest.apps[0].instances.map(\.name) == ["b", "a", "c"])
    }

    @Test func samePortOnDifferentSpecificAddressesIsAllowed() throws {
        let manifest = try ManifestParser.parse("""
            apps:
              a:
                instances:
                  prod: {port: 8080, bind: 10.0.0.5}
              b:
                instances:
                  prod: {port: 8080, bind: 127.0.0.1}
            """, file: "steward.yml").get()
        #expect(manifest.apps.flatMap(\.instances).map(\.port) == [8080, 8080])
    }

    @Test func firstMatchingSilenceWins() throws {
        let manifest = try ManifestParser.parse("""
            silence:
              - rule: ports.public-bind
                subject: calb-sizingtool@prod
                reason: tunnel only
              - rule: ports.*
                reason: all ports accepted
            """, file: "steward.yml").get()
        #expect(manifest.silence(matchingRule: "ports.public-bind", subject: "calb-sizingtool@prod")?.reason == "tunnel only")
        #expect(manifest.silence(matchingRule: "ports.public-bind", subject: "other@prod")?.reason == "all ports accepted")
        #expect(manifest.silence(matchingRule: "logs.tracebacks", subject: "calb-sizingtool@prod") == nil)
    }

    @Test func manifestRoundTripsThroughJSON() throws {
        let manifest = try ManifestParser.parse(Self.full, file: "steward.yml").get()
        let data = try JSONEncoder().encode(manifest)
        #expect(try JSONDecoder().decode(Manifest.self, from: data) == manifest)
    }

    @Test func exampleManifestForN1Parses() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/steward.n1.yml")
        let yaml = try String(contentsOf: url, encoding: .utf8)
        let result = ManifestParser.parse(yaml, file: "steward.n1.yml")
        if case .failure(let failure) = result { Issue.record("\(failure)") }
        let manifest = try result.get()

        #expect(manifest.journalWindowHours == 24)
        #expect(manifest.thresholds.diskWarningFreeBytes == 1 << 30)
        #expect(manifest.apps.map(\.name) == ["calb-sizingtool", "calb-ngrok"])
        let sizing = manifest.apps[0]
        #expect(sizing.kind == .streamlit)
        #expect(sizing.unitName(forInstance: "prod") == "calb-sizingtool@prod.service")
        #expect(sizing.resolve(try #require(sizing.directory), instance: "prod") == "/opt/calb/prod/CALB_SIZINGTOOL")
        #expect(sizing.resolve(try #require(sizing.envFile), instance: "test") == "/etc/calb-sizingtool/test.env")
        #expect(sizing.health == "/_stcore/health")
        #expect(sizing.instances == [
            InstanceSpec(name: "prod", production: true, port: 8511, bind: "127.0.0.1"),
            InstanceSpec(name: "test", port: 8512),  // production by name: false, not declared
        ])
        let ngrok = manifest.apps[1]
        #expect(ngrok.kind == .generic)
        #expect(ngrok.unitNames == ["calb-ngrok@prod.service", "calb-ngrok@test.service"])
        var serve = try #require(manifest.serve)
        #expect(serve.alerts.channels.map(\.name) == ["phone", "mail"])
        #expect(serve.alerts.rules.map(\.rule.id) == ["checks", "critical-findings"])
        serve.alerts = AlertsSpec()
        #expect(serve == ServeSpec(history: .init(sizeCapBytes: 64 << 20), checks: .init(jitterPercent: 10, parallel: 4)))
        #expect(manifest.silences.count == 1)
        #expect(manifest.silences.allSatisfy { !$0.reason.isEmpty })
        #expect(manifest.silence(matchingRule: "service.syslog-output", subject: "calb-ngrok@.service") != nil)
    }
}
