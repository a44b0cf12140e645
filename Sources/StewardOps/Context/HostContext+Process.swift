import Foundation
import StewardCore
import StewardSystem

extension HostContext {
    /// The one place that reads the process environment for an operation: who typed the command (`SUDO_USER`,
    /// else `USER`, else root; or the caller's `operatorName`), this host's name, and the crash tests' fault point
    /// (`STEWARD_FAULT=before:migrate`). The CI lint allows reading the environment (`getenv`) in StewardOps and
    /// below only in this file. `operationID`: the caller's (the fleet reuses the controller's), else a new one.
    public static func forProcess(statePath: String = StateStore.defaultPath, root: String = "/", events: EventSink = .discard,
                                  operationID: String? = nil, operatorName: String? = nil) -> HostContext {
        let who = operatorName ?? variable("SUDO_USER") ?? variable("USER") ?? "root"
        var host = HostContext(files: HostFiles(root: root), statePath: statePath,
                               identity: OperationIdentity(operatorName: who, host: InstanceLock.hostName, operationID: operationID ?? UUID().uuidString.lowercased()),
                               events: events)
        host.faultPoint = variable("STEWARD_FAULT")
        return host
    }

    /// One variable of the process environment, nil when unset or empty. `getenv` rather than
    /// `ProcessInfo.processInfo.environment`, which copies the whole environment into a dictionary (~0.5 ms of a
    /// start: a fleet run starts Steward on the controller and on every host).
    static func variable(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }
}
