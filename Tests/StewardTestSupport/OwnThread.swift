import Foundation

/// Runs `body` on a thread of its own rather than on Swift's cooperative pool, for a test that blocks: a race with
/// a helper thread, a child process polled with `usleep`, thousands of file or SQLite writes. The pool has one
/// thread per core (2 here); a test holding one for seconds starves the tests running beside it, and those with a
/// deadline of their own (a tool's 10 s timeout) then fail for want of a thread (CI: every unit suite stalled ~100 s
/// behind the swap-race tests while the package built in the background). The test's task moves to the thread, so
/// `#expect` and `Issue.record` inside `body` still belong to the test.
public func onOwnThread<T>(_ body: () throws -> T) async throws -> T {
    let executor = OwnThreadExecutor()
    defer { executor.stop() }
    return try await withTaskExecutorPreference(executor) { try body() }
}

/// A task executor with one thread, which runs the jobs given to it in order until stopped.
final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init() {
        Thread.detachNewThread { [self] in
            Self.nameThisThread()
            loop()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// The thread ends once stopped and its queue is empty: a job enqueued before `stop` (the task leaving the
    /// executor) still runs.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// Names the thread in the kernel, which is what a test (and `top -H`) sees. Foundation's `Thread.name` set from
    /// inside the new thread is dropped when the thread runs before Foundation stored its handle, and the thread keeps
    /// its creator's name ("com.apple.root.default-qos", a pool thread's).
    private static func nameThisThread() {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = "test-own-thread".withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
