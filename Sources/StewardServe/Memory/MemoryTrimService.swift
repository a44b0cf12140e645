import Logging
import ServiceLifecycle
import StewardSystem

/// Runs ``MemoryTrim`` once the daemon has settled (every check has run once, the first audit is done), then every
/// few minutes, so code that only start-up or an audit used does not stay resident (see ``MemoryTrim``'s comment
/// for the figures). Each trim is a few milliseconds of kernel work on the cooperative pool: no I/O, nothing waits.
public struct MemoryTrimService: Service {
    let firstAfter: Duration
    let every: Duration
    let logger: Logger

    public init(firstAfter: Duration = .seconds(90), every: Duration = .seconds(180), logger: Logger) {
        self.firstAfter = firstAfter
        self.every = every
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var wait = firstAfter
            while !Task.isCancelled {
                do { try await Task.sleep(for: wait) } catch { return }
                let outcome = MemoryTrim.run()
                logger.debug("memory: paged out \(outcome.regions) read-only mappings (\(outcome.bytes >> 20) MiB mapped), \(outcome.refused) refused; heap released: \(outcome.heapReleased)")
                wait = every
            }
        }
    }
}
