import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// `--dry-run` is the plan of the step list a deploy runs (``DeployEngine/steps(_:)``), not a second description
/// of it; the fault points of the crash-safety test are a value handed to the engine.
@Suite struct DeployPlanTests {
    static let request = DeployRequest(ref: "v1.1.0")

    /// The step each numbered line of a plan names (`switch` is the restart step's own first line).
    static func named(_ lines: [String]) -> [String] {
        lines.compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count > 1, Int(words[0]) != nil else { return nil }
            return words[1] == "switch" ? nil : String(words[1])
        }
    }

    @Test func theDryRunPlansExactlyTheStepsThatRun() async throws {
        let app = try DeployFakeApp()
        let plan = await app.engine().plan(Self.request)
        #expect(!plan.refused, "\(plan.lines)")
        #expect(Self.named(plan.lines) == plan.steps.map(\.rawValue), "\(plan.lines)")
        // Nothing changed, nothing recorded.
        #expect(try app.state.deploys().isEmpty)
        #expect(app.runner.checkedOut == DeployFakeApp.v1)
        #expect(!app.runner.ran.contains { ["checkout", "systemctl", "bin/", "pip"].contains(where: $0.contains) }, "\(app.runner.ran)")
        // The deploy runs that list, in that order.
        let record = try await app.engine().deploy(Self.request)
        #expect(record.status == .succeeded)
        #expect(record.steps.map(\.name) == plan.steps.map(\.rawValue))
        #expect(app.progress.started == plan.steps)
    }

    @Test func thePlanSaysWhatEachStepRuns() async throws {
        let app = try DeployFakeApp()
        app.hook("post-deploy")
        let lines = await app.engine().plan(Self.request).lines
        let root = DeployFakeApp.root
        let git = "git -c core.fsmonitor=false -c core.quotepath=off -C \(root)/app"
        #expect(Array(lines.prefix(5)) == [
            "plan: deploy v1.1.0 to chip@prod (in-place), now running v1.0.0",
            " 1 preflight     ok: v1.1.0 is 222222222222 (tag); 50.0 GiB free",
            " 2 lock          flock \(app.tree.root)/state/locks/chip@prod.lock",
            " 3 pre-deploy    no .steward/hooks/pre-deploy",
            " 4 fetch         \(git) fetch --quiet --tags --force --prune -- origin",
        ], "\(lines)")
        #expect(lines[5] == "                 \(git) checkout --quiet --detach \(DeployFakeApp.v2)")
        #expect(lines.contains { $0.hasPrefix(" 5 dependencies  when the sha256 of requirements.txt differs from the venv's stamp (none): ") })
        #expect(lines.contains(" 6 migrate       command: ./bin/migrate; back up chip@prod/db to \(app.tree.root)/store first"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix(" 7 build         VIRTUAL_ENV=\(root)/venv runuser -u chip -- \(root)/app/bin/build (in \(root)/app)") }, "\(lines)")
        #expect(lines.contains(" 8 restart       systemctl restart -- chip@prod.service (reload instead when every unit can reload)"), "\(lines)")
        #expect(lines.contains(" 9 health        the checks of chip@prod, retried for up to 0 s; on failure: journal captured, code and database rolled back"))
        #expect(lines.last?.hasPrefix("10 post-deploy   VIRTUAL_ENV=\(root)/venv runuser -u chip -- \(root)/app/.steward/hooks/post-deploy (in \(root)/app)") == true && lines.last?.hasSuffix(" (with STEWARD_* context)") == true, "\(lines)")
    }

    @Test func theReleasesStrategyPlansItsSwitchUnderTheRestart() async throws {
        let app = try DeployFakeApp()
        app.spec.strategy = .releases
        app.spec.repository = "/srv/git/chip.git"
        app.runner.answer("ls-remote") { _ in CommandResult(exitCode: 0, stdout: "\(DeployFakeApp.v2)\trefs/tags/v1.1.0\n", stderr: "") }
        let plan = await app.engine().plan(Self.request)
        #expect(!plan.refused, "\(plan.lines)")
        #expect(Self.named(plan.lines) == plan.steps.map(\.rawValue), "\(plan.lines)")
        let switchLine = try #require(plan.lines.firstIndex { $0.hasPrefix(" 8 switch        rename \(app.directory)/.current-steward-PID → \(app.directory)/current (→ \(app.directory)/releases/") })
        #expect(plan.lines[switchLine + 1].hasPrefix(" 8 restart       systemctl restart -- chip@prod.service"), "\(plan.lines)")
    }

    @Test func aPlanThatWouldBeRefusedSaysWhyAndStillListsEveryStep() async throws {
        let app = try DeployFakeApp()
        app.host = .fake(missing: ["git"])
        let plan = await app.engine().plan(Self.request)
        #expect(plan.refused)
        #expect(plan.lines.contains(" 1 preflight     REFUSED: git is not installed (needed by this deploy)"), "\(plan.lines)")
        #expect(Self.named(plan.lines) == plan.steps.map(\.rawValue))
    }

    // MARK: - Fault injection

    @Test func theFaultPointIsAValueHandedToTheEngine() async throws {
        for point in ["after:migrate", "after-backup:migrate", "before:restart"] {
            let app = try DeployFakeApp()
            let hits = DeployFakeHits()
            let record = try await app.engine(faults: FaultInjection(point: point) { hits.append($0) }).deploy(Self.request)
            #expect(hits.all == [point])
            #expect(record.status == .succeeded, "a strike that does not kill lets the deploy go on")
        }
        let app = try DeployFakeApp()
        #expect(FaultInjection.none.point == nil)
        #expect(try await app.engine(faults: .none).deploy(Self.request).status == .succeeded)
    }
}
