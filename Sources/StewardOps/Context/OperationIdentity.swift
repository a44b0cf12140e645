import StewardSystem

/// Who runs an operation, where, and which one it is (see ``OperationHolder``, the same value as the engines
/// below take it). Passed in by the front end; nothing in StewardOps or below reads the process environment for it.
public typealias OperationIdentity = OperationHolder

extension OperationHolder {
    /// The identity as the engines take it: itself (kept so call sites read as what they pass).
    public var holder: OperationHolder { self }
}
