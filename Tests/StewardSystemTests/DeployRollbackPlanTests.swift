import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// `steward rollback --dry-run` is the plan of the step list a rollback runs (``DeployEngine/rollbackSteps(_:)``),
/// as a deploy's dry run is of its own: the same steps in the same order, and nothing changed by the plan.
@Suite struct DeployRollbackPlanTests {
    /// chip@prod after v1.0.0 then v1.1.0 (which migrated, after a pre-deploy backup): a rollback to v1.0.0 that
    /// restores that backup, or keeps the database.
    static func deployedTwice(_ app: DeployFakeApp) async throws -> (release: DeployRecord, deploy: DeployRecord) {
        var first = DeployRecord(app: "chip", instance: "prod", ref: "v1.0.0", commit: DeployFakeApp.v1, strategy: app.spec.strategy,
                                 release: app.directory, user: "ops", startedAt: Date(), pid: 1, host: InstanceLock.hostName)
        first.status = .succeeded
        first = try app.state.insertDeploy(first)
        let deploy = try await app.engine().deploy(DeployRequest(ref: "v1.1.0"))
        try #require(deploy.status == .succeeded && deploy.backupIDs.count == 1 && app.items == ["a", "migrated"])
        return (first, deploy)
    }

    /// What a plan must not change: the state database's deploys, backups and operations, the checkout, the data.
    static func snapshot(_ app: DeployFakeApp) throws -> [String] {
        [try app.state.deploys().map { "\($0.id) \($0.status) \($0.steps.count)" }.joined(separator: ","),
         try app.state.records().map { "\($0.id)" }.joined(separator: ","),
         try app.state.operations().map { "\($0.id) \($0.status)" }.joined(separator: ","),
         app.runner.checkedOut, app.items.joined(separator: ",")]
    }

    @Test func theRollbackDryRunPlansExactlyTheStepsThatRun() async throws {
        let app = try DeployFakeApp()
        let (release, deploy) = try await Self.deployedTwice(app)
        let choice = RollbackChoice(release: release, database: .restore, backupIDs: deploy.backupIDs)
        let before = try Self.snapshot(app)
        let ran = app.runner.ran.count
        let plan = try await app.engine().planRollback { serving, _ in
            #expect(serving == DeployFakeApp.v2, "the choice is made from what serves now")
            return choice
        }
        #expect(!plan.refused, "\(plan.lines)")
        #expect(plan.steps == [.lock, .fetch, .dependencies, .migrate, .build, .restart, .health])
        #expect(DeployPlanTests.named(plan.lines) == plan.steps.map(\.rawValue), "\(plan.lines)")
        // Nothing changed, nothing recorded, no unit touched, no app code run (the schema now is read, as the
        // rollback reads it to choose).
        #expect(try Self.snapshot(app) == before)
        let planned = app.runner.ran.dropFirst(ran)
        #expect(!planned.contains { ["checkout", "systemctl", "bin/migrate", "bin/build", "pip"].contains(where: $0.contains) }, "\(planned)")
        // The rollback runs that list, in that order.
        let started = app.progress.started.count
        let record = try await app.engine().rollback { _, _ in choice }
        #expect(record.status == .succeeded && record.kind == .rollback, "\(record.steps)")
        #expect(record.steps.map(\.name) == plan.steps.map(\.rawValue))
        #expect(Array(app.progress.started.dropFirst(started)) == plan.steps)
        #expect(app.runner.checkedOut == DeployFakeApp.v1 && app.items == ["a"])
    }

    @Test func thePlanNamesTheReleaseTheSafetyBackupTheRestoreAndTheRestart() async throws {
        let app = try DeployFakeApp()
        let (release, deploy) = try await Self.deployedTwice(app)
        let plan = try await app.engine().planRollback { _, _ in RollbackChoice(release: release, database: .restore, backupIDs: deploy.backupIDs) }
        let root = DeployFakeApp.root
        let git = "git -c core.fsmonitor=false -c core.quotepath=off -C \(root)/app"
        let lines = plan.lines
        try #require(lines.count > 7, "\(lines)")
        #expect(lines[3].hasPrefix(" 3 dependencies  when the sha256 of requirements.txt differs from the venv's stamp ("), "\(lines)")
        #expect(lines[3].hasSuffix(" -r \(root)/app/requirements.txt"), "\(lines)")
        #expect(Array(lines.prefix(7)) == [
            "plan: rollback chip@prod (in-place) to v1.0.0 (111111111111) of deploy #\(release.id), now running v1.1.0",
            " 1 lock          flock \(app.tree.root)/state/locks/chip@prod.lock",
            " 2 fetch         \(git) checkout --quiet --detach \(DeployFakeApp.v1)",
            lines[3],
            " 4 migrate       safety backup of chip@prod/db as it is now to \(app.tree.root)/store (undoing this rollback restores it)",
            "                 systemctl stop -- chip@prod.service",
            "                 restore backup #\(deploy.backupIDs[0]) (taken before the deploy that followed v1.0.0)",
        ], "\(lines)")
        #expect(lines.contains { $0.hasPrefix(" 5 build         VIRTUAL_ENV=\(root)/venv runuser -u chip -- \(root)/app/bin/build") }, "\(lines)")
        #expect(lines.contains(" 6 restart       systemctl restart -- chip@prod.service (reload instead when every unit can reload)"), "\(lines)")
        #expect(lines.last == " 7 health        the checks of chip@prod, retried for up to 0 s; on failure: journal captured, code and database rolled back")
        let keep = try await app.engine().planRollback { _, _ in RollbackChoice(release: release, database: .keep, backupIDs: []) }
        #expect(keep.lines.contains(" 4 migrate       keep the database as it is"), "\(keep.lines)")
    }

    @Test func aReleasesRollbackSwitchesBackToTheReleaseStillThereAsPlanned() async throws {
        let app = try DeployFakeApp()
        app.spec.strategy = .releases
        app.spec.repository = "/srv/git/chip.git"
        let oldRelease = app.directory + "/releases/v1.0.0-20260101T000000.000"
        app.files.mkdir(oldRelease)
        app.files.mkdir(app.directory + "/releases/v1.1.0-20260201T000000.000")
        app.files.symlink(app.directory + "/current", to: "releases/v1.1.0-20260201T000000.000")
        var release = DeployRecord(app: "chip", instance: "prod", ref: "v1.0.0", commit: DeployFakeApp.v1, strategy: .releases,
                                   release: oldRelease, user: "ops", startedAt: Date(), pid: 1, host: InstanceLock.hostName)
        release.status = .succeeded
        release = try app.state.insertDeploy(release)
        let choice = RollbackChoice(release: release, database: .keep, backupIDs: [])
        let plan = try await app.engine().planRollback { _, _ in choice }
        #expect(!plan.refused, "\(plan.lines)")
        #expect(DeployPlanTests.named(plan.lines) == plan.steps.map(\.rawValue), "\(plan.lines)")
        #expect(plan.lines.contains(" 2 fetch         release v1.0.0-20260101T000000.000 is still there"), "\(plan.lines)")
        #expect(plan.lines.contains(" 6 switch        rename \(app.directory)/.current-steward-PID → \(app.directory)/current (→ \(oldRelease))"), "\(plan.lines)")
        #expect(app.files.readLink(app.directory + "/current") == "releases/v1.1.0-20260201T000000.000")
        let record = try await app.engine().rollback { _, _ in choice }
        #expect(record.status == .succeeded, "\(record.steps)")
        #expect(record.steps.map(\.name) == plan.steps.map(\.rawValue))
        #expect(record.step(.fetch)?.detail == "release v1.0.0-20260101T000000.000 is still there")
        #expect(app.files.readLink(app.directory + "/current") == "releases/v1.0.0-20260101T000000.000")
    }

    @Test func aDryRunWhileADeployIsInterruptedSaysTheRollbackWouldBeRefused() async throws {
        let app = try DeployFakeApp()
        let (release, _) = try await Self.deployedTwice(app)
        let interrupted = try app.interrupted(running: .migrate)
        let choice = RollbackChoice(release: release, database: .keep, backupIDs: [])
        let plan = try await app.engine().planRollback { _, _ in choice }
        #expect(plan.refused)
        #expect(plan.lines.contains { $0.hasPrefix("  REFUSED: deploy #\(interrupted.id) of v1.1.0 on chip@prod was interrupted at migrate") }, "\(plan.lines)")
        await #expect(throws: DeployRefusal.self) { try await app.engine().rollback { _, _ in choice } }
    }

    @Test func aChoiceThatRefusesRefusesThePlanAsItRefusesTheRollback() async throws {
        let app = try DeployFakeApp()
        let before = try Self.snapshot(app)
        await #expect(throws: DeployRefusal.self) { try await app.engine().planRollback { _, _ in throw DeployRefusal("no") } }
        #expect(try Self.snapshot(app) == before)
    }

    /// A rollback whose release fails its checks is undone like a deploy: the database it replaced comes back from
    /// its own safety backup, which the undo does not record over, and the release it left runs again.
    @Test func aRollbackThatFailsItsChecksIsUndoneToTheReleaseItLeft() async throws {
        let app = try DeployFakeApp()
        let (release, deploy) = try await Self.deployedTwice(app)
        app.runner.unhealthy(DeployFakeApp.v1)
        let record = try await app.engine().rollback { _, _ in RollbackChoice(release: release, database: .restore, backupIDs: deploy.backupIDs) }
        #expect(record.status == .rolledBack, "\(record.steps)")
        #expect(record.steps.map(\.name) == ["lock", "fetch", "dependencies", "migrate", "build", "restart", "health", "rollback"])
        #expect(record.safetyBackupIDs.count == 1, "the undo's own safety backup is not recorded over the rollback's")
        #expect(app.runner.checkedOut == DeployFakeApp.v2 && app.items == ["a", "migrated"])
        #expect(app.runner.ran.contains { $0.contains("systemctl stop") })
    }
}
