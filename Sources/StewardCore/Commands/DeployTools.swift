/// pip, through the venv's interpreter.
public enum Pip {
    /// An index or links URL with credentials (`--index-url https://u:token@host/simple` in `deploy.pip_args`)
    /// leaves argv, where `ps` shows it, for pip's own variable in this command's environment only.
    /// The app's environment is not given: pip needs none of it, only its own variables.
    public static func install(venv: String, requirements: String, extra: [String], directory: String? = nil) -> Command {
        let (arguments, secrets) = credentialsMoved(extra)
        return Command(venv + "/bin/python", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
                       + arguments + ["-r", requirements], workingDirectory: directory, secretEnvironment: secrets)
    }

    /// pip's options that take a URL, and the variable pip reads each from (several values: space-separated).
    static let urlOptions = ["--index-url": "PIP_INDEX_URL", "-i": "PIP_INDEX_URL", "--extra-index-url": "PIP_EXTRA_INDEX_URL",
                             "--find-links": "PIP_FIND_LINKS", "-f": "PIP_FIND_LINKS"]

    /// Every value of an option that has one URL with credentials moves, in order: pip would take the command
    /// line's values instead of the variable's, not with them.
    static func credentialsMoved(_ arguments: [String]) -> (arguments: [String], environment: [String: String]) {
        // (index of the option, arguments it spans, variable, value)
        var found: [(Int, Int, String, String)] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            let (option, inline) = arg.hasPrefix("--") && arg.contains("=")
                ? (String(arg.prefix { $0 != "=" }), Optional(String(arg.drop { $0 != "=" }.dropFirst())))
                : (arg, nil)
            if let variable = urlOptions[option], let value = inline ?? (i + 1 < arguments.count ? arguments[i + 1] : nil) {
                let span = inline == nil ? 2 : 1
                found.append((i, span, variable, value))
                i += span
            } else {
                i += 1
            }
        }
        let moving = Set(found.filter { URLCredentials($0.3) != nil }.map(\.2))
        guard !moving.isEmpty else { return (arguments, [:]) }
        var kept = arguments.map(Optional.some), environment: [String: String] = [:]
        for (index, span, variable, value) in found where moving.contains(variable) {
            for j in index..<(index + span) { kept[j] = nil }
            environment[variable] = environment[variable].map { $0 + " " + value } ?? value
        }
        return (kept.compactMap { $0 }, environment)
    }
}

/// Django's `manage.py`, through the venv's interpreter.
public enum Django {
    static func manage(_ venv: String, _ args: [String]) -> Command {
        Command(venv + "/bin/python", ["manage.py"] + args)
    }

    /// Applied `[X]` and pending `[ ]` migrations in order.
    public static func showPlan(venv: String) -> Command { manage(venv, ["showmigrations", "--plan", "--no-color"]) }
    public static func migrate(venv: String) -> Command { manage(venv, ["migrate", "--noinput", "--no-color"]) }
    /// `migrate TARGET` for a declared downgrade is the user's command; this is the forward one.
    public static func collectStatic(venv: String) -> Command { manage(venv, ["collectstatic", "--noinput", "--no-color"]) }
}

/// Alembic, from the venv.
public enum Alembic {
    public static func current(venv: String) -> Command { Command(venv + "/bin/alembic", ["current"]) }
    public static func heads(venv: String) -> Command { Command(venv + "/bin/alembic", ["heads"]) }
    public static func upgradeHead(venv: String) -> Command { Command(venv + "/bin/alembic", ["upgrade", "head"]) }
}

extension Systemctl {
    public static func restart(_ units: [String]) -> Command { Command("systemctl", ["restart", "--"] + units) }
    public static func reload(_ units: [String]) -> Command { Command("systemctl", ["reload", "--"] + units) }
    /// blue-green: the serving slot starts at boot, the idle one does not (`--quiet`: no symlink chatter).
    public static func enable(_ units: [String]) -> Command { Command("systemctl", ["enable", "--quiet", "--"] + units) }
    public static func disable(_ units: [String]) -> Command { Command("systemctl", ["disable", "--quiet", "--"] + units) }
    /// Clears a unit's failed state and its start counter: a deploy's restart is intended, and must not be refused
    /// because the unit started often in the last 10 s (`StartLimitBurst=`), as rapid deploys and rollbacks do.
    public static func resetFailed(_ units: [String]) -> Command { Command("systemctl", ["reset-failed", "--"] + units) }
}

extension Journalctl {
    /// A unit's lines since an instant (`@EPOCH`): the journal of a failed release since its restart.
    public static func since(unit: String, epochSeconds: Int, lines: Int = 200) -> Command {
        Command("journalctl", ["--no-pager", "-u", unit, "--since", "@\(epochSeconds)", "-n", String(lines), "-o", "short-iso"])
    }
}

extension Nginx {
    /// `nginx -t -q`, then `systemctl reload nginx`: the seeds' `nginx -t && systemctl reload nginx`.
    public static func reload() -> Command { Command("systemctl", ["reload", "--", "nginx.service"]) }
    /// `nginx -T -q`: tests the whole configuration and prints it with every included file (under a
    /// `# configuration file PATH:` line): whether a site includes Steward's upstream file, and uses it.
    public static func dumpConfig() -> Command { Command("nginx", ["-T", "-q"]) }
}
