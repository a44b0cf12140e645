import Logging
import ServiceLifecycle

/// The daemon's side of `Type=notify`: READY=1 once the listener is bound (``ready()``, called from the HTTP
/// application's `onServerRunning`), WATCHDOG=1 at half the watchdog period while the scheduler is alive, and
/// STOPPING=1 as soon as shutdown begins. It is the last service of the group, so it hears shutdown first.
public struct NotifierService: Service {
    let notifier: SystemdNotifier?
    let watchdog: Duration?
    /// Whether the daemon is well enough to be kept: the watchdog ping is withheld otherwise.
    let alive: @Sendable () -> Bool

    public init(notifier: SystemdNotifier?, watchdog: Duration?, alive: @escaping @Sendable () -> Bool) {
        self.notifier = notifier
        self.watchdog = watchdog
        self.alive = alive
    }

    public func ready() { notifier?.send("READY=1\nSTATUS=listening") }

    public func run() async throws {
        if let notifier, let watchdog {
            // Pings run on the cooperative pool: a wedged pool stops them too, and systemd restarts the daemon.
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    if alive() { notifier.send("WATCHDOG=1") }
                    try? await Task.sleep(for: watchdog / 2)
                }
            }
        }
        try? await gracefulShutdown()
        notifier?.send("STOPPING=1")
    }
}
