/// The user's declaration of a host: which apps run there, which instances are production, what ports they should
/// use, the rule thresholds and the findings to silence.
///
/// Parsed from `steward.yml` by ``ManifestParser``. Everything is optional: ``Manifest/empty`` is the manifest of an
/// empty file, and Steward then audits by discovery alone.
public struct Manifest: Sendable, Equatable, Codable {
    /// Format version; only `1` exists.
    public var version: Int
    /// How far back the audit reads the journal, in whole hours (`30m` rounds up to 1).
    public var journalWindowHours: Int
    public var thresholds: Thresholds
    /// Apps in file order.
    public var apps: [AppSpec]
    /// Silences in file order; the first that matches a finding wins.
    public var silences: [Silence]
    /// Health checks for `steward check` (`checks:`, run with `check_defaults:`), in file order.
    public var checks: [CheckSpec]
    /// The fact probes to run (`probes: {disable: [...]}`); all by default.
    public var probes: ProbeSelection
    /// The daemon's settings (`serve:`); nil when the section is absent (``ServeSpec/defaults`` then apply).
    public var serve: ServeSpec?
    /// The fleet this machine operates over SSH (`hosts:`), in file order; empty for a single host.
    public var hosts: [FleetHost]

    public init(version: Int = 1, journalWindowHours: Int = 24, thresholds: Thresholds = .defaults,
                apps: [AppSpec] = [], silences: [Silence] = [], checks: [CheckSpec] = [],
                probes: ProbeSelection = .all, serve: ServeSpec? = nil, hosts: [FleetHost] = []) {
        self.version = version
        self.journalWindowHours = journalWindowHours
        self.thresholds = thresholds
        self.apps = apps
        self.silences = silences
        self.checks = checks
        self.probes = probes
        self.serve = serve
        self.hosts = hosts
    }

    /// The manifest of an empty file: version 1, a 24 h window, default thresholds, no apps, no silences, no checks, every probe.
    public static let empty = Manifest()

    /// The app declared under `name`, if any.
    public func app(named name: String) -> AppSpec? {
        apps.first { $0.name == name }
    }

    /// The first silence that matches a finding of `rule` about `subject`, if any.
    public func silence(matchingRule rule: String, subject: String) -> Silence? {
        silences.first { $0.matches(rule: rule, subject: subject) }
    }
}
