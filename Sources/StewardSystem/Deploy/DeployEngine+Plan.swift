import Foundation
import StewardCore

/// What `--dry-run` shows: the preflight's verdict and every step of the deploy with the command lines it would run.
public struct DeployPlan: Sendable, Equatable, Codable {
    public var lines: [String]
    /// The preflight (or a waiting interrupted deploy, or a missing app user) would refuse the deploy.
    public var refused: Bool
    /// The steps planned, in order: the steps a deploy runs.
    public var steps: [DeployStep]
}

extension DeployEngine {
    /// The dry-run of `request`: the plan of each step of ``steps(_:)``, the list a deploy runs. Reads only
    /// (`git ls-remote`, `git status`, the requirements' hash); changes nothing and records nothing.
    public func plan(_ request: DeployRequest) async -> DeployPlan {
        let sheet = DeployPlanSheet()
        record.ref = request.ref
        let previous = try? await currentRelease()
        record.previousCommit = previous?.commit
        record.previousRelease = previous?.release
        sheet.note("plan: deploy \(request.ref) to \(target.label) (\(target.spec.strategy.rawValue)), now running \(previous?.ref ?? previous?.commit.map { String($0.prefix(12)) } ?? "nothing known")")
        return await plan(steps(request), on: sheet)
    }

    /// The plan of each step of `steps` under the lines `sheet` holds (a deploy's or a rollback's header), refused
    /// while a deploy of the instance is unfinished, as the run would be: interrupted (waiting for `--resume` or
    /// `--abort`) or still running.
    func plan(_ steps: [DeployStepAction], on sheet: DeployPlanSheet) async -> DeployPlan {
        if let (newest, lease) = (try? Self.unfinished(state: state, app: target.app, instance: target.instance)) ?? nil {
            let interrupted = (try? Self.interrupted(state: state, app: target.app, instance: target.instance, now: now())) ?? nil
            sheet.note("  REFUSED: " + (interrupted != nil ? Self.interruptedMessage(newest)
                : lease.map { Self.leaseHeldMessage(newest, $0) } ?? "deploy #\(newest.id) of \(newest.ref) on \(newest.label) is still running"))
            sheet.refuse()
        }
        for step in steps {
            sheet.begin(step.name)
            await step.plan(sheet)
        }
        // An app-code command without an app user to run it as is refused, and says why.
        if let noAppUser = sheet.noAppUser {
            sheet.note("  REFUSED: \(noAppUser)")
            sheet.refuse()
        }
        // URLs with credentials (a repository, an index in pip_args) and the app's secrets are never shown.
        return DeployPlan(lines: sheet.lines.map(tools.mask), refused: sheet.refused, steps: steps.map(\.name))
    }
}

extension DeployEngine {
    /// The schema of the database now, as the serving code's migration tool sees it (nil: no migrations).
    public func currentSchema() async -> String? {
        let code = target.spec.strategy == .inPlace ? target.directory : (files.readLink(target.currentLink).map { $0.hasPrefix("/") ? $0 : target.directory + "/" + $0 } ?? target.directory)
        return try? await migrator.status(release: code).schemaNow
    }

    /// What serves now (commit, tag or ref, release directory).
    public func serving() async -> (commit: String?, ref: String?, release: String?) {
        (try? await currentRelease()) ?? (nil, nil, nil)
    }

    /// The tags pointing at `commit` in the instance's repository, highest version first.
    public func tags(at commit: String) async -> [String] {
        guard let out = try? await output(commands.git(Git.tags(at: commit, dir: target.gitDirectory))) else { return [] }
        return out.split(separator: "\n").map(String.init)
    }
}
