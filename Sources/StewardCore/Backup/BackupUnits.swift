/// The systemd timer and service that `steward backup schedule APP` installs: a backup then a verification of the
/// app's sources, then pruning by the manifest's `keep:`, on its `OnCalendar=` schedule, catching up after downtime
/// (`Persistent=`).
public enum BackupUnits {
    public static func name(app: String) -> String { "steward-backup-\(app)" }

    /// The service unit. `state` and `store`, when given, are carried into both commands (before `--manifest`), so a
    /// timer installed by a command pointed at non-default locations writes where that command did.
    public static func service(app: String, steward: String, manifest: String?, state: String? = nil, store: String? = nil) -> String {
        let locations = (state.map { " --state \(Command.quote($0))" } ?? "") + (store.map { " --store \(Command.quote($0))" } ?? "")
        let args = locations + (manifest.map { " --manifest \(Command.quote($0))" } ?? "")
        return """
            # Installed by `steward backup schedule \(app)`: back up \(app), then prove the backups by restoring them.
            [Unit]
            Description=Steward backup of \(app)
            After=network-online.target postgresql.service

            [Service]
            Type=oneshot
            ExecStart=\(Command.quote(steward)) backup run \(app) --verify --reason scheduled\(args)
            ExecStartPost=\(Command.quote(steward)) backup prune \(app)\(args)
            Nice=10
            IOSchedulingClass=idle

            """
    }

    public static func timer(app: String, onCalendar: String) -> String {
        """
        # Installed by `steward backup schedule \(app)`.
        [Unit]
        Description=Steward backup of \(app) (\(onCalendar))

        [Timer]
        OnCalendar=\(onCalendar)
        Persistent=true
        RandomizedDelaySec=5min

        [Install]
        WantedBy=timers.target

        """
    }
}
