import StewardCore
import Testing

/// The manifest's `serve:` section and the checks' `interval`: defaults, values, located errors and unknown keys.
@Suite("Manifest serve section")
struct ServeManifestTests {
    @Test func absentSectionMeansTheDefaults() throws {
        let manifest = try #require(ManifestFixture.manifest("version: 1\n"))
        #expect(manifest.serve == nil)
        #expect(ServeSpec.defaults.address == "127.0.0.1")
        #expect(ServeSpec.defaults.port == 8470)
        #expect(ServeSpec.defaults.history == ServeSpec.History(path: "/var/lib/steward/history.db", sizeCapBytes: 256 << 20))
        #expect(ServeSpec.defaults.checks == ServeSpec.Checks(jitterPercent: 10, parallel: 8))
        #expect(ServeSpec.defaults.audit.intervalMinutes == 15)
        #expect(ServeSpec.defaults.tokens == "/etc/steward/tokens" && ServeSpec.defaults.metrics == .auto)
        #expect(ManifestFixture.manifest("serve:\n")?.serve == .defaults)
    }

    @Test func readsEveryKey() throws {
        let yaml = """
            serve:
              address: ::1
              port: 9000
              tokens: /srv/steward/tokens
              metrics: token
              history: {path: /srv/steward/history.db, size_cap: 64MiB}
              checks: {jitter: 20%, parallel: 4}
              audit: {interval: 1h}
            """
        let serve = try #require(ManifestFixture.manifest(yaml)?.serve)
        #expect(serve == ServeSpec(address: "::1", port: 9000, tokens: "/srv/steward/tokens", metrics: .token, history: .init(path: "/srv/steward/history.db", sizeCapBytes: 64 << 20),
                                   checks: .init(jitterPercent: 20, parallel: 4), audit: .init(intervalMinutes: 60)))
        for loopback in ["127.0.0.1", "127.0.1.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"] {
            #expect(ManifestFixture.errors("serve:\n  address: \"\(loopback)\"\n") == [], "\(loopback)")
        }
    }

    @Test func aNonLoopbackAddressIsAcceptedAndItsMetricsNeedAToken() throws {
        for address in ["0.0.0.0", "10.0.0.5", "::", "fe80::1", "::ffff:10.0.0.1"] {
            let serve = try #require(ManifestFixture.manifest("serve:\n  address: \"\(address)\"\n")?.serve, "\(address)")
            #expect(serve.metricsNeedToken, "\(address)")
        }
        #expect(ManifestFixture.errors("serve: {metrics: open, tokens: tokens.txt}\n") == [
            #"steward.yml:1:18: serve.metrics: expected one of auto, public, token, got "open""#,
            #"steward.yml:1:32: serve.tokens: expected an absolute path, got "tokens.txt""#,
        ])
    }

    @Test func badValuesAreLocated() {
        let yaml = """
            serve:
              address: localhost
              port: 70000
              history: {path: history.db, size_cap: 1MiB}
              checks: {jitter: 60%, parallel: 0}
              audit: {interval: 0m}
            """
        let errors = ManifestFixture.errors(yaml)
        #expect(errors.count == 7, "\(errors)")
        #expect(errors.first == #"steward.yml:2:12: serve.address: expected an IP address like 127.0.0.1 or ::1, got "localhost""#)
        #expect(errors.contains { $0.hasPrefix("steward.yml:3:9: serve.port: must be between 1 and 65535") })
        #expect(errors.contains { $0.hasPrefix("steward.yml:4:19: serve.history.path:") })
        #expect(errors.contains("steward.yml:4:41: serve.history.size_cap: must be at least 16MiB"))
        #expect(errors.contains("steward.yml:5:20: serve.checks.jitter: must be at most 50%"))
        #expect(errors.contains { $0.hasPrefix("steward.yml:5:35: serve.checks.parallel: must be between 1 and 64") })
        #expect(errors.contains { $0.hasPrefix("steward.yml:6:21: serve.audit.interval:") })
    }

    @Test func theFleetItWatchesIsOffUnlessHostsAreNamed() throws {
        #expect(ServeSpec.defaults.fleet == ServeSpec.Fleet(hosts: nil, inventory: nil, sshConfig: nil, intervalMs: 60_000))
        let serve = try #require(ManifestFixture.manifest(
            "serve:\n  fleet: {hosts: \"web,db1\", inventory: /etc/steward/fleet.yml, ssh_config: /etc/steward/ssh_config, interval: 30s}\n")?.serve)
        #expect(serve.fleet == ServeSpec.Fleet(hosts: "web,db1", inventory: "/etc/steward/fleet.yml", sshConfig: "/etc/steward/ssh_config", intervalMs: 30_000))
        let errors = ManifestFixture.errors("serve:\n  fleet: {hosts: \"\", ssh_config: ssh_config, interval: 5s, every: 1m}\n")
        #expect(errors.count == 4, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("steward.yml:2:18: serve.fleet.hosts: expected all, or host and group names") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("steward.yml:2:34: serve.fleet.ssh_config: expected an absolute path") }, "\(errors)")
        #expect(errors.contains("steward.yml:2:56: serve.fleet.interval: must be at least 10s"), "\(errors)")
        #expect(errors.contains { $0.contains("serve.fleet.every: unknown key") }, "\(errors)")
    }

    @Test func unknownKeysAreRefusedWithASuggestion() {
        let errors = ManifestFixture.errors("serve:\n  prot: 9000\n  checks: {paralel: 2}\n")
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.first?.hasPrefix("steward.yml:2:3: serve.prot: unknown key") == true)
        #expect(errors.first?.contains("port") == true)
        #expect(errors.last?.contains("serve.checks.paralel: unknown key") == true)
    }

    @Test func checksRunEvery30sUnlessTheyOrTheirDefaultsSayOtherwise() throws {
        let yaml = """
            check_defaults: {interval: 1m}
            checks:
              - {name: a, tcp: {host: 127.0.0.1, port: 5432}}
              - {name: b, tcp: {host: 127.0.0.1, port: 6379}, interval: 10s}
            """
        let checks = try #require(ManifestFixture.manifest(yaml)?.checks)
        #expect(checks.map(\.intervalMs) == [60_000, 10_000])
        let plain = try #require(ManifestFixture.manifest("checks:\n  - {name: a, tcp: {host: 127.0.0.1, port: 1}}\n")?.checks)
        #expect(plain.map(\.intervalMs) == [30_000])
        #expect(ManifestFixture.errors("check_defaults: {interval: 500ms}\n") == [
            "steward.yml:1:28: check_defaults.interval: must be at least 1s",
        ])
    }
}
