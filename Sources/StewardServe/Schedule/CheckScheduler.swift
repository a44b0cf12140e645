import ServiceLifecycle
import StewardCore
import Synchronization

/// A check as the scheduler runs it: its spec and its history key.
public struct ScheduledCheck: Sendable, Equatable {
    public var key: String
    public var spec: CheckSpec

    public init(spec: CheckSpec) {
        self.key = CheckSchedule.key(spec)
        self.spec = spec
    }
}

/// Runs every check at its interval, for the daemon's life. One dispatcher task keeps the next start of every check
/// that is not running (``DueQueue``): the first at the check's phase (a stable hash of its key, so checks spread
/// over the interval), each next one when its run ends (the interval moved by the jitter). It sleeps until the
/// earliest start, starts every check then due as a task of its own, and is woken early when a run that ends queues
/// a start before the one it sleeps for. A check is out of the queue while it runs, so one check never runs twice at
/// once; a shared ``Limiter`` bounds how many run together; a run that overran its interval is followed by one run a
/// whole interval later, never a catch-up burst.
///
/// Why one dispatcher: a task a check, sleeping between runs, held ~6 KiB each for the daemon's life (3 MiB of heap
/// with 500 checks, measured with heaptrack); the tasks of runs exist only while they run.
///
/// On graceful shutdown the dispatcher stops; runs in flight finish (each within its timeout) and are recorded.
public final class CheckScheduler<C: Clock>: Service, Sendable where C.Duration == Duration {
    public typealias Runner = @Sendable (CheckSpec) async -> CheckResult
    public typealias Recorder = @Sendable (ScheduledCheck, CheckResult) async -> Void

    public let checks: [ScheduledCheck]
    let clock: C
    let limiter: Limiter
    let jitter: Double
    let random: @Sendable () -> Double
    let runCheck: Runner
    let record: Recorder
    private let lastBeat: Mutex<C.Instant?>
    /// The run of each check in flight, so a run asked for by the API joins it instead of starting a second one.
    private let inFlight = Mutex<[String: Task<CheckResult, Never>]>([:])
    /// The dispatcher's queue, and the sleep it is in (cancelled to wake it) with the due time it sleeps for.
    private let dispatch = Mutex(Dispatch())

    struct Dispatch {
        var queue = DueQueue()
        var sleep: Task<Void, Never>?
        var sleepsUntilMs: Int64?
        /// When the dispatcher began: the queue's times count from it.
        var origin: C.Instant?
    }

    /// `jitter` is a fraction of the interval (0.1 for 10 %); `random` gives values in -1...1 (injected by tests).
    public init(checks: [ScheduledCheck], clock: C, parallel: Int, jitter: Double,
                random: @escaping @Sendable () -> Double = { Double.random(in: -1...1) },
                run: @escaping Runner, record: @escaping Recorder) {
        self.checks = checks
        self.clock = clock
        self.limiter = Limiter(width: parallel)
        self.jitter = jitter
        self.random = random
        self.runCheck = run
        self.record = record
        self.lastBeat = Mutex(nil)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.runLoops() }
        // Without checks the loops end at once; the service must still run until shutdown, or the group stops.
        try? await gracefulShutdown()
    }

    /// Whether the scheduler's heartbeat (a tick a second on its clock) is recent and no start waits more than 10 s
    /// past its time (the dispatcher takes every due check at once: one that does not has stalled): the watchdog's
    /// test of life.
    public func isAlive() -> Bool {
        guard let beat = lastBeat.withLock({ $0 }) else { return false }
        let now = clock.now
        guard beat.duration(to: now) < .seconds(10) else { return false }
        let (origin, earliest) = dispatch.withLock { ($0.origin, $0.queue.earliest) }
        guard let origin, let earliest else { return true }
        return !Self.stalled(due: origin.advanced(by: .milliseconds(earliest)), now: now)
    }

    /// Whether a start due at `due` still waiting at `now` shows a stalled dispatcher: more than 10 s late.
    static func stalled(due: C.Instant, now: C.Instant) -> Bool {
        due.duration(to: now) > .seconds(10)
    }

    func runLoops() async {
        let origin = clock.now
        dispatch.withLock { d in
            d.origin = origin
            for (index, check) in checks.enumerated() {
                d.queue.push(dueMs: Int64(CheckSchedule.phaseMs(key: check.key, intervalMs: max(1, check.spec.intervalMs))), index: index)
            }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeat() }
            while !Task.isCancelled {
                let due = dispatch.withLock { $0.queue.popDue(atOrBefore: Self.ms(origin.duration(to: clock.now))) }
                for entry in due { group.addTask { await self.runScheduled(entry.index, origin: origin) } }
                let sleep = dispatch.withLock { d -> Task<Void, Never> in
                    let until = d.queue.earliest
                    let task = Task { [clock] in
                        // Nothing queued (every check is running): an hour from now, or until a run that ends wakes it.
                        let deadline = until.map { origin.advanced(by: .milliseconds($0)) } ?? clock.now.advanced(by: .seconds(3600))
                        try? await clock.sleep(until: deadline, tolerance: nil)
                    }
                    d.sleep = task
                    d.sleepsUntilMs = until
                    return task
                }
                await withTaskCancellationHandler { await sleep.value } onCancel: { sleep.cancel() }
            }
            dispatch.withLock { $0.sleep?.cancel() }
        }
    }

    private func heartbeat() async {
        while !Task.isCancelled {
            let now = clock.now
            lastBeat.withLock { $0 = now }
            do { try await clock.sleep(until: now.advanced(by: .seconds(1)), tolerance: nil) } catch { return }
        }
    }

    /// One scheduled run of the check at `index`, then its next start queued; the dispatcher is woken when that start
    /// comes before the one it sleeps for.
    private func runScheduled(_ index: Int, origin: C.Instant) async {
        let check = checks[index]
        let interval = max(1, check.spec.intervalMs)
        let start = clock.now
        // Nil: the run was cancelled before it ran; it is not queued again only when the dispatcher itself stops (a
        // run it joined may have been cancelled by the request that started it).
        if await runShared(check) == nil, Task.isCancelled { return }
        let delay = CheckSchedule.delayMs(intervalMs: interval, jitter: jitter, random: random())
        let next = CheckSchedule.nextStartMs(startMs: Self.ms(origin.duration(to: start)), delayMs: delay, intervalMs: interval,
                                             nowMs: Self.ms(origin.duration(to: clock.now)))
        dispatch.withLock { d in
            d.queue.push(dueMs: next, index: index)
            if d.sleepsUntilMs.map({ next < $0 }) ?? true { d.sleep?.cancel() }
        }
    }

    /// Runs `checks` now, side by side within the scheduler's bound, each joining its run in flight if there is one;
    /// every result is recorded once, as a scheduled run's; a check asked for twice runs once. The next scheduled
    /// runs keep their times.
    public func runNow(_ asked: [ScheduledCheck]) async -> [(ScheduledCheck, CheckResult)] {
        var seen = Set<String>()
        let checks = asked.filter { seen.insert($0.key).inserted }
        return await withTaskGroup(of: (ScheduledCheck, CheckResult)?.self) { group in
            for check in checks { group.addTask { await self.runShared(check).map { (check, $0) } } }
            var results: [(ScheduledCheck, CheckResult)] = []
            for await result in group { if let result { results.append(result) } }
            let order = Dictionary(checks.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
            return results.sorted { order[$0.0.key, default: 0] < order[$1.0.key, default: 0] }
        }
    }

    /// One run of `check` within the limiter, shared by whoever asks while it is in flight; recorded by the caller
    /// that started it. Nil when cancelled before it ran (shutdown while waiting for a permit).
    func runShared(_ check: ScheduledCheck) async -> CheckResult? {
        let (task, mine) = inFlight.withLock { flights -> (Task<CheckResult, Never>, Bool) in
            if let running = flights[check.key] { return (running, false) }
            let task = Task<CheckResult, Never> {
                await self.limiter.acquire()
                // Cancelled while waiting for a permit: give it back without running.
                if Task.isCancelled {
                    await self.limiter.release()
                    return Self.notRun(check.spec)
                }
                let result = await self.runCheck(check.spec)
                await self.limiter.release()
                return result
            }
            flights[check.key] = task
            return (task, true)
        }
        let result = await withTaskCancellationHandler { await task.value } onCancel: { if mine { task.cancel() } }
        guard mine else { return result.attempts == 0 && result.message == Self.notRunMessage ? nil : result }
        inFlight.withLock { $0[check.key] = nil }
        if result.attempts == 0 && result.message == Self.notRunMessage { return nil }
        await record(check, result)
        return result
    }

    static var notRunMessage: String { "not run: the daemon is stopping" }

    static func notRun(_ spec: CheckSpec) -> CheckResult {
        CheckResult(id: spec.id, kind: spec.kind.name, app: spec.app, instance: spec.instance, status: .unknown, expected: spec.kind.name,
                    found: "", message: notRunMessage, attempts: 0)
    }

    static func ms(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
}
