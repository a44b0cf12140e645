import Foundation
import NIOPosix
import Synchronization

/// A blocking call that may never return — `statvfs` of a mount whose NFS server or FUSE daemon stopped answering
/// sleeps in the kernel until the server comes back — made on a thread of a pool of its own and waited for at most
/// `timeout`.
///
/// Neither Swift's cooperative pool (two threads on a 2-core host: two hung calls would stall every task of the
/// process) nor NIO's event loops ever wait for it. A call that does not return in time is abandoned, not killed
/// (nothing can kill a thread in the kernel); it ends when the mount answers or goes away. While an abandoned call
/// with the same `key` is still blocked, a new one is not made and answers nil at once, so a daemon that audits
/// every minute keeps at most one thread on one dead mount instead of piling them up. When every thread of the
/// pool is held by such calls, the others wait their turn and time out.
///
/// The threads are made once, by ``prepare()`` before a run starts its processes, not per call: a thread created
/// while another thread forks a child that drops privileges (git as the checkout's owner) can leave that child
/// waiting forever in glibc's `setgroups` for a thread that does not exist in it (seen: one audit in ten hung).
enum BlockingCall {
    /// The calls still running, and those of them abandoned (by key).
    private struct Ledger {
        var next = 0
        var running: Set<Int> = []
        var abandoned: [Int: String] = [:]
    }
    private static let ledger = Mutex(Ledger())

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// Starts the pool's threads, if not yet started: call it before starting processes.
    static func prepare() {
        _ = pool
    }

    /// The value of `body`, or nil when it did not return within `timeout`, when an abandoned call with this `key`
    /// is still blocked, or when the task is cancelled.
    static func run<T: Sendable>(key: String, timeout: Duration, _ body: @escaping @Sendable () -> T) async -> T? {
        let started: Int? = ledger.withLock { ledger in
            guard !ledger.abandoned.values.contains(key) else { return nil }
            ledger.next += 1
            ledger.running.insert(ledger.next)
            return ledger.next
        }
        guard let id = started else { return nil }
        let answer = FirstAnswer<T>()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            ledger.withLock { ledger in
                if ledger.running.contains(id) { ledger.abandoned[id] = key }
            }
            answer.give(nil)
        }
        defer { timer.cancel() }
        pool.submit { _ in
            let value = body()
            ledger.withLock { ledger in
                ledger.running.remove(id)
                ledger.abandoned[id] = nil
            }
            answer.give(value)
        }
        return await answer.value()
    }

    /// A timeout as the reasons give it: "0.9 s", "10.0 s".
    static func seconds(_ timeout: Duration) -> String {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return String(format: "%.1f s", seconds)
    }
}
