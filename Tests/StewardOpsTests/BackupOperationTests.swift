import Foundation
import Testing
@testable import StewardCore
@testable import StewardOps
@testable import StewardSystem

/// The backup family's operations on a host made of a temporary directory: an empty file root, a manifest declaring
/// `racklab`, a runner that answers `systemctl` as if `racklab.service` were loaded, and a state database of its own.
@Suite struct BackupOperationTests {
    /// `systemctl show` describes racklab.service; every other command succeeds with no output.
    struct RacklabSystemd: CommandRunning {
        func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
            let shown = command.executable == "systemctl" && command.arguments.contains("show")
            let unit = "Id=racklab.service\nLoadState=loaded\nActiveState=active\nFragmentPath=/etc/systemd/system/racklab.service\n\n"
            return .success(CommandResult(exitCode: 0, stdout: shown ? unit : "", stderr: ""))
        }
    }

    let dir: String
    let manifest: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-ops-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/root", withIntermediateDirectories: true)
        manifest = dir + "/steward.yml"
        try "version: 1\napps:\n  racklab:\n    backup:\n      schedule: \"*-*-* 04:00:00\"\n".write(toFile: manifest, atomically: false, encoding: .utf8)
        chmod(manifest, 0o644)
    }

    /// `root`: the host's file root; the catalog's paths are read under it (the verify test's backups are real files).
    func host(root: String? = nil) -> HostContext {
        HostContext(runner: RacklabSystemd(), files: HostFiles(root: root ?? dir + "/root"), statePath: dir + "/state.db",
                    identity: OperationIdentity(operatorName: "test", host: "test"))
    }

    @Test func verifyReportsPassedAsABooleanInAVersionedDocument() async throws {
        // Two SQLite sources backed up; the second one's file is then corrupted.
        let service = BackupService(state: try StateStore(path: dir + "/state.db"))
        var records: [BackupRecord] = []
        for name in ["db", "cache"] {
            _ = try StateStore(path: "\(dir)/\(name).sqlite3")  // any SQLite database will do
            let source = BackupSource(app: "racklab", instance: "", name: name, kind: .sqlite, path: "\(dir)/\(name).sqlite3")
            records.append(try #require(await service.backup([source], store: dir + "/store", reason: "manual").first?.record))
        }
        let handle = try #require(FileHandle(forWritingAtPath: records[1].path))
        try handle.seek(toOffset: 100)
        handle.write(Data("garbage".utf8))
        try handle.close()

        let output = try await VerifyOperation.run(.init(latest: true, target: "racklab", manifest: manifest), on: host(root: "/"))
        #expect(output.exitCode == 2)
        // Decoded with a strict Decodable: `passed` must be a JSON boolean (the string "true" fails), ids numbers.
        struct Document: Decodable {
            struct Item: Decodable { var id: Int64; var source: String; var passed: Bool; var durationMs: Int; var message: String }
            var schema: String
            var verifications: [Item]
        }
        let data = try JSONEncoder.stewardDocument.encode(output)
        let document = try JSONDecoder().decode(Document.self, from: data)
        #expect(document.schema == "steward.verify/1")
        // Newest first: the corrupted "cache" backup, then "db".
        #expect(document.verifications.map(\.source) == ["racklab/cache", "racklab/db"])
        #expect(document.verifications.map(\.id) == [records[1].id, records[0].id])
        #expect(document.verifications.map(\.passed) == [false, true])
        #expect(document.verifications[0].message.contains("checksum mismatch"))
        #expect(String(decoding: data, as: UTF8.self).contains("\"passed\" : true"))
    }

    @Test func anUnknownTargetIsATypedErrorNamingTheKnownInstances() async throws {
        await #expect(throws: OperationError(.invalidRequest, "no app instance nope on this host; known: racklab", subject: "nope")) {
            _ = try await BackupOperation.run(.init(target: "nope", manifest: manifest), on: host())
        }
        await #expect(throws: OperationError(.notFound, "no backup #7", subject: "#7")) {
            _ = try await VerifyOperation.run(.init(id: "#7", manifest: manifest), on: host())
        }
    }

    @Test func scheduleCarriesNonDefaultStateAndStoreIntoBothCommands() async throws {
        let output = try await ScheduleOperation.run(.init(app: "racklab", dryRun: true, unitDirectory: "/etc/systemd/system", manifest: manifest,
                                                           store: "/srv/backups", steward: "/usr/bin/true"), on: host())
        #expect(output.units.map(\.path) == ["/etc/systemd/system/steward-backup-racklab.service", "/etc/systemd/system/steward-backup-racklab.timer"])
        #expect(output.units[0].text == """
            # Installed by `steward backup schedule racklab`: back up racklab, then prove the backups by restoring them.
            [Unit]
            Description=Steward backup of racklab
            After=network-online.target postgresql.service

            [Service]
            Type=oneshot
            ExecStart=/usr/bin/true backup run racklab --verify --reason scheduled --state \(dir)/state.db --store /srv/backups --manifest \(manifest)
            ExecStartPost=/usr/bin/true backup prune racklab --state \(dir)/state.db --store /srv/backups --manifest \(manifest)
            Nice=10
            IOSchedulingClass=idle

            """)
        #expect(output.onCalendar == "*-*-* 04:00:00" && output.units[1].text.contains("OnCalendar=*-*-* 04:00:00\n"))
        #expect(output.commands == ["systemctl daemon-reload", "systemctl enable --now -- steward-backup-racklab.timer"])
    }

    /// The unit runs `steward` as root: a request may not name a binary others can change, nor a relative place.
    @Test func scheduleRefusesABinaryRootDoesNotOwnAlone() async throws {
        let planted = dir + "/steward"
        try "#!/bin/sh\n".write(toFile: planted, atomically: false, encoding: .utf8)
        chmod(planted, 0o777)
        await #expect(throws: OperationError(.invalidRequest, "steward: \(planted) must be owned by root and writable by root alone", subject: planted)) {
            _ = try await ScheduleOperation.run(.init(app: "racklab", dryRun: true, manifest: manifest, steward: planted), on: host())
        }
        await #expect(throws: OperationError.self) {
            _ = try await ScheduleOperation.run(.init(app: "racklab", dryRun: true, unitDirectory: "units", manifest: manifest), on: host())
        }
    }

    @Test func theDefaultUnitCarriesNoLocations() {
        #expect(BackupUnits.service(app: "racklab", steward: "/usr/local/bin/steward", manifest: "/etc/steward/steward.yml") == """
            # Installed by `steward backup schedule racklab`: back up racklab, then prove the backups by restoring them.
            [Unit]
            Description=Steward backup of racklab
            After=network-online.target postgresql.service

            [Service]
            Type=oneshot
            ExecStart=/usr/local/bin/steward backup run racklab --verify --reason scheduled --manifest /etc/steward/steward.yml
            ExecStartPost=/usr/local/bin/steward backup prune racklab --manifest /etc/steward/steward.yml
            Nice=10
            IOSchedulingClass=idle

            """)
    }
}
