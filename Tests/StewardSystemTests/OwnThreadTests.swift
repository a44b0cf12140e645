import Foundation
import StewardTestSupport
import Testing

/// `onOwnThread`, which the tests that block use so that they do not starve the cooperative pool.
@Suite struct OwnThreadTests {
    /// More blocked bodies than the pool has threads (one per core), each waiting for a task on the pool: on the
    /// pool they would hold every thread and the waits would run out; on threads of their own the task runs.
    /// The wait is long because the releasing task queues behind every other test of the group for a pool thread:
    /// on CI, with the package building beside it, the unit group's tests took ~62 s each and a 20 s wait ran out
    /// with the pool free. A held pool never frees, so the test still fails then, only later.
    @Test func blockedBodiesLeaveThePoolFree() async throws {
        let count = ProcessInfo.processInfo.activeProcessorCount + 1
        let released = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask { try await onOwnThread { released.wait(timeout: .now() + 300) == .success } }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(200))
                for _ in 0..<count { released.signal() }
                return true
            }
            var all: [Bool] = []
            for try await ok in group { all.append(ok) }
            #expect(all.count == count + 1 && all.allSatisfy { $0 }, "a body waited out its 300 s: the pool was held")
        }
    }

    @Test func theBodyRunsOffThePoolAndItsErrorReachesTheTest() async throws {
        // The kernel's name of the thread, which a pool thread ("com.apple.root.default-qos") cannot have.
        let name = try await onOwnThread { try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
        #expect(name == "test-own-thread\n")
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await onOwnThread { throw Boom() } }
    }
}
