import Foundation
@testable import StewardOps
import Testing

/// `steward serve --install`: the unit names a binary root alone may change and the manifest that was read; a dry
/// run changes nothing; an untrusted binary or an invalid manifest is refused before anything is written.
@Suite struct ServeInstallOperationTests {
    @Test func aDryRunReturnsTheUnitAndCommandsAndWritesNothing() async throws {
        let scratch = try OpsScratch()
        let binary = try scratch.file("steward", "#!/bin/sh\n", mode: 0o755)
        let manifest = try scratch.file("steward.yml", "version: 1\nserve: {port: 9000}\n")
        let units = scratch.path + "/units"
        let output = try await ServeInstallOperation.run(.init(dryRun: true, unitDirectory: units, manifest: manifest, steward: binary),
                                                         on: scratch.host())
        #expect(output.schema == "steward.serve-install/1")
        #expect(output.unit.path == units + "/steward.service")
        // The scratch state database is not the default one, so the unit carries it.
        #expect(output.unit.text.contains("ExecStart=\(binary) serve --manifest \(manifest) --state \(scratch.path)/state/state.db\n"))
        #expect(output.unit.text.contains("Type=notify\n"))
        #expect(output.commands == ["systemctl daemon-reload", "systemctl enable --now -- steward.service"])
        #expect(!FileManager.default.fileExists(atPath: units + "/steward.service"))
    }

    @Test func aBinaryOthersCanChangeIsRefused() async throws {
        let scratch = try OpsScratch()
        let binary = try scratch.file("steward", "#!/bin/sh\n", mode: 0o777)
        let manifest = try scratch.file("steward.yml", "version: 1\n")
        let error = await #expect(throws: OperationError.self) {
            try await ServeInstallOperation.run(.init(dryRun: true, manifest: manifest, steward: binary), on: scratch.host())
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message == "steward: \(binary) must be owned by root and writable by root alone")
        #expect(error?.hint?.contains("install -o root") == true)
    }

    @Test func anInvalidServeSectionIsRefusedBeforeInstalling() async throws {
        let scratch = try OpsScratch()
        let binary = try scratch.file("steward", "#!/bin/sh\n", mode: 0o755)
        let manifest = try scratch.file("steward.yml", "serve: {metrics: everyone}\n")
        let error = await #expect(throws: OperationError.self) {
            try await ServeInstallOperation.run(.init(dryRun: true, unitDirectory: scratch.path, manifest: manifest, steward: binary),
                                                on: scratch.host())
        }
        #expect(error?.code == .invalidConfig)
        #expect(error?.details.first?.contains("serve.metrics: expected one of auto, public, token, got \"everyone\"") == true)
    }
}
