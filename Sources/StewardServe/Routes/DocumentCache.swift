import Hummingbird
import Synchronization

/// One encoded answer shared by every request while it is fresh. `GET /api/v1/checks` and `/api/v1/status` carry
/// every check (76 KB of JSON for 500 checks) and `status` three history queries: built per request they held the
/// daemon to about a hundred answers a second with a p99 of 600 ms (bench/serve-bench.sh), while a dashboard, a
/// Prometheus-style poller and a few scripts ask the same question many times a second.
///
/// Fresh means: built from the same ``LiveState/version`` less than `maxAge` ago (the history's deploys, backups and
/// findings, which have no version, are at most that old), or built less than `minInterval` ago whatever changed (500
/// checks every 30 s change the version 16 times a second; rebuilding that often would be the cost this removes).
/// One build at a time, and a request does not wait for it while the last answer is younger than `staleLimit`: it
/// gets that one (its `generated_at` says how old) and the build goes on for the next requests. A request that
/// finds no answer that young waits for the build, so after a quiet spell nobody reads an old document.
final class DocumentCache: Sendable {
    private struct Built { var body: ByteBuffer; var version: UInt64; var at: ContinuousClock.Instant }
    private struct State { var built: Built?; var building: Task<Built, any Error>? }

    let maxAge: Duration
    let minInterval: Duration
    let staleLimit: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    init(maxAge: Duration = .seconds(1), minInterval: Duration = .milliseconds(250), staleLimit: Duration = .seconds(2),
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.maxAge = maxAge
        self.minInterval = minInterval
        self.staleLimit = staleLimit
        self.now = now
    }

    /// The cached body when fresh for `version`, else the one `build` makes (shared with concurrent callers), or
    /// the last one while it is younger than `staleLimit` and the new one is being built. A failed build is not
    /// cached: each caller that awaited it gets the error, the next request tries again.
    func body(version: UInt64, build: @escaping @Sendable () async throws -> ByteBuffer) async throws -> ByteBuffer {
        let instant = now()
        enum Step { case cached(ByteBuffer), wait(Task<Built, any Error>) }
        let step: Step = state.withLock { state in
            if let built = state.built, Self.isFresh(built, version: version, at: instant, maxAge: maxAge, minInterval: minInterval) {
                return .cached(built.body)
            }
            let task = state.building ?? start(version: version, build: build)
            state.building = task
            if let built = state.built, instant - built.at < staleLimit { return .cached(built.body) }
            return .wait(task)
        }
        switch step {
        case .cached(let body): return body
        case .wait(let task): return try await task.value.body
        }
    }

    /// A build that stores its answer (or clears itself on failure) whether or not anyone waits for it.
    private func start(version: UInt64, build: @escaping @Sendable () async throws -> ByteBuffer) -> Task<Built, any Error> {
        let clock = now
        return Task {
            let started = clock()
            do {
                let built = Built(body: try await build(), version: version, at: started)
                state.withLock { state in
                    state.building = nil
                    if state.built.map({ $0.at < built.at }) ?? true { state.built = built }
                }
                return built
            } catch {
                state.withLock { $0.building = nil }
                throw error
            }
        }
    }

    private static func isFresh(_ built: Built, version: UInt64, at instant: ContinuousClock.Instant, maxAge: Duration,
                                minInterval: Duration) -> Bool {
        let age = instant - built.at
        return age < minInterval || (built.version == version && age < maxAge)
    }
}
