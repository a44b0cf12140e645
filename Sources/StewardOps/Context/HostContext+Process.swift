import Foundation
import StewardCore
import StewardSystem

extension HostContext {
    /// The one place that reads the process environment for an operation: who typed the command (`SUDO_USER`,
    /// else `USER`, else root) and this host's name. The CI lint allows `ProcessInfo.processInfo.environment` in
    /// StewardOps and below only in this file. `operationID`: the caller's (the fleet reuses the controller's), else a new one.
    public static func forProcess(statePath: String = StateStore.defaultPath, root: String = "/", events: EventSink = .discard,
                                  operationID: String? = nil) -> HostContext {
        let env = ProcessInfo.processInfo.environment
        let who = env["SUDO_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? env["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "root"
        return HostContext(files: HostFiles(root: root), statePath: statePath,
                           identity: OperationIdentity(operatorName: who, host: InstanceLock.hostName, operationID: operationID ?? UUID().uuidString.lowercased()),
                           events: events)
    }

    /// Fault injection for the crash-safety tests (`STEWARD_FAULT=before:migrate`), read here with the rest of the
    /// process environment and handed to the engines as a value.
    public static var faultPoint: String? { ProcessInfo.processInfo.environment["STEWARD_FAULT"] }
}
