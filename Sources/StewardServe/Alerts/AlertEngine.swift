import Foundation
import Logging
import ServiceLifecycle
import StewardCore
import StewardSystem
import Synchronization

/// Turns check runs and audits into alerts (design §6): every observation goes through one queue to one task that
/// owns the ``AlertLedger``, so two results of one check, an acknowledgement and a silence never interleave. The
/// ledger decides; the engine writes the alert's row (from firing on, the deploy it followed named before the first
/// write) and hands notices to the ``AlertDispatcher``.
///
/// Silences (people's, and Steward's own deploys, rollbacks, restores and backups with their grace period) are
/// re-read at most a second old before an observation is judged, so a deploy started from a shell is seen as soon
/// as one run later. Every `tick` it picks up acknowledgements asked for with `steward alerts ack`, and steps firing
/// alerts again so escalation, reminders and notices owed after a silence go out on time between runs.
public final class AlertEngine: Service, Sendable {
    enum Event: Sendable {
        case check(id: String, key: String, app: String?, instance: String?, AlertObservation, at: Date)
        case findings([Finding], at: Date)
        case acknowledge(id: Int64, by: String, reply: CheckedContinuation<Result<AlertRecord, AlertLedger.AcknowledgeRefusal>, Never>)
        case silencesChanged
        case tick
    }

    let spec: AlertsSpec
    let context: AlertContext
    let checks: [String: AlertLedger.CheckRef]
    let host: String
    let dispatcher: AlertDispatcher
    let logger: Logger
    let now: @Sendable () -> Date
    let tick: Duration
    private let events: (stream: AsyncStream<Event>, continuation: AsyncStream<Event>.Continuation)
    private let view = Mutex(SilenceView())
    private let tracked = Mutex<[AlertRecord]>([])

    public init(spec: AlertsSpec, history: HistoryAccess, statePath: String, checks: [ScheduledCheck], host: String,
                dispatcher: AlertDispatcher, logger: Logger, tick: Duration = .seconds(2), now: @escaping @Sendable () -> Date = { Date() }) {
        self.spec = spec
        context = AlertContext(history: history, statePath: statePath, grace: spec.operationGrace, deployWindow: spec.deployWindow)
        self.checks = Dictionary(checks.map { ($0.key, AlertLedger.CheckRef(id: $0.spec.id, app: $0.spec.app)) }, uniquingKeysWith: { a, _ in a })
        self.host = host
        self.dispatcher = dispatcher
        self.logger = logger
        self.tick = tick
        self.now = now
        events = AsyncStream.makeStream(of: Event.self)
    }

    // MARK: - What the daemon tells it

    /// A check ran (the scheduler's record callback; returns at once).
    public func observe(_ check: ScheduledCheck, _ result: CheckResult, at: Date) {
        guard !spec.rules.isEmpty else { return }
        events.continuation.yield(.check(id: check.spec.id, key: check.key, app: check.spec.app, instance: check.spec.instance,
                                         Self.observation(result), at: at))
    }

    /// An audit was recorded with every probe looking: its findings, manifest-silenced ones left out.
    public func observe(findings: [Finding], at: Date) {
        guard spec.rules.contains(where: { $0.match.findings != nil }) else { return }
        events.continuation.yield(.findings(findings, at: at))
    }

    /// Someone takes alert `id` (API, dashboard): the alert after it, or why not.
    public func acknowledge(id: Int64, by who: String) async -> Result<AlertRecord, AlertLedger.AcknowledgeRefusal> {
        await withCheckedContinuation { reply in
            if case .terminated = events.continuation.yield(.acknowledge(id: id, by: who, reply: reply)) {
                reply.resume(returning: .failure(.unavailable))
            }
        }
    }

    /// A silence was added or ended: re-read them before the next observation.
    public func silencesChanged() { events.continuation.yield(.silencesChanged) }

    /// Why alerts of this record are silenced now, from the last view read (at most a tick old).
    public func silenceReason(for record: AlertRecord) -> String? { view.withLock { $0 }.reason(for: record, now: now()) }

    /// The alerts tracked now, pending streaks too (the dashboard shows "failing, 2 of 3 runs").
    public func trackedAlerts() -> [AlertRecord] { tracked.withLock { $0 } }

    static func observation(_ result: CheckResult) -> AlertObservation {
        switch result.status {
        case .pass: return .good
        case .fail: return .bad(summary: result.message.isEmpty ? "expected \(result.expected), found \(result.found)" : result.message,
                                severity: result.severity)
        case .unknown: return .unknown(reason: result.message.isEmpty ? "the probe could not tell" : result.message)
        }
    }

    // MARK: - The loop

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var ledger = await self.start()
            var viewReadAt = Date.distantPast
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [events = self.events, tick = self.tick] in
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: tick) } catch { return }
                        events.continuation.yield(.tick)
                    }
                }
                for await event in self.events.stream {
                    await self.handle(event, &ledger, &viewReadAt)
                    self.tracked.withLock { $0 = ledger.records }
                }
                group.cancelAll()
            }
        }
        events.continuation.finish()
        // Anyone still waiting for an answer gets one.
        for await event in events.stream {
            if case .acknowledge(_, _, let reply) = event { reply.resume(returning: .failure(.unavailable)) }
        }
    }

    /// The open alerts from the history; those nothing covers any more are closed.
    private func start() async -> AlertLedger {
        let at = now()
        var open: [AlertRecord] = []
        do { open = try await context.history.run { try $0.openAlerts() } } catch { logger.error("alerts: cannot read the open alerts: \(error)") }
        let ledger = AlertLedger(routes: spec.rules, open: open, checks: checks, now: at)
        for orphan in ledger.orphans {
            logger.info("alerts: alert \(orphan.id ?? 0) (\(orphan.rule), \(orphan.subject)) closed: its rule or check is gone")
            await save(orphan)
        }
        tracked.withLock { $0 = ledger.records }
        if let fresh = try? await context.silenceView(now: at) { view.withLock { $0 = fresh } }
        return ledger
    }

    private func handle(_ event: Event, _ ledger: inout AlertLedger, _ viewReadAt: inout Date) async {
        let at = now()
        switch event {
        case let .check(id, key, app, instance, observation, runAt):
            await refreshView(at, &viewReadAt)
            let view = self.view.withLock { $0 }
            let changes = ledger.observeCheck(id: id, key: key, app: app, instance: instance, observation, now: runAt) {
                view.reason(for: $0, now: runAt) != nil
            }
            for change in changes { await apply(change, &ledger, at: runAt) }
        case let .findings(findings, runAt):
            await refreshView(at, &viewReadAt)
            let view = self.view.withLock { $0 }
            let changes = ledger.observeFindings(findings, now: runAt) { view.reason(for: $0, now: runAt) != nil }
            for change in changes { await apply(change, &ledger, at: runAt) }
        case let .acknowledge(id, who, reply):
            switch ledger.acknowledge(id: id, by: who, now: at) {
            case .success(let change):
                let record = await apply(change, &ledger, at: at)
                reply.resume(returning: .success(record))
            case .failure(let refusal):
                reply.resume(returning: .failure(refusal))
            }
        case .silencesChanged:
            viewReadAt = .distantPast
            await refreshView(at, &viewReadAt)
        case .tick:
            await refreshView(at, &viewReadAt)
            await takeRequests(&ledger, at: at)
            let view = self.view.withLock { $0 }
            for change in ledger.reassess(now: at, silenced: { view.reason(for: $0, now: at) != nil }) { await apply(change, &ledger, at: at) }
        }
    }

    /// Re-reads the silences when the view is more than a second old. A failed read keeps the last view (logged).
    private func refreshView(_ at: Date, _ readAt: inout Date) async {
        guard at.timeIntervalSince(readAt) >= 1 || at < readAt else { return }
        readAt = at
        do {
            let fresh = try await context.silenceView(now: at)
            view.withLock { $0 = fresh }
        } catch {
            logger.warning("alerts: cannot read the silences and operations: \(error)")
        }
    }

    /// Writes and delivers what a change asks for; returns the record as written (with its id).
    @discardableResult
    private func apply(_ change: AlertChange, _ ledger: inout AlertLedger, at: Date) async -> AlertRecord {
        var record = change.record
        for effect in change.effects {
            switch effect {
            case .persist:
                if change.fired && record.id == nil {
                    do { record.deploy = try await context.deploy(for: record) } catch {
                        logger.warning("alerts: cannot read the deploys of \(record.target ?? "the host"): \(error)")
                    }
                }
                if let id = await save(record) {
                    record.id = id
                    if record.state.phase != .resolved { ledger.assign(id: id, deploy: record.deploy, rule: record.rule, subject: record.subject) }
                }
                if change.fired {
                    logger.notice("alert \(record.id ?? 0) firing: \(record.rule) \(record.subject): \(record.state.summary)")
                }
            case let .notify(notice, channels):
                // Delivered even when the row could not be written: a sick disk must not also silence the pager.
                dispatcher.enqueue(AlertMessage(notice, of: record, host: host, sentAt: at), channels: channels)
            }
        }
        return record
    }

    @discardableResult
    private func save(_ record: AlertRecord) async -> Int64? {
        do {
            return try await context.history.run { try $0.saveAlert(record) }
        } catch {
            logger.error("alerts: cannot write alert \(record.rule) \(record.subject): \(error)")
            return nil
        }
    }

    /// Acknowledgements `steward alerts ack` left in the history. Each is decided once: the engine claims it with
    /// its outcome before acting, so a CLI that gave up waiting (and expired it) never has it applied behind its back.
    private func takeRequests(_ ledger: inout AlertLedger, at: Date) async {
        let pending: [AlertRequest]
        do { pending = try await context.history.run { try $0.pendingAlertRequests() } } catch {
            logger.warning("alerts: cannot read the acknowledgement requests: \(error)")
            return
        }
        for request in pending {
            var trial = ledger
            let outcome = trial.acknowledge(id: request.alertID, by: request.by, now: at)
            let text = switch outcome {
            case .success: "acknowledged"
            case .failure(.notFound): "not found: no open alert \(request.alertID)"
            case .failure(.notFiring(let phase)): "not firing: \(phase.rawValue)"
            case .failure(.unavailable): "unavailable"
            }
            let id = request.id
            guard (try? await context.history.run({ try $0.finishAlertRequest(id: id, result: text, at: at) })) == true else { continue }
            if case .success(let change) = outcome {
                ledger = trial
                await apply(change, &ledger, at: at)
            }
        }
    }
}
