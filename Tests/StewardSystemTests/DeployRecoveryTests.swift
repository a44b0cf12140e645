import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// An interrupted deploy on a fake host: resumed from the first step it did not complete (the rest of the same
/// step list), or aborted back to the previous release; refused while its commands still run, and a busy
/// instance refused before anything is recorded.
@Suite struct DeployRecoveryTests {
    @Test func aResumeRunsTheStepsTheInterruptedRunDidNotComplete() async throws {
        let app = try DeployFakeApp()
        let unfinished = try app.interrupted(running: .dependencies)
        let record = try await app.engine().resume()
        #expect(record.id == unfinished.id)
        #expect(record.status == .succeeded, "\(app.progress.lines)")
        #expect(app.progress.started == [.lock, .dependencies, .migrate, .build, .restart, .health, .postDeploy])
        #expect(app.progress.lines.first == "resuming deploy #\(record.id) of v1.1.0 on chip@prod")
        #expect(app.runner.checkedOut == DeployFakeApp.v2 && app.items == ["a", "migrated"])
    }

    @Test func anAbortAfterTheSwitchBeganPutsThePreviousReleaseBackAndRestartsIt() async throws {
        let app = try DeployFakeApp()
        try app.interrupted(running: .restart)
        let record = try await app.engine().abort()
        #expect(record.status == .aborted, "\(app.progress.lines)")
        #expect(app.runner.checkedOut == DeployFakeApp.v1)
        #expect(app.runner.ran.contains { $0.contains("systemctl restart -- chip@prod.service") })
        #expect(app.progress.lines.contains("  ↺ checks pass on the previous release"), "\(app.progress.lines)")
        #expect(try DeployEngine.interrupted(state: app.state, app: "chip", instance: "prod") == nil)
    }

    @Test func anAbortBeforeTheSwitchPutsTheCheckoutBackWithoutARestart() async throws {
        let app = try DeployFakeApp()
        try app.interrupted(running: .build)
        let record = try await app.engine().abort()
        #expect(record.status == .aborted, "\(app.progress.lines)")
        #expect(app.runner.checkedOut == DeployFakeApp.v1)
        #expect(!app.runner.ran.contains { $0.contains("systemctl restart") })
    }

    @Test func aRecoveryWaitsForTheInterruptedRunsCommands() async throws {
        let app = try DeployFakeApp()
        try app.interrupted(running: .migrate)
        app.host = .fake(leftovers: [LeftoverProcesses.Found(pid: 4242, command: "python manage.py migrate")])
        for recovery in ["resume", "abort"] {
            await #expect {
                _ = recovery == "resume" ? try await app.engine().resume() : try await app.engine().abort()
            } throws: { error in
                "\(error)".contains("a command of the interrupted deploy") && "\(error)".contains("pid 4242: python manage.py migrate")
                    && "\(error)".contains("then run --\(recovery) again")
            }
        }
        #expect(app.runner.checkedOut == DeployFakeApp.v2, "nothing was changed")
        // The lock was let go: once the command is gone, the abort runs.
        app.host = .fake()
        #expect(try await app.engine().abort().status == .aborted)
    }

    @Test func aNewDeployWaitsForTheInterruptedOne() async throws {
        let app = try DeployFakeApp()
        let unfinished = try app.interrupted(running: .health)
        await #expect { try await app.engine().deploy(DeployRequest(ref: "v1.1.0")) } throws: { error in
            (error as? DeployRefusal)?.message.contains("deploy #\(unfinished.id) of v1.1.0 on chip@prod was interrupted at health (running)") == true
        }
        #expect(try app.state.deploys().count == 1)
    }

    @Test func aBusyInstanceIsRefusedBeforeAnythingIsRecorded() async throws {
        let app = try DeployFakeApp()
        let held = try InstanceLock(stateDirectory: app.tree.root + "/state", instance: "chip@prod", purpose: "another deploy")
        await #expect(throws: DeployRefusal.self) { try await app.engine().deploy(DeployRequest(ref: "v1.1.0")) }
        #expect(try app.state.deploys().isEmpty)
        #expect(app.runner.ran.isEmpty)
        _ = held
    }
}
