import ServiceLifecycle
import ServiceLifecycleTestKit
import StewardCore
@testable import StewardServe
import Synchronization
import Testing

/// The scheduler on a manual clock: checks start at their phase, one check never runs twice at once, a late run is
/// not followed by a burst, the jitter moves the next start within its bounds, and `parallel` bounds the runs.
@Suite struct CheckSchedulerTests {
    /// Runs that block until the test opens the gate; counts starts and how many run at once.
    final class Runs: Sendable {
        struct State {
            var starts: [String: [Duration]] = [:]
            var running = 0
            var maxRunning = 0
            var open = false
            var waiting: [CheckedContinuation<Void, Never>] = []
        }
        let state = Mutex(State())
        let clock: ManualClock
        init(clock: ManualClock, open: Bool = false) {
            self.clock = clock
            state.withLock { $0.open = open }
        }

        func run(_ spec: CheckSpec) async -> CheckResult {
            let now = clock.now.offset
            let blocked = state.withLock { s -> Bool in
                s.starts[spec.id, default: []].append(now)
                s.running += 1
                s.maxRunning = max(s.maxRunning, s.running)
                return !s.open
            }
            if blocked {
                await withCheckedContinuation { c in
                    let go = state.withLock { s -> Bool in
                        if s.open { return true }
                        s.waiting.append(c)
                        return false
                    }
                    if go { c.resume() }
                }
            }
            state.withLock { $0.running -= 1 }
            return CheckResult(id: spec.id, kind: spec.kind.name, status: .pass, expected: "", found: "", durationMs: 1)
        }

        func openGate() {
            let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.open = true
                defer { s.waiting.removeAll() }
                return s.waiting
            }
            for c in waiting { c.resume() }
        }

        var starts: [String: [Duration]] { state.withLock { $0.starts } }
        var running: Int { state.withLock { $0.running } }
        var maxRunning: Int { state.withLock { $0.maxRunning } }
    }

    static func spec(_ id: String, intervalMs: Int = 1000) -> ScheduledCheck {
        ScheduledCheck(spec: CheckSpec(id: id, kind: .tcp(TCPExpectation(host: "127.0.0.1", port: 1)), intervalMs: intervalMs))
    }

    func withScheduler(_ checks: [ScheduledCheck], parallel: Int = 8, jitter: Double = 0, random: Double = 0, runs: Runs,
                       _ body: @Sendable (ManualClock) async throws -> Void) async throws {
        let clock = runs.clock
        let recorded = Mutex(0)
        let scheduler = CheckScheduler(checks: checks, clock: clock, parallel: parallel, jitter: jitter, random: { random },
                                       run: { await runs.run($0) }, record: { _, _ in recorded.withLock { $0 += 1 } })
        try await testGracefulShutdown { trigger in
            let task = Task { try await scheduler.run() }
            await settle()
            try await body(clock)
            runs.openGate()
            trigger.triggerGracefulShutdown()
            try await task.value
        }
    }

    @Test func aCheckStartsAtItsPhaseAndNeverRunsTwiceAtOnce() async throws {
        let clock = ManualClock()
        let runs = Runs(clock: clock)
        let check = Self.spec("api")
        let phase = CheckSchedule.phaseMs(key: check.key, intervalMs: 1000)
        try await withScheduler([check], runs: runs) { clock in
            clock.advance(by: .milliseconds(phase))
            await settle()
            #expect(runs.starts["api"] == [.milliseconds(phase)])
            // The run hangs for five intervals: no second run starts beside it.
            for _ in 0..<5 {
                clock.advance(by: .seconds(1))
                await settle()
            }
            #expect(runs.starts["api"]?.count == 1)
            #expect(runs.maxRunning == 1)
            // When it ends, the next run is a whole interval later: no catch-up burst for the missed ones.
            runs.openGate()
            await settle()
            #expect(runs.starts["api"]?.count == 1)
            clock.advance(by: .milliseconds(999))
            await settle()
            #expect(runs.starts["api"]?.count == 1)
            clock.advance(by: .milliseconds(1))
            await settle()
            #expect(runs.starts["api"] == [.milliseconds(phase), .milliseconds(phase + 6000)])
        }
    }

    @Test func theJitterMovesEachNextStartWithinItsBound() async throws {
        let clock = ManualClock()
        let runs = Runs(clock: clock, open: true)
        let check = Self.spec("db")
        let phase = CheckSchedule.phaseMs(key: check.key, intervalMs: 1000)
        // random 1: the latest start the 10 % jitter allows, 1100 ms after the previous one.
        try await withScheduler([check], jitter: 0.1, random: 1, runs: runs) { clock in
            for _ in 0..<40 {
                clock.advance(by: .milliseconds(100))
                await settle()
            }
        }
        // The clock moves in 100 ms steps, so the first run starts at the step that reaches its phase.
        let starts = try #require(runs.starts["db"])
        #expect(starts.first == .milliseconds((phase + 99) / 100 * 100))
        #expect(starts.count >= 3)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 == .milliseconds(1100) })
    }

    @Test func parallelBoundsHowManyChecksRunAtOnce() async throws {
        let clock = ManualClock()
        let runs = Runs(clock: clock)
        let checks = (0..<6).map { Self.spec("check-\($0)") }
        try await withScheduler(checks, parallel: 2, runs: runs) { clock in
            clock.advance(by: .seconds(1))
            await settle()
            // Every check is due; two run, four wait for a permit.
            #expect(runs.running == 2)
            #expect(runs.starts.values.map(\.count).reduce(0, +) == 2)
            runs.openGate()
            await settle()
            #expect(runs.starts.count == 6)
        }
        #expect(runs.maxRunning == 2)
    }

    /// One dispatcher sleeps until the earliest start: a run that ends and queues a start before the one it sleeps
    /// for (here a check of a minute whose phase is far off) wakes it, so the short check keeps its interval. The
    /// first run is held until the dispatcher sleeps for the minute check, so the wake is what is tested.
    @Test func aRunThatEndsWakesTheDispatcherForAnEarlierStart() async throws {
        let clock = ManualClock()
        let runs = Runs(clock: clock)
        let api = Self.spec("api")
        let slow = try #require((0..<100).lazy.map { Self.spec("slow-\($0)", intervalMs: 60_000) }
            .first { CheckSchedule.phaseMs(key: $0.key, intervalMs: 60_000) > 10_000 })
        let phase = CheckSchedule.phaseMs(key: api.key, intervalMs: 1000)
        try await withScheduler([slow, api], runs: runs) { clock in
            clock.advance(by: .milliseconds(phase))
            await settle()
            #expect(runs.starts["api"] == [.milliseconds(phase)])
            runs.openGate()
            await settle()
            clock.advance(by: .milliseconds(1000))
            await settle()
            #expect(runs.starts["api"] == [.milliseconds(phase), .milliseconds(phase + 1000)])
            clock.advance(by: .milliseconds(1000))
            await settle()
        }
        #expect(runs.starts["api"]?.prefix(3) == [.milliseconds(phase), .milliseconds(phase + 1000), .milliseconds(phase + 2000)])
        #expect(runs.starts[slow.spec.id] == nil, "the minute check is not due yet")
    }

    /// The watchdog's test of life also fails when the earliest start waits more than 10 s past its time: the
    /// dispatcher takes every due check at once, so one left waiting means it stalled.
    @Test func aStartMoreThanTenSecondsOverdueIsAStall() {
        let due = ManualClock.Instant(offset: .seconds(100))
        #expect(!CheckScheduler<ManualClock>.stalled(due: due, now: due.advanced(by: .seconds(-5))), "not yet due")
        #expect(!CheckScheduler<ManualClock>.stalled(due: due, now: due.advanced(by: .seconds(10))))
        #expect(CheckScheduler<ManualClock>.stalled(due: due, now: due.advanced(by: .milliseconds(10_001))))
    }

    @Test func withoutChecksTheSchedulerRunsUntilShutdown() async throws {
        let clock = ManualClock()
        let scheduler = CheckScheduler(checks: [], clock: clock, parallel: 1, jitter: 0, run: { _ in fatalError() }, record: { _, _ in })
        try await testGracefulShutdown { trigger in
            let task = Task { try await scheduler.run() }
            await settle()
            #expect(scheduler.isAlive())
            trigger.triggerGracefulShutdown()
            try await task.value
        }
    }
}

/// The pure timing: phases, jitter bounds, and the no-burst rule.
@Suite struct CheckScheduleTests {
    @Test func phasesAreStableWithinTheIntervalAndSpread() {
        let keys = (0..<200).map { "marb@prod/check-\($0)" }
        let phases = keys.map { CheckSchedule.phaseMs(key: $0, intervalMs: 30_000) }
        #expect(phases == keys.map { CheckSchedule.phaseMs(key: $0, intervalMs: 30_000) })
        #expect(phases.allSatisfy { (0..<30_000).contains($0) })
        // Spread: every sixth of the interval holds some.
        #expect(Set(phases.map { $0 / 5000 }).count == 6)
        #expect(CheckSchedule.phaseMs(key: "x", intervalMs: 1) == 0)
    }

    @Test func theJitterStaysWithinItsShareOfTheIntervalAndASecond() {
        #expect(CheckSchedule.delayMs(intervalMs: 5_000, jitter: 0.1, random: -1) == 4_500)
        #expect(CheckSchedule.delayMs(intervalMs: 5_000, jitter: 0.1, random: 1) == 5_500)
        #expect(CheckSchedule.delayMs(intervalMs: 30_000, jitter: 0.1, random: 0) == 30_000)
        #expect(CheckSchedule.delayMs(intervalMs: 30_000, jitter: 0, random: 1) == 30_000)
        // 10 % of 30 s would be 3 s: capped at 1 s, so a failure is seen within the interval plus a second.
        #expect(CheckSchedule.delayMs(intervalMs: 30_000, jitter: 0.1, random: -1) == 29_000)
        #expect(CheckSchedule.delayMs(intervalMs: 30_000, jitter: 0.1, random: 1) == 31_000)
        // Out-of-range inputs are clamped: at most half the interval, random within -1...1.
        #expect(CheckSchedule.delayMs(intervalMs: 1_000, jitter: 3, random: 5) == 1_500)
        for r in stride(from: -1.0, through: 1.0, by: 0.05) {
            #expect((29_000...31_000).contains(CheckSchedule.delayMs(intervalMs: 30_000, jitter: 0.1, random: r)))
            #expect((2_700...3_300).contains(CheckSchedule.delayMs(intervalMs: 3_000, jitter: 0.1, random: r)))
        }
    }

    @Test func aLateRunIsFollowedByAWholeIntervalNotABurst() {
        #expect(CheckSchedule.nextStartMs(startMs: 0, delayMs: 30_000, intervalMs: 30_000, nowMs: 1_000) == 30_000)
        #expect(CheckSchedule.nextStartMs(startMs: 0, delayMs: 30_000, intervalMs: 30_000, nowMs: 95_000) == 125_000)
    }

    @Test func historyKeysNameTheAppAndInstance() {
        let kind = CheckSpec.Kind.tcp(TCPExpectation(host: "h", port: 1))
        #expect(CheckSchedule.key(CheckSpec(id: "api", app: "marb", instance: "prod", kind: kind)) == "marb@prod/api")
        #expect(CheckSchedule.key(CheckSpec(id: "api", app: "marb", kind: kind)) == "marb/api")
        #expect(CheckSchedule.key(CheckSpec(id: "disk", kind: kind)) == "host/disk")
    }
}

extension CheckSchedulerTests {
    /// `runNow` (the API's checks/run) joins a run in flight instead of starting a second one; the result is recorded
    /// once; a check not running is run at once, and its schedule carries on.
    @Test func runNowJoinsARunInFlightAndRecordsOnce() async throws {
        let clock = ManualClock()
        let runs = Runs(clock: clock)
        let api = Self.spec("api"), disk = Self.spec("disk", intervalMs: 60_000)
        let recorded = Mutex<[String]>([])
        let scheduler = CheckScheduler(checks: [api, disk], clock: clock, parallel: 8, jitter: 0, random: { 0 },
                                       run: { await runs.run($0) }, record: { check, _ in recorded.withLock { $0.append(check.key) } })
        try await testGracefulShutdown { trigger in
            let task = Task { try await scheduler.run() }
            await settle()
            clock.advance(by: .milliseconds(CheckSchedule.phaseMs(key: api.key, intervalMs: 1000)))
            await settle()
            #expect(runs.starts["api"]?.count == 1, "the scheduled run is in flight")
            let now = Task { await scheduler.runNow([api, disk, api]) }
            await settle()
            #expect(runs.starts["api"]?.count == 1, "joined, not started again")
            #expect(runs.starts["disk"]?.count == 1, "a check not running runs at once")
            runs.openGate()
            let results = await now.value
            #expect(results.map(\.0.key) == [api.key, disk.key], "one result a check, in the order asked")
            await settle()
            #expect(recorded.withLock { $0 }.sorted() == [api.key, disk.key], "each run recorded once")
            trigger.triggerGracefulShutdown()
            try await task.value
        }
    }
}
