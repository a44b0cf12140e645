import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// The deploy engine on a fake host (``DeployFakeApp``): a deploy that succeeds, and one failing at each step, with
/// what is put back. A failure before the switch leaves the running release as it was (code and database); after
/// it, the previous release is restored, restarted and checked. Milliseconds each, beside the real-systemd scenarios.
@Suite struct DeployStepFailureTests {
    static let request = DeployRequest(ref: "v1.1.0")

    @Test func aDeployRunsEveryStepAndReportsEach() async throws {
        let app = try DeployFakeApp()
        let record = try await app.engine().deploy(Self.request)
        #expect(record.status == .succeeded, "\(app.progress.lines)")
        #expect(app.runner.checkedOut == DeployFakeApp.v2)
        #expect(app.items == ["a", "migrated"])
        // Every step but blue-green's own (start, switch, drain), which an in-place deploy does not run.
        let steps = DeployStep.allCases.filter { ![.rollback, .start, .switchTraffic, .drain].contains($0) }
        #expect(record.steps.map(\.name) == steps.map(\.rawValue))
        #expect(try app.state.deploy(id: record.id)?.steps.map(\.name) == steps.map(\.rawValue))
        // Typed progress: each step's start and end, in order, beside the operator's lines.
        #expect(app.progress.started == steps)
        #expect(app.progress.finished.map(\.0) == steps)
        #expect(app.progress.finished.first { $0.0 == .preDeploy }?.1 == .skipped)
        #expect(app.progress.finished.first { $0.0 == .migrate }?.1 == .ok)
        let lines = app.progress.lines
        #expect(lines.first == "deploy #\(record.id): chip@prod v1.0.0 → v1.1.0")
        #expect(lines.contains { $0.hasPrefix("  ✓ fetch        checked out v1.1.0 (222222222222) in \(app.directory) (") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  – pre-deploy   no .steward/hooks/pre-deploy (") }, "\(lines)")
        #expect(lines.contains("    backing up chip@prod/db before the migrations"), "\(lines)")
        #expect(lines.last?.hasPrefix("✓ deploy #\(record.id): chip@prod runs v1.1.0 (222222222222) in ") == true, "\(lines)")
    }

    /// The steps a deploy can fail at (the lock is taken before the record exists: see the recovery tests).
    static let failing: [DeployStep] = [.preflight, .preDeploy, .fetch, .dependencies, .migrate, .build, .restart, .health, .postDeploy]

    /// Makes `step` fail on `app`'s host.
    static func breakStep(_ step: DeployStep, of app: DeployFakeApp) throws {
        switch step {
        case .preflight: app.host = .fake(free: 10 << 20)
        case .preDeploy: app.hook("pre-deploy"); app.runner.fail("hooks/pre-deploy")
        case .fetch: app.runner.fail(" fetch ")
        case .dependencies: app.runner.fail("pip install", times: 1)
        case .migrate:
            // Half applied, then failed: the database is not what it was.
            app.runner.answer("bin/migrate") { [database = app.database] _ in
                _ = try? StateProbe.exec(database, "INSERT INTO item VALUES ('half');")
                return CommandResult(exitCode: 1, stdout: "", stderr: "no such column: price")
            }
        case .build: app.runner.fail("bin/build")
        case .restart: app.runner.fail("systemctl restart", times: 1)
        case .health: app.runner.unhealthy(DeployFakeApp.v2)
        case .postDeploy: app.hook("post-deploy"); app.runner.fail("hooks/post-deploy")
        case .lock, .rollback: Issue.record("\(step) is not a step a test breaks")
        case .start, .switchTraffic, .drain: Issue.record("\(step) is blue-green's: an in-place deploy has no such step")
        }
    }

    @Test(arguments: failing)
    func aFailureAtAStepPutsBackWhatChanged(step: DeployStep) async throws {
        let app = try DeployFakeApp()
        try Self.breakStep(step, of: app)
        let record = try await app.engine().deploy(Self.request)
        let lines = app.progress.lines
        #expect(record.error?.hasPrefix(step.rawValue + ": ") == true, "\(record.error ?? "no error")")
        #expect(app.progress.finished.last { $0.0 == step }?.1 == .failed)
        #expect(record.steps.first { $0.name == step.rawValue }?.result == .failed)
        // Nothing after the failing step ran.
        #expect(!record.steps.contains { DeployStep(rawValue: $0.name).map { $0 > step && $0 != .rollback } ?? true })
        // Whatever the step: v1.0.0 serves again, on its database.
        #expect(app.runner.checkedOut == DeployFakeApp.v1)
        #expect(app.items == ["a"], "the database was not put back")
        #expect(try app.state.deploy(id: record.id)?.status == record.status)
        switch step {
        case .preflight, .preDeploy:
            #expect(record.status == .failed)
            #expect(!record.steps.contains { $0.name == DeployStep.rollback.rawValue }, "nothing had changed, so nothing is undone")
            #expect(!app.runner.ran.contains { $0.contains("checkout") || $0.contains("systemctl") })
            #expect(lines.last?.hasPrefix("✗ deploy #\(record.id) failed at \(step.rawValue); nothing was changed: ") == true, "\(lines)")
        case .fetch, .dependencies, .migrate, .build:
            #expect(record.status == .failed)
            #expect(record.steps.last?.name == DeployStep.rollback.rawValue && record.steps.last?.result == .ok, "\(record.steps)")
            if step < .migrate {
                #expect(!app.runner.ran.contains { $0.contains("systemctl") }, "the running release was touched")
            }
            #expect(lines.last?.hasPrefix("✗ deploy #\(record.id) failed at \(step.rawValue) before the switch; the running release was not touched: ") == true, "\(lines)")
        default:
            #expect(record.status == .rolledBack)
            #expect(record.steps.last?.name == DeployStep.rollback.rawValue && record.steps.last?.result == .ok, "\(record.steps)")
            #expect(lines.contains("  ↺ checks pass on the previous release"), "\(lines)")
            #expect(lines.last == "✗ deploy #\(record.id) failed at \(step.rawValue) and was rolled back: chip@prod runs v1.0.0 again and its checks pass")
        }
        if step >= .migrate {
            // The pre-deploy backup was restored, after a safety backup of what the failed deploy left.
            #expect(record.backupIDs.count == 1 && record.safetyBackupIDs.count == 1, "\(record.backupIDs) \(record.safetyBackupIDs)")
        }
    }

    @Test func aFailingReleaseLeavesItsEvidence() async throws {
        let app = try DeployFakeApp()
        app.runner.unhealthy(DeployFakeApp.v2)
        app.runner.answer("journalctl") { _ in CommandResult(exitCode: 0, stdout: "Traceback: KeyError 'PRICE'\n", stderr: "") }
        let record = try await app.engine().deploy(Self.request)
        #expect(record.status == .rolledBack)
        let evidence = record.evidence ?? ""
        #expect(evidence.contains("health: GET /health answered 500 on \(DeployFakeApp.v2)"), "\(evidence)")
        #expect(evidence.contains("journal of chip@prod.service since the restart:\nTraceback: KeyError 'PRICE'"), "\(evidence)")
    }

    // MARK: - When putting back fails

    @Test func aPreviousReleaseThatFailsItsChecksTooIsRollbackFailed() async throws {
        let app = try DeployFakeApp()
        app.runner.unhealthy(DeployFakeApp.v2)
        app.runner.unhealthy(DeployFakeApp.v1)
        let record = try await app.engine().deploy(Self.request)
        #expect(record.status == .rollbackFailed)
        #expect(record.steps.last?.name == DeployStep.rollback.rawValue && record.steps.last?.result == .failed)
        #expect(app.progress.lines.contains { $0.hasPrefix("  ✗ checks fail on the previous release too: ") }, "\(app.progress.lines)")
        #expect(app.progress.lines.last == "✗ deploy #\(record.id) failed at health and the rollback did not bring chip@prod back to health; see steward releases chip@prod")
        // The code and the database went back all the same.
        #expect(app.runner.checkedOut == DeployFakeApp.v1 && app.items == ["a"])
    }

    @Test func aCheckoutThatCannotBePutBackIsSaid() async throws {
        let app = try DeployFakeApp()
        app.runner.fail("pip install", times: 1)
        app.runner.fail("checkout --quiet --detach \(DeployFakeApp.v1)")
        let record = try await app.engine().deploy(Self.request)
        #expect(record.status == .rollbackFailed)
        #expect(app.progress.lines.contains { $0.hasPrefix("  ✗ checked out v1.0.0 again failed: ") }, "\(app.progress.lines)")
        #expect(app.progress.lines.last?.hasPrefix("✗ deploy #\(record.id) failed at dependencies before the switch; the running release was not touched, but putting the checkout back failed: ") == true,
                "\(app.progress.lines)")
    }

    @Test func aRestartThatKeepsFailingLeavesTheRollbackFailed() async throws {
        let app = try DeployFakeApp()
        app.runner.fail("systemctl restart")
        let record = try await app.engine().deploy(Self.request)
        #expect(record.status == .rollbackFailed)
        #expect(app.progress.lines.contains { $0.hasPrefix("  ✗ restarted chip@prod.service failed: ") }, "\(app.progress.lines)")
    }
}
