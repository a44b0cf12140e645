/// `systemctl` command lines.
public enum Systemctl {
    /// The properties the systemd probe reads, in one `systemctl show` for many units.
    public static let unitProperties = [
        "Id", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "NRestarts", "User", "Group",
        "WorkingDirectory", "EnvironmentFiles", "Environment", "ExecStart", "Restart", "StandardOutput",
        "StandardError", "FragmentPath",
    ]

    /// `systemctl show --no-pager -p Id,… -- a.service b.service`
    public static func show(units: [String], properties: [String] = unitProperties) -> Command {
        Command("systemctl", ["show", "--no-pager", "-p", properties.joined(separator: ",") , "--"] + units)
    }

    /// Every loaded service, active or not, for discovering template instances and failed units.
    public static func listServiceUnits() -> Command {
        Command("systemctl", ["list-units", "--all", "--type=service", "--plain", "--no-legend", "--no-pager", "--full"])
    }

    public static func status(unit: String) -> Command { Command("systemctl", ["status", "--no-pager", "--", unit]) }
    public static func restart(unit: String) -> Command { Command("systemctl", ["restart", "--", unit]) }
}

/// `journalctl` command lines. All of them bound the window and the fields: never the whole journal.
public enum Journalctl {
    public static let unitFields = ["MESSAGE", "PRIORITY", "_SYSTEMD_UNIT", "UNIT", "MESSAGE_ID", "JOB_RESULT", "SYSLOG_IDENTIFIER"]

    /// Messages of the given units (their own output and systemd's about them) since `hours` ago, as JSON lines.
    public static func unitMessages(units: [String], sinceHours: Int) -> Command {
        Command("journalctl", ["--no-pager", "--since", "-\(sinceHours)h", "-o", "json", "--output-fields=" + unitFields.joined(separator: ",")]
            + units.flatMap { ["-u", $0] })
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

/// `git` command lines. `safe.directory=*` because Steward runs as root over checkouts that the app user owns;
/// it only reads.
public enum Git {
    static func git(_ dir: String, _ args: [String]) -> Command {
        Command("git", ["-c", "safe.directory=*", "-c", "core.quotepath=off", "-C", dir] + args)
    }

    /// Branch, commit, upstream and changed files in one call.
    public static func statusPorcelain(dir: String) -> Command {
        git(dir, ["status", "--porcelain=v2", "--branch", "--untracked-files=normal"])
    }

    /// Tags that point exactly at HEAD.
    public static func tagsAtHead(dir: String) -> Command { git(dir, ["tag", "--points-at", "HEAD"]) }
}

/// `nginx` command lines.
public enum Nginx {
    /// `nginx -t -q -c FILE`: the configuration under the audited root (the main file nginx would load on a host).
    public static func testConfig(file: String = "/etc/nginx/nginx.conf") -> Command { Command("nginx", ["-t", "-q", "-c", file]) }
}
