import StewardCore
import StewardOps

/// How a fleet host's agent renders its result when the controller asks for text (the envelope's `render`): with
/// the functions the single-host commands print with, so `--hosts` shows each host as the command on that host
/// would. The controller then prints the text as it came instead of decoding the result, which in a binary this size
/// costs more than the rendering (each Codable type's first use searches the runtime's conformance records).
/// Operations missing here are decoded and rendered by the controller.
enum FleetText {
    typealias Renderer = @Sendable (any OperationOutput) -> String?

    static func renderer(operation: String, format: AgentProtocol.Envelope.Render) -> Renderer? {
        switch operation {
        case AuditOperation.name:
            typed(AuditOperation.self) { format == .markdown ? MarkdownRenderer.render($0) : TextRenderer(color: false).render($0) }
        case CheckOperation.name: typed(CheckOperation.self) { CheckTextRenderer(color: false).render($0) }
        case StatusOperation.name: typed(StatusOperation.self) { StatusText.render($0) }
        case ReleasesOperation.name: typed(ReleasesOperation.self) { ReleasesText.render($0) }
        case DeployOperation.name: typed(DeployOperation.self) { DeployText.render($0) }
        case RollbackOperation.name: typed(RollbackOperation.self) { DeployText.render($0) }
        case BackupOperation.name: typed(BackupOperation.self) { BackupRunText.render($0) }
        default: nil
        }
    }

    /// Whether the agent renders `operation`'s result: the controller asks only then.
    static func rendersOnHost(_ operation: String) -> Bool {
        renderer(operation: operation, format: .text) != nil
    }

    static func typed<O: StewardOperation>(_: O.Type, _ render: @escaping @Sendable (O.Output) -> String) -> Renderer {
        { ($0 as? O.Output).map(render) }
    }
}
