import Yams

extension ManifestReader {
    static let topLevelKeys = ["version", "journal_window", "thresholds", "apps", "silence", "check_defaults", "checks"]

    /// The manifest of a composed document; problems go to ``errors``.
    mutating func manifest(_ root: Node?) -> Manifest {
        var manifest = Manifest.empty
        guard let root, !Self.isNull(root) else { return manifest }
        guard let fields = fields(root, "", known: Self.topLevelKeys) else {
            return manifest
        }
        if let version = fields["version"]?.value, let number = integer(version, "version"), number != 1 {
            report(version, "version", "unsupported version \(number); this Steward reads version 1")
        }
        if let window = fields["journal_window"]?.value {
            manifest.journalWindowHours = journalWindow(window, "journal_window") ?? manifest.journalWindowHours
        }
        if let thresholds = fields["thresholds"]?.value {
            manifest.thresholds = self.thresholds(thresholds, "thresholds")
        }
        if let apps = fields["apps"]?.value {
            manifest.apps = self.apps(apps, "apps")
        }
        if let silences = fields["silence"]?.value {
            manifest.silences = self.silences(silences, "silence")
        }
        let checkDefaults = fields["check_defaults"].map { self.checkDefaults($0.value, "check_defaults") }
        if let checks = fields["checks"]?.value {
            manifest.checks = self.checks(checks, "checks", defaults: checkDefaults ?? CheckDefaults())
        }
        return manifest
    }

    /// Whole hours of a duration such as `30m` (1), `6h`, `24h` or `7d` (168).
    mutating func journalWindow(_ node: Node, _ path: String) -> Int? {
        guard let minutes = value(node, path, expected: "a duration like 30m, 6h, 24h or 7d", TimeWindow.parseMinutes)
        else { return nil }
        guard minutes > 0 else {
            report(node, path, "must be longer than zero")
            return nil
        }
        return (minutes + 59) / 60
    }
}
