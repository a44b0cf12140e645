import Foundation
import Logging
@testable import StewardSystem
import Testing
@testable import StewardServe

/// The daemon's periodic trim: what its own caches hold is given back first, then malloc's and the kernel's part,
/// every time.
@Suite struct MemoryTrimServiceTests {
    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ call: String) { lock.withLock { list.append(call) } }
        var all: [String] { lock.withLock { list } }
    }

    @Test func theCachesAreReleasedBeforeEachTrim() async throws {
        let calls = Calls()
        let service = MemoryTrimService(firstAfter: .milliseconds(5), every: .milliseconds(5), logger: Logger(label: "test"),
                                        before: { calls.add("release") },
                                        trim: { calls.add("trim"); return MemoryTrim.Outcome(regions: 0, bytes: 0, refused: 0, heapReleased: true) })
        let task = Task { try await service.run() }
        // Generous: this test's task may queue for minutes behind the rest of a loaded unit group (CI saw 0 calls in 30 s).
        let deadline = ContinuousClock.now + .seconds(300)
        while calls.all.count < 6 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        _ = try? await task.value
        let seen = calls.all
        #expect(seen.count >= 6)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 != $1 } && seen.first == "release", "\(seen)")
    }
}
