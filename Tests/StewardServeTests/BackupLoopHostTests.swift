import Foundation
import Logging
import StewardCore
import StewardOps
@testable import StewardServe
import StewardSystem
import Synchronization
import Testing

/// The backup loop's hooks on a host made of a temporary directory (a manifest declaring racklab's SQLite database,
/// a runner that answers systemctl): a real scheduled backup, verification and prune through the daemon's
/// operations, recorded as `serve:schedule` like a CLI run; the catalog read for the catch-up; the timer's state
/// read from `systemctl is-enabled`.
@Suite struct BackupLoopHostTests {
    /// `systemctl show` describes racklab.service; `systemctl is-enabled` answers what the test set; every other
    /// command succeeds with no output.
    final class Systemd: CommandRunning {
        let timer = Mutex<(Int32, String, String)>((1, "", "Failed to get unit file state for steward-backup-racklab.timer: No such file or directory\n"))
        let asked = Mutex<[[String]]>([])

        func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
            asked.withLock { $0.append(command.argv) }
            if command.arguments.first == "is-enabled" {
                let (code, out, err) = timer.withLock { $0 }
                return .success(CommandResult(exitCode: code, stdout: out, stderr: err))
            }
            let shown = command.executable == "systemctl" && command.arguments.contains("show")
            let unit = "Id=racklab.service\nLoadState=loaded\nActiveState=active\nFragmentPath=/etc/systemd/system/racklab.service\n\n"
            return .success(CommandResult(exitCode: 0, stdout: shown ? unit : "", stderr: ""))
        }
    }

    @Test func aScheduledRunBacksUpVerifiesAndPrunesAsServeSchedule() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("serve-backups-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/units", withIntermediateDirectories: true)
        _ = try StateStore(path: dir + "/racklab.sqlite3")  // any SQLite database will do
        let manifest = dir + "/steward.yml"
        try """
            version: 1
            apps:
              racklab:
                backup:
                  databases: [{sqlite: \(dir)/racklab.sqlite3}]
                  config: false
                  store: \(dir)/store
                  schedule: "*-*-* 04:00"
            """.write(toFile: manifest, atomically: false, encoding: .utf8)
        chmod(manifest, 0o644)
        let systemd = Systemd()
        let host = HostContext(runner: systemd, files: HostFiles(root: "/"), statePath: dir + "/state.db",
                               identity: OperationIdentity(operatorName: "serve", host: "test"))
        let history = HistoryAccess(store: try HistoryStore(path: dir + "/history.db"))
        let operations = ServeOperations(base: host, history: history, logger: Logger(label: "test"))
        let hooks = BackupLoop.Hooks.onHost(host, operations: operations, history: history, manifest: manifest, unitDirectory: dir + "/units")

        #expect(await hooks.lastBackup("racklab") == nil, "no state database yet: never backed up")
        let timer = await hooks.timerWins("racklab")
        #expect(!timer.wins && timer.state == "not-found")
        #expect(systemd.asked.withLock { $0 }.contains(["systemctl", "is-enabled", "--", "steward-backup-racklab.timer"]))

        let code = await hooks.run(ScheduledBackup(app: "racklab", schedule: "*-*-* 04:00", calendar: try OnCalendar(parsing: "*-*-* 04:00")))
        #expect(code == 0)
        let state = try StateStore(path: dir + "/state.db")
        let records = try state.records(app: "racklab")
        #expect(records.count == 1 && records.first?.reason == "scheduled" && records.first?.source == "db")
        #expect(records.first?.lastVerification?.passed == true, "verified by restoring it, as the timer's --verify")
        let leases = try state.operations(subject: nil)
        #expect(Set(leases.map(\.kind)) == ["backup", "backup.prune"], "the timer's ExecStart and ExecStartPost")
        #expect(leases.allSatisfy { $0.operatorName == "serve:schedule" && $0.status == "succeeded" })
        #expect(await hooks.lastBackup("racklab") == records.first?.createdAt)

        // An enabled timer, and a timer systemctl cannot judge but whose unit file is there, both win.
        systemd.timer.withLock { $0 = (0, "enabled\n", "") }
        let enabled = await hooks.timerWins("racklab")
        #expect(enabled.wins && enabled.state == "enabled")
        systemd.timer.withLock { $0 = (1, "", "System has not been booted with systemd as init system (PID 1).\n") }
        #expect(await hooks.timerWins("racklab").wins == false)
        try "".write(toFile: dir + "/units/steward-backup-racklab.timer", atomically: false, encoding: .utf8)
        #expect(await hooks.timerWins("racklab").wins == true)
        await history.shutdown()
    }
}
