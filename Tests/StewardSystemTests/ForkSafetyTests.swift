import Foundation
import Testing
import StewardCore
@testable import StewardSystem

/// App code runs as the app's user: the child sets its groups and ids before exec. That must never hang, whatever
/// the other threads of Steward do meanwhile (see ``ForkSafety``).
@Suite(.serialized) struct ForkSafetyTests {
    @Test(.timeLimit(.minutes(1)))
    func childrenThatDropPrivilegesNeverHangWhileThreadsAreBeingCreated() async throws {
        try #require(geteuid() == 0, "needs root, like Steward")
        let churn = ThreadChurn()
        churn.start()
        defer { churn.stop() }
        var failures: [String] = []
        for _ in 0..<150 {
            switch await CommandRunner().run(Command("true", []).asUser("nobody"), timeout: .seconds(5)) {
            case .success(let r) where r.exitCode == 0: break
            case .success(let r): failures.append("exit \(r.exitCode): \(r.stderr)")
            case .failure(let e): failures.append(e.description)
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(churn.created > 100, "the churn created \(churn.created) threads: not enough to test anything")
        let seccomp = try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("Seccomp:") }
        #expect(seccomp?.hasSuffix("2") == true, "no seccomp filter: \(seccomp ?? "?")")
    }
}

/// Creates and joins threads as fast as it can, on a thread of its own.
final class ThreadChurn: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var count = 0
    var created: Int { lock.withLock { count } }

    func start() {
        Thread {
            while self.lock.withLock({ self.running }) {
                var thread = pthread_t()
                guard pthread_create(&thread, nil, { _ in nil }, nil) == 0 else { continue }
                pthread_join(thread, nil)
                self.lock.withLock { self.count += 1 }
            }
        }.start()
    }

    func stop() { lock.withLock { running = false } }
}
