import Foundation

/// Who runs an operation, where, and which one it is. Passed in by the front end (the CLI reads `SUDO_USER` once,
/// the daemon names its API caller, the fleet names the operator at the controller); nothing below reads the
/// process environment for it. The id names the operation in the state database's lease row, its events and logs.
public struct OperationIdentity: Codable, Sendable, Equatable {
    /// The person or client on whose behalf it runs (`alice`, `api:ci-token`).
    public var operatorName: String
    /// The host it runs on (the state database may be read from another host's copy).
    public var host: String
    /// Unique per operation: a UUID unless the caller gives one (the fleet reuses the controller's id).
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
