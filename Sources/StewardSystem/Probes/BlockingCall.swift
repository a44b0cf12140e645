import Foundation
import Synchronization

/// A blocking call that may never return — `statvfs` of a mount whose NFS server or FUSE daemon stopped answering
/// sleeps in the kernel until the server comes back — made on a thread of its own and waited for at most `timeout`.
///
/// Neither Swift's cooperative pool (two threads on a 2-core host: two hung calls would stall every task of the
/// process) nor NIO's event loops ever wait for it. A call that does not return in time is abandoned, not killed
/// (nothing can kill a thread in the kernel); it ends when the mount answers or goes away. While it is blocked, a
/// new call with the same `key` is not made and answers nil at once, so a daemon that audits every minute keeps
/// at most one thread on one dead mount instead of piling them up.
enum BlockingCall {
    private static let blocked = Mutex<Set<String>>([])

    /// The value of `body`, or nil when it did not return within `timeout`, when an earlier call with this `key`
    /// is still blocked, or when the task is cancelled.
    static func run<T: Sendable>(key: String, timeout: Duration, _ body: @escaping @Sendable () -> T) async -> T? {
        guard blocked.withLock({ $0.insert(key).inserted }) else { return nil }
        let answer = FirstAnswer<T>()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            answer.give(nil)
        }
        defer { timer.cancel() }
        let thread = Thread {
            let value = body()
            _ = blocked.withLock { $0.remove(key) }
            answer.give(value)
        }
        thread.start()
        return await answer.value()
    }
}
