import Foundation
@testable import StewardServe
import Synchronization

/// A wall clock that moves only when the test says: a sleeper wakes when ``advance(to:)`` reaches its date; a
/// cancelled sleeper throws at once.
final class ManualWallClock: WallClock, Sendable {
    private struct State {
        var now: Date
        var nextID = 0
        var sleepers: [Int: (until: Date, continuation: CheckedContinuation<Void, any Error>)] = [:]
    }

    private let state: Mutex<State>

    init(_ start: Date) { state = Mutex(State(now: start)) }

    func now() -> Date { state.withLock { $0.now } }

    /// How many tasks sleep now.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until date: Date) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if date <= s.now { return .success(()) }
                    s.sleepers[id] = (date, c)
                    return nil
                }
                if let resumeNow { c.resume(with: resumeNow) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    func advance(to date: Date) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now = max(s.now, date)
            let now = s.now
            let ids = s.sleepers.filter { $0.value.until <= now }.map(\.key)
            return ids.compactMap { s.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for c in due { c.resume() }
    }

    /// Waits (in real time, at most 5 s) until a task sleeps on this clock.
    func untilSleeping() async {
        for _ in 0..<5000 where sleeping == 0 { try? await Task.sleep(for: .milliseconds(1)) }
    }
}
