/// An instance's environment as systemd builds it: `Environment=` first, then each env file in order, a later
/// assignment winning. Values stay ``Secret``s: the settings rules judge them and print key names and sources.
struct AppEnvironment {
    struct Entry {
        var value: Secret
        /// `/etc/app/prod.env`, or `Environment= of app@.service`.
        var source: String
        var text: String { value.revealedForAnalysis.trimmingCharacters(in: .init(charactersIn: "\"' \t")) }
    }

    var entries: [String: Entry] = [:]

    init(unit: UnitFacts, facts: Facts) {
        for (key, value) in unit.environment { entries[key] = Entry(value: value, source: "Environment= of \(unit.unitFileName)") }
        for ref in unit.environmentFiles {
            guard let file = facts.envFile(ref.path) else { continue }
            for key in file.keys { if let value = file.values[key] { entries[key] = Entry(value: value, source: file.path) } }
        }
    }

    subscript(_ key: String) -> Entry? { entries[key] }

    /// The first of `keys` that is set, with its name.
    func first(_ keys: [String]) -> (key: String, entry: Entry)? {
        for key in keys { if let entry = entries[key] { return (key, entry) } }
        return nil
    }

    /// Whether a value reads as true (`1`, `true`, `yes`, `on`) or false, as Python settings modules parse them.
    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on", "y", "t": true
        case "0", "false", "no", "off", "n", "f", "": false
        default: nil
        }
    }

    /// Each audited app instance with its unit and environment, one per unit file's instance.
    static func apps(_ ctx: AuditContext) -> [(Inventory.Instance, UnitFacts, AppEnvironment)] {
        ctx.inventory.apps.compactMap { instance in
            ctx.facts.unit(instance.unit).map { (instance, $0, AppEnvironment(unit: $0, facts: ctx.facts)) }
        }
    }
}
