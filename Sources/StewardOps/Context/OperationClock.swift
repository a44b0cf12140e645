import Foundation

/// The time an operation sees: the wall clock on a host, a settable one in unit tests (retention, lease expiry).
public protocol OperationClock: Sendable {
    func now() -> Date
}

public struct SystemClock: OperationClock {
    public init() {}
    public func now() -> Date { Date() }
}

extension HostContext {
    /// The context's clock as the engines take it: a function giving the time now.
    public var wallClock: @Sendable () -> Date {
        let clock = clock
        return { clock.now() }
    }
}
