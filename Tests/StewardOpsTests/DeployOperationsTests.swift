import Foundation
import Testing
import StewardCore
@testable import StewardOps
@testable import StewardSystem

/// The deploy family's operations without a host: the rollback policy (pure), the releases history from a state
/// database, requests as the agent sends them, and a deploy's progress as events.
@Suite struct DeployOperationsTests {
    static func record(_ id: Int64, _ ref: String, _ commit: String, _ status: DeployStatus, kind: DeployRecord.Kind = .deploy,
                       schema: String? = nil, backups: [Int64] = []) -> DeployRecord {
        var r = DeployRecord(app: "marb", instance: "prod", ref: ref, commit: commit, strategy: .inPlace, release: "/srv/marb",
                             user: "alice", startedAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(id) * 3600), pid: 1, host: "h")
        r.id = id
        r.kind = kind
        r.status = status
        r.schema = schema
        r.backupIDs = backups
        return r
    }

    /// v1.0 (schema a), v1.1 (migrated after backup #7: schema b), v1.2 failed; v1.1 serves.
    static let history: [DeployRecord] = [
        record(3, "v1.2", "cccccccccccc33", .rolledBack, schema: "c", backups: [9]),
        record(2, "v1.1", "bbbbbbbbbbbb22", .succeeded, schema: "b", backups: [7]),
        record(1, "v1.0", "aaaaaaaaaaaa11", .succeeded, schema: "a"),
    ]

    func decide(to: String? = nil, serving: String? = "bbbbbbbbbbbb22", schemaNow: String? = "b", database: RollbackDatabase? = nil,
                history: [DeployRecord] = Self.history) throws(OperationError) -> RollbackChoice {
        try RollbackPolicy.decide(label: "marb@prod", history: history, servingCommit: serving, schemaNow: schemaNow, to: to, database: database)
    }

    @Test func aRollbackGoesToTheNewestGoodReleaseThatDoesNotServeAndAsksAboutAChangedSchema() throws {
        let error = #expect(throws: OperationError.self) { try decide() }
        #expect(error?.code == .refused && error?.exitCode == 3)
        #expect(error?.message == """
            the database schema changed since v1.0 (then a, now b). Choose:
              --restore-db  restore backup #7, taken before deploy #2 of v1.1 on 2026-09-21T16:13:20Z; data written since then is lost
              --keep-db     keep the database as it is; v1.0's code must then work with the newer schema
            """)
        let restore = try decide(database: .restore)
        #expect(restore.release.id == 1 && restore.database == .restore && restore.backupIDs == [7])
        let keep = try decide(database: .keep)
        #expect(keep.release.id == 1 && keep.database == .keep && keep.backupIDs.isEmpty)
    }

    @Test func theSameSchemaKeepsTheDatabaseAndToNamesARefOrACommit() throws {
        let same = try decide(schemaNow: "a")
        #expect(same.database == .keep && same.release.ref == "v1.0")
        #expect(try decide(to: "aaaaaaa", serving: "other", schemaNow: "a").release.id == 1)
        #expect(try decide(to: "v1.1", serving: "aaaaaaaaaaaa11", schemaNow: "a", database: .keep).release.id == 2)
    }

    @Test func aRollbackIsRefusedWithTheReasonWhenThereIsNothingToGoBackTo() throws {
        let never = #expect(throws: OperationError.self) { try decide(to: "v1.2") }
        #expect(never?.code == .notFound && never?.message == "v1.2 was never deployed successfully to marb@prod; see steward releases marb@prod")
        let already = #expect(throws: OperationError.self) { try decide(to: "v1.1") }
        #expect(already?.code == .refused && already?.message == "marb@prod already runs v1.1 (bbbbbbbbbbbb)")
        let none = #expect(throws: OperationError.self) { try decide(history: [Self.history[1]]) }
        #expect(none?.message == "no earlier good release of marb@prod to go back to; see steward releases marb@prod")
        // No deploy after v1.1 took a backup: nothing to restore, whether or not the schema changed.
        let nothing = #expect(throws: OperationError.self) { try decide(to: "v1.1", serving: "cccccccccccc33", schemaNow: "b", database: .restore,
                                                                         history: Array(Self.history.dropFirst())) }
        #expect(nothing?.message == "no pre-deploy backup recorded after v1.1 to restore")
    }

    @Test func releasesReadsTheHistoryAndTheInterruptedDeployFromTheStateDatabase() async throws {
        let scratch = try OpsScratch()
        let host = scratch.host()
        let empty = try await ReleasesOperation.run(.init(target: "marb@prod"), on: host)
        #expect(empty.releases.isEmpty && empty.exitCode == 0 && empty.schema == "steward.releases/1")
        let state = try host.openState()
        for r in Self.history.reversed() {
            var fresh = r
            fresh.id = 0
            fresh = try state.insertDeploy(fresh)
            try state.updateDeploy(fresh)
        }
        let out = try await ReleasesOperation.run(.init(target: "marb@prod", limit: 2), on: host)
        #expect(out.releases.map(\.ref) == ["v1.2", "v1.1"])
        #expect(out.interrupted == nil && out.target == "marb@prod")
        let other = try await ReleasesOperation.run(.init(target: "marb@test"), on: host)
        #expect(other.releases.isEmpty)
    }

    @Test func requestsDecodeWithOnlyWhatTheyAskAndSayWhatIsWrong() throws {
        let deploy = try JSONDecoder.steward.decode(DeployOperation.Request.self, from: Data(#"{"target":"marb@prod","ref":"v1.2"}"#.utf8))
        #expect(deploy.ref == "v1.2" && !deploy.dryRun && !deploy.resume && !deploy.force && deploy.problem == nil)
        #expect(DeployOperation.Request(target: "marb@prod").problem == "give exactly one of --ref TAG, --resume or --abort")
        #expect(DeployOperation.Request(target: "m", ref: "v1", force: true).problem?.hasPrefix("--allow-untagged and --force need --reason") == true)
        #expect(DeployOperation.Request(target: "m", ref: "--upload-pack=x").problem?.hasPrefix("--ref:") == true)
        #expect(DeployOperation.Request(target: "m", resume: true, dryRun: true).problem?.hasPrefix("--dry-run plans a new deploy") == true)
        let promote = try JSONDecoder.steward.decode(PromoteOperation.Request.self, from: Data(#"{"app":"calb"}"#.utf8))
        #expect(promote.from == "test" && promote.to == "prod" && !promote.dryRun)
        #expect(PromoteOperation.Request(app: "calb", from: "prod").problem == "--from and --to name the same instance")
        #expect(RollbackOperation.Request(target: "m", restoreDb: true, keepDb: true).problem == "give --restore-db or --keep-db, not both")
        #expect(try JSONDecoder.steward.decode(ReleasesOperation.Request.self, from: Data(#"{"target":"m"}"#.utf8)).limit == 20)
    }

    @Test func anInvalidRequestIsRefusedBeforeAnythingIsRead() async throws {
        let scratch = try OpsScratch()
        let error = await #expect(throws: OperationError.self) {
            try await DeployOperation.run(.init(target: "marb@prod", ref: "v1", resume: true), on: scratch.host())
        }
        #expect(error?.code == .invalidRequest && error?.exitCode == 3)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/state"), "the state database was not even opened")
    }

    @Test func aDeploysProgressBecomesEventsWithItsStepsTimings() throws {
        let scratch = try OpsScratch()
        let recorder = EventRecorder()
        let host = scratch.host(events: recorder)
        host.report(.stepStarted(.migrate))
        host.report(.stepFinished(.migrate, result: .ok, detail: "applied 2", ms: 1234))
        host.report(.line("  ✓ migrate      applied 2 (1.2 s)"))
        let events = recorder.events
        #expect(events.map(\.kind) == [.stepStarted, .stepFinished, .log])
        #expect(events[1].step == "migrate" && events[1].result == "ok" && events[1].durationMs == 1234 && events[1].message == "applied 2")
        #expect(events[2].message == "  ✓ migrate      applied 2 (1.2 s)" && events.allSatisfy { $0.operation == "op-1" })
    }

    @Test func exitCodesFollowTheRecordAndAnUnrecordedEndIsAtLeastAWarning() {
        #expect(DeployRun.exitCode(Self.record(1, "v", "c", .succeeded), stateWriteError: nil) == 0)
        #expect(DeployRun.exitCode(Self.record(1, "v", "c", .succeeded), stateWriteError: "disk full") == 1)
        #expect(DeployRun.exitCode(Self.record(1, "v", "c", .failed), stateWriteError: nil) == 1)
        #expect(DeployRun.exitCode(Self.record(1, "v", "c", .rollbackFailed), stateWriteError: "x") == 2)
        #expect(DeployOperation.Output(action: "plan", target: "m", plan: .init(lines: [], refused: true)).exitCode == 1)
        #expect(DeployOperation.Output(action: "plan", target: "m", plan: .init(lines: [], refused: false)).exitCode == 0)
    }
}
