import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// The operations an alert silence looks at, from the real state database: running ones, ones that ended within the
/// grace, and an abandoned one counted as ended when its lease lapsed (a killed deploy does not silence for ever).
@Suite struct OperationSpanTests {
    @Test func runningEndedAndLapsedOperationsAsSpans() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let holder = OperationHolder(operatorName: "api:ci", host: InstanceLock.hostName)
        let running = try OperationLease(state: state, kind: "deploy", subject: "marb@prod", holder: holder, timing: .init(ttl: 30, renewEvery: 10))
        let ended = try OperationLease(state: state, kind: "backup", subject: "marb@prod",
                                       holder: OperationHolder(operatorName: "api:ci", host: InstanceLock.hostName), timing: .init(ttl: 30, renewEvery: 10))
        try ended.finish("succeeded")
        let abandoned = try OperationLease(state: state, kind: "rollback", subject: "chip@prod",
                                           holder: OperationHolder(operatorName: "alice", host: InstanceLock.hostName), timing: .init(ttl: 1, renewEvery: 0.2))
        abandoned.abandon()
        try await Task.sleep(for: .seconds(1.5))

        let now = Date()
        let spans = try state.operationSpans(now: now, within: 300)
        #expect(Set(spans.map(\.id)) == [running.id, ended.id, abandoned.id])
        #expect(spans.first { $0.id == running.id }?.finishedAt == nil)
        #expect(spans.first { $0.id == ended.id }?.finishedAt != nil)
        let lapsed = try #require(spans.first { $0.id == abandoned.id }?.finishedAt)
        #expect(lapsed == (try state.operation(id: abandoned.id))?.expiresAt, "ended when its lease lapsed")
        // With no grace only the running one is left.
        #expect(try state.operationSpans(now: now, within: 0).map(\.id) == [running.id])
        #expect(OperationSilence.reason(app: "marb", instance: "prod", operations: spans, grace: 300, now: now)?.id == running.id)
        try running.finish("succeeded")
    }
}
