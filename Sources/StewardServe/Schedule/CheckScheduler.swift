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

/// Runs every check at its interval, for the daemon's life. One task per check: it first waits for the check's
/// phase (a stable hash of its key, so checks spread over the interval), then runs, records, and sleeps until the
/// next start (the interval moved by the jitter). A check's task awaits its own run before sleeping, so one check
/// never runs twice at once; a shared ``Limiter`` bounds how many run together; a run that overran its interval is
/// followed by one run a whole interval later, never a catch-up burst.
///
/// On graceful shutdown the timers stop; runs in flight finish (each within its timeout) and are recorded.
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

    /// Whether the scheduler's heartbeat (a tick a second on its clock) is recent: the watchdog's test of life.
    public func isAlive() -> Bool {
        guard let beat = lastBeat.withLock({ $0 }) else { return false }
        return beat.duration(to: clock.now) < .seconds(10)
    }

    func runLoops() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeat() }
            for check in checks { group.addTask { await self.loop(check) } }
        }
    }

    private func heartbeat() async {
        while !Task.isCancelled {
            let now = clock.now
            lastBeat.withLock { $0 = now }
            do { try await clock.sleep(until: now.advanced(by: .seconds(1)), tolerance: nil) } catch { return }
        }
    }

    private func loop(_ check: ScheduledCheck) async {
        let interval = max(1, check.spec.intervalMs)
        let origin = clock.now
        let phase = CheckSchedule.phaseMs(key: check.key, intervalMs: interval)
        do { try await clock.sleep(until: origin.advanced(by: .milliseconds(phase)), tolerance: nil) } catch { return }
        while !Task.isCancelled {
            let start = clock.now
            await limiter.acquire()
            // Cancelled while waiting for a permit: give it back without running.
            if Task.isCancelled {
                await limiter.release()
                return
            }
            let result = await runCheck(check.spec)
            await limiter.release()
            await record(check, result)
            let delay = CheckSchedule.delayMs(intervalMs: interval, jitter: jitter, random: random())
            let next = CheckSchedule.nextStartMs(startMs: Self.ms(origin.duration(to: start)), delayMs: delay, intervalMs: interval,
                                                 nowMs: Self.ms(origin.duration(to: clock.now)))
            do { try await clock.sleep(until: origin.advanced(by: .milliseconds(next)), tolerance: nil) } catch { return }
        }
    }

    static func ms(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
}
