import Foundation
import StewardCore

/// Kills Steward with SIGKILL at a named step boundary (`after:migrate`, `before:restart`): how the crash-safety
/// test proves that every boundary is recoverable. SIGKILL, not an exit, so nothing (no defer, no handler) runs:
/// the same as a power loss for the state Steward leaves behind. The point is a value handed in by the front end
/// (read from `STEWARD_FAULT` by `HostContext.faultPoint` in StewardOps), never read here from the environment.
public struct FaultInjection: Sendable {
    /// `when:step`, or nil for none.
    public var point: String?
    /// What reaching the point does: SIGKILL of this process; a unit test records it instead.
    let strike: @Sendable (String) -> Void

    public init(point: String?) {
        self.init(point: point) { _ in kill(getpid(), SIGKILL) }
    }

    init(point: String?, strike: @escaping @Sendable (String) -> Void) {
        self.point = point
        self.strike = strike
    }

    public static let none = FaultInjection(point: nil)

    func check(_ when: String, _ step: DeployStep) {
        let here = "\(when):\(step.rawValue)"
        if point == here { strike(here) }
    }
}
