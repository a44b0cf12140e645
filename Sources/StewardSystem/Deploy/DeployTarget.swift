import Foundation
import StewardCore

/// Everything a deploy needs to know about one app instance, resolved by the CLI from the manifest and the
/// host's facts: where the code is, who runs it, its environment, its databases and how to judge its health.
public struct DeployTarget: Sendable {
    public var app: String
    /// Empty for an app that runs as a single plain unit.
    public var instance: String
    public var spec: DeploySpec
    public var production: Bool
    /// The units restarted by the switch (the instance's unit).
    public var units: [String]
    /// `in-place`: the checkout. `releases`: the base holding `releases/`, `shared/` and `current`.
    public var directory: String
    public var venv: String?
    /// Runs pip, migrations, build commands and hooks; nil (or root) refuses those steps (``AppCommands/appUser()``).
    public var user: String?
    /// The app's environment as its unit gets it (env files, `Environment=`): for `manage.py` and `alembic`.
    public var environment: [String: String]
    /// The databases backed up before migrations and restored by a rollback.
    public var databases: [BackupSource]
    public var store: String
    /// One run of the instance's checks: nil when they pass, else what failed.
    public var checks: @Sendable () async -> String?
    /// The site files nginx loads (`/etc/nginx/sites-enabled/app`): those that are the release's own files (a link
    /// into the checkout) are tested with `nginx -t` and reloaded when a deploy changes them.
    public var nginxSiteFiles: [String] = []
    /// Further values never shown: the databases' URLs and passwords (read from their env files).
    public var extraSecrets: [String] = []
    /// blue-green: the instance's two slot ports (`instances.X.slots`).
    public var slotPorts: [Int] = []
    /// blue-green: one run of the slot's health check on its own port (the app's health path, not through nginx):
    /// nil when it passes, else what failed.
    public var slotCheck: @Sendable (Int) async -> String? = { port in "no health check for slot \(port)" }
    /// A Docker Compose project deployed in place: built, migrated in its database's container and brought up with
    /// `up -d` instead of units restarted.
    public var compose: ComposeDeploy?

    public init(app: String, instance: String, spec: DeploySpec, production: Bool, units: [String], directory: String,
                venv: String?, user: String?, environment: [String: String], databases: [BackupSource], store: String,
                checks: @escaping @Sendable () async -> String?) {
        self.app = app
        self.instance = instance
        self.spec = spec
        self.production = production
        self.units = units
        self.directory = directory
        self.venv = venv
        self.user = user
        self.environment = environment
        self.databases = databases
        self.store = store
        self.checks = checks
    }

    public var label: String { instance.isEmpty ? app : "\(app)@\(instance)" }

    /// Values never shown: those of the app's variables named like secrets (`SECRET_KEY`, `DB_PASSWORD`), and
    /// URLs with a password and the password itself, as the audit judges them. A port or a path stays readable.
    public var secrets: [String] {
        var values = Set<String>()
        for (key, value) in environment {
            if Redactor.isSecretName(key), value.count >= 4 { values.insert(value) }
            if let password = Redactor.urlPassword(value), password.count >= 4 { values.insert(value); values.insert(password) }
        }
        values.formUnion(extraSecrets.filter { $0.count >= 4 })
        return values.sorted { $0.count > $1.count }
    }

    /// The `releases` strategy's paths.
    public var releasesDirectory: String { directory + "/releases" }
    public var sharedDirectory: String { directory + "/shared" }
    public var currentLink: String { directory + "/current" }
    /// blue-green: the unit of the slot on `port` and the link naming the release it runs.
    public func slotUnit(_ port: Int) -> String { (spec.slots ?? SlotSpec()).unitName(port: port) }
    public func slotLink(_ port: Int) -> String { directory + "/slots/\(port)" }
    public var slotsDirectory: String { directory + "/slots" }
    /// blue-green: the nginx upstream file Steward owns for this instance.
    public var upstreamFile: String { SlotUpstream.path(app: app, instance: instance) }

    /// Where the `releases` strategy keeps its bare clone.
    public var cacheRepository: String { directory + "/repo.git" }

    /// The checkout git works in before the release exists: the checkout, or the cache.
    public var gitDirectory: String { spec.strategy == .inPlace ? directory : cacheRepository }

    /// The directory `manage.py`/`alembic.ini` are in, for a release.
    public func workdir(_ release: String) -> String {
        spec.workdir.isEmpty ? release : release + "/" + spec.workdir
    }
}

extension DeployTarget {
    /// The database URLs a deploy may read (its backups' and the SQL migrations'), and their passwords: masked in
    /// everything a deploy prints or records.
    public static func databaseSecrets(spec: DeploySpec, sources: [BackupSource]) -> [String] {
        let refs = sources.compactMap(\.url) + [spec.migrations.database.flatMap { SecretRef(parsing: $0) }].compactMap { $0 }
        return refs.flatMap { ref -> [String] in
            guard let value = try? ProbeContext().secret(ref) else { return [] }
            return [value] + [Redactor.urlPassword(value)].compactMap { $0 }
        }
    }
}
