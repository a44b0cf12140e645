import Yams

/// The `serve:` section: where `steward serve` listens, where its API tokens live, who may read `/metrics`, how its
/// scheduler spreads the checks, how often it audits and where its history lives.
extension ManifestSchema {
    static let serve = Section<ServeSpec>(fields: [
        Field("address", .string.checked { IPAddress.isValid($0) ? nil : "expected an IP address like 127.0.0.1 or ::1, got "
                                              + ManifestReader.describe(value: $0) },
              \.address, doc: "The address the HTTP API listens on (plain HTTP: put a TLS proxy in front of a non-loopback one).",
              in: .defaults),
        Field("port", .integer(1...65535), \.port, doc: "The TCP port of the HTTP API.", in: .defaults),
        Field("tokens", .absolutePath, \.tokens, doc: "The API token file (steward serve token add); root's, mode 0600.", in: .defaults),
        Field("metrics", .choice, \.metrics,
              doc: "Who may read /metrics: public, token (a read token), or auto (public on a loopback address, else token).",
              in: .defaults),
        Field("history", .section(serveHistory, ServeSpec.History()), \.history,
              doc: "Where the check history is kept and how large it may grow."),
        Field("checks", .section(serveChecks, ServeSpec.Checks()), \.checks,
              doc: "How the daemon spreads the checks; each check's interval is check_defaults.interval or its own."),
        Field("audit", .section(serveAudit, ServeSpec.Audit()), \.audit, doc: "How often the daemon audits the host."),
        Field("alerts", .section(alerts, AlertsSpec()), \.alerts,
              doc: "Alert channels and rules; every Steward deploy, rollback, restore and backup silences its instance."),
        Field("fleet", .section(serveFleet, ServeSpec.Fleet()), \.fleet,
              doc: "Other hosts whose checks the daemon runs over SSH and shows beside its own."),
    ])

    static let serveFleet = Section<ServeSpec.Fleet>(fields: [
        Field("hosts", .string.checked { $0.isEmpty ? "expected all, or host and group names separated by commas" : nil }, \.hosts,
              doc: "Which hosts: all, or host and group names separated by commas (as --hosts)."),
        Field("inventory", .absolutePath, \.inventory, doc: "The inventory file (default: hosts: of this manifest)."),
        Field("ssh_config", .absolutePath, \.sshConfig, doc: "An ssh_config file for the connections (ssh -F; root's, like the manifest)."),
        Field("interval", .duration.checked { $0 >= 10_000 ? nil : "must be at least 10s" }, \.intervalMs,
              doc: "Time between two rounds of every host's checks, like 60s.", in: ServeSpec.Fleet()),
    ])

    static let serveHistory = Section<ServeSpec.History>(fields: [
        Field("path", .absolutePath, \.path, doc: "The history database (SQLite).", in: ServeSpec.History()),
        Field("size_cap", .size.checked { $0 >= 16 << 20 ? nil : "must be at least 16MiB" }, \.sizeCapBytes,
              doc: "The database's hard cap, like 256MiB; the oldest raw results go first.", in: ServeSpec.History()),
    ])

    static let serveChecks = Section<ServeSpec.Checks>(fields: [
        Field("jitter", .percent.checked { $0 <= 50 ? nil : "must be at most 50%" }, \.jitterPercent,
              doc: "How far a run may move from its interval, in percent of it (0 to 50), at most 1 s.", in: ServeSpec.Checks()),
        Field("parallel", .integer(1...64), \.parallel, doc: "How many checks run at once.", in: ServeSpec.Checks()),
    ])

    static let serveAudit = Section<ServeSpec.Audit>(fields: [
        Field("interval", .minutes, \.intervalMinutes, doc: "Time between audits, in whole minutes like 15m or 1h.",
              in: ServeSpec.Audit()),
    ])
}
