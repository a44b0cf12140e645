import Foundation
import StewardCore
import Testing

/// Alerts tied to deploys: an instance is silenced while Steward changes it and for a grace period after, and an
/// alert that starts soon after a deploy names it with the rollback to run.
@Suite struct DeployTiedAlertTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_633_600)

    static func op(_ kind: String, _ subject: String, start: Double, end: Double?, id: String = "op") -> OperationSilence.OperationSpan {
        .init(id: id, kind: kind, subject: subject, startedAt: t0 + start, finishedAt: end.map { t0 + $0 }, operatorName: "api:ci")
    }

    @Test func anOperationSilencesItsInstanceWhileItRunsAndForTheGrace() {
        let deploy = Self.op("deploy", "marb@prod", start: 0, end: 120)
        func silenced(_ app: String?, _ instance: String?, at: Double, _ ops: [OperationSilence.OperationSpan] = [deploy]) -> Bool {
            OperationSilence.reason(app: app, instance: instance, operations: ops, grace: 300, now: Self.t0 + at) != nil
        }
        #expect(!silenced("marb", "prod", at: -1), "before it started")
        #expect(silenced("marb", "prod", at: 60))
        #expect(silenced("marb", "prod", at: 420), "grace: 300 s after its end")
        #expect(!silenced("marb", "prod", at: 421))
        #expect(!silenced("marb", "test", at: 60), "another instance")
        #expect(!silenced("chip", "prod", at: 60), "another app")
        #expect(!silenced(nil, nil, at: 60), "a host check")
        #expect(silenced("marb", "test", at: 60, [Self.op("backup", "marb", start: 0, end: nil)]), "an app-wide backup covers every instance")
        #expect(!silenced("marb", "prod", at: 60, [Self.op("releases", "marb@prod", start: 0, end: nil)]), "a read-only kind")
        #expect(silenced("marb", "prod", at: 9_999, [Self.op("deploy", "marb@prod", start: 0, end: nil)]), "still running")
    }

    @Test func theRunningOperationIsNamedBeforeOneThatEnded() {
        let ended = Self.op("backup", "marb@prod", start: 0, end: 100, id: "backup")
        let running = Self.op("deploy", "marb@prod", start: 150, end: nil, id: "deploy")
        let reason = OperationSilence.reason(app: "marb", instance: "prod", operations: [ended, running], grace: 300, now: Self.t0 + 200)
        #expect(reason?.id == "deploy")
        #expect(OperationSilence.describe(running, now: Self.t0 + 200) == "silenced: deploy by api:ci running")
        #expect(OperationSilence.describe(ended, now: Self.t0 + 220) == "silenced: backup by api:ci ended 2 minutes ago")
    }

    @Test func anAlertSoonAfterADeployNamesItAndItsRollback() throws {
        let deploys = [
            DeployAttribution.DeployMark(id: 11, app: "marb", instance: "prod", ref: "v1.4.1", status: "succeeded", operatorName: "alice",
                                         startedAt: Self.t0 - 7200),
            DeployAttribution.DeployMark(id: 12, app: "marb", instance: "prod", ref: "v1.4.2", status: "succeeded", operatorName: "api:ci",
                                         startedAt: Self.t0 - 180),
            DeployAttribution.DeployMark(id: 13, app: "marb", instance: "test", ref: "v1.5.0", status: "succeeded", operatorName: "api:ci",
                                         startedAt: Self.t0 - 60),
            DeployAttribution.DeployMark(id: 14, app: "marb", instance: "prod", ref: "v1.4.3", status: "running", operatorName: "api:ci",
                                         startedAt: Self.t0 + 10),
        ]
        let named = try #require(DeployAttribution.deploy(app: "marb", instance: "prod", since: Self.t0, window: 1800, deploys: deploys))
        #expect(named == AlertMessage.Deploy(id: 12, ref: "v1.4.2", operatorName: "api:ci", startedAt: Self.t0 - 180,
                                             rollback: "steward rollback marb@prod"))
        #expect(DeployAttribution.sentence(named, since: Self.t0)
                == "failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes after it; roll back: steward rollback marb@prod")
        #expect(DeployAttribution.deploy(app: "marb", instance: "prod", since: Self.t0, window: 120, deploys: deploys) == nil, "outside the window")
        #expect(DeployAttribution.deploy(app: "chip", instance: "prod", since: Self.t0, window: 1800, deploys: deploys) == nil)
        #expect(DeployAttribution.deploy(app: nil, instance: nil, since: Self.t0, window: 1800, deploys: deploys) == nil)
        #expect(DeployAttribution.ago(59) == "59 seconds" && DeployAttribution.ago(60) == "1 minute" && DeployAttribution.ago(7300) == "2 hours")
    }
}
