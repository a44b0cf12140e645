import Foundation
import Logging
import ServiceLifecycle
import StewardOps
import StewardSystem
import Synchronization

/// Runs the operations the API asks for (deploy, rollback, backup, verify), and the daemon's scheduled backups
/// (``BackupLoop``), through the same registry, locks and records as the CLI and the agent: each in its own task with
/// its own ``HostContext``, whose operator is `api:TOKEN-NAME` (or `serve:schedule`). Keeps the recent ones in memory (their events, for the SSE stream and `GET`) and every one in
/// the history (start, end, result), so a daemon restarted mid-operation shows it as interrupted.
///
/// A service in the daemon's group: on shutdown it takes no new operation and waits for those running (a deploy
/// finishes its step list or is recorded by its engine as interrupted when the graceful stop runs out).
public final class ServeOperations: Service, Sendable {
    public enum StreamItem: Sendable, Equatable {
        case event(OperationEvent)
        case result(exitCode: Int, document: Data)
    }

    /// What an operation looks like to a client.
    public struct View: Sendable {
        public var record: APIOperationRecord
        public var running: Bool
        public var events: [OperationEvent]
    }

    struct Entry {
        var record: APIOperationRecord
        var events: [OperationEvent] = []
        var eventBytes = 0
        var watchers: [Int: AsyncStream<StreamItem>.Continuation] = [:]
        var task: Task<Void, Never>?
    }

    struct State {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var nextWatcher = 0
        var closed = false
    }

    /// Operations kept in memory (finished ones beyond it go, oldest first; the history keeps them).
    static let keep = 100
    /// Events kept per operation (a deploy emits a few dozen).
    static let maxEventBytes = 256 * 1024

    let base: HostContext
    let history: HistoryAccess?
    let operations: [String: OperationRegistry.Runner]
    let logger: Logger
    let now: @Sendable () -> Date
    private let state = Mutex(State())

    public init(base: HostContext, history: HistoryAccess?, operations: [String: OperationRegistry.Runner] = OperationRegistry.all,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.base = base
        self.history = history
        self.operations = operations
        self.logger = logger
        self.now = now
    }

    /// Starts `name` with `request` (already checked and completed by the route); returns its id at once.
    public func start(name: String, request: Data, target: String?, identity: ServeIdentity, requestID: String) async throws(APIError) -> String {
        try await start(name: name, request: request, target: target, by: identity.name, operatorName: "api:\(identity.name)", requestID: requestID)
    }

    /// Starts `name` for `by` (a token's name, or the daemon's own scheduler), whose operations record `operatorName`
    /// as their operator; returns its id at once.
    public func start(name: String, request: Data, target: String?, by who: String, operatorName: String,
                      requestID: String) async throws(APIError) -> String {
        guard let runner = operations[name] else { throw APIError(.internalServerError, "internal", "no operation \(name)") }
        let id = UUID().uuidString.lowercased()
        let record = APIOperationRecord(id: id, name: name, target: target, identity: who, requestID: requestID, startedAt: now())
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.entries[id] = Entry(record: record)
            state.order.append(id)
            return true
        }
        guard accepted else { throw APIError(.serviceUnavailable, "unavailable", "the daemon is stopping") }
        if let history { try? await history.run { try $0.recordOperationStart(record) } }
        var log = logger
        log[metadataKey: "operation"] = .string(id)
        log[metadataKey: "request_id"] = .string(requestID)
        log.info("operation \(name) \(target ?? "") started by \(operatorName)")
        let host = HostContext(runner: base.runner, files: base.files, clock: base.clock, statePath: base.statePath,
                               identity: OperationIdentity(operatorName: operatorName, host: InstanceLock.hostName, operationID: id),
                               events: EventSink { [weak self] event in self?.append(id, event) }, logger: log)
        let task = Task { [self] in
            let exitCode: Int
            let document: Data
            do throws(OperationError) {
                let (result, code, _) = try await runner(request, host)
                exitCode = Int(code)
                document = result
            } catch {
                exitCode = Int(error.exitCode)
                document = (try? JSONEncoder.stewardLine.encode(ErrorDocument(error: error))) ?? Data("{}".utf8)
            }
            await self.finish(id, exitCode: exitCode, document: document, log: log)
        }
        state.withLock { $0.entries[id]?.task = task }
        return id
    }

    /// The operation as it is now: from memory while kept, else from the history.
    public func view(_ id: String) async throws -> View? {
        if let view = state.withLock({ state in state.entries[id].map { View(record: $0.record, running: $0.record.finishedAt == nil, events: $0.events) } }) {
            return view
        }
        guard let history, let record = try await history.run({ try $0.operation(id: id) }) else { return nil }
        return View(record: record, running: false, events: [])
    }

    /// The operation's events from its start (replayed), then live ones, then its result; nil when it is not kept.
    public func stream(_ id: String) -> AsyncStream<StreamItem>? {
        let (stream, continuation) = AsyncStream<StreamItem>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let found = state.withLock { state -> Bool in
            guard let entry = state.entries[id] else { return false }
            for event in entry.events { continuation.yield(.event(event)) }
            if entry.record.finishedAt != nil {
                continuation.yield(.result(exitCode: entry.record.exitCode ?? 0, document: entry.record.result ?? Data()))
                continuation.finish()
            } else {
                let key = state.nextWatcher
                state.nextWatcher += 1
                state.entries[id]?.watchers[key] = continuation
                continuation.onTermination = { [weak self] _ in
                    _ = self?.state.withLock { $0.entries[id]?.watchers.removeValue(forKey: key) }
                }
            }
            return true
        }
        return found ? stream : nil
    }

    /// The exit code of operation `id` once it has finished (waiting for it); nil when it is not kept in memory.
    public func exitCode(of id: String) async -> Int? {
        guard let stream = stream(id) else { return nil }
        for await item in stream { if case .result(let exitCode, _) = item { return exitCode } }
        return state.withLock { $0.entries[id]?.record.exitCode }
    }

    /// How many operations are kept in memory, running or finished.
    func keptCount() -> Int { state.withLock { $0.entries.count } }

    /// How many operations run now.
    public func runningCount() -> Int {
        state.withLock { $0.entries.values.filter { $0.record.finishedAt == nil }.count }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.closed = true
            return state.entries.values.filter { $0.record.finishedAt == nil }.compactMap(\.task)
        }
        if !tasks.isEmpty { logger.info("waiting for \(tasks.count) operation(s) to finish") }
        // When the group runs out of graceful time it cancels this service: the operations are cancelled then, so
        // their engines record them interrupted before the process goes.
        await withTaskCancellationHandler {
            for task in tasks { await task.value }
        } onCancel: {
            for task in tasks { task.cancel() }
        }
    }

    func append(_ id: String, _ event: OperationEvent) {
        let size = (try? JSONEncoder.stewardLine.encode(event).count) ?? 256
        state.withLock { state in
            guard var entry = state.entries[id] else { return }
            if entry.eventBytes + size <= Self.maxEventBytes {
                entry.events.append(event)
                entry.eventBytes += size
            }
            for watcher in entry.watchers.values { watcher.yield(.event(event)) }
            state.entries[id] = entry
        }
    }

    func finish(_ id: String, exitCode: Int, document: Data, log: Logger) async {
        let at = now()
        let watchers = state.withLock { state -> [AsyncStream<StreamItem>.Continuation] in
            state.entries[id]?.record.finishedAt = at
            state.entries[id]?.record.exitCode = exitCode
            state.entries[id]?.record.result = document
            state.entries[id]?.task = nil
            let watchers = Array(state.entries[id]?.watchers.values ?? [:].values)
            state.entries[id]?.watchers = [:]
            // Forget the oldest finished ones beyond the bound.
            while state.order.count > Self.keep, let oldest = state.order.first(where: { state.entries[$0]?.record.finishedAt != nil }) {
                state.order.removeAll { $0 == oldest }
                state.entries[oldest] = nil
            }
            return watchers
        }
        for watcher in watchers {
            watcher.yield(.result(exitCode: exitCode, document: document))
            watcher.finish()
        }
        if let history {
            do { try await history.run { try $0.recordOperationEnd(id: id, at: at, exitCode: exitCode, result: document) } } catch {
                log.error("history: cannot record the end of operation \(id): \(error)")
            }
        }
        log.info("operation \(id) finished with exit code \(exitCode)")
    }

    struct ErrorDocument: Encodable {
        var schema = "steward.error/1"
        var error: OperationError
    }
}
