import Foundation
import StewardCore

/// Kills Steward with SIGKILL at a named step boundary when `STEWARD_FAULT` says so (`after:migrate`,
/// `before:restart`): how the crash-safety test proves that every boundary is recoverable. SIGKILL, not an exit,
/// so nothing (no defer, no handler) runs: the same as a power loss for the state Steward leaves behind.
enum FaultInjection {
    static let variable = "STEWARD_FAULT"

    static func point(_ when: String, _ step: DeployStep) {
        guard let fault = ProcessInfo.processInfo.environment[variable], fault == "\(when):\(step.rawValue)" else { return }
        FileHandle.standardError.write(Data("steward: \(variable)=\(fault): killing myself with SIGKILL\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
