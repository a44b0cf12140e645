import NIOPosix
import StewardSystem

/// The history store, reached through one dedicated thread: its calls are synchronous (SQLite, fsync), and on
/// the two-thread cooperative pool one slow commit would stall every check and request.
public final class HistoryAccess: Sendable {
    public let store: HistoryStore
    private let pool: NIOThreadPool

    public init(store: HistoryStore) {
        self.store = store
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable (HistoryStore) throws -> T) async throws -> T {
        let store = self.store
        return try await pool.runIfActive { try body(store) }
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
