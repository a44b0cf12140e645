import Foundation
import Logging
import StewardCore
import StewardOps
import StewardSystem

extension BackupLoop.Hooks {
    /// The operator name of the daemon's scheduled runs, in the state database and the operations' history.
    public static let operatorName = "serve:schedule"

    /// The hooks on a host: the catalog read from the state database (read-only, on the history's thread, never on
    /// the cooperative pool), the timer's state from `systemctl is-enabled`, and each run through the daemon's
    /// operations (``ServeOperations``) as `serve:schedule`: `backup` with `verify` and reason `scheduled`, then,
    /// when it succeeded, `backup.prune`, exactly the timer's `ExecStart=` and `ExecStartPost=`.
    public static func onHost(_ host: HostContext, operations: ServeOperations, history: HistoryAccess, manifest: String?,
                              unitDirectory: String = "/etc/systemd/system") -> BackupLoop.Hooks {
        let statePath = host.statePath
        return BackupLoop.Hooks(
            lastBackup: { app in
                try? await history.run { _ in try StateStore.openReadOnly(path: statePath)?.records(app: app).map(\.createdAt).max() }
            },
            timerWins: { app in
                let unitFile = host.files.path("\(unitDirectory)/\(BackupTimerState.timerUnit(app: app))")
                let probe = await host.runner.run(BackupTimerState.probe(app: app), timeout: .seconds(10))
                let state: BackupTimerState = switch probe {
                case .success(let r): BackupTimerState.judge(exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr)
                case .failure(let error): .unknown("\(error)")
                }
                let exists = FileManager.default.fileExists(atPath: unitFile)
                let described = switch state {
                case .enabled(let s), .notEnabled(let s): s
                case .unknown(let why): "of unknown state (\(why)); its unit file is \(exists ? "there" : "absent")"
                }
                return (state.timerWins(unitFileExists: exists), described)
            },
            run: { backup in
                let request = BackupOperation.Request(target: backup.app, verify: true, reason: "scheduled", manifest: manifest)
                guard let code = await runToEnd(operations, BackupOperation.name, request, app: backup.app) else { return nil }
                if code == 0 {
                    _ = await runToEnd(operations, PruneOperation.name, PruneOperation.Request(target: backup.app, manifest: manifest), app: backup.app)
                }
                return code
            })
    }

    /// Starts one operation as `serve:schedule` and waits for its exit code; nil when it could not start (the
    /// daemon is stopping).
    static func runToEnd<R: Encodable>(_ operations: ServeOperations, _ name: String, _ request: R, app: String) async -> Int? {
        guard let data = try? JSONEncoder.stewardLine.encode(request),
              let id = try? await operations.start(name: name, request: data, target: app, by: operatorName, operatorName: operatorName,
                                                   requestID: "schedule-\(UUID().uuidString.lowercased())") else { return nil }
        return await operations.exitCode(of: id)
    }
}

extension BackupLoop {
    /// The daemon's loop over the manifest's scheduled apps (``ScheduledBackup/plan(_:)``); an app whose schedule it
    /// cannot read is named in the log, once.
    public static func onHost(_ host: HostContext, manifest: LoadedManifest, operations: ServeOperations, history: HistoryAccess,
                              logger: Logger) -> BackupLoop {
        let plan = ScheduledBackup.plan(manifest.manifest)
        for (app, reason) in plan.unreadable {
            logger.warning("backups of \(app): the daemon does not schedule them: \(reason); `steward backup schedule \(app)` installs a timer that can")
        }
        if !plan.scheduled.isEmpty {
            logger.info("backups scheduled: \(plan.scheduled.map { "\($0.app) (\($0.schedule))" }.joined(separator: ", "))")
        }
        return BackupLoop(backups: plan.scheduled, hooks: .onHost(host, operations: operations, history: history, manifest: manifest.path),
                          logger: logger)
    }
}
