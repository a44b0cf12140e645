import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// The deploy engine's files go through its ``DeployFileSystem`` (the host's under a root, like the probes' and the
/// backups'), and its records' times come from its clock: so an operation runs a whole deploy under its context's
/// root and clock. The venv's stamp is read as it is written, never through a link.
@Suite struct DeployFileSystemTests {
    static let fixed = Date(timeIntervalSince1970: 1_577_934_245) // 2020-01-02T03:04:05Z

    /// `chip@prod` with the releases strategy under `tree` (`/srv/chip-under-a-root` seen from the root): its cache, a
    /// venv, the release v1.0.0 behind `current`; nothing of it exists on the host's own `/srv`.
    static func releasesApp(_ tree: TempTree) throws -> (DeployTarget, DeployFakeRunner) {
        try tree.mkdir("/srv/chip-under-a-root/repo.git")
        try tree.mkdir("/srv/chip-under-a-root/releases/v1.0.0-20191231T000000.000")
        try tree.write("/srv/chip-under-a-root/releases/v1.0.0-20191231T000000.000/requirements.txt", "django==5.0\n")
        try tree.symlink("/srv/chip-under-a-root/current", to: "releases/v1.0.0-20191231T000000.000")
        try tree.write("/srv/chip-under-a-root/venv/bin/python", "#!/bin/sh\n", mode: 0o755)
        let runner = DeployFakeRunner(head: DeployFakeApp.v1, tags: ["v1.0.0": DeployFakeApp.v1, "v1.1.0": DeployFakeApp.v2])
        var spec = DeploySpec()
        spec.strategy = .releases
        spec.repository = "/srv/git/chip.git"
        spec.healthTimeoutSeconds = 0
        let target = DeployTarget(app: "chip", instance: "prod", spec: spec, production: true, units: ["chip@prod.service"],
                                  directory: "/srv/chip-under-a-root", venv: "/srv/chip-under-a-root/venv", user: "chip", environment: [:], databases: [],
                                  store: tree.root + "/store", checks: { runner.health() })
        return (target, runner)
    }

    @Test func aDeployUnderARootReadsAndWritesOnlyUnderIt() async throws {
        #expect(!FileManager.default.fileExists(atPath: "/srv/chip-under-a-root"), "the host has this path: the test could not tell the root from /")
        let tree = try TempTree(base: "/dev/shm")
        let (target, runner) = try Self.releasesApp(tree)
        let engine = DeployEngine(target: target, state: try StateStore(path: tree.root + "/state/state.db"),
                                  holder: OperationHolder(operatorName: "ops", host: InstanceLock.hostName), runner: runner,
                                  files: HostDeployFiles(root: tree.root), clock: { Self.fixed }, host: .fake(), progress: { _ in })
        let record = try await engine.deploy(DeployRequest(ref: "v1.1.0"))
        #expect(record.status == .succeeded, "\(record.steps.map(\.detail))")
        // Read under the root: the release `current` pointed at, the venv's python (else the preflight refuses).
        #expect(record.previousRelease == "/srv/chip-under-a-root/releases/v1.0.0-20191231T000000.000")
        // Written under the root: `current` now names the new release, stamped by the engine's clock.
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: tree.root + "/srv/chip-under-a-root/current")
        #expect(current == "releases/v1.1.0-20200102T030405.000")
        #expect(record.release == "/srv/chip-under-a-root/releases/v1.1.0-20200102T030405.000")
        // Nothing on the host's own /srv.
        #expect(!FileManager.default.fileExists(atPath: "/srv/chip-under-a-root"))
        // The commands name the root-relative paths (a fake runner: nothing ran).
        #expect(runner.ran.contains { $0.contains("git -c core.fsmonitor=false -c core.quotepath=off -C /srv/chip-under-a-root/repo.git archive") }, "\(runner.ran)")
    }

    @Test func theClockStampsTheRecordsAndTheLease() async throws {
        let app = try DeployFakeApp()
        let record = try await app.engine(clock: { Self.fixed }).deploy(DeployRequest(ref: "v1.1.0"))
        #expect(record.status == .succeeded)
        #expect(record.startedAt == Self.fixed && record.finishedAt == Self.fixed)
        let stored = try #require(try app.state.deploy(id: record.id))
        #expect(stored.startedAt == Self.fixed && stored.finishedAt == Self.fixed)
        #expect(stored.steps.allSatisfy { $0.startedAt == Self.fixed && $0.finishedAt == Self.fixed }, "\(stored.steps)")
        let operation = try #require(record.operationID)
        let lease = try #require(try app.state.operation(id: operation))
        #expect(lease.startedAt == Self.fixed && lease.finishedAt == Self.fixed)
        // The pre-deploy backup is catalogued at the same time.
        let backupID = try #require(record.backupIDs.first)
        let backup = try #require(try app.state.record(id: backupID))
        #expect(backup.createdAt == Self.fixed)
    }

    // MARK: - The venv's stamp

    /// An in-place app under `tree`: the checkout with its requirements, the venv; the hash of the requirements.
    static func inPlace(_ tree: TempTree) throws -> (engine: () -> DeployEngine, DeployFakeRunner, hash: String) {
        try tree.mkdir("/srv/chip/.git")
        let requirements = try tree.write("/srv/chip/requirements.txt", "django==5.0\n")
        try tree.write("/srv/chip/venv/bin/python", "#!/bin/sh\n", mode: 0o755)
        let runner = DeployFakeRunner(head: DeployFakeApp.v1, tags: ["v1.0.0": DeployFakeApp.v1, "v1.1.0": DeployFakeApp.v2])
        var spec = DeploySpec()
        spec.healthTimeoutSeconds = 0
        let target = DeployTarget(app: "chip", instance: "prod", spec: spec, production: true, units: ["chip@prod.service"],
                                  directory: "/srv/chip", venv: "/srv/chip/venv", user: "chip", environment: [:], databases: [],
                                  store: tree.root + "/store", checks: { runner.health() })
        let state = try StateStore(path: tree.root + "/state/state.db")
        let engine = {
            DeployEngine(target: target, state: state, holder: OperationHolder(operatorName: "ops", host: InstanceLock.hostName), runner: runner,
                         files: HostDeployFiles(root: tree.root), host: .fake(), progress: { _ in })
        }
        return (engine, runner, try BoundedFile.sha256(requirements))
    }

    @Test func theStampIsReadWhereItIsWritten() async throws {
        let tree = try TempTree(base: "/dev/shm")
        let (engine, runner, hash) = try Self.inPlace(tree)
        try tree.write("/srv/chip/venv/.steward-requirements.sha256", hash + "\n")
        let plan = await engine().plan(DeployRequest(ref: "v1.1.0"))
        #expect(plan.lines.contains { $0.contains("differs from the venv's stamp (\(hash.prefix(12)))") }, "\(plan.lines)")
        let record = try await engine().deploy(DeployRequest(ref: "v1.1.0"))
        #expect(record.steps.first { $0.name == "dependencies" }?.result == .skipped)
        #expect(!runner.ran.contains { $0.contains("pip") })
    }

    @Test func aStampPlantedAsALinkIsNeitherReadNorFollowed() async throws {
        let tree = try TempTree(base: "/dev/shm")
        let (engine, runner, hash) = try Self.inPlace(tree)
        // The venv's owner points the stamp at a file saying what the requirements hash to.
        let elsewhere = try tree.write("/elsewhere/stamp", hash + "\n")
        try tree.symlink("/srv/chip/venv/.steward-requirements.sha256", to: elsewhere)
        let plan = await engine().plan(DeployRequest(ref: "v1.1.0"))
        #expect(plan.lines.contains { $0.contains("differs from the venv's stamp (none)") }, "\(plan.lines)")
        let record = try await engine().deploy(DeployRequest(ref: "v1.1.0"))
        #expect(record.status == .succeeded)
        #expect(record.steps.first { $0.name == "dependencies" }?.result == .ok, "\(record.steps.map(\.detail))")
        #expect(runner.ran.contains { $0.contains("pip") && $0.contains("install") })
        // The link was replaced by a file of Steward's; what it pointed at is untouched.
        var st = stat()
        #expect(lstat(tree.root + "/srv/chip/venv/.steward-requirements.sha256", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == hash + "\n")
    }

    /// The release is the app user's tree: a requirements file that is a link (here to a root-only file) is not read
    /// as root, and no hash of what it points at is recorded.
    @Test func requirementsThatAreALinkAreNotReadAsRoot() async throws {
        let tree = try TempTree(base: "/dev/shm")
        let (engine, runner, _) = try Self.inPlace(tree)
        let secret = try tree.write("/rootonly/secret", "root-only-canary\n", mode: 0o600)
        unlink(tree.root + "/srv/chip/requirements.txt")
        try tree.symlink("/srv/chip/requirements.txt", to: secret)
        let record = try await engine().deploy(DeployRequest(ref: "v1.1.0"))
        let step = try #require(record.steps.first { $0.name == "dependencies" })
        #expect(step.result == .failed && step.detail.contains("symbolic link"), "\(step.detail)")
        let secretHash = try BoundedFile.sha256(secret)
        #expect(record.requirementsHash != secretHash)
        #expect(!runner.ran.contains { $0.contains("pip") })
    }
}
