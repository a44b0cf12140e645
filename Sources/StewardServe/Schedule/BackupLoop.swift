import Foundation
import Logging
import ServiceLifecycle
import StewardCore

/// Runs each scheduled app's backups (``ScheduledBackup``) on its `backup.schedule`, as the timer of
/// `steward backup schedule` would, for the daemon's life:
/// - **catch-up** (the timer's `Persistent=true`): at start, an app whose newest backup in the state database is
///   older than the last time its schedule named (or that has none) is backed up at once;
/// - **the timer wins**: before each run the loop asks whether `steward-backup-APP.timer` is enabled
///   (``BackupTimerState``); if it is, that run is left to the timer and the loop says so once;
/// - one app at a time (backups are heavy on the disk; each also takes its instances' locks), in the order they
///   fall due; a run that overran the next scheduled time is not repeated at once: the next is computed from when
///   it finished, as systemd does for a timer whose service was still running;
/// - on graceful shutdown no new run starts; one in flight is the operations service's to finish.
public struct BackupLoop: Service {
    /// What the loop needs from the host, injected so tests run it without one.
    public struct Hooks: Sendable {
        /// The time of the app's newest backup in the catalog; nil when it has none (or it cannot be read).
        public var lastBackup: @Sendable (_ app: String) async -> Date?
        /// Whether the timer wins for the app now, and the state it was judged by (for the log).
        public var timerWins: @Sendable (_ app: String) async -> (wins: Bool, state: String)
        /// Runs the app's backup, verification and pruning; the backup's exit code (nil when it could not start).
        public var run: @Sendable (ScheduledBackup) async -> Int?

        public init(lastBackup: @escaping @Sendable (String) async -> Date?,
                    timerWins: @escaping @Sendable (String) async -> (wins: Bool, state: String),
                    run: @escaping @Sendable (ScheduledBackup) async -> Int?) {
            self.lastBackup = lastBackup
            self.timerWins = timerWins
            self.run = run
        }
    }

    /// Per app: when it last ran (or was left to the timer), and whether the loop is deferring to the timer.
    struct Progress: Equatable {
        var lastRun: [String: Date] = [:]
        var deferring: Set<String> = []
    }

    public let backups: [ScheduledBackup]
    let clock: any WallClock
    let timeZone: TimeZone
    let firstDelay: TimeInterval
    /// The longest sleep: the wall clock is looked at again at least this often.
    let maxSleep: TimeInterval
    let hooks: Hooks
    let logger: Logger

    public init(backups: [ScheduledBackup], clock: any WallClock = SystemWallClock(), timeZone: TimeZone = .current,
                firstDelay: TimeInterval = 30, maxSleep: TimeInterval = 60, hooks: Hooks, logger: Logger) {
        self.backups = backups
        self.clock = clock
        self.timeZone = timeZone
        self.firstDelay = firstDelay
        self.maxSleep = maxSleep
        self.hooks = hooks
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        // Without scheduled apps the loop ends at once; the service must still run until shutdown, or the group stops.
        try? await gracefulShutdown()
    }

    func loop() async {
        guard !backups.isEmpty else { return }
        // A moment for the daemon to settle (its first checks, the state import) before a catch-up backup.
        do { try await clock.sleep(until: clock.now().addingTimeInterval(firstDelay)) } catch { return }
        var progress = await start()
        while !Task.isCancelled {
            let wake = await tick(now: clock.now(), &progress)
            do { try await clock.sleep(until: wake) } catch { return }
        }
    }

    /// The state at start: each app's newest backup, which decides the catch-up.
    func start() async -> Progress {
        var progress = Progress()
        for backup in backups {
            progress.lastRun[backup.app] = await hooks.lastBackup(backup.app)
        }
        return progress
    }

    /// Runs every app that is due at `now`, one after the other; returns when to look again: the next time a
    /// schedule names, at most ``maxSleep`` away.
    func tick(now: Date, _ progress: inout Progress) async -> Date {
        for backup in backups where !Task.isCancelled {
            guard backup.calendar.isDue(lastRun: progress.lastRun[backup.app], now: now, timeZone: timeZone) else { continue }
            let timer = await hooks.timerWins(backup.app)
            if timer.wins {
                if progress.deferring.insert(backup.app).inserted {
                    logger.info("backups of \(backup.app): \(BackupTimerState.timerUnit(app: backup.app)) is \(timer.state); the timer runs them, not the daemon")
                }
                progress.lastRun[backup.app] = now
                continue
            }
            if progress.deferring.remove(backup.app) != nil {
                logger.info("backups of \(backup.app): \(BackupTimerState.timerUnit(app: backup.app)) is \(timer.state); the daemon runs them again")
            }
            logger.info("backups of \(backup.app): scheduled run (\(backup.schedule))")
            let exitCode = await hooks.run(backup)
            // Stopping: a run in flight is the operations service's to finish; it is not a failure to report.
            if Task.isCancelled { break }
            if exitCode != 0 {
                logger.warning("backups of \(backup.app): the scheduled run \(exitCode.map { "failed with exit code \($0)" } ?? "could not start")")
            }
            progress.lastRun[backup.app] = max(now, clock.now())
        }
        let after = clock.now()
        let next = backups.compactMap { $0.calendar.next(after: progress.lastRun[$0.app] ?? after, timeZone: timeZone) }.min()
        return min(next ?? .distantFuture, after.addingTimeInterval(maxSleep))
    }
}
