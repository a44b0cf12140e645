import Foundation
import Logging
import ServiceLifecycle
import StewardCore
import StewardSystem
import Synchronization

/// Sends notices: one queue per channel, so a slow mail server never holds up a webhook and a channel hears of an
/// alert in the order things happened (firing before resolved). A failed delivery is tried again after each of
/// `retryDelays`; every attempt goes to the history's delivery log (what the dashboard shows).
///
/// On a graceful stop it takes no new notice, sends those queued once each (no more waiting to retry) and ends.
public final class AlertDispatcher: Service, Sendable {
    public typealias Deliver = @Sendable (AlertMessage, AlertChannel) async -> DeliveryOutcome

    let channels: [String: AlertChannel]
    let deliver: Deliver
    let history: HistoryAccess?
    let logger: Logger
    let retryDelays: [Duration]
    private let queues: [String: (stream: AsyncStream<AlertMessage>, continuation: AsyncStream<AlertMessage>.Continuation)]
    private let stopping = Atomic<Bool>(false)
    private let drainDeadline = Mutex<ContinuousClock.Instant?>(nil)
    /// How long a stop waits for queued notices (each delivery has its own timeout, 10 s by default).
    let drainTime: Duration

    public init(channels: [AlertChannel], history: HistoryAccess?, logger: Logger,
                retryDelays: [Duration] = [.seconds(5), .seconds(30)], drainTime: Duration = .seconds(15), deliver: @escaping Deliver) {
        self.drainTime = drainTime
        self.channels = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.deliver = deliver
        self.history = history
        self.logger = logger
        self.retryDelays = retryDelays
        var queues: [String: (AsyncStream<AlertMessage>, AsyncStream<AlertMessage>.Continuation)] = [:]
        for name in self.channels.keys {
            // A channel that is down for hours must not grow without bound: the oldest notices go first.
            queues[name] = AsyncStream.makeStream(of: AlertMessage.self, bufferingPolicy: .bufferingNewest(1000))
        }
        self.queues = queues.mapValues { (stream: $0.0, continuation: $0.1) }
    }

    /// Queues `message` for each of `channels` (names the manifest declares; any other is logged and skipped).
    public func enqueue(_ message: AlertMessage, channels names: [String]) {
        for name in names {
            guard let queue = queues[name] else {
                logger.warning("alerts: no channel \(name) for alert \(message.alertID)")
                continue
            }
            if case .terminated = queue.continuation.yield(message) {
                logger.warning("alerts: \(message.event.rawValue) notice of alert \(message.alertID) to \(name) not sent: stopping")
            }
        }
    }

    public func run() async throws {
        // No channel, nothing to send: still a service that runs until the daemon stops (one that returns early
        // would stop the whole group).
        guard !queues.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for (name, queue) in queues {
                    guard let channel = channels[name] else { continue }
                    group.addTask {
                        var dropped = 0
                        for await message in queue.stream {
                            // What is still queued when the drain's time is up is dropped (and counted), so a dead
                            // channel cannot hold the stop past its budget and cost the history its last flush.
                            if let deadline = self.drainDeadline.withLock({ $0 }), ContinuousClock.now >= deadline {
                                dropped += 1
                                continue
                            }
                            await self.send(message, via: channel)
                        }
                        if dropped > 0 { self.logger.warning("alerts: \(dropped) notices to \(name) not sent: the daemon stopped") }
                    }
                }
            }
        } onGracefulShutdown: {
            self.drainDeadline.withLock { $0 = ContinuousClock.now + self.drainTime }
            self.stopping.store(true, ordering: .relaxed)
            for queue in self.queues.values { queue.continuation.finish() }
        }
    }

    /// One notice to one channel, tried again after each delay while it fails and the daemon is not stopping (a
    /// stop ends the wait at once).
    func send(_ message: AlertMessage, via channel: AlertChannel) async {
        var attempt = 0
        while true {
            let outcome = await deliver(message, channel)
            await record(message, channel: channel.name, outcome)
            if outcome.ok { return }
            logger.warning("alerts: \(message.event.rawValue) notice of alert \(message.alertID) to \(channel.name) failed: \(outcome.detail)")
            guard attempt < retryDelays.count else { return }
            let until = ContinuousClock.now + retryDelays[attempt]
            while ContinuousClock.now < until {
                if stopping.load(ordering: .relaxed) || Task.isCancelled { return }
                try? await Task.sleep(for: min(.milliseconds(250), until - ContinuousClock.now))
            }
            attempt += 1
        }
    }

    private func record(_ message: AlertMessage, channel: String, _ outcome: DeliveryOutcome) async {
        guard let history, message.alertID > 0 else { return }
        do {
            try await history.run {
                try $0.recordDelivery(alertID: message.alertID, channel: channel, notice: message.event.rawValue, at: Date(),
                                      ok: outcome.ok, detail: outcome.detail)
            }
        } catch {
            logger.warning("alerts: cannot record a delivery: \(error)")
        }
    }
}
