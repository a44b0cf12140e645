import Foundation
import StewardSystem
import Testing
@testable import StewardOps

/// `HostContext.leased`: the lease row every host-changing operation of the backup family runs under.
@Suite struct LeasedOperationTests {
    @Test func aSucceedingOperationLeavesAFinishedRowUnderItsOperationId() async throws {
        let scratch = try OpsScratch()
        let host = scratch.host()
        let state = try host.openState()
        let value = try await host.leased("backup", subject: "racklab@prod", state: state) { () async throws(OperationError) in 42 }
        #expect(value == 42)
        let row = try #require(try state.operation(id: "op-1/backup/racklab@prod"))
        #expect(row.kind == "backup")
        #expect(row.subject == "racklab@prod")
        #expect(row.operatorName == "tester")
        #expect(row.status == "succeeded")
        #expect(row.finishedAt != nil)
        #expect(!row.isHeld())
    }

    @Test func aFailingOperationIsRecordedFailedAndItsErrorPassesThrough() async throws {
        let scratch = try OpsScratch()
        let host = scratch.host()
        let state = try host.openState()
        let refused = OperationError(.busy, "racklab@prod is busy")
        await #expect(throws: refused) {
            try await host.leased("restore", subject: "racklab@prod", state: state) { () async throws(OperationError) in throw refused }
        }
        #expect(try state.operation(id: "op-1/restore/racklab@prod")?.status == "failed")
    }

    @Test func whileItRunsTheLeaseIsHeld() async throws {
        let scratch = try OpsScratch()
        let host = scratch.host()
        let state = try host.openState()
        let heldInside = try await host.leased("backup", subject: "racklab@prod", state: state) { () async throws(OperationError) in
            (try? state.operation(id: "op-1/backup/racklab@prod"))??.isHeld() ?? false
        }
        #expect(heldInside)
    }

    /// `steward backup` with no target backs up every app instance within one operation: a row for each.
    @Test func oneOperationOverSeveralInstancesRecordsARowForEach() async throws {
        let scratch = try OpsScratch()
        let host = scratch.host()
        let state = try host.openState()
        for subject in ["racklab@prod", "racklab@staging"] {
            try await host.leased("backup", subject: subject, state: state) { () async throws(OperationError) in }
        }
        let rows = try state.operations(limit: 10)
        #expect(Set(rows.map(\.id)) == ["op-1/backup/racklab@prod", "op-1/backup/racklab@staging"])
        #expect(rows.allSatisfy { $0.status == "succeeded" })
    }
}
