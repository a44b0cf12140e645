import Testing
@testable import StewardCore

/// Byte sizes used by the fixtures.
let KiB: Int64 = 1 << 10
let MiB: Int64 = 1 << 20
let GiB: Int64 = 1 << 30

/// Names and paths of the N1 host of the seed runbook (`armbian`, two CALB SizingTool instances and an ngrok tunnel).
enum N1 {
    static let prodUnit = "calb-sizingtool@prod.service"
    static let testUnit = "calb-sizingtool@test.service"
    static let ngrokUnit = "calb-ngrok@prod.service"
    static let ngrokTestUnit = "calb-ngrok@test.service"

    static let template = "/etc/systemd/system/calb-sizingtool@.service"
    static let ngrokTemplate = "/etc/systemd/system/calb-ngrok@.service"

    static let prodDir = "/opt/calb/prod/CALB_SIZINGTOOL"
    static let testDir = "/opt/calb/test/CALB_SIZINGTOOL"
    static let prodEnv = "/etc/calb-sizingtool/prod.env"
    static let testEnv = "/etc/calb-sizingtool/test.env"
    static let ngrokConfig = "/home/calb/.config/ngrok/ngrok.yml"

    static let branch = "refactor/streamlit-structure-v1"
    static let commit = "6c618bc3e1f04b2a9d6c0e1f2a3b4c5d6e7f8091"

    static func dir(_ instance: String) -> String { "/opt/calb/\(instance)/CALB_SIZINGTOOL" }
    static func env(_ instance: String) -> String { "/etc/calb-sizingtool/\(instance).env" }
}

// MARK: - Builders

/// A `calb-sizingtool@<instance>` unit as `systemctl show` describes it on N1.
func sizingUnit(_ instance: String, active: Bool) -> UnitFacts {
    UnitFacts(
        name: "calb-sizingtool@\(instance).service",
        activeState: active ? "active" : "inactive", subState: active ? "running" : "dead",
        unitFileState: active ? "enabled" : "disabled", mainPID: active ? 1275 : 0, nRestarts: 0,
        user: "calb", group: "calb", workingDirectory: N1.dir(instance),
        environmentFiles: [EnvironmentFileRef(path: N1.env(instance), optional: false)],
        execStart: ["\(N1.dir(instance))/.venv/bin/python", "-m", "streamlit", "run", "app.py", "--server.port", "${PORT}"],
        restart: "on-failure", standardOutput: "journal", standardError: "inherit", fragmentPath: N1.template,
        executableExists: true)
}

/// A `calb-ngrok@<instance>` unit: `StandardOutput=syslog`, config from `NGROK_CONFIG`, started with `--all`.
func ngrokUnit(_ instance: String, active: Bool) -> UnitFacts {
    UnitFacts(
        name: "calb-ngrok@\(instance).service",
        activeState: active ? "active" : "inactive", subState: active ? "running" : "dead",
        unitFileState: active ? "enabled" : "disabled", mainPID: active ? 5642 : 0, nRestarts: 0,
        user: "calb", group: "calb", workingDirectory: "/home/calb",
        environment: ["NGROK_CONFIG": Secret(N1.ngrokConfig)],
        execStart: ["/usr/local/bin/ngrok", "start", "--all", "--config", "${NGROK_CONFIG}"],
        restart: "on-failure", standardOutput: "syslog", standardError: "inherit", fragmentPath: N1.ngrokTemplate,
        executableExists: true)
}

/// An env file that exists, with `values` in file order.
func envFile(_ path: String, mode: Int = 0o600, owner: String = "root", group: String = "root",
             _ values: KeyValuePairs<String, String> = ["PORT": "8511"]) -> EnvFileFacts {
    EnvFileFacts(path: path, exists: true, owner: owner, group: group, mode: mode,
                 keys: values.map(\.key),
                 values: Dictionary(values.map { ($0.key, Secret($0.value)) }, uniquingKeysWith: { $1 }))
}

/// An app directory with a venv on Python 3.10.12 and a checkout of `N1.branch` with local edits, like N1's.
func appDir(_ path: String, owner: String = "calb", group: String = "calb", mode: Int = 0o775,
            git: GitFacts? = GitFacts(branch: N1.branch, tag: nil, commit: N1.commit,
                                      modified: ["requirements.txt"], untracked: ["docs/"], ahead: 0, behind: 0))
    -> AppDirFacts {
    AppDirFacts(path: path, exists: true, owner: owner, group: group, mode: mode,
                venv: VenvFacts(path: "\(path)/.venv", pythonVersion: "3.10.12", home: "/usr/bin",
                                homeInterpreterExists: true, pythonExists: true),
                git: git)
}

/// A filesystem with `used` and `available` bytes (size is their sum, as if nothing were reserved).
func filesystem(_ mountPoint: String = "/", used: Int64, available: Int64, holds: [String] = ["/"]) -> FilesystemFacts {
    FilesystemFacts(mountPoint: mountPoint, device: "/dev/mmcblk2p2", fsType: "ext4",
                    sizeBytes: used + available, usedBytes: used, availableBytes: available, holds: holds)
}

/// Facts of a host with only `filesystems` (and no other family probed).
func hostFacts(filesystems: [FilesystemFacts] = [], memory: MemoryFacts = .init()) -> Facts {
    Facts(host: HostFacts(hostname: "h", memory: memory, filesystems: filesystems))
}

/// The N1 host of the seed runbook, as the probes would describe it:
/// - `calb-sizingtool@prod` active/enabled as `calb`, `@test` inactive/disabled, both `PORT=8511` in 0600 root:root
///   env files; prod listens on `0.0.0.0:8511`;
/// - `calb-ngrok@prod` active with `StandardOutput=syslog`, web UI on `127.0.0.1:4040`, `@test` inactive; its
///   config is a v2 file labelled v3 (`region`) without tunnels, and its journal shows start/stop churn;
/// - both checkouts on branch `refactor/streamlit-structure-v1` with `M requirements.txt` and `?? docs/`;
/// - Streamlit tracebacks in prod's journal, SSH password guessing, `/` at 85 % with 960 MiB free.
func n1Facts() -> Facts {
    Facts(
        host: HostFacts(
            hostname: "armbian", kernel: "6.12.59-ophub", architecture: "aarch64", uptimeSeconds: 8 * 3600 + 18 * 60,
            load: [0.57, 0.19, 0.07], cpuCount: 4,
            memory: MemoryFacts(totalBytes: 1843 * MiB, availableBytes: 819 * MiB, swapTotalBytes: 896 * MiB,
                                swapFreeBytes: 896 * MiB),
            filesystems: [filesystem(used: 5440 * MiB, available: 960 * MiB, holds: ["/", N1.prodDir, N1.testDir])],
            topProcesses: [
                ProcessFacts(pid: 9726, user: "root", command: "/root/.vscode-server/bin/node", cpuPercent: 38.5, rssBytes: 210 * MiB),
                ProcessFacts(pid: 1275, user: "calb", command: "\(N1.prodDir)/.venv/bin/python -m streamlit run app.py --server.port 8511",
                             cpuPercent: 1.2, rssBytes: 180 * MiB),
                ProcessFacts(pid: 5642, user: "calb", command: "/usr/local/bin/ngrok start --all --config \(N1.ngrokConfig)",
                             cpuPercent: 0.3, rssBytes: 30 * MiB),
            ]),
        units: [sizingUnit("prod", active: true), sizingUnit("test", active: false),
                ngrokUnit("prod", active: true), ngrokUnit("test", active: false)],
        unitLogs: [
            UnitLogFacts(unit: N1.prodUnit, lines: 300, errorLines: 48, tracebacks: 4,
                         exceptionTypes: ["StreamlitValueAssignmentNotAllowedError": 4], starts: 1,
                         samples: ["Uncaught app execution", "Traceback (most recent call last):",
                                   "streamlit.errors.StreamlitValueAssignmentNotAllowedError: Values for the widget with key 'diagram_inputs.dc_blocks_table' cannot be set using st.session_state."]),
            UnitLogFacts(unit: N1.ngrokUnit, lines: 120, errorLines: 10, starts: 5, stops: 4, failures: 4,
                         samples: ["ERROR: field region not found in type config.v3yamlConfig",
                                   "ERROR: Your configuration file must define at least one tunnel when using --all."]),
        ],
        hostLogs: HostLogFacts(oomKills: 0, sshFailedPasswords: 137,
                               sshSources: ["203.0.113.7": 80, "198.51.100.23": 41, "192.0.2.200": 16]),
        sockets: [
            ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 8511, pid: 1275, process: "python", unit: N1.prodUnit),
            ListeningSocket(proto: .tcp, address: "127.0.0.1", port: 4040, pid: 5642, process: "ngrok", unit: N1.ngrokUnit),
            ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 22, pid: 611, process: "sshd", unit: "ssh.service"),
        ],
        envFiles: [envFile(N1.prodEnv), envFile(N1.testEnv)],
        appDirs: [appDir(N1.prodDir), appDir(N1.testDir)],
        nginx: nil,
        ngrok: [NgrokFacts(
            path: N1.ngrokConfig, units: [N1.ngrokUnit, N1.ngrokTestUnit], version: "3", tunnelNames: [], tunnelPorts: [],
            startsAll: true,
            problems: ["field region not found in type config.v3yamlConfig (`region` is a v2 setting; v3 has no region)",
                       "Your configuration file must define at least one tunnel when using --all"])],
        systemPythonVersion: "3.10.12",
        windowHours: 24)
}

// MARK: - Mutation helpers

extension Facts {
    /// A copy with the unit named `name` (full or short name) changed by `change`; records an issue if absent.
    func with(unit name: String, _ change: (inout UnitFacts) -> Void) -> Facts {
        var copy = self
        guard let i = copy.units.firstIndex(where: { $0.name == name || $0.shortName == name }) else {
            Issue.record("fixture has no unit \(name)")
            return copy
        }
        change(&copy.units[i])
        return copy
    }

    /// A copy with the env file at `path` changed by `change`; records an issue if absent.
    func with(envFile path: String, _ change: (inout EnvFileFacts) -> Void) -> Facts {
        var copy = self
        guard let i = copy.envFiles.firstIndex(where: { $0.path == path }) else {
            Issue.record("fixture has no env file \(path)")
            return copy
        }
        change(&copy.envFiles[i])
        return copy
    }

    /// A copy with the app directory at `path` changed by `change`; records an issue if absent.
    func with(appDir path: String, _ change: (inout AppDirFacts) -> Void) -> Facts {
        var copy = self
        guard let i = copy.appDirs.firstIndex(where: { $0.path == path }) else {
            Issue.record("fixture has no app directory \(path)")
            return copy
        }
        change(&copy.appDirs[i])
        return copy
    }

    /// A copy with the journal facts of `unit` replaced (or added).
    func with(logs: UnitLogFacts) -> Facts {
        var copy = self
        copy.unitLogs.removeAll { $0.unit == logs.unit }
        copy.unitLogs.append(logs)
        return copy
    }

    /// A copy with `change` applied to the whole value.
    func changing(_ change: (inout Facts) -> Void) -> Facts {
        var copy = self
        change(&copy)
        return copy
    }
}

// MARK: - Evaluation helpers

/// Findings of the single rule `id` on `facts`; records an issue when the catalog has no such rule.
func findings(_ id: String, _ facts: Facts, _ manifest: Manifest = .empty) -> [Finding] {
    guard let rule = RuleCatalog.rule(id) else {
        Issue.record("RuleCatalog has no rule \(id)")
        return []
    }
    return rule.evaluate(AuditContext(facts: facts, manifest: manifest))
}

/// The subjects of `findings`, in order, for compact expectations.
func subjects(_ findings: [Finding]) -> [String] { findings.map(\.subject) }

/// The manifest of `yaml`; records an issue (with every error) and gives the empty manifest when it does not parse.
func parsedManifest(_ yaml: String) -> Manifest {
    switch ManifestParser.parse(yaml, file: "steward.yml") {
    case .success(let manifest): return manifest
    case .failure(let errors):
        Issue.record("manifest does not parse: \(errors.errors.map(\.description))")
        return .empty
    }
}

/// A stable pair for comparing sets of findings.
struct RuleSubject: Hashable, CustomStringConvertible {
    var rule: String
    var subject: String
    var severity: Severity
    init(_ rule: String, _ subject: String, _ severity: Severity) {
        self.rule = rule
        self.subject = subject
        self.severity = severity
    }
    init(_ finding: Finding) { self.init(finding.rule, finding.subject, finding.severity) }
    var description: String { "\(rule) \(subject) (\(severity.rawValue))" }
}
