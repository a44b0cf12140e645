import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import StewardCore
import Synchronization

/// Observes what each check kind needs and hands it to the pure evaluators. Shared by all checks of a run.
final class CheckExecutor: Sendable {
    let context: ProbeContext
    private let snapshotTask: Task<CheckSnapshot, Never>
    private let secrets = Mutex<Set<String>>([])
    /// The HTTP clients: the daemon's, kept across runs, or this run's own (shut down with it).
    private let clients: HTTPClients
    private let ownsClients: Bool

    init(context: ProbeContext, snapshot: Task<CheckSnapshot, Never>, httpClients: HTTPClients? = nil, parallel: Int = 8) {
        self.context = context
        self.snapshotTask = snapshot
        self.clients = httpClients ?? HTTPClients(parallel: parallel)
        self.ownsClients = httpClients == nil
    }

    /// Reads a secret and remembers it, so every message of the run can be scrubbed of it.
    func secret(_ ref: SecretRef) throws -> String {
        let value = try context.secret(ref)
        secrets.withLock { _ = $0.insert(value) }
        if let password = Redactor.urlPassword(value) { secrets.withLock { _ = $0.insert(password) } }
        return value
    }

    func secretsSeen() -> [String] { secrets.withLock { Array($0).filter { $0.count >= 3 }.sorted { $0.count > $1.count } } }

    func shutdown() async {
        if ownsClients { await clients.shutdown() }
    }

    func evaluate(_ spec: CheckSpec, timeoutMs: Int) async -> Verdict {
        do {
            return try await observe(spec, timeoutMs: timeoutMs)
        } catch {
            return .unknown(expected: spec.kind.name, Redactor.scrub(String(describing: error)))
        }
    }

    private func observe(_ spec: CheckSpec, timeoutMs: Int) async throws -> Verdict {
        let snapshot = CheckSnapshot.needsSnapshot(spec.kind) ? await snapshotTask.value : CheckSnapshot()
        switch spec.kind {
        case .container(let e):
            let ids = try await context.output(Docker.serviceContainers(project: e.project, service: e.service))
                .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            let containers = ids.isEmpty ? [] : try DockerInspect.containers(fromJSON: try await context.output(Docker.inspect(ids))).filter { !$0.oneOff }
            return LocalEvaluators.container(e, containers.map(\.facts))
        case .service(let e):
            if let error = snapshot.unitsError { return .unknown(expected: "service \(e.unit)", error) }
            let name = e.unit.contains(".") ? e.unit : e.unit + ".service"
            return LocalEvaluators.service(e, snapshot.units[name])
        case .port(let e):
            guard let sockets = snapshot.sockets else { return .unknown(expected: "port \(e.port)", snapshot.socketsError ?? "no socket table") }
            return LocalEvaluators.port(e, sockets)
        case .file(let e):
            // stat and read on a thread of their own, as the disk check's statvfs: a file on a mount that stopped
            // answering must neither hold a thread of the pool nor outlast the check.
            let files = context.files
            let timeout = Duration.milliseconds(timeoutMs * 9 / 10)
            let verdict = await BlockingCall.run(on: files.path(e.path), timeout: timeout) { () -> Verdict in
                let info = files.info(e.path)
                if info.denied { return .unknown(expected: e.path, "\(e.path): permission denied") }
                let content = info.exists && !e.contains.isEmpty ? files.readIfPresent(e.path) : nil
                return LocalEvaluators.file(e, .init(exists: info.exists, mode: info.mode, owner: info.owner, group: info.group, content: content))
            }
            return verdict ?? .unknown(expected: e.path, "stat of \(e.path) did not answer within \(BlockingCall.seconds(timeout))")
        case .command(let e):
            guard let program = e.argv.first else { return .unknown(expected: "command", "empty argv") }
            switch await context.runner.run(Command(program, Array(e.argv.dropFirst())), timeout: .milliseconds(timeoutMs)) {
            case .success(let r): return LocalEvaluators.command(e, exitStatus: r.exitCode, stdout: r.stdout)
            case .failure(let err): return .unknown(expected: "exit \(e.exitStatus)", err.description)
            }
        case .disk(let e):
            // statvfs gets nine tenths of the check's time, so that a hung mount is named as such rather than as the
            // check's bare timeout.
            let timeout = Duration.milliseconds(timeoutMs * 9 / 10)
            let (filesystems, unanswered) = try await HostProbe.filesystems(context.files, holding: [e.path], timeout: timeout)
            guard let fs = filesystems.first(where: { $0.holds.contains(e.path) }) else {
                if !unanswered.isEmpty { return .unknown(expected: "disk \(e.path)", HostProbe.unansweredReason(unanswered, timeout: timeout)) }
                return .unknown(expected: "disk \(e.path)", "no filesystem holds \(e.path)")
            }
            return LocalEvaluators.disk(e, fs)
        case .memory(let e):
            guard let host = snapshot.host else { return .unknown(expected: "memory", snapshot.hostError ?? "no host facts") }
            return LocalEvaluators.memory(e, host.memory)
        case .load(let e):
            guard let host = snapshot.host else { return .unknown(expected: "load", snapshot.hostError ?? "no host facts") }
            return LocalEvaluators.load(e, load: host.load, cpus: host.cpuCount)
        case .journal(let e):
            let out = try await context.output(Journalctl.recent(unit: e.unit, sinceMinutes: e.sinceMinutes))
            let entries = JournalAnalyzer.entries(fromJSONLines: out)
            let errors = entries.filter { ($0.priority ?? 6) <= 3 }.count
            var matches = 0
            if let pattern = e.pattern, let re = try? NSRegularExpression(pattern: pattern) {
                matches = entries.filter { re.firstMatch(in: $0.message, range: NSRange($0.message.startIndex..., in: $0.message)) != nil }.count
            }
            return LocalEvaluators.journal(e, errors: errors, matches: matches)
        case .tcp(let e):
            do {
                try await TCPConnection.connect(host: e.host, port: e.port, timeoutMs: timeoutMs).close()
                return .pass(expected: "connect \(e.host):\(e.port)", found: "connected")
            } catch {
                return .noConnection(expected: "connect \(e.host):\(e.port)", found: "no connection", error.description)
            }
        case .redis(let e):
            return try await redis(e, timeoutMs: timeoutMs)
        case .http(let e):
            return try await http(e, timeoutMs: timeoutMs)
        case .tls(let e):
            return try await TLSInspector.check(e, files: context.files, timeoutMs: timeoutMs)
        case .postgres(let e):
            return try await PostgresProbe.check(e, dsn: try secret(e.dsn), timeoutMs: timeoutMs)
        case .sqlite(let e):
            return try await SQLiteProbe.check(e, context: context, timeoutMs: timeoutMs)
        }
    }

    private func redis(_ e: RedisExpectation, timeoutMs: Int) async throws -> Verdict {
        var host = e.host, port = e.port, password: String? = nil, db: Int? = nil
        if let ref = e.url {
            guard let url = URL(string: try secret(ref)), let h = url.host else { throw ProbeFailure("\(ref) is not a redis:// URL") }
            host = h
            port = url.port ?? 6379
            password = url.password.flatMap { $0.removingPercentEncoding ?? $0 }
            if let d = Int(url.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))) { db = d }
        }
        let connection: TCPConnection
        do {
            connection = try await TCPConnection.connect(host: host, port: port, timeoutMs: timeoutMs)
        } catch {
            return .noConnection(expected: "PONG", found: "no connection", "redis at \(host):\(port): \(error)")
        }
        return try await connection.exchange { exchange -> Verdict in
            var client = RedisClient(exchange)
            if let password {
                if case .error(let message) = try await client.call(["AUTH", password]) {
                    return .fail(expected: "PONG", found: "auth failed", "redis refused the password: \(message)")
                }
            }
            if let db, db != 0 { _ = try await client.call(["SELECT", String(db)]) }
            let pong: Bool
            switch try await client.call(["PING"]) {
            case .simple("PONG"): pong = true
            case .error(let message): return .fail(expected: "PONG", found: "error", "redis answered: \(message)")
            default: pong = false
            }
            var lengths: [String: Int] = [:]
            for key in e.maxLength.keys.sorted() {
                if case .integer(let n) = try await client.call(["LLEN", key]) { lengths[key] = n }
            }
            return NetworkEvaluators.redis(e, pong: pong, lengths: lengths)
        }
    }

    private func http(_ e: HTTPExpectation, timeoutMs: Int) async throws -> Verdict {
        var request = HTTPClientRequest(url: e.url)
        request.method = .init(rawValue: e.method)
        for (k, v) in e.headers { request.headers.add(name: k, value: v) }
        for (k, ref) in e.secretHeaders { request.headers.add(name: k, value: try secret(ref)) }
        if let bearer = e.bearer { request.headers.add(name: "Authorization", value: "Bearer \(try secret(bearer))") }
        // Each run opens its own connection, as `curl` does: a kept-alive one would hide a server that no longer
        // accepts new connections, and would hold a slot of the app's server between runs.
        if !request.headers.contains(name: "connection") { request.headers.add(name: "Connection", value: "close") }
        let client = try clients.client(followRedirects: e.followRedirects, verifyTLS: e.verifyTLS)
        let start = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(Int64(timeoutMs)))
        } catch {
            let target = Redactor.scrubURLCredentials(e.url)
            return .noConnection(expected: "HTTP \(e.status.map(String.init).joined(separator: "|"))", found: "no response",
                         "\(e.method) \(target): \(HTTPErrors.describe(error))")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        let latency = CheckRunner.ms(since: start)
        return NetworkEvaluators.http(e, .init(status: Int(response.status.code), body: String(buffer: body), latencyMs: latency,
                                               location: response.headers.first(name: "location")))
    }
}

/// Short, stable words for HTTP client errors (connection refused, TLS failures, timeouts).
enum HTTPErrors {
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.lowercased().contains("certificate") || text.contains("handshakeFailed") || text.contains("NIOSSL") { return "TLS failure: \(text.prefix(160))" }
        return String(text.prefix(200))
    }
}
