/// `systemctl` command lines.
public enum Systemctl {
    /// The properties the systemd probe reads, in one `systemctl show` for many units.
    public static let unitProperties = [
        "Id", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "NRestarts", "User", "Group",
        "WorkingDirectory", "EnvironmentFiles", "Environment", "ExecStart", "Restart", "StandardOutput",
        "StandardError", "FragmentPath", "After", "NoNewPrivileges", "ProtectSystem", "PrivateTmp",
    ]

    /// `systemctl show --no-pager -p Id,… -- a.service b.service`
    public static func show(units: [String], properties: [String] = unitProperties) -> Command {
        Command("systemctl", ["show", "--no-pager", "-p", properties.joined(separator: ",") , "--"] + units)
    }

    /// Every loaded service, active or not, for discovering template instances and failed units.
    public static func listServiceUnits() -> Command {
        Command("systemctl", ["list-units", "--all", "--type=service", "--plain", "--no-legend", "--no-pager", "--full"])
    }

}

/// `journalctl` command lines. All of them bound the window and the fields: never the whole journal.
public enum Journalctl {
    /// The newest entries read at most: a chatty unit cannot make the audit slow or unbounded in memory.
    public static let maxEntries = 50_000
    public static let unitFields = ["MESSAGE", "PRIORITY", "_SYSTEMD_UNIT", "UNIT", "MESSAGE_ID", "JOB_RESULT", "SYSLOG_IDENTIFIER"]

    /// Messages of the given units (their own output and systemd's about them) since `hours` ago, as JSON lines.
    public static func unitMessages(units: [String], sinceHours: Int) -> Command {
        Command("journalctl", ["--no-pager", "--since", "-\(sinceHours)h", "--lines=\(maxEntries)", "-o", "json",
                               "--output-fields=" + unitFields.joined(separator: ",")] + units.flatMap { ["-u", $0] })
    }

    /// One unit's recent messages, for a `journal` check.
    public static func recent(unit: String, sinceMinutes: Int) -> Command {
        Command("journalctl", ["--no-pager", "--since", "-\(sinceMinutes)m", "--lines=\(maxEntries)", "-o", "json",
                               "--output-fields=MESSAGE,PRIORITY", "-u", unit])
    }

    /// Kernel OOM-killer lines since `hours` ago.
    public static func oomKills(sinceHours: Int) -> Command {
        Command("journalctl", ["--no-pager", "-k", "--since", "-\(sinceHours)h", "-o", "json", "--output-fields=MESSAGE",
                               "--grep", "Out of memory: Kill|oom-kill|Killed process"])
    }

    /// sshd failed-login lines since `hours` ago (OpenSSH logs as `sshd`, from 9.8 as `sshd-session`).
    public static func sshFailures(sinceHours: Int) -> Command {
        Command("journalctl", ["--no-pager", "--since", "-\(sinceHours)h", "-o", "json", "--output-fields=MESSAGE",
                               "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session",
                               "--grep", "Failed password|Invalid user|authentication failure"])
    }
}

/// `nginx` command lines.
public enum Nginx {
    /// `nginx -t -q -c FILE`: the configuration under the audited root (the main file nginx would load on a host).
    public static func testConfig(file: String = "/etc/nginx/nginx.conf") -> Command { Command("nginx", ["-t", "-q", "-c", file]) }
}

/// `sqlite3` command lines: read-only, no init file, one statement per argument (never a shell string).
public enum SQLite {
    /// `sqlite3 -safe -batch -bail -init /dev/null FILE < SCRIPT`: a migration script, stopped at its first error;
    /// `-safe` refuses `.shell`, `.system`, `ATTACH` and whatever else reaches beyond the database file.
    public static func script(file: String, input: String) -> Command {
        Command("sqlite3", ["-safe", "-batch", "-bail", "-init", "/dev/null", file], inputFile: input)
    }

    public static func inspect(file: String) -> Command {
        Command("sqlite3", ["-readonly", "-batch", "-init", "/dev/null", file, "PRAGMA quick_check;", "PRAGMA journal_mode;"])
    }
}
