import Foundation
import Testing
import StewardCore

/// `hosts:` in the manifest and inventory files: read in file order, every problem located at its key or value.
@Suite("Fleet hosts in the manifest and inventory files")
struct FleetManifestTests {
    static let fleet = """
        version: 1
        apps:
          marb:
            unit: marb@.service
            instances:
              test: {}
              prod: {}
        hosts:
          n1-test:
            ssh: n1-test
            groups: [test]
            apps: [marb@test]
          n1-prod:
            ssh: root@203.0.113.7
            port: 2222
            groups: [prod, web, web]
            apps: [marb@prod, worker]
        """

    @Test func hostsAreReadInFileOrderWithTheirGroupsAndApps() throws {
        let manifest = try #require(ManifestFixture.manifest(Self.fleet))
        #expect(manifest.hosts == [
            FleetHost(name: "n1-test", destination: "n1-test", groups: ["test"], apps: ["marb@test"]),
            FleetHost(name: "n1-prod", destination: "root@203.0.113.7", port: 2222, groups: ["prod", "web"], apps: ["marb@prod", "worker"]),
        ])
        #expect(FleetInventory(hosts: manifest.hosts).groups == ["test", "prod", "web"])
        #expect(manifest.hosts[1].runs(app: "marb", instance: "prod") && manifest.hosts[1].runs(app: "marb", instance: nil))
        #expect(!manifest.hosts[1].runs(app: "marb", instance: "test") && manifest.hosts[1].runs(app: "worker", instance: "any"))
        #expect(try #require(ManifestFixture.manifest("version: 1\n")).hosts.isEmpty)
    }

    @Test func everyProblemIsLocatedAtItsKeyOrValue() {
        let yaml = """
            apps:
              marb:
                unit: marb@.service
                instances:
                  prod: {}
            hosts:
              web:
                ssh: -oProxyCommand=sh
              db1:
                ssh: root@db 1
                prot: 22
              all:
                ssh: a
              n2:
                ssh: Root@n2
                groups: ["bad name"]
                apps: [marb@prod, "x@"]
              n3:
              n4:
                port: 70000
              n5: {ssh: n5, groups: [web], apps: [marb@staging]}
            """
        #expect(ManifestFixture.errors(yaml) == [
            #"steward.yml:7:3: hosts.web: a host and a group are both named "web"; --hosts could not tell them apart"#,
            #"steward.yml:8:10: hosts.web.ssh: expected an SSH destination like root@203.0.113.7, deploy@n1.example.org or an alias from ~/.ssh/config, got "-oProxyCommand=sh""#,
            #"steward.yml:10:10: hosts.db1.ssh: invalid host "db 1": a name, an address or an ssh_config alias like root@203.0.113.7, deploy@n1.example.org or an alias from ~/.ssh/config"#,
            #"steward.yml:11:5: hosts.db1.prot: unknown key (did you mean "port"?)"#,
            #"steward.yml:12:3: hosts.all: "all" means every host in --hosts; give the host another name"#,
            #"steward.yml:15:10: hosts.n2.ssh: invalid SSH user "Root": lowercase letters, digits, "_", "-" and ".", starting with a letter or "_""#,
            #"steward.yml:16:14: hosts.n2.groups[0]: invalid group name "bad name"; use letters, digits, "_", "." and "-", starting with a letter or digit"#,
            #"steward.yml:17:23: hosts.n2.apps[1]: expected app or app@instance with valid names, got "x@"; use letters, digits, "_", "." and "-", starting with a letter or digit"#,
            #"steward.yml:18:6: hosts.n3: empty host; give at least ssh: its destination, like root@203.0.113.7 or an alias from ~/.ssh/config"#,
            #"steward.yml:20:5: hosts.n4: missing key "ssh": how ssh reaches the host, like root@203.0.113.7 or an alias from ~/.ssh/config"#,
            #"steward.yml:20:11: hosts.n4.port: must be between 1 and 65535, got 70000"#,
            #"steward.yml:21:39: hosts.n5.apps[0]: app marb has no instance "staging" (it has prod)"#,
        ])
    }

    @Test func anInventoryFileHoldsHostsAlone() throws {
        let inventory = try InventoryParser.parse("""
            version: 1
            hosts:
              api: {ssh: deploy@api.internal, groups: [prod]}
              worker: {ssh: "worker", apps: [marb@prod]}
            """, file: "fleet.yml").get()
        #expect(inventory.hosts.map(\.name) == ["api", "worker"] && inventory.hosts[1].apps == ["marb@prod"], "no apps to check them against")
        let errors: [String]
        switch InventoryParser.parse("version: 2\napps: {}\n", file: "fleet.yml") {
        case .success: errors = []
        case .failure(let failure): errors = failure.errors.map(\.description)
        }
        #expect(errors == [
            #"fleet.yml:1:1: missing key "hosts": the hosts, by name, each with ssh: its destination"#,
            #"fleet.yml:1:10: version: unsupported version 2; this Steward reads version 1"#,
            #"fleet.yml:2:1: apps: unknown key; expected one of version, hosts"#,
        ])
    }
}

/// `--hosts`: names and groups resolved to hosts in the inventory's order, each once; every mistake named.
@Suite struct HostSelectionTests {
    static let inventory = FleetInventory(hosts: [
        FleetHost(name: "api", destination: "api", groups: ["web", "prod"]),
        FleetHost(name: "worker", destination: "worker", groups: ["prod"]),
        FleetHost(name: "n1-test", destination: "n1", groups: ["test"]),
    ])

    @Test func namesGroupsAndAllResolveInInventoryOrderOnce() throws {
        #expect(try HostSelection.resolve("all", in: Self.inventory).map(\.name) == ["api", "worker", "n1-test"])
        #expect(try HostSelection.resolve("n1-test,prod", in: Self.inventory).map(\.name) == ["api", "worker", "n1-test"])
        #expect(try HostSelection.resolve("web, api", in: Self.inventory).map(\.name) == ["api"])
        #expect(try HostSelection.resolve("test", in: Self.inventory).map(\.name) == ["n1-test"])
    }

    @Test func mistakesAreErrorsThatSayWhatExists() {
        #expect(throws: HostSelection.Failure(description: #"--hosts: no host or group named "wrker"; did you mean "worker"? (hosts: api, worker, n1-test; groups: web, prod, test)"#)) {
            try HostSelection.resolve("api,wrker", in: Self.inventory)
        }
        #expect(throws: HostSelection.Failure(description: #"--hosts: expected all, or host and group names separated by commas, got "api,""#)) {
            try HostSelection.resolve("api,", in: Self.inventory)
        }
        #expect(throws: HostSelection.Failure.self) { try HostSelection.resolve("all", in: .empty) }
    }
}

extension FleetManifestTests {
    /// The annotated inventory that ships parses, and says what its comments say.
    @Test func theShippedInventoryParses() throws {
        let url = ExampleAlternativesTests.examples.appendingPathComponent("fleet.yml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let inventory = try InventoryParser.parse(text, file: "fleet.yml").get()
        #expect(inventory.hosts.map(\.name) == ["n1-test", "n1-prod", "worker-1"])
        #expect(inventory.groups == ["test", "prod", "web"])
        #expect(inventory.host(named: "n1-prod")?.port == 2222)
    }
}
