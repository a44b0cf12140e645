import Foundation

/// Who runs an operation, where, and which one it is: the values the engines record (a deploy's `user`, its
/// lease row). The front end fills it (StewardOps from its `OperationIdentity`; the CLI reads `SUDO_USER` there,
/// the daemon names its API caller); nothing in StewardSystem reads the process environment for it.
public struct OperationHolder: Sendable, Equatable {
    /// The person or client on whose behalf it runs (`alice`, `api:ci-token`).
    public var operatorName: String
    /// The host it runs on.
    public var host: String
    /// Unique per operation (a UUID): the lease row's id, and the deploy record's `operationID`.
    public var operationID: String

    public init(operatorName: String, host: String, operationID: String = UUID().uuidString.lowercased()) {
        self.operatorName = operatorName
        self.host = host
        self.operationID = operationID
    }
}
