import Foundation
import StewardCore
import StewardSystem

extension HostContext {
    /// The one place that reads the process environment for an operation: who typed the command (`SUDO_USER`,
    /// else `USER`, else root; or the caller's `operatorName`), this host's name, and the crash tests' fault point
    /// (`STEWARD_FAULT=before:migrate`). The CI lint allows `ProcessInfo.processInfo.environment` in StewardOps and
    /// below only in this file. `operationID`: the caller's (the fleet reuses the controller's), else a new one.
    public static func forProcess(statePath: String = StateStore.defaultPath, root: String = "/", events: EventSink = .discard,
                                  operationID: String? = nil, operatorName: String? = nil) -> HostContext {
        let env = ProcessInfo.processInfo.environment
        let who = operatorName ?? env["SUDO_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? env["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "root"
        var host = HostContext(files: HostFiles(root: root), statePath: statePath,
                               identity: OperationIdentity(operatorName: who, host: InstanceLock.hostName, operationID: operationID ?? UUID().uuidString.lowercased()),
                               events: events)
        host.faultPoint = env["STEWARD_FAULT"].flatMap { $0.isEmpty ? nil : $0 }
        return host
    }
}
