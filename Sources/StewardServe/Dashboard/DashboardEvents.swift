import Foundation
import ServiceLifecycle
import StewardCore
import StewardOps
import Synchronization

/// `GET /events`: the dashboard's live updates. Every 2 s the live state is read and, when it changed since the
/// last frame, one `event: state` frame goes out with each check's state and latency, each instance's worst state
/// and the number of open alerts (the script updates the page in place, and offers a reload when alerts changed).
/// A stream lasts 5 minutes (the browser reconnects), ends when the daemon begins to stop, and at most 16 are open
/// at once: each costs a task and a buffer.
enum DashboardEvents {
    static let interval: Duration = .seconds(2)
    static let lifetime: Duration = .seconds(300)
    static let maxStreams = 16
    static let streams = Atomic<Int>(0)

    struct Frame: Encodable, Equatable {
        struct Check: Encodable, Equatable {
            var key: String
            var state: String
            var latency: String?
            var message: String?
            var lastRun: String?
            enum CodingKeys: String, CodingKey { case key, state, latency, message, lastRun = "last_run" }
        }
        struct Instance: Encodable, Equatable { var target: String; var state: String }
        var checks: [Check]
        var instances: [Instance]
        var alerts: Int
    }

    static func frame(_ state: ServeRouteState, alerts: Int) -> Frame {
        var byTarget: [(String, [String])] = []
        var checks: [Frame.Check] = []
        for entry in state.live.snapshot() {
            let status = entry.status?.rawValue ?? "pending"
            checks.append(.init(key: entry.check.key, state: status, latency: entry.latencyMs.map { "\(SVGText.number($0)) ms" },
                                message: entry.message, lastRun: DashboardViews.time(entry.at)))
            let target = DashboardOverview.target(entry.check.spec.app, entry.check.spec.instance)
            if let i = byTarget.firstIndex(where: { $0.0 == target }) { byTarget[i].1.append(status) } else { byTarget.append((target, [status])) }
        }
        return Frame(checks: checks, instances: byTarget.map { .init(target: $0.0, state: DashboardOverview.worst($0.1)) }, alerts: alerts)
    }

    static func text(_ frame: Frame) -> String {
        let data = (try? JSONEncoder.stewardLine.encode(frame)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: state\ndata: \(data)\n\n"
    }

    /// The frames of one stream, or nil when too many are open.
    /// `alive` is asked at every tick: the stream ends as soon as its session does (logout, revoked token, expiry).
    static func stream(_ state: ServeRouteState, alive: @escaping @Sendable () -> Bool) -> AsyncStream<String>? {
        guard streams.wrappingAdd(1, ordering: .relaxed).newValue <= maxStreams else {
            streams.wrappingSubtract(1, ordering: .relaxed)
            return nil
        }
        // A whole snapshot per frame: a client that stops reading holds the newest only.
        return AsyncStream<String>(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let task = Task {
                await withGracefulShutdownHandler {
                    var last: Frame?
                    let end = ContinuousClock.now + lifetime
                    while !Task.isCancelled && ContinuousClock.now < end && alive() {
                        let alerts = (try? await DashboardOverview.openAlerts(state).count) ?? 0
                        let next = frame(state, alerts: alerts)
                        if next != last {
                            continuation.yield(text(next))
                            last = next
                        }
                        do { try await Task.sleep(for: interval) } catch { break }
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                task.cancel()
                streams.wrappingSubtract(1, ordering: .relaxed)
            }
        }
    }
}
