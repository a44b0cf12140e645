import Foundation

/// Where an operation's events go. A value holding a closure, so a front end decides (print, encode as JSON
/// lines, store) and the operation never prints. The closure is called on the operation's task, in order.
public struct EventSink: Sendable {
    let handler: @Sendable (OperationEvent) -> Void

    public init(_ handler: @escaping @Sendable (OperationEvent) -> Void) { self.handler = handler }

    public func emit(_ event: OperationEvent) { handler(event) }

    public static let discard = EventSink { _ in }

}
