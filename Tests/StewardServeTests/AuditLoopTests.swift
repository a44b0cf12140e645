import Foundation
import Logging
import StewardCore
@testable import StewardServe
import StewardSystem
import Synchronization
import Testing

/// The audit loop records complete runs' findings in the history (opened, seen again, resolved) and leaves a run
/// with a probe that could not look unrecorded, so its missing findings are not taken as resolved.
@Suite struct AuditLoopTests {
    static func finding(_ rule: String, _ subject: String) -> Finding {
        Finding(rule: rule, severity: .warning, subject: subject, summary: "\(rule) on \(subject)", evidence: [], fix: "fix it")
    }

    @Test func recordsCompleteRunsOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-audit-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HistoryStore(path: directory.appendingPathComponent("history.db").path)
        let history = HistoryAccess(store: store)
        let next = Mutex<[AuditOutcome]>([
            AuditOutcome(findings: [Self.finding("ports.public-bind", "marb@prod"), Self.finding("disk.low", "/")], unknownProbes: []),
            AuditOutcome(findings: [], unknownProbes: ["disk"]),
            AuditOutcome(findings: [Self.finding("disk.low", "/")], unknownProbes: []),
        ])
        let loop = AuditLoop(interval: .seconds(900), history: history, logger: Logger(label: "test")) {
            next.withLock { $0.removeFirst() }
        }
        let t0 = Date(timeIntervalSince1970: 1_764_633_600)
        #expect(await loop.once(now: t0)?.opened.map(\.rule) == ["ports.public-bind", "disk.low"])
        #expect(await loop.once(now: t0.addingTimeInterval(900)) == nil)
        #expect(try store.openFindings().count == 2)
        let changes = await loop.once(now: t0.addingTimeInterval(1800))
        #expect(changes?.resolved.map(\.rule) == ["ports.public-bind"])
        #expect(changes?.opened == [])
        #expect(try store.openFindings().map(\.rule) == ["disk.low"])
        await history.shutdown()
    }
}
