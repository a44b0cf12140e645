import Foundation
import Testing
import StewardCore
@testable import StewardOps
@testable import StewardSystem

/// `steward rollback --dry-run` as a request and a document: the agent's request names `dryRun` or not, and a plan is
/// the rollback's document with the deploy plan's `plan` object in place of a record.
@Suite struct RollbackPlanOutputTests {
    @Test func aDryRunIsAskedByNameAndAnsweredWithAPlanInsteadOfARecord() throws {
        let plain = try JSONDecoder.steward.decode(RollbackOperation.Request.self, from: Data(#"{"target":"marb@prod"}"#.utf8))
        #expect(!plain.dryRun && plain.problem == nil)
        #expect(try JSONDecoder.steward.decode(RollbackOperation.Request.self, from: Data(#"{"target":"marb@prod","dryRun":true}"#.utf8)).dryRun)
        let release = DeployOperationsTests.record(1, "v1.0", "aaaaaaaaaaaa11", .succeeded)
        let plan = RollbackOperation.Output(target: "marb@prod", release: release, database: "keep", plan: .init(lines: ["plan: rollback"], refused: false))
        let document = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.stewardDocument.encode(plan)) as? [String: Any])
        #expect(document["record"] == nil && (document["plan"] as? [String: Any])?["lines"] as? [String] == ["plan: rollback"])
        #expect(document["schema"] as? String == "steward.rollback/1" && document["database"] as? String == "keep")
        #expect(plan.exitCode == 0)
        #expect(RollbackOperation.Output(target: "m", release: release, database: "keep", plan: .init(lines: [], refused: true)).exitCode == 1)
        // A rollback's document is as it was: no plan key beside its record.
        let ran = RollbackOperation.Output(target: "m", release: release, database: "keep", record: DeployOperationsTests.record(2, "v1.0", "aaaaaaaaaaaa11", .succeeded, kind: .rollback))
        let ranDocument = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.stewardDocument.encode(ran)) as? [String: Any])
        #expect(Set(ranDocument.keys) == ["schema", "target", "release", "database", "record"] && ran.exitCode == 0)
    }
}
