/// Everything the probes learned about a host: the only input of the rules.
///
/// A family that could not be probed is `nil` (or empty) and its probe report says why; rules that need it stay
/// silent rather than guess.
public struct Facts: Sendable, Codable, Equatable {
    public var host: HostFacts?
    public var units: [UnitFacts]
    public var unitLogs: [UnitLogFacts]
    public var hostLogs: HostLogFacts?
    /// nil when the socket table could not be read.
    public var sockets: [ListeningSocket]?
    public var envFiles: [EnvFileFacts]
    public var appDirs: [AppDirFacts]
    /// nil when nginx is not installed or could not be probed.
    public var nginx: NginxFacts?
    public var ngrok: [NgrokFacts]
    /// `python3` of the system, e.g. `3.11.2`; nil when there is none.
    public var systemPythonVersion: String?
    /// Length of the journal window the log facts cover, in hours.
    public var windowHours: Int
    /// Steward's backup catalog; nil when it could not be read.
    public var backups: BackupCatalogFacts?
    /// Certificates nginx serves and Let's Encrypt renewal; nil when not probed.
    public var tls: TLSFacts?
    /// SQLite files, Redis and PostgreSQL the apps use; nil when not probed.
    public var dataStores: DataStoreFacts?
    /// Large app log files and the journal's size; nil when not probed.
    public var logStorage: LogStorageFacts?
    /// The blue-green instances' slots and upstream files; nil when not probed (or no app is blue-green).
    public var slots: [SlotFacts]?
    /// The Docker Compose projects the host runs; nil when not probed (no Docker, or Docker not answering).
    public var compose: [ComposeFacts]?
    /// Why the Compose projects could not be read when an operation needed them (not when Docker is simply absent).
    public var composeProblem: String?

    public init(host: HostFacts? = nil, units: [UnitFacts] = [], unitLogs: [UnitLogFacts] = [], hostLogs: HostLogFacts? = nil,
                sockets: [ListeningSocket]? = nil, envFiles: [EnvFileFacts] = [], appDirs: [AppDirFacts] = [],
                nginx: NginxFacts? = nil, ngrok: [NgrokFacts] = [], systemPythonVersion: String? = nil, windowHours: Int = 24,
                backups: BackupCatalogFacts? = nil, tls: TLSFacts? = nil, dataStores: DataStoreFacts? = nil,
                logStorage: LogStorageFacts? = nil, slots: [SlotFacts]? = nil, compose: [ComposeFacts]? = nil) {
        self.host = host
        self.units = units
        self.unitLogs = unitLogs
        self.hostLogs = hostLogs
        self.sockets = sockets
        self.envFiles = envFiles
        self.appDirs = appDirs
        self.nginx = nginx
        self.ngrok = ngrok
        self.systemPythonVersion = systemPythonVersion
        self.windowHours = windowHours
        self.backups = backups
        self.tls = tls
        self.dataStores = dataStores
        self.logStorage = logStorage
        self.slots = slots
        self.compose = compose
    }

    public func unit(_ name: String) -> UnitFacts? { units.first { $0.name == name || $0.shortName == name } }
    public func envFile(_ path: String) -> EnvFileFacts? { envFiles.first { $0.path == path } }
    public func appDir(_ path: String) -> AppDirFacts? { appDirs.first { $0.path == path } }
    public func logs(for unit: String) -> UnitLogFacts? { unitLogs.first { $0.unit == unit } }
}
