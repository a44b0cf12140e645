import Foundation

/// Who runs an operation, where, and which one it is: the values the engines record (a deploy's `user`, its
/// lease row) and the events and logs carry. The front end fills it (the CLI reads `SUDO_USER` in
/// `HostContext.forProcess`, the agent takes the caller's `operator` and `operation_id`, the daemon names its API
/// caller); nothing in StewardSystem reads the process environment for it. StewardOps calls it `OperationIdentity`.
public struct OperationHolder: Codable, Sendable, Equatable {
    /// The person or client on whose behalf it runs (`alice`, `api:ci-token`).
    public var operatorName: String
    /// The host it runs on.
    public var host: String
    /// Unique per operation (a UUID unless the caller gives one): its events, its lease rows, the deploy record.
    public var operationID: String

    public init(operatorName: String, host: String, operationID: String = UUID().uuidString.lowercased()) {
        self.operatorName = operatorName
        self.host = host
        self.operationID = operationID
    }

    enum CodingKeys: String, CodingKey {
        case operatorName = "operator", host, operationID = "operation_id"
    }
}
