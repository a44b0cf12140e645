import StewardCore

/// What a deploy, rollback or recovery reports while it runs, as data: the ops layer maps it to its events (a
/// line to a log event, a step's start and end to step events with their timing), the CLI prints the lines.
/// Every text line the operator reads is a ``line(_:)``, identical to what Steward always printed; the step
/// events come beside it for consumers that want structure.
public enum DeployProgress: Sendable, Equatable {
    /// A line for the operator.
    case line(String)
    /// A step began.
    case stepStarted(DeployStep)
    /// A step ended: its result (ok, skipped, failed), what it said, and how long it took.
    case stepFinished(DeployStep, result: StepResult, detail: String, ms: Int)

    /// The operator's line, when this is one.
    public var text: String? {
        if case .line(let text) = self { return text }
        return nil
    }
}
