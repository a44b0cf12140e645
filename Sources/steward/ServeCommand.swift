import ArgumentParser
import Foundation
import Logging
import StewardCore
import StewardOps
import StewardServe
import StewardSystem

/// `steward serve`: the daemon, in the foreground under systemd. This command is the only reader of what systemd
/// hands it (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`); the daemon gets them in a ``ServeLaunch``.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the daemon: checks at their interval, history, HTTP API and /metrics.",
        discussion: """
            Listens on serve.address:serve.port (default 127.0.0.1:8470): GET /healthz, /metrics, /api/v1/status, \
            /api/v1/checks, /api/v1/checks/ID/history?from&to&step, /api/v1/findings, /api/v1/deploys, /api/v1/backups. Stops gracefully on SIGTERM or SIGINT. \
            Every /api/v1 route needs a bearer token (steward serve token add NAME --scope read). \
            --install writes /etc/systemd/system/steward.service (Type=notify, watchdog) and enables and starts it.
            """,
        subcommands: [ServeTokenCommand.self, ServeBenchHistoryCommand.self])

    @Option(help: "The manifest (default: ./steward.yml, else /etc/steward/steward.yml).")
    var manifest: String?

    @Option(help: "Steward's state database.")
    var state: String = StateStore.defaultPath

    @Option(help: "The history database (default: serve.history.path).")
    var history: String?

    @Flag(help: "Write and enable steward.service instead of running.")
    var install = false

    @Flag(help: "With --install: print the unit and the commands, change nothing.")
    var dryRun = false

    func validate() throws {
        if dryRun && !install { throw ValidationError("--dry-run goes with --install") }
    }

    func run() async throws {
        if install {
            let output = try await OperationCLI.run(ServeInstallOperation.self, .init(dryRun: dryRun, manifest: manifest), statePath: state)
            if dryRun {
                print("# \(output.unit.path)\n\(output.unit.text)", terminator: "")
                for command in output.commands { print("# would run: \(command)") }
            } else {
                print("installed \(output.unit.path); steward.service is enabled and running")
            }
            return
        }
        let env = ProcessInfo.processInfo.environment
        var logger = Logger(label: "steward.serve")
        logger.logLevel = env["STEWARD_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        let launch = ServeLaunch(manifestPath: manifest, host: HostContext.forProcess(statePath: state, operatorName: "serve"),
                                 historyPath: history, notifySocket: env["NOTIFY_SOCKET"], watchdog: Self.watchdog(env),
                                 logger: logger, auditAgent: LocalAgentTransport())
        do {
            try await ServeDaemon.run(launch)
        } catch {
            OperationCLI.fail(error)
        }
    }

    /// `WATCHDOG_USEC` when the watchdog is meant for this process (`WATCHDOG_PID` unset or ours), as sd_watchdog_enabled(3).
    static func watchdog(_ env: [String: String]) -> Duration? {
        guard let usec = env["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 else { return nil }
        if let pid = env["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(usec)
    }
}
