import Foundation
import Logging
import StewardCore
import StewardOps
@testable import StewardServe
import StewardSystem
import Synchronization
import Testing

/// The daemon's scheduled backups (issue 12): which apps are scheduled, the catch-up at start (`Persistent=true`),
/// deferring to an enabled timer, no burst after a failure or an overrun, the service on a hand-moved clock, and one
/// real backup, verification and prune through the daemon's operations as `serve:schedule`.
@Suite struct BackupLoopTests {
    static let utc = TimeZone(identifier: "UTC")!
    /// 2026-03-11 14:00:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_773_237_600)

    static func at(_ offset: TimeInterval) -> Date { now.addingTimeInterval(offset) }

    static func scheduled(_ app: String, _ schedule: String) -> ScheduledBackup {
        ScheduledBackup(app: app, schedule: schedule, calendar: try! OnCalendar(parsing: schedule))
    }

    /// Records the runs; the timer's state and each run's exit code are set by the test.
    final class Host: Sendable {
        let runs = Mutex<[String]>([])
        let timerEnabled = Mutex<Set<String>>([])
        let exitCode = Mutex<Int?>(0)
        let last: [String: Date]

        init(last: [String: Date] = [:]) { self.last = last }

        var hooks: BackupLoop.Hooks {
            BackupLoop.Hooks(lastBackup: { self.last[$0] },
                             timerWins: { app in
                                 let enabled = self.timerEnabled.withLock { $0.contains(app) }
                                 return (enabled, enabled ? "enabled" : "disabled")
                             },
                             run: { backup in
                                 self.runs.withLock { $0.append(backup.app) }
                                 return self.exitCode.withLock { $0 }
                             })
        }
    }

    static func loop(_ backups: [ScheduledBackup], _ host: Host, clock: any WallClock, maxSleep: TimeInterval = 86_400 * 7) -> BackupLoop {
        BackupLoop(backups: backups, clock: clock, timeZone: utc, firstDelay: 30, maxSleep: maxSleep, hooks: host.hooks,
                   logger: Logger(label: "test"))
    }

    @Test func onlyAppsThatDeclareBackupAreScheduledAndAnUnreadableScheduleIsNamed() throws {
        var manifest = Manifest()
        manifest.apps = [AppSpec(name: "marb", backup: BackupSpec(schedule: "*-*-* 03:15")), AppSpec(name: "chip"),
                         AppSpec(name: "n1", backup: BackupSpec(schedule: "*-*-01~03"))]
        let plan = ScheduledBackup.plan(manifest)
        #expect(plan.scheduled == [Self.scheduled("marb", "*-*-* 03:15")])
        #expect(plan.unreadable.map(\.app) == ["n1"] && plan.unreadable[0].reason.hasPrefix("OnCalendar=*-*-01~03: day"))
    }

    @Test func atStartAnAppWhoseScheduledTimePassedSinceItsNewestBackupIsBackedUpAtOnce() async {
        // marb missed today's 03:00 (the daemon was down); chip ran at 03:00 today; racklab was never backed up.
        let host = Host(last: ["marb": Self.at(-35 * 3600), "chip": Self.at(-11 * 3600 + 7)])
        let loop = Self.loop([Self.scheduled("marb", "*-*-* 03:00"), Self.scheduled("chip", "*-*-* 03:00"), Self.scheduled("racklab", "daily")],
                             host, clock: ManualWallClock(Self.now))
        var progress = await loop.start()
        let wake = await loop.tick(now: Self.now, &progress)
        #expect(host.runs.withLock { $0 } == ["marb", "racklab"])
        #expect(wake == Self.at(10 * 3600), "the next time any schedule names: racklab's midnight")
        #expect(progress.lastRun["marb"] == Self.now && progress.lastRun["chip"] == Self.at(-11 * 3600 + 7))
    }

    @Test func theLoopLooksAtTheWallClockAgainAtLeastEveryMaxSleep() async {
        let loop = Self.loop([Self.scheduled("marb", "daily")], Host(last: ["marb": Self.now]), clock: ManualWallClock(Self.now), maxSleep: 60)
        var progress = await loop.start()
        #expect(await loop.tick(now: Self.now, &progress) == Self.at(60))
    }

    @Test func anEnabledTimerWinsUntilItIsRemoved() async {
        let host = Host(last: ["marb": Self.at(-35 * 3600)])
        host.timerEnabled.withLock { $0 = ["marb"] }
        let clock = ManualWallClock(Self.now)
        let loop = Self.loop([Self.scheduled("marb", "*-*-* 03:00")], host, clock: clock)
        var progress = await loop.start()
        _ = await loop.tick(now: Self.now, &progress)
        #expect(host.runs.withLock { $0 } == [] && progress.deferring == ["marb"])
        #expect(progress.lastRun["marb"] == Self.now, "that occurrence is the timer's: not asked again before the next")
        #expect(await loop.tick(now: Self.at(60), &progress) == Self.at(13 * 3600) && host.runs.withLock { $0 } == [])

        host.timerEnabled.withLock { $0 = [] }
        clock.advance(to: Self.at(13 * 3600))
        _ = await loop.tick(now: Self.at(13 * 3600), &progress)
        #expect(host.runs.withLock { $0 } == ["marb"] && progress.deferring.isEmpty)
    }

    @Test func aFailedOrOverlongRunWaitsForTheNextScheduledTime() async {
        let host = Host()
        host.exitCode.withLock { $0 = 2 }
        let clock = ManualWallClock(Self.now)
        let loop = Self.loop([Self.scheduled("marb", "hourly")], host, clock: clock)
        var progress = await loop.start()
        _ = await loop.tick(now: Self.now, &progress)
        #expect(await loop.tick(now: Self.at(1), &progress) == Self.at(3600))
        #expect(host.runs.withLock { $0 } == ["marb"], "a failure is not retried in a loop")

        // A run that ends after the next hour began (15:00 → 16:10): the next is 17:00, not one at once for 16:00.
        host.exitCode.withLock { $0 = 0 }
        let slow = Self.loop([Self.scheduled("marb", "hourly")], Host(), clock: clock)
        var slowProgress = BackupLoop.Progress(lastRun: ["marb": Self.now], deferring: [])
        clock.advance(to: Self.at(2 * 3600 + 600))
        #expect(await slow.tick(now: Self.at(3600), &slowProgress) == Self.at(3 * 3600))
        #expect(slowProgress.lastRun["marb"] == Self.at(2 * 3600 + 600))
    }

    @Test func theServiceCatchesUpAfterItsFirstDelayThenRunsOnTheCalendar() async {
        let host = Host()
        let clock = ManualWallClock(Self.now)
        let loop = Self.loop([Self.scheduled("marb", "*-*-* 03:00")], host, clock: clock)
        let task = Task { await loop.loop() }
        await clock.untilSleeping()
        #expect(host.runs.withLock { $0 } == [], "nothing before the first delay")
        clock.advance(to: Self.at(30))
        await clock.untilSleeping()
        #expect(host.runs.withLock { $0 } == ["marb"], "never backed up: at once")
        clock.advance(to: Self.at(12 * 3600))
        await clock.untilSleeping()
        #expect(host.runs.withLock { $0 } == ["marb"], "02:00: not yet")
        clock.advance(to: Self.at(13 * 3600 + 1))
        await clock.untilSleeping()
        #expect(host.runs.withLock { $0 } == ["marb", "marb"])
        task.cancel()
        await task.value
    }
}
