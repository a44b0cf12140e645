/// Rules about logs on disk: files the apps write in their own trees, and the journal's share of its filesystem
/// (seed 002 "Log rotation", seed 001 `logs/app.log`).
enum LogStorageRules {
    static let all = [unrotatedAppLog, journalUnbounded]

    /// An app log this large with nothing rotating it grows until the disk is full.
    static let appLogWarningBytes: Int64 = 100 << 20

    static let unrotatedAppLog: Rule = Rule(
        id: "logs.unrotated-app-log", severity: .warning,
        rationale: "A log file the app writes in its own tree with no logrotate rule grows until the disk is full."
    ) { ctx in
        (ctx.facts.logStorage?.appLogs ?? []).filter { $0.sizeBytes >= appLogWarningBytes && $0.rotatedBy == nil }.map { log in
            let dir = log.path.split(separator: "/").dropLast().joined(separator: "/")
            return unrotatedAppLog.finding(
                subject: log.path, summary: "\(log.path) is \(Format.bytes(log.sizeBytes)) and nothing rotates it",
                evidence: ["size \(Format.bytes(log.sizeBytes)) (threshold \(Format.bytes(appLogWarningBytes)))", "no pattern in /etc/logrotate.conf or /etc/logrotate.d/ matches it"],
                fix: "Write /etc/logrotate.d/\(log.path.split(separator: "/").dropFirst().first ?? "app"): `/\(dir)/*.log { daily rotate 14 compress delaycompress missingok notifempty copytruncate }`, then `logrotate -d /etc/logrotate.d/…` to check it; or log to stdout and let the journal keep it.")
        }
    }

    /// The journal is judged when it holds this share of its filesystem and this much at least.
    static let journalSharePercent = 5.0
    static let journalFloorBytes: Int64 = 64 << 20

    static let journalUnbounded: Rule = Rule(
        id: "logs.journal-unbounded", severity: .warning,
        rationale: "journald's default cap is 10 % of its filesystem (up to 4 GiB): on a small disk that crowds out the apps' data."
    ) { ctx in
        guard let journal = ctx.facts.logStorage?.journal, journal.systemMaxUse == nil,
              journal.bytes >= journalFloorBytes, journal.percent >= journalSharePercent else { return [] }
        return [journalUnbounded.finding(
            subject: journal.directory,
            summary: "The journal uses \(Format.bytes(journal.bytes)) (\(Format.percent(journal.percent)) of its filesystem) with no SystemMaxUse=",
            evidence: ["\(journal.directory): \(Format.bytes(journal.bytes)) of \(Format.bytes(journal.filesystemBytes))",
                       "SystemMaxUse= is not set in /etc/systemd/journald.conf or journald.conf.d/"],
            fix: "`mkdir -p /etc/systemd/journald.conf.d && printf '[Journal]\\nSystemMaxUse=500M\\n' > /etc/systemd/journald.conf.d/size.conf && systemctl restart systemd-journald`, then `journalctl --vacuum-size=500M`.")]
    }
}
