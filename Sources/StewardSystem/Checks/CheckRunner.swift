import Foundation
import StewardCore

/// Runs checks concurrently with bounded parallelism, a per-check timeout, retries with backoff for flaky checks,
/// and a total deadline; an executor error is an `unknown` result, never a crash of the run.
public struct CheckRunner: Sendable {
    public var context: ProbeContext
    public var maxParallel: Int
    public var deadline: Duration
    /// HTTP clients kept across runs (`steward serve`'s); nil: the run makes its own and shuts them down.
    public var httpClients: HTTPClients?

    public init(context: ProbeContext = ProbeContext(), maxParallel: Int = 8, deadline: Duration = .seconds(30),
                httpClients: HTTPClients? = nil) {
        self.context = context
        self.maxParallel = max(1, maxParallel)
        self.deadline = deadline
        self.httpClients = httpClients
    }

    public func run(_ specs: [CheckSpec], now: Date = Date()) async -> CheckReport {
        let start = ContinuousClock.now
        let stopAt = start + deadline
        // The snapshot (one systemctl show, the socket table, host facts) is gathered while the checks that do not
        // need it already run; those that do wait for it.
        let context = self.context
        BlockingCall.prepare()
        let snapshot = Task { await CheckSnapshot.gather(specs, context) }
        let executor = CheckExecutor(context: context, snapshot: snapshot, httpClients: httpClients, parallel: maxParallel)
        // Network and process checks go first: they wait on others, the local ones take microseconds.
        let order = specs.indices.sorted { a, b in
            (CheckSnapshot.needsSnapshot(specs[a].kind) ? 1 : 0, a) < (CheckSnapshot.needsSnapshot(specs[b].kind) ? 1 : 0, b)
        }
        var results = [CheckResult?](repeating: nil, count: specs.count)
        await withTaskGroup(of: (Int, CheckResult).self) { group in
            var next = 0
            func launch() {
                let i = order[next]
                let spec = specs[i]
                next += 1
                group.addTask { (i, await Self.runOne(spec, executor: executor, stopAt: stopAt)) }
            }
            while next < specs.count && next < maxParallel { launch() }
            while let (i, result) = await group.next() {
                results[i] = result
                if next < specs.count { launch() }
            }
        }
        let deadlineExceeded = ContinuousClock.now > stopAt
        let durationMs = Self.ms(since: start)
        // The run's own HTTP clients (`steward check`), after its checks: awaited, not blocking a thread of the pool.
        await executor.shutdown()
        let host = (try? String(contentsOfFile: context.files.path("/proc/sys/kernel/hostname"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "localhost"
        let secrets = executor.secretsSeen()
        let final = results.compactMap { $0 }.map { Self.scrubbed($0, secrets) }
        // FoundationEssentials' ISO 8601 style, not ISO8601DateFormatter: that one builds an ICU date formatter (its
        // calendar, time-zone names, number formats) on every call, and `steward serve` runs this for every check run.
        return CheckReport(host: host, generatedAt: now.formatted(.iso8601), results: final,
                           durationMs: durationMs, deadlineExceeded: deadlineExceeded)
    }

    static func ms(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Masks any secret value the checks read, wherever a driver or server echoed it into a message.
    static func scrubbed(_ r: CheckResult, _ secrets: [String]) -> CheckResult {
        var r = r
        r.message = Redactor.maskKnown(secrets, in: Redactor.scrub(r.message))
        r.found = Redactor.maskKnown(secrets, in: r.found)
        r.expected = Redactor.maskKnown(secrets, in: r.expected)
        return r
    }

    static func runOne(_ spec: CheckSpec, executor: CheckExecutor, stopAt: ContinuousClock.Instant) async -> CheckResult {
        let start = ContinuousClock.now
        var attempts = 0
        var verdict = Verdict.unknown(expected: spec.kind.name, "not run")
        var delay = spec.retryDelayMs
        while true {
            attempts += 1
            guard ContinuousClock.now < stopAt else {
                verdict = .unknown(expected: verdict.expected, "the run's deadline passed before this check could finish")
                break
            }
            let budget = min(Duration.milliseconds(spec.timeoutMs), stopAt - ContinuousClock.now)
            verdict = await withTimeout(budget, spec: spec) { await executor.evaluate(spec, timeoutMs: spec.timeoutMs) }
            if verdict.status == .pass || attempts > spec.retries { break }
            try? await Task.sleep(for: .milliseconds(delay))
            delay *= 2
        }
        return CheckResult(id: spec.id, kind: spec.kind.name, app: spec.app, instance: spec.instance, status: verdict.status,
                           severity: verdict.severity, expected: verdict.expected, found: verdict.found, message: verdict.message,
                           durationMs: ms(since: start), attempts: attempts)
    }

    /// The verdict of `body`, or `unknown` when it takes longer than `budget`. The body is cancelled and not waited
    /// for: one that ignores cancellation (a driver blocked on a server that never answers) cannot make the check
    /// outlast its timeout.
    static func withTimeout(_ budget: Duration, spec: CheckSpec, _ body: @escaping @Sendable () async -> Verdict) async -> Verdict {
        let first = FirstAnswer<Verdict>()
        let work = Task { first.give(await body()) }
        let timer = Task {
            try? await Task.sleep(for: budget)
            first.give(nil)
        }
        let verdict = await first.value()
        work.cancel()
        timer.cancel()
        return verdict ?? .unknown(expected: spec.kind.name, "timed out after \(spec.timeoutMs) ms")
    }
}
