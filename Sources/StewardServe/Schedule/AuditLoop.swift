import Foundation
import Logging
import ServiceLifecycle
import StewardCore
import StewardSystem

/// What one audit run tells the history: the findings that count (not silenced), and the probes that could not
/// look (their findings would be missing, not resolved).
public struct AuditOutcome: Sendable {
    public var findings: [Finding]
    public var unknownProbes: [String]

    public init(findings: [Finding], unknownProbes: [String]) {
        self.findings = findings
        self.unknownProbes = unknownProbes
    }
}

/// Audits the host every `serve.audit.interval` (the first run shortly after start) and records the findings in the
/// history: first seen, last seen, resolved. A run in which a probe could not look is not recorded, since the
/// findings it never looked for would read as resolved.
public struct AuditLoop: Service {
    let interval: Duration
    let firstDelay: Duration
    let audit: @Sendable () async throws -> AuditOutcome
    let history: HistoryAccess
    let logger: Logger
    /// Told the findings of each recorded audit (the alert engine).
    let recorded: @Sendable ([Finding], Date) -> Void
    /// Run after every audit, recorded or not (the daemon gives memory back: ``MemoryTrim``).
    let afterward: @Sendable () -> Void

    public init(interval: Duration, firstDelay: Duration = .seconds(10), history: HistoryAccess, logger: Logger,
                recorded: @escaping @Sendable ([Finding], Date) -> Void = { _, _ in },
                afterward: @escaping @Sendable () -> Void = {},
                audit: @escaping @Sendable () async throws -> AuditOutcome) {
        self.recorded = recorded
        self.afterward = afterward
        self.interval = interval
        self.firstDelay = firstDelay
        self.audit = audit
        self.history = history
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = firstDelay
            while !Task.isCancelled {
                do { try await Task.sleep(for: delay) } catch { return }
                delay = interval
                _ = await once(now: Date())
                afterward()
            }
        }
        try? await gracefulShutdown()
    }

    /// One audit; the changes it recorded, or nil when it was not recorded.
    func once(now: Date) async -> HistoryStore.FindingChanges? {
        do {
            let outcome = try await audit()
            guard outcome.unknownProbes.isEmpty else {
                logger.warning("audit: not recorded, probes could not look: \(outcome.unknownProbes.joined(separator: ", "))")
                return nil
            }
            let findings = outcome.findings
            let changes = try await history.run { try $0.recordFindings(runAt: now, findings: findings) }
            recorded(findings, now)
            logger.info("audit: \(findings.count) findings (\(changes.opened.count) new, \(changes.resolved.count) resolved)")
            return changes
        } catch {
            logger.warning("audit failed: \(error)")
            return nil
        }
    }
}
