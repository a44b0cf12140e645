import Logging
import ServiceLifecycle
import StewardSystem

/// Runs ``MemoryTrim`` once the daemon has settled (every check has run once, the first audit is done), then every
/// few minutes, so code that only start-up or an audit used does not stay resident (see ``MemoryTrim``'s comment
/// for the figures). Each trim is a few milliseconds of kernel work on the cooperative pool: no I/O, nothing waits.
///
/// `before` runs first each time: what the daemon's own caches can give back (SQLite's page caches) is freed before
/// malloc's free memory is returned, or it would stay in the heap until the next trim.
public struct MemoryTrimService: Service {
    let firstAfter: Duration
    let every: Duration
    let logger: Logger
    let before: @Sendable () async -> Void
    let trim: @Sendable () -> MemoryTrim.Outcome

    public init(firstAfter: Duration = .seconds(90), every: Duration = .seconds(180), logger: Logger,
                before: @escaping @Sendable () async -> Void = {}, trim: @escaping @Sendable () -> MemoryTrim.Outcome = { MemoryTrim.run() }) {
        self.firstAfter = firstAfter
        self.every = every
        self.logger = logger
        self.before = before
        self.trim = trim
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var wait = firstAfter
            while !Task.isCancelled {
                do { try await Task.sleep(for: wait) } catch { return }
                await before()
                let outcome = trim()
                logger.debug("memory: paged out \(outcome.regions) read-only mappings (\(outcome.bytes >> 20) MiB mapped), \(outcome.refused) refused; heap released: \(outcome.heapReleased)")
                wait = every
            }
        }
    }
}
