/// Rules about systemd units: state, restarts, identity, logging and what they need to start.
enum ServiceRules {
    static let all = [failed, restarts, runsAsRoot, syslogOutput, missingEnvfile, missingExecutable]

    /// Units the service rules judge: the inventory's apps and tunnels.
    static func audited(_ ctx: AuditContext) -> [UnitFacts] {
        ctx.inventory.instances.compactMap { ctx.facts.unit($0.unit) }
    }

    /// One finding per unit file for problems that live in the (template) unit file, not in an instance.
    static func perUnitFile(_ units: [UnitFacts]) -> [UnitFacts] {
        var seen = Set<String>()
        return units.filter { seen.insert($0.unitFileName).inserted }
    }

    static let failed: Rule = Rule(
        id: "service.failed", severity: .critical,
        rationale: "A failed unit is down and systemd has stopped trying."
    ) { ctx in
        ctx.facts.units.filter { $0.activeState == "failed" }.map { unit in
            var evidence = ["ActiveState=failed SubState=\(unit.subState) NRestarts=\(unit.nRestarts)"]
            if let logs = ctx.facts.logs(for: unit.name) { evidence += logs.samples.suffix(3) }
            return failed.finding(
                subject: unit.shortName, summary: "\(unit.shortName) has failed",
                evidence: evidence,
                fix: "Read why: `journalctl -u \(unit.name) -n 50 --no-pager`; fix the cause, then `systemctl reset-failed \(unit.name) && systemctl restart \(unit.name)`.")
        }
    }

    static let restarts: Rule = Rule(
        id: "service.restarts", severity: .warning,
        rationale: "Restarts and start/stop churn mean a service crashes or is mis-configured, even if it is up now."
    ) { ctx in
        audited(ctx).compactMap { unit in
            let logs = ctx.facts.logs(for: unit.name)
            let churn = max(logs?.starts ?? 0, (logs?.failures ?? 0))
            guard unit.nRestarts >= ctx.thresholds.restartsWarning || churn >= 2 else { return nil }
            var evidence = ["NRestarts=\(unit.nRestarts) (automatic restarts since the unit was last started by hand)"]
            if let logs {
                evidence.append("journal, last \(ctx.facts.windowHours) h: \(logs.starts) starts, \(logs.stops) stops, \(logs.failures) failures")
                evidence += logs.samples.filter { !$0.hasPrefix("Traceback") }.prefix(3)
            }
            return restarts.finding(
                subject: unit.shortName,
                summary: "\(unit.shortName) restarted or churned (\(unit.nRestarts) restarts, \(logs?.starts ?? 0) starts in \(ctx.facts.windowHours) h)",
                evidence: evidence,
                fix: "Find the cause of the exits: `journalctl -u \(unit.name) --since -\(ctx.facts.windowHours)h --no-pager | grep -iE 'error|fail|exit'`.")
        }
    }

    static let runsAsRoot: Rule = Rule(
        id: "service.runs-as-root", severity: .warning,
        rationale: "An app running as root turns any bug in it into a compromise of the whole host."
    ) { ctx in
        perUnitFile(ctx.inventory.apps.compactMap { ctx.facts.unit($0.unit) }).filter(\.runsAsRoot).map { unit in
            runsAsRoot.finding(
                subject: unit.unitFileName, summary: "\(unit.unitFileName) runs its app as root",
                evidence: ["User=\(unit.user.isEmpty ? "(unset: root)" : unit.user)", "ExecStart=\(Redactor.scrub(unit.execStart).joined(separator: " "))"],
                fix: "Create a user (`useradd --system --home \(unit.workingDirectory.isEmpty ? "/opt/app" : unit.workingDirectory) appuser`), give it the app directory, add `User=appuser` and `Group=appuser` under [Service] in \(unit.fragmentPath), then `systemctl daemon-reload && systemctl restart \(unit.name)`.")
        }
    }

    static let syslogOutput: Rule = Rule(
        id: "service.syslog-output", severity: .info,
        rationale: "StandardOutput=syslog is obsolete; systemd maps it to the journal with a warning, and it hides intent."
    ) { ctx in
        perUnitFile(audited(ctx)).compactMap { unit in
            let lines = [("StandardOutput", unit.standardOutput), ("StandardError", unit.standardError)]
                .filter { $0.1.hasPrefix("syslog") }
            guard !lines.isEmpty else { return nil }
            return syslogOutput.finding(
                subject: unit.unitFileName,
                summary: "\(unit.unitFileName) sends output to syslog instead of the journal",
                evidence: lines.map { "\($0.0)=\($0.1) in \(unit.fragmentPath)" },
                fix: "In \(unit.fragmentPath) set `StandardOutput=journal` and `StandardError=journal` (or delete the lines: journal is the default), then `systemctl daemon-reload && systemctl restart \(unit.name)`.")
        }
    }

    static let missingEnvfile: Rule = Rule(
        id: "service.missing-envfile", severity: .critical,
        rationale: "systemd refuses to start a unit whose EnvironmentFile is missing (unless prefixed with -)."
    ) { ctx in
        audited(ctx).flatMap { unit in
            unit.environmentFiles.filter { ref in
                !ref.optional && ctx.facts.envFile(ref.path)?.exists == false
            }.map { ref in
                missingEnvfile.finding(
                    unit.isActive || unit.unitFileState == "enabled" ? .critical : .warning,
                    subject: unit.shortName, summary: "\(unit.shortName) needs \(ref.path), which does not exist",
                    evidence: ["EnvironmentFile=\(ref.path) in \(unit.fragmentPath)"],
                    fix: "Create it with the keys the app needs (`install -m 0600 -o root -g root /dev/null \(ref.path)`, then edit), or write `EnvironmentFile=-\(ref.path)` if it is optional; `systemctl daemon-reload`.")
            }
        }
    }

    static let missingExecutable: Rule = Rule(
        id: "service.missing-executable", severity: .critical,
        rationale: "A unit whose program or virtualenv is gone cannot start; often a venv deleted or an interpreter upgraded."
    ) { ctx in
        audited(ctx).compactMap { unit in
            let program = unit.execStart.first ?? ""
            var evidence: [String] = []
            if unit.executableExists == false { evidence.append("\(program) does not exist (ExecStart of \(unit.unitFileName))") }
            if let dir = ctx.facts.appDir(unit.workingDirectory), let venv = dir.venv, program.hasPrefix(venv.path) {
                if !venv.pythonExists { evidence.append("\(venv.path)/bin/python is missing or a broken link") }
                if !venv.homeInterpreterExists, let home = venv.home { evidence.append("the venv's base interpreter directory \(home) has no python3 any more") }
            }
            guard !evidence.isEmpty else { return nil }
            let usesVenv = program.contains("/.venv/") || program.contains("/venv/")
            return missingExecutable.finding(
                unit.isActive || unit.unitFileState == "enabled" ? .critical : .warning,
                subject: unit.shortName, summary: "\(unit.shortName) cannot start: its program is missing",
                evidence: evidence,
                fix: usesVenv
                    ? "Recreate the venv as the service user: `cd \(unit.workingDirectory) && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`, then `systemctl restart \(unit.name)`."
                    : "Install the program or correct ExecStart in \(unit.fragmentPath), then `systemctl daemon-reload && systemctl restart \(unit.name)`.")
        }
    }
}
