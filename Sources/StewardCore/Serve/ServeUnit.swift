/// The systemd unit `steward serve --install` writes (`/etc/systemd/system/steward.service`).
///
/// `Type=notify`: `systemctl start` returns once the daemon says READY=1, i.e. once its listener is bound.
/// `WatchdogSec`: the daemon pings at half of it while its scheduler runs, so a wedged daemon is killed and
/// restarted; `TimeoutAbortSec` bounds how long the watchdog's SIGABRT may go unanswered (a stopped or wedged
/// process never handles it) before SIGKILL, so a hang costs about 40 s, not the graceful stop's 120. `KillMode=mixed` sends SIGTERM to the daemon alone, so a check's child process finishes within the
/// graceful stop, which `TimeoutStopSec` bounds. No `ExecReload`: this version does not reload on SIGHUP.
public enum ServeUnit {
    public static let name = "steward.service"

    public static func text(steward: String, manifest: String?, state: String?) -> String {
        let args = (manifest.map { " --manifest \(Command.quote($0))" } ?? "") + (state.map { " --state \(Command.quote($0))" } ?? "")
        return """
            # Installed by `steward serve --install`: checks, history and HTTP API for this host's apps.
            [Unit]
            Description=Steward daemon: checks, history and API for this host's apps
            After=network-online.target
            Wants=network-online.target

            [Service]
            Type=notify
            NotifyAccess=main
            ExecStart=\(Command.quote(steward)) serve\(args)
            Restart=on-failure
            RestartSec=2s
            WatchdogSec=30s
            TimeoutStartSec=60s
            TimeoutStopSec=120s
            TimeoutAbortSec=10s
            KillMode=mixed
            UMask=0077
            WorkingDirectory=/
            Environment=MALLOC_ARENA_MAX=1

            [Install]
            WantedBy=multi-user.target

            """
    }
}
