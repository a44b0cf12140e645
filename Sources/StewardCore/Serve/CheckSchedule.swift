/// The daemon's timing of a check, pure so it can be tested without clocks: the key it is known by in the
/// history, where in its interval it first runs, and when it runs next.
public enum CheckSchedule {
    /// The check's key in the history: `app@instance/ID`, `app/ID` for an app-wide check, `host/ID` otherwise.
    /// Check ids are unique in a manifest, so keys are too; the app part keeps a key stable when a check moves.
    public static func key(_ spec: CheckSpec) -> String {
        guard let app = spec.app else { return "host/\(spec.id)" }
        return spec.instance.map { "\(app)@\($0)/\(spec.id)" } ?? "\(app)/\(spec.id)"
    }

    /// Where in `intervalMs` the check first runs: a stable hash of its key (64-bit FNV-1a), so checks spread over
    /// the interval and each keeps its place across restarts instead of all starting at once.
    public static func phaseMs(key: String, intervalMs: Int) -> Int {
        guard intervalMs > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(intervalMs))
    }

    /// The most a run moves from its interval: the phase already spreads checks over the interval, the jitter only
    /// keeps their runs from locking into step with other periodic work. More would delay an alert: a failure is
    /// seen at most one interval plus this after it began (the target is the interval plus 2 s).
    public static let maxJitterMs = 1000

    /// The time from one run's start to the next: the interval moved by up to `jitter` (a fraction, 0.1 for 10 %)
    /// of it, at most ``maxJitterMs``, `random` in -1...1 choosing where. At least 1 ms.
    public static func delayMs(intervalMs: Int, jitter: Double, random: Double) -> Int {
        let bound = min(Double(intervalMs) * max(0, min(jitter, 0.5)), Double(maxJitterMs))
        let spread = bound * max(-1, min(random, 1))
        return max(1, intervalMs + Int(spread.rounded()))
    }

    /// The next start, in ms of any monotonic clock: `start + delay`, unless that has already passed (a run that
    /// took longer than its interval), then a whole interval from `now`: a late check never runs in a burst.
    public static func nextStartMs(startMs: Int64, delayMs: Int, intervalMs: Int, nowMs: Int64) -> Int64 {
        let next = startMs + Int64(delayMs)
        return next >= nowMs ? next : nowMs + Int64(intervalMs)
    }
}
