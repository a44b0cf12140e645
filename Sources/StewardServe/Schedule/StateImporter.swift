import Foundation
import Logging
import ServiceLifecycle
import StewardSystem

/// Copies the deploys and backups of the state database (where the CLI, the timers and the daemon's own operations
/// record them) into the history every 30 seconds, so the API and the charts' deploy markers see a deploy run from a
/// shell too. The import is by id and idempotent; a state database that cannot be opened now is tried again next time.
public struct StateImporter: Service {
    let statePath: String
    let every: Duration
    let history: HistoryAccess
    let logger: Logger

    public init(statePath: String, every: Duration = .seconds(30), history: HistoryAccess, logger: Logger) {
        self.statePath = statePath
        self.every = every
        self.history = history
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await once(now: Date())
                do { try await Task.sleep(for: every) } catch { return }
            }
        }
        try? await gracefulShutdown()
    }

    /// One import; what it added, or nil when it could not run.
    func once(now: Date) async -> HistoryStore.StateImport? {
        let path = statePath
        do {
            // Read-only: the daemon never migrates or locks the CLI's database; WAL readers do not wait for its writers.
            // No database yet (nothing deployed or backed up): nothing to import, and nothing is created.
            return try await history.run { store -> HistoryStore.StateImport? in
                guard let state = try StateStore.openReadOnly(path: path) else { return nil }
                return try store.importState(state, now: now)
            }
        } catch {
            logger.warning("history: cannot import deploys and backups from \(path): \(error)")
            return nil
        }
    }
}
