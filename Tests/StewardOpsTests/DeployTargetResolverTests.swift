import Foundation
import Testing
import StewardCore
@testable import StewardOps
@testable import StewardSystem

/// Deploy-target resolution from what the unit says, with every file read under the host's root (a fixture tree).
@Suite struct DeployTargetResolverTests {
    func apps(_ scratch: OpsScratch, root: String, units: [UnitFacts]) throws -> AppsOnHost {
        var host = scratch.host()
        host.files = HostFiles(root: root)
        let facts = Facts(units: units)
        return AppsOnHost(host: host, loaded: LoadedManifest(path: nil, manifest: .empty), facts: facts,
                          inventory: Inventory.build(facts: facts, manifest: .empty), service: BackupService(state: try host.openState()),
                          storeOverride: "/var/backups/test")
    }

    static let unit = UnitFacts(name: "marb@prod.service", user: "marb", workingDirectory: "/srv/marb",
                                environmentFiles: [EnvironmentFileRef(path: "/etc/marb/prod.env", optional: false)],
                                execStart: ["/srv/marb/venv/bin/gunicorn", "app:app"], fragmentPath: "/etc/systemd/system/marb@.service")

    @Test func theTargetComesFromTheUnitItsVenvAndEnvFilesReadUnderTheRoot() throws {
        let scratch = try OpsScratch()
        let root = scratch.path + "/root"
        try FileManager.default.createDirectory(atPath: root + "/srv/marb/venv", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/etc/marb", withIntermediateDirectories: true)
        try "home = /usr/bin\n".write(toFile: root + "/srv/marb/venv/pyvenv.cfg", atomically: false, encoding: .utf8)
        try "SECRET_KEY=marb-secret-for-tests\nPORT=8000\n".write(toFile: root + "/etc/marb/prod.env", atomically: false, encoding: .utf8)
        let target = try DeployTargetResolver.target(TargetName(label: "marb@prod"), in: apps(scratch, root: root, units: [Self.unit]))
        #expect(target.label == "marb@prod" && target.directory == "/srv/marb" && target.units == ["marb@prod.service"])
        #expect(target.venv == "/srv/marb/venv", "found under the root: this host has no /srv/marb")
        #expect(target.user == "marb" && target.store == "/var/backups/test")
        #expect(target.environment == ["SECRET_KEY": "marb-secret-for-tests", "PORT": "8000"])
        #expect(target.secrets == ["marb-secret-for-tests"])
    }

    @Test func aRootUnitRunsNoAppCodeAndAnUnknownOrAmbiguousTargetIsATypedError() throws {
        let scratch = try OpsScratch()
        var root = Self.unit
        root.user = "root"
        var test = Self.unit
        test.name = "marb@test.service"
        let apps = try apps(scratch, root: scratch.path, units: [root, test])
        let target = try DeployTargetResolver.target(TargetName(label: "marb@prod"), in: apps)
        #expect(target.user == nil && target.venv == nil && target.environment.isEmpty)
        let unknown = #expect(throws: OperationError.self) { try DeployTargetResolver.target(TargetName(label: "nope"), in: apps) }
        #expect(unknown?.code == .invalidRequest && unknown?.message == "no app instance nope on this host; known: marb@prod, marb@test")
        let both = #expect(throws: OperationError.self) { try DeployTargetResolver.target(TargetName(label: "marb"), in: apps) }
        #expect(both?.message == "marb names 2 instances (marb@prod, marb@test); name one as APP@INSTANCE")
    }
}
