import Synchronization

/// The first of several racing answers (a call's result, a timer's nil), handed to the one waiter whichever of
/// giving and waiting comes first. The waiter does not wait for the losers: they end on their own.
final class FirstAnswer<T: Sendable>: Sendable {
    private enum State {
        case open(CheckedContinuation<T?, Never>?)
        case given(T?)
        case delivered
    }
    private let state = Mutex<State>(.open(nil))

    /// The first answer given; nil at once when the waiting task is cancelled.
    func value() async -> T? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { wait($0) }
        } onCancel: {
            give(nil)
        }
    }

    /// Gives an answer; only the first counts.
    func give(_ value: T?) {
        let waiter: CheckedContinuation<T?, Never>? = state.withLock { state in
            switch state {
            case .open(let waiter?):
                state = .delivered
                return waiter
            case .open(nil):
                state = .given(value)
                return nil
            case .given, .delivered:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }

    private func wait(_ continuation: CheckedContinuation<T?, Never>) {
        let ready: T?? = state.withLock { state in
            guard case .given(let value) = state else {
                state = .open(continuation)
                return .none
            }
            state = .delivered
            return .some(value)
        }
        if let ready { continuation.resume(returning: ready) }
    }
}
