/// Rules about the machine: disk, memory, the OOM killer, and password guessing on sshd.
enum HostRules {
    static let all = [diskSpace, memoryPressure, oomKills, sshBruteforce]

    static let diskSpace: Rule = Rule(
        id: "host.disk-space", severity: .critical,
        rationale: "A full filesystem stops databases, uploads and logging; apps fail in confusing ways."
    ) { ctx in
        guard let host = ctx.facts.host else { return [] }
        let t = ctx.thresholds
        return host.filesystems.compactMap { fs in
            let used = fs.usedPercent
            // "Less than 2 GiB free" only means something on a filesystem that can hold 2 GiB: a 64 MiB tmpfs
            // is judged by its percentage alone.
            let lowFree = { (threshold: Int64) in fs.sizeBytes > threshold && fs.availableBytes < threshold }
            let severity: Severity? =
                used >= t.diskCriticalPercent || lowFree(t.diskCriticalFreeBytes) ? .critical
                : used >= t.diskWarningPercent || lowFree(t.diskWarningFreeBytes) ? .warning : nil
            guard let severity else { return nil }
            return diskSpace.finding(
                severity, subject: fs.mountPoint,
                summary: "\(fs.mountPoint) is \(Format.percent(used)) full, \(Format.bytes(fs.availableBytes)) free",
                evidence: [
                    "\(fs.device) (\(fs.fsType)) size \(Format.bytes(fs.sizeBytes)), used \(Format.bytes(fs.usedBytes)), available \(Format.bytes(fs.availableBytes))",
                    "holds: \(fs.holds.joined(separator: ", "))",
                    "thresholds: warning at \(Format.percent(t.diskWarningPercent)) or < \(Format.bytes(t.diskWarningFreeBytes)) free, critical at \(Format.percent(t.diskCriticalPercent)) or < \(Format.bytes(t.diskCriticalFreeBytes)) free",
                ],
                fix: "Find what grew: `du -xh --max-depth=2 \(fs.mountPoint) | sort -h | tail`; vacuum logs with `journalctl --vacuum-size=200M`, remove old backups/releases, or grow the filesystem.")
        }
    }

    static let memoryPressure: Rule = Rule(
        id: "host.memory-pressure", severity: .critical,
        rationale: "Little available memory or busy swap precedes OOM kills and slow responses."
    ) { ctx in
        guard let mem = ctx.facts.host?.memory, mem.totalBytes > 0 else { return [] }
        let t = ctx.thresholds
        let used = mem.usedPercent
        let swap = mem.swapUsedPercent
        let severity: Severity? = used >= t.memoryCriticalPercent ? .critical
            : (used >= t.memoryWarningPercent || (mem.swapTotalBytes > 0 && swap >= t.swapWarningPercent)) ? .warning : nil
        guard let severity else { return [] }
        var evidence = [
            "memory: \(Format.bytes(mem.totalBytes)) total, \(Format.bytes(mem.availableBytes)) available (\(Format.percent(used)) in use)",
            "swap: \(Format.bytes(mem.swapTotalBytes)) total, \(Format.bytes(mem.swapTotalBytes - mem.swapFreeBytes)) used (\(Format.percent(swap)))",
        ]
        if let top = ctx.facts.host?.topProcesses.sorted(by: { $0.rssBytes > $1.rssBytes }).prefix(3), !top.isEmpty {
            evidence.append("largest: " + top.map { "\($0.command.split(separator: " ").first ?? "") (pid \($0.pid), \(Format.bytes($0.rssBytes)))" }.joined(separator: ", "))
        }
        return [memoryPressure.finding(
            severity, subject: "memory",
            summary: "Memory is \(Format.percent(used)) in use" + (swap > 0 ? ", swap \(Format.percent(swap))" : ""),
            evidence: evidence,
            fix: "See who uses it: `ps -eo pid,user,rss,comm --sort=-rss | head`; cap workers (gunicorn `--workers`), set `MemoryMax=` on the unit, or add swap/RAM.")]
    }

    static let oomKills: Rule = Rule(
        id: "host.oom-kills", severity: .critical,
        rationale: "The kernel killed processes for lack of memory: requests failed and services may be half-dead."
    ) { ctx in
        guard let logs = ctx.facts.hostLogs, logs.oomKills > 0 else { return [] }
        return [oomKills.finding(
            subject: "kernel",
            summary: "The OOM killer ran \(logs.oomKills) time(s) in the last \(ctx.facts.windowHours) h",
            evidence: logs.oomVictims.prefix(5).map { "killed: \($0)" },
            fix: "Read `journalctl -k --since -\(ctx.facts.windowHours)h | grep -i oom`; lower the app's memory use or workers, set `MemoryMax=` so one unit cannot starve the host, or add swap.")]
    }

    static let sshBruteforce: Rule = Rule(
        id: "host.ssh-bruteforce", severity: .warning,
        rationale: "Many failed SSH passwords mean the host is being guessed at; one weak password is enough."
    ) { ctx in
        guard let logs = ctx.facts.hostLogs, logs.sshFailedPasswords >= ctx.thresholds.sshFailedLoginsWarning else { return [] }
        let sources = logs.sshSources.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        return [sshBruteforce.finding(
            subject: "sshd",
            summary: "\(logs.sshFailedPasswords) failed SSH logins from \(logs.sshSources.count) address(es) in the last \(ctx.facts.windowHours) h",
            evidence: sources.prefix(5).map { "\($0.key): \($0.value) attempts" },
            fix: "Install fail2ban (`apt install fail2ban`; the sshd jail is on by default) and set `PasswordAuthentication no` in /etc/ssh/sshd_config once keys work, then `systemctl reload ssh`.")]
    }
}
