import Logging
import StewardOps

/// What `steward serve` needs from outside the process: flags and the few environment values systemd hands it.
/// The CLI builds it (it alone reads the environment); the daemon never looks further.
public struct ServeLaunch: Sendable {
    public var manifestPath: String?
    /// The host the daemon's operations run on (the CLI's `HostContext.forProcess`, with the state database).
    public var host: HostContext
    public var historyPath: String?
    /// `$NOTIFY_SOCKET`, or nil when systemd does not expect notifications.
    public var notifySocket: String?
    /// `$WATCHDOG_USEC` as a duration, only when `$WATCHDOG_PID` is unset or names this process.
    public var watchdog: Duration?
    public var logger: Logger
    /// Where the periodic audit runs: a child `steward agent` (``LocalAgentTransport``: the CLI's choice, so that
    /// what an audit touches leaves with the child), or nil for in this process (tests that run the daemon inside
    /// a test binary, whose own executable is not Steward).
    public var auditAgent: (any AgentTransport)?

    public init(manifestPath: String?, host: HostContext, historyPath: String?, notifySocket: String?,
                watchdog: Duration?, logger: Logger, auditAgent: (any AgentTransport)? = nil) {
        self.auditAgent = auditAgent
        self.manifestPath = manifestPath
        self.host = host
        self.historyPath = historyPath
        self.notifySocket = notifySocket
        self.watchdog = watchdog
        self.logger = logger
    }
}
