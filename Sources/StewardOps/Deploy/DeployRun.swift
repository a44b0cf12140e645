import Foundation
import StewardCore
import StewardSystem

/// How the deploy operations (deploy, rollback, promote) drive a ``DeployEngine``.
enum DeployRun {
    /// The engine of one deploy, rollback or recovery on `host`: who runs it (its lease and record), its runner, the
    /// app's files and the backups under the host's root, its clock, its progress as the host's events, and the crash
    /// tests' fault point. The one place the operations build an engine.
    static func engine(_ target: DeployTarget, state: StateStore, on host: HostContext) -> DeployEngine {
        DeployEngine(target: target, state: state, holder: host.identity.holder, runner: host.runner,
                     files: HostDeployFiles(root: host.files.root.isEmpty ? "/" : host.files.root),
                     backups: BackupService(state: state, files: host.files, runner: host.runner, clock: host.wallClock), clock: host.wallClock,
                     faults: FaultInjection(point: host.faultPoint), progress: host.report)
    }

    /// Runs a deploy, rollback or recovery of `target` (or a rollback's plan). A refusal (nothing was changed or recorded) becomes an
    /// ``OperationError`` (`busy` when another operation holds the instance), as does the operation's own (a policy
    /// run under the lock); anything else the engine throws before its record exists is a failure (exit 1), masked
    /// like everything the engine says.
    static func conclude<T>(_ target: DeployTarget, _ body: () async throws -> T) async throws(OperationError) -> T {
        do {
            return try await body()
        } catch let error as OperationError {
            throw error
        } catch let refusal as DeployRefusal {
            throw OperationError(refusal.busy ? .busy : .refused, refusal.message, subject: target.label)
        } catch {
            throw OperationError(.failed, Redactor.maskKnown(target.secrets, in: Redactor.scrub("\(error)")), subject: target.label, exitCode: 1)
        }
    }

    /// 0 succeeded (or aborted as asked); 1 failed before the switch (nothing changed); 2 rolled back or worse. A
    /// state write that failed (the record is not what happened) makes it at least 1.
    static func exitCode(_ record: DeployRecord, stateWriteError: String?) -> Int32 {
        let code: Int32 = switch record.status {
        case .succeeded, .aborted: 0
        case .failed: 1
        case .rolledBack, .rollbackFailed, .running: 2
        }
        return stateWriteError == nil ? code : max(code, 1)
    }
}

extension HostContext {
    /// A deploy's progress as events: its lines as log events (the CLI prints them as Steward always did), its
    /// steps' starts and ends with their result and timing.
    func report(_ progress: DeployProgress) {
        switch progress {
        case .line(let line):
            say(line)
        case .stepStarted(let step):
            emit(.stepStarted, step: step.rawValue)
        case .stepFinished(let step, let result, let detail, let ms):
            emit(OperationEvent(operation: identity.operationID, at: clock.now(), kind: .stepFinished, step: step.rawValue,
                                       message: detail, result: result.rawValue, durationMs: ms))
        }
    }
}

extension TargetName {
    /// The target a request names (`APP` or `APP@INSTANCE`), which is never absent.
    init(label: String) { self = TargetName(Optional(label))! }
}
