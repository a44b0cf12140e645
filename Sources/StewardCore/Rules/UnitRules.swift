/// Rules about how app units are declared: restart policy, start order against a local database, and the
/// sandboxing lines most apps take without noticing (seed 000 §13, seed 004).
enum UnitRules {
    static let all = [noRestart, databaseOrder, hardening]

    /// App units, one per unit file (a template's instances share its lines).
    static func appUnitFiles(_ ctx: AuditContext) -> [UnitFacts] {
        ServiceRules.perUnitFile(ctx.inventory.apps.compactMap { ctx.facts.unit($0.unit) })
    }

    static let noRestart: Rule = Rule(
        id: "service.no-restart", severity: .warning,
        rationale: "Without Restart=, one crash leaves the app down until someone notices; systemd could restart it in a second."
    ) { ctx in
        appUnitFiles(ctx).filter { $0.restart.isEmpty || $0.restart == "no" }.map { unit in
            noRestart.finding(
                subject: unit.unitFileName, summary: "\(unit.unitFileName) is not restarted when it exits",
                evidence: ["Restart=\(unit.restart.isEmpty ? "(unset: no)" : unit.restart) in \(unit.fragmentPath)"],
                fix: "Add `Restart=on-failure` and `RestartSec=5` under [Service] in \(unit.fragmentPath) (or `systemctl edit \(unit.unitFileName)`), then `systemctl daemon-reload`.")
        }
    }

    /// The local database servers an app's URLs name, as the unit names that start them.
    static func localDatabases(_ env: AppEnvironment, sockets: [ListeningSocket]?) -> [(kind: String, key: String, unit: String)] {
        var found: [(String, String, String)] = []
        func serverUnit(_ prefix: String, _ fallback: String) -> String {
            sockets?.first { ($0.process ?? "").hasPrefix(prefix) && $0.unit != nil }?.unit ?? fallback
        }
        for (key, entry) in env.entries.sorted(by: { $0.key < $1.key }) {
            let url = entry.text
            let isPostgres = url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.hasPrefix("postgresql+")
            let isRedis = url.hasPrefix("redis://") || url.hasPrefix("rediss://")
            guard isPostgres || isRedis, LocalURL.isLocal(url) else { continue }
            let kind = isPostgres ? "postgresql" : "redis"
            guard !found.contains(where: { $0.0 == kind }) else { continue }
            found.append((kind, key, isPostgres ? serverUnit("postgres", "postgresql.service") : serverUnit("redis", "redis-server.service")))
        }
        return found
    }

    static let databaseOrder: Rule = Rule(
        id: "service.database-order", severity: .warning,
        rationale: "An app that starts before its local database fails its first connections at boot and may crash-loop or cache the error."
    ) { ctx in
        // One finding per unit file, with the databases any of its instances uses and is not ordered after: the
        // instances of a template share its lines, not their env files (notes@archive uses no database, notes@prod a
        // local Redis: the template still lacks After=).
        var files: [String] = []
        var byFile: [String: (unit: UnitFacts, missing: [(kind: String, key: String, unit: String)])] = [:]
        for (_, unit, env) in AppEnvironment.apps(ctx) {
            // After= is never empty for a unit systemd reports: empty means not probed, and is not judged.
            guard !unit.after.isEmpty else { continue }
            let missing = localDatabases(env, sockets: ctx.facts.sockets).filter { db in
                // The server's own unit (from its socket), or any unit of its packages' names.
                !unit.after.contains { $0 == db.unit || $0.hasPrefix(db.kind) }
            }
            guard !missing.isEmpty else { continue }
            if byFile[unit.unitFileName] == nil {
                files.append(unit.unitFileName)
                byFile[unit.unitFileName] = (unit, [])
            }
            for db in missing where !byFile[unit.unitFileName]!.missing.contains(where: { $0.kind == db.kind }) {
                byFile[unit.unitFileName]!.missing.append(db)
            }
        }
        return files.map { file in
            let (unit, missing) = byFile[file]!
            let lines = missing.map(\.unit)
            return databaseOrder.finding(
                subject: unit.unitFileName, summary: "\(unit.unitFileName) is not ordered after its local \(missing.map(\.kind).joined(separator: " and "))",
                evidence: missing.map { "\($0.key) names a \($0.kind) server on this host (\($0.unit))" } + ["After=\(unit.after.joined(separator: " "))"],
                fix: "Under [Unit] in \(unit.fragmentPath) add `After=\(lines.joined(separator: " "))` and `Wants=\(lines.joined(separator: " "))`, then `systemctl daemon-reload`.")
        }
    }

    /// The lines suggested, each with what it would break: a line is left out when the unit shows it would.
    static let hardening: Rule = Rule(
        id: "service.hardening", severity: .info,
        rationale: "NoNewPrivileges, ProtectSystem and PrivateTmp cost nothing to most apps and contain a compromised one."
    ) { ctx in
        appUnitFiles(ctx).compactMap { unit in
            // Empty: the unit's facts did not say (an older probe); judged only on what systemd reported.
            guard !unit.noNewPrivileges.isEmpty, !unit.protectSystem.isEmpty, !unit.privateTmp.isEmpty else { return nil }
            var lines: [String] = []
            let usesSudo = unit.execStart.contains { ["sudo", "su", "doas", "pkexec"].contains($0.split(separator: "/").last.map(String.init) ?? $0) }
            if unit.noNewPrivileges != "yes" && !usesSudo { lines.append("NoNewPrivileges=yes") }
            // ProtectSystem=full makes /usr, /boot and /etc read-only: an app that lives or writes there would break.
            let writesSystem = ["/usr/", "/etc/", "/boot/"].contains { unit.workingDirectory.hasPrefix($0) }
            if unit.protectSystem == "no" && !writesSystem { lines.append("ProtectSystem=full") }
            // PrivateTmp hides /tmp from other processes: a socket nginx reaches in /tmp would break.
            let tmpSocket = (ctx.facts.nginx?.sites ?? []).contains { $0.locations.contains { ($0.proxyPass ?? "").contains("unix:/tmp/") } }
            if unit.privateTmp != "yes" && !tmpSocket { lines.append("PrivateTmp=yes") }
            guard !lines.isEmpty else { return nil }
            return hardening.finding(
                subject: unit.unitFileName, summary: "\(unit.unitFileName) can write everywhere its user can; \(lines.count) line(s) would contain it",
                evidence: ["NoNewPrivileges=\(unit.noNewPrivileges) ProtectSystem=\(unit.protectSystem) PrivateTmp=\(unit.privateTmp)"],
                fix: "`systemctl edit \(unit.unitFileName)` and add under [Service]: " + lines.map { "`\($0)`" }.joined(separator: " ") + "; `systemctl restart \(unit.name)`, check the app works, and see what is left with `systemd-analyze security \(unit.name)`.")
        }
    }
}
