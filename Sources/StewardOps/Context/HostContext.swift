import Foundation
import Logging
import StewardCore
import StewardSystem

/// Everything an operation may touch on its host, passed in rather than reached for: the runner (every process),
/// the file root (`/` on a host, a fixture tree in tests), the clock, the state database, who runs it and where
/// its events go. The CLI, the daemon and the agent each build one per operation (see ``HostContext/forProcess``).
public struct HostContext: Sendable {
    public var runner: any CommandRunning
    public var files: HostFiles
    public var clock: any OperationClock
    /// Steward's state database (catalog, deploy records, leases): a path, opened by the operations that need it.
    public var statePath: String
    public var identity: OperationIdentity
    public var events: EventSink
    public var logger: Logger
    /// Where the crash-safety tests kill a deploy (`before:migrate`); nil on a real run. Set by ``forProcess``.
    public var faultPoint: String?
    /// The result as the single-host command prints it, when the caller wants it rendered where the operation ran:
    /// a fleet's agent asked for text (``AgentProtocol/Envelope/render``), so the controller neither decodes the
    /// result nor pays for its types' first use. Set by the agent's front end, which holds the renderers.
    public var renderText: (@Sendable (any OperationOutput) -> String?)?

    public init(runner: any CommandRunning = CommandRunner(), files: HostFiles = HostFiles(), clock: any OperationClock = SystemClock(),
                statePath: String = StateStore.defaultPath, identity: OperationIdentity, events: EventSink = .discard,
                logger: Logger? = nil) {
        self.runner = runner
        self.files = files
        self.clock = clock
        self.statePath = statePath
        self.identity = identity
        self.events = events
        var log = logger ?? Logger(label: "steward")
        log[metadataKey: "operation"] = .string(identity.operationID)
        self.logger = log
    }

    /// Opens the state database, or a typed error naming it.
    public func openState() throws(OperationError) -> StateStore {
        do { return try StateStore(path: statePath) } catch {
            throw OperationError(.stateUnavailable, "cannot open the state database \(statePath): \(error)", subject: statePath)
        }
    }

    /// A probe context on this host's runner and files.
    public func probeContext(windowHours: Int = 24) -> ProbeContext {
        ProbeContext(runner: runner, files: files, windowHours: windowHours)
    }

    /// Emits an event stamped with this operation's id and the clock's time, and logs it (structured, with the
    /// operation id) for the journal: the CLI shows the log only when asked (`STEWARD_LOG_LEVEL`), the daemon routes it.
    public func emit(_ kind: OperationEvent.Kind, step: String? = nil, message: String? = nil) {
        emit(OperationEvent(operation: identity.operationID, at: clock.now(), kind: kind, step: step, message: message))
    }

    public func emit(_ event: OperationEvent) {
        events.emit(event)
        var metadata: Logger.Metadata = ["event": .string(event.kind.rawValue)]
        if let step = event.step { metadata["step"] = .string(step) }
        if let result = event.result { metadata["result"] = .string(result) }
        if let ms = event.durationMs { metadata["duration_ms"] = .stringConvertible(ms) }
        if let done = event.done { metadata["done"] = .stringConvertible(done) }
        let level: Logger.Level = switch event.kind {
        case .warning: .notice
        case .log: .info
        case .stepStarted, .stepFinished: .debug
        case .progress: .trace
        }
        logger.log(level: level, "\(event.message ?? event.step ?? event.kind.rawValue)", metadata: metadata)
    }

    /// A line of progress for the operator (the CLI prints it; the daemon stores it).
    public func say(_ line: String) { emit(.log, message: line) }
    public func warn(_ line: String) { emit(.warning, message: line) }
}
