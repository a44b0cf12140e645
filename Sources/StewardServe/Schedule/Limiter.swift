/// A FIFO async semaphore: at most `width` holders at once (`serve.checks.parallel`). A waiter cancelled before its
/// turn still takes its turn and gives it back at once (the caller checks cancellation), so no permit is lost.
actor Limiter {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { available = max(1, width) }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { available += 1 } else { waiters.removeFirst().resume() }
    }
}
