/// Rules about the ngrok tunnel agent's configuration.
enum NgrokRules {
    static let all = [configInvalid]

    static let configInvalid: Rule = Rule(
        id: "ngrok.config-invalid", severity: .critical,
        rationale: "An invalid ngrok configuration makes the agent exit; the tunnel, and the app behind it, go offline."
    ) { ctx in
        ctx.facts.ngrok.filter { !$0.problems.isEmpty }.map { config in
            configInvalid.finding(
                subject: config.path,
                summary: "\(config.path) is not a valid ngrok v\(config.version ?? "?") agent configuration",
                evidence: config.problems + ["used by \(config.units.joined(separator: ", "))"],
                fix: "Edit \(config.path): " + NgrokConfig.fix(for: config) + "; check with `ngrok config check --config \(config.path)`, then `systemctl restart \(config.units.first ?? "the tunnel unit")`.")
        }
    }
}
