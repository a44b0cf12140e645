import StewardSystem

extension OperationIdentity {
    /// The identity as the engines below take it (StewardSystem cannot see this type): a deploy records its
    /// operator and host, and its lease row carries the operation id.
    public var holder: OperationHolder {
        OperationHolder(operatorName: operatorName, host: host, operationID: operationID)
    }
}
