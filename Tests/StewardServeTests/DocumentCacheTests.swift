import Hummingbird
@testable import StewardServe
import Synchronization
import Testing

/// ``DocumentCache``: when a cached answer is served, when it is rebuilt, and that concurrent requests share one build.
@Suite struct DocumentCacheTests {
    final class Counter: Sendable {
        let value = Atomic(0)
        @discardableResult func next() -> Int { value.add(1, ordering: .relaxed).newValue }
        var count: Int { value.load(ordering: .relaxed) }
    }

    /// Holds a build until the test opens it.
    final class Gate: Sendable {
        let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        func pass() async { await withCheckedContinuation { c in waiting.withLock { $0 = c } } }
        var closed: Bool { waiting.withLock { $0 != nil } }
        func open() { waiting.withLock { $0.take() }?.resume() }
    }

    /// A clock the test moves, and a build that counts its calls and answers its call number.
    final class Fixture: Sendable {
        final class Time: Sendable {
            let base = ContinuousClock.now
            let offset = Mutex(Duration.zero)
            func now() -> ContinuousClock.Instant { base + offset.withLock { $0 } }
        }
        let time: Time
        let builds = Counter()
        let cache: DocumentCache

        /// `staleLimit` zero: every stale request waits for its build (the tests of freshness).
        init(staleLimit: Duration = .zero) {
            let time = Time()
            self.time = time
            cache = DocumentCache(maxAge: .seconds(1), minInterval: .milliseconds(250), staleLimit: staleLimit, now: { time.now() })
        }

        func advance(_ by: Duration) { time.offset.withLock { $0 += by } }

        func get(_ version: UInt64) async throws -> String {
            let builds = self.builds
            let buffer = try await cache.body(version: version) { ByteBuffer(string: "build \(builds.next())") }
            return String(buffer: buffer)
        }
    }

    @Test func servesTheCachedBodyWhileTheVersionIsUnchangedAndYoungerThanMaxAge() async throws {
        let fixture = Fixture()
        #expect(try await fixture.get(7) == "build 1")
        fixture.advance(.milliseconds(900))
        #expect(try await fixture.get(7) == "build 1")
        fixture.advance(.milliseconds(100))
        #expect(try await fixture.get(7) == "build 2", "a second old: the history's parts may have changed")
    }

    @Test func aNewVersionRebuildsOnlyAfterTheMinimumInterval() async throws {
        let fixture = Fixture()
        #expect(try await fixture.get(1) == "build 1")
        fixture.advance(.milliseconds(200))
        #expect(try await fixture.get(2) == "build 1", "rebuilt at most every 250 ms")
        fixture.advance(.milliseconds(50))
        #expect(try await fixture.get(2) == "build 2")
        #expect(try await fixture.get(2) == "build 2")
    }

    @Test func aRecentAnswerIsServedWhileItsSuccessorIsBuilt() async throws {
        let fixture = Fixture(staleLimit: .seconds(2))
        #expect(try await fixture.get(1) == "build 1", "nothing cached yet: the first request waits")
        fixture.advance(.milliseconds(1500))
        #expect(try await fixture.get(2) == "build 1", "stale, but younger than the limit: answered at once")
        // The build it started finishes on its own, and the next request gets it.
        for _ in 0..<200 where fixture.builds.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await fixture.get(2) == "build 2")
        fixture.advance(.seconds(3))
        #expect(try await fixture.get(3) == "build 3", "older than the limit: the request waits for the new one")
    }

    @Test func concurrentRequestsForAStaleDocumentShareOneBuild() async throws {
        let gate = Gate(), builds = Counter(), arrived = Counter()
        let cache = DocumentCache()
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    arrived.next()
                    return String(buffer: try await cache.body(version: 1) {
                        let n = builds.next()
                        await gate.pass()
                        return ByteBuffer(string: "build \(n)")
                    })
                }
            }
            // Let every request reach the cache while the first build is held, then release it.
            while arrived.count < 8 || !gate.closed { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(50))
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: "build 1", count: 8))
        #expect(builds.count == 1)
    }

    @Test func aFailedBuildIsNotCached() async throws {
        struct Broken: Error {}
        let cache = DocumentCache()
        let calls = Counter()
        await #expect(throws: Broken.self) {
            _ = try await cache.body(version: 1) { calls.next(); throw Broken() }
        }
        let body = try await cache.body(version: 1) { calls.next(); return ByteBuffer(string: "ok") }
        #expect(String(buffer: body) == "ok" && calls.count == 2)
    }
}
