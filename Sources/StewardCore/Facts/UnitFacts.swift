/// One systemd service unit as `systemctl show` describes it, plus what Steward derived from it.
public struct UnitFacts: Sendable, Codable, Equatable {
    /// Full unit name, e.g. `calb-sizingtool@prod.service`.
    public var name: String
    public var activeState: String
    public var subState: String
    /// `enabled`, `disabled`, `static`, … (empty when systemd does not say).
    public var unitFileState: String
    public var mainPID: Int
    public var nRestarts: Int
    /// Empty when the unit runs as root (systemd's default).
    public var user: String
    public var group: String
    public var workingDirectory: String
    public var environmentFiles: [EnvironmentFileRef]
    /// `Environment=` assignments; values are secrets until proven otherwise.
    public var environment: [String: Secret]
    /// The first `ExecStart=` command line, as systemd stores it (variables unexpanded).
    public var execStart: [String]
    public var restart: String
    public var standardOutput: String
    public var standardError: String
    public var fragmentPath: String
    /// `LoadState`, so a unit that is `not-found` or `masked` is told apart from one that is merely inactive.
    public var loadState: String
    /// Whether the ExecStart program exists (nil when not checked): a removed venv or binary makes starts fail.
    public var executableExists: Bool?
    /// `After=` as systemd resolved it (implicit dependencies included), sorted; empty when not reported.
    public var after: [String]
    /// `NoNewPrivileges`, `ProtectSystem`, `PrivateTmp` as systemd reports them (`yes`/`no`, `full`…); empty when not
    /// reported, and then not judged.
    public var noNewPrivileges: String
    public var protectSystem: String
    public var privateTmp: String

    public init(name: String, activeState: String = "", subState: String = "", unitFileState: String = "",
                mainPID: Int = 0, nRestarts: Int = 0, user: String = "", group: String = "",
                workingDirectory: String = "", environmentFiles: [EnvironmentFileRef] = [],
                environment: [String: Secret] = [:], execStart: [String] = [], restart: String = "",
                standardOutput: String = "", standardError: String = "", fragmentPath: String = "",
                loadState: String = "loaded", executableExists: Bool? = nil, after: [String] = [],
                noNewPrivileges: String = "", protectSystem: String = "", privateTmp: String = "") {
        self.name = name
        self.activeState = activeState
        self.subState = subState
        self.unitFileState = unitFileState
        self.mainPID = mainPID
        self.nRestarts = nRestarts
        self.user = user
        self.group = group
        self.workingDirectory = workingDirectory
        self.environmentFiles = environmentFiles
        self.environment = environment
        self.execStart = execStart
        self.restart = restart
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.fragmentPath = fragmentPath
        self.loadState = loadState
        self.executableExists = executableExists
        self.after = after
        self.noNewPrivileges = noNewPrivileges
        self.protectSystem = protectSystem
        self.privateTmp = privateTmp
    }

    /// `calb-sizingtool@prod.service` → `calb-sizingtool@prod`.
    public var shortName: String {
        name.hasSuffix(".service") ? String(name.dropLast(".service".count)) : name
    }

    /// `calb-sizingtool@prod.service` → `calb-sizingtool`; nil for a unit that is not a template instance.
    public var templateBase: String? {
        guard let at = shortName.firstIndex(of: "@") else { return nil }
        return String(shortName[..<at])
    }

    /// `calb-sizingtool@prod.service` → `prod`; nil for a unit that is not a template instance.
    public var instance: String? {
        guard let at = shortName.firstIndex(of: "@") else { return nil }
        let rest = shortName[shortName.index(after: at)...]
        return rest.isEmpty ? nil : String(rest)
    }

    /// The unit file an admin edits to change this unit: the template for an instance.
    public var unitFileName: String {
        if let base = templateBase { return "\(base)@.service" }
        return name
    }

    public var runsAsRoot: Bool { user.isEmpty || user == "root" || user == "0" }
    public var isActive: Bool { activeState == "active" || activeState == "reloading" }
}

/// One `EnvironmentFile=` line; a leading `-` in the unit makes a missing file acceptable to systemd.
public struct EnvironmentFileRef: Sendable, Codable, Equatable {
    public var path: String
    public var optional: Bool
    public init(path: String, optional: Bool) {
        self.path = path
        self.optional = optional
    }
}
