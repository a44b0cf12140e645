import Foundation
import StewardCore
import NIOPosix
import Synchronization

/// A blocking call that may never return — `statvfs` of a mount whose NFS server or FUSE daemon stopped answering
/// sleeps in the kernel until the server comes back — made on a thread of a pool of its own and waited for at most
/// `timeout`.
///
/// Neither Swift's cooperative pool (two threads on a 2-core host: two hung calls would stall every task of the
/// process) nor NIO's event loops ever wait for it. A call that does not return in time is abandoned, not killed
/// (nothing can kill a thread in the kernel); it ends when the mount answers or goes away. While an abandoned call
/// on the same mount is still blocked, a new one there is not made and answers nil at once, and at most
/// ``perMount`` calls are in flight on one mount: one dead mount holds at most two threads, however many files,
/// directories or audits ask about it, and the others keep the pool for the mounts that answer. When every thread is held by such calls (as many dead mounts as threads), the others wait
/// their turn and time out.
///
/// The threads are made once, by ``prepare()`` before a run starts its processes, not per call: a thread created
/// while another thread forks a child that drops privileges (git as the checkout's owner) can leave that child
/// waiting forever in glibc's `setgroups` for a thread that does not exist in it (seen: one audit in ten hung).
enum BlockingCall {
    /// The calls running (their keys busy), those of them abandoned (by key), and the calls waiting for a busy key.
    private struct Ledger {
        var next = 0
        var running: Set<Int> = []
        var busy: [String: Int] = [:]
        var abandoned: [Int: String] = [:]
        var waiting: [String: [FirstAnswer<Bool>]] = [:]

        /// Ends the turn of `key`: the calls waiting for it try again.
        mutating func release(_ key: String) -> [FirstAnswer<Bool>] {
            busy[key] = (busy[key] ?? 1) > 1 ? busy[key]! - 1 : nil
            return waiting.removeValue(forKey: key) ?? []
        }
    }
    private static let ledger = Mutex(Ledger())

    /// Calls in flight on one mount at most: two lanes keep a healthy mount's many small calls (a check run's file
    /// checks) from queueing one behind the other, and a dead mount holds at most two threads of the four.
    static let perMount = 2

    /// What a call may do now: nothing (its mount's call was abandoned), wait for the mount's call, or go.
    private enum Turn { case refused, wait(FirstAnswer<Bool>), go(Int) }

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// Starts the pool's threads, if not yet started: call it before starting processes.
    static func prepare() {
        _ = pool
    }

    /// The value of `body`, a call on the host path `path`, or nil when it did not return within `timeout`, when an
    /// abandoned call on the mount that holds `path` is still blocked, or when the task is cancelled.
    static func run<T: Sendable>(on path: String, timeout: Duration, _ body: @escaping @Sendable () -> T) async -> T? {
        await run(key: mountKey(path), timeout: timeout, body)
    }

    /// `body` of each host path, one call per mount for all the paths it holds (a thread hop each, not one per
    /// path), the mounts side by side; nil for the paths of a mount that did not answer within `timeout`.
    static func run<T: Sendable>(each paths: [String], timeout: Duration, _ body: @escaping @Sendable (String) -> T) async -> [T?] {
        let keys = mountKeys(paths)
        var byMount: [String: [Int]] = [:]
        for (i, key) in keys.enumerated() { byMount[key, default: []].append(i) }
        var answers = [T?](repeating: nil, count: paths.count)
        await withTaskGroup(of: ([Int], [T]?).self) { group in
            for (key, indexes) in byMount {
                let mine = indexes.map { paths[$0] }
                group.addTask { (indexes, await run(key: key, timeout: timeout) { mine.map(body) }) }
            }
            for await (indexes, values) in group {
                guard let values else { continue }
                for (i, value) in zip(indexes, values) { answers[i] = value }
            }
        }
        return answers
    }

    /// The mount point holding each host path (from /proc/self/mounts, which the kernel answers without touching
    /// any filesystem, read once), or the path itself when that cannot be told.
    static func mountKeys(_ paths: [String]) -> [String] {
        let mounts = currentMounts()
        return paths.map { ProcParsers.mount(holding: $0, in: mounts)?.mountPoint ?? $0 }
    }

    /// The text of /proc/self/mounts last parsed, and its mounts: an audit makes a dozen blocking calls, a check run
    /// hundreds, and the table rarely changes between them. The text is read every time (one read, no filesystem
    /// touched) and parsed again only when it differs, so a mount made or gone since is always seen.
    private static let mountTable = Mutex<(text: String, mounts: [ProcParsers.Mount])>(("", []))

    static func currentMounts() -> [ProcParsers.Mount] {
        guard let text = try? BoundedFile.text("/proc/self/mounts", limit: HostFiles.procLimit) else { return [] }
        if let cached = mountTable.withLock({ $0.text == text ? $0.mounts : nil }) { return cached }
        let mounts = ProcParsers.mounts(text)
        mountTable.withLock { $0 = (text, mounts) }
        return mounts
    }

    static func mountKey(_ path: String) -> String { mountKeys([path])[0] }

    /// At most ``perMount`` calls at a time per key: the others wait their turn within their own timeout. A mount
    /// that answers takes microseconds a call; a dead one keeps its first calls, and the waiting ones answer nil once
    /// one of them is abandoned. Keyed by what may hang: a mount, or a name being resolved (`getaddrinfo` waits on
    /// DNS servers that may not answer).
    static func run<T: Sendable>(key: String, timeout: Duration, _ body: @escaping @Sendable () -> T) async -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let turn: Turn = ledger.withLock { ledger in
                if ledger.abandoned.values.contains(key) { return .refused }
                if ledger.busy[key, default: 0] >= perMount {
                    let wake = FirstAnswer<Bool>()
                    ledger.waiting[key, default: []].append(wake)
                    return .wait(wake)
                }
                ledger.busy[key, default: 0] += 1
                ledger.next += 1
                ledger.running.insert(ledger.next)
                return .go(ledger.next)
            }
            switch turn {
            case .refused:
                return nil
            case .wait(let wake):
                let timer = Task {
                    try? await Task.sleep(until: deadline)
                    wake.give(false)
                }
                let again = await wake.value()
                timer.cancel()
                guard again == true else { return nil }
            case .go(let id):
                return await call(id, key: key, until: deadline, body)
            }
        }
    }

    private static func call<T: Sendable>(_ id: Int, key: String, until deadline: ContinuousClock.Instant,
                                          _ body: @escaping @Sendable () -> T) async -> T? {
        let answer = FirstAnswer<T>()
        let timer = Task {
            try? await Task.sleep(until: deadline)
            guard !Task.isCancelled else { return }
            let woken = ledger.withLock { ledger -> [FirstAnswer<Bool>] in
                guard ledger.running.contains(id) else { return [] }
                ledger.abandoned[id] = key
                return ledger.waiting.removeValue(forKey: key) ?? []  // they see it abandoned
            }
            for wake in woken { wake.give(true) }
            answer.give(nil)
        }
        defer { timer.cancel() }
        pool.submit { _ in
            let value = body()
            let woken = ledger.withLock { ledger in
                ledger.running.remove(id)
                ledger.abandoned[id] = nil
                return ledger.release(key)
            }
            for wake in woken { wake.give(true) }
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
