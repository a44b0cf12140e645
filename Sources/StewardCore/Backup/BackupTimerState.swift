import Foundation

/// Who runs an app's scheduled backups when both `steward backup schedule APP` (a systemd timer) and `steward serve`
/// could: **the timer wins**. It was installed on purpose for that app, keeps running when the daemon is stopped,
/// and two runners on one calendar would back up twice. So the daemon runs an app's scheduled backup only when the
/// timer `steward-backup-APP.timer` is not enabled; it asks before every run, so installing or removing the timer
/// takes effect at the next scheduled time without restarting the daemon.
public enum BackupTimerState: Sendable, Equatable {
    /// The timer is enabled: it runs the backups; the daemon defers.
    case enabled(String)
    /// Not installed, disabled or masked: the daemon runs the backups.
    case notEnabled(String)
    /// systemctl could not say (no systemd, a timeout): decided by whether the timer's unit file exists.
    case unknown(String)

    /// The timer unit `backup schedule` installs for `app` (``BackupUnits/name(app:)``).
    public static func timerUnit(app: String) -> String { "\(BackupUnits.name(app: app)).timer" }

    /// `systemctl is-enabled -- steward-backup-APP.timer`: prints the unit file state, exits 0 only when enabled.
    public static func probe(app: String) -> Command {
        Command("systemctl", ["is-enabled", "--", timerUnit(app: app)])
    }

    /// The state from `systemctl is-enabled`'s exit code and output. Exit 0 is enabled (`enabled`,
    /// `enabled-runtime`, `static`, `alias`…); a non-zero exit with a state (`disabled`, `masked`, `not-found`) or
    /// systemd's "No such file" is not enabled; anything else (systemd not running) is unknown.
    public static func judge(exitCode: Int32, stdout: String, stderr: String) -> BackupTimerState {
        let state = stdout.split(whereSeparator: \.isNewline).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        if exitCode == 0 { return .enabled(state.isEmpty ? "enabled" : state) }
        let known = ["disabled", "masked", "masked-runtime", "not-found", "linked", "linked-runtime", "bad", "indirect"]
        if known.contains(state) { return .notEnabled(state) }
        if stderr.contains("No such file or directory") || stderr.contains("not found") { return .notEnabled("not-found") }
        let why = (stderr.split(whereSeparator: \.isNewline).first.map(String.init) ?? state).prefix(160)
        return .unknown(why.isEmpty ? "systemctl is-enabled exited \(exitCode)" : String(why))
    }

    /// Whether the daemon defers to the timer: when it is enabled, or when systemctl cannot say but the unit file
    /// `backup schedule` writes is there (a timer that may run is not doubled).
    public func timerWins(unitFileExists: Bool) -> Bool {
        switch self {
        case .enabled: true
        case .notEnabled: false
        case .unknown: unitFileExists
        }
    }
}
