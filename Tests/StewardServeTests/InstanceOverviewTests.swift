import Foundation
import StewardCore
@testable import StewardServe
@testable import StewardSystem
import Testing

/// The per-instance overview of `GET /api/v1/status` (issue 12), as a pure aggregation over plain values: the
/// manifest's instances, the running version from the newest successful deploy, the last deploy whatever its end,
/// the newest backups and whether they were proven, findings matched to their instance, and the checks' states.
@Suite struct InstanceOverviewTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_633_600)

    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    static let manifest: Manifest = {
        var m = Manifest()
        m.apps = [AppSpec(name: "marb", unit: "marb@.service", directory: "/srv/marb/{instance}", envFile: "/etc/marb/{instance}.env",
                          instances: [InstanceSpec(name: "prod"), InstanceSpec(name: "test")]),
                  AppSpec(name: "chip")]
        return m
    }()

    static func deploy(_ id: Int64, _ instance: String, _ ref: String, _ status: String, kind: String = "deploy", at minutes: Double) -> HistoryDeploy {
        HistoryDeploy(id: id, app: "marb", instance: instance, kind: kind, status: status, ref: ref, commit: "c\(id)", previousCommit: nil,
                      operatorName: "api:ci", startedAt: at(minutes), finishedAt: status == "running" ? nil : at(minutes + 2), error: nil)
    }

    static func backup(_ id: Int64, _ source: String, at minutes: Double, passed: Bool?, removed: Bool = false, instance: String = "prod") -> HistoryBackup {
        HistoryBackup(id: id, app: "marb", instance: instance, source: source, kind: "sqlite", createdAt: at(minutes), sizeBytes: 1000 * id,
                      reason: "scheduled", verifiedAt: passed == true ? at(minutes + 1) : nil, lastVerificationPassed: passed,
                      removedAt: removed ? at(minutes + 5) : nil)
    }

    static func finding(_ subject: String) -> HistoryFinding {
        HistoryFinding(rule: "r", subject: subject, severity: .warning, summary: "", evidence: [], fix: "", firstSeen: t0, lastSeen: t0,
                       resolvedAt: nil)
    }

    @Test func subjectsAreTheManifestsInstancesAndAnAppWithoutInstancesOnce() {
        let subjects = InstanceOverview.subjects(Self.manifest)
        #expect(subjects.map(\.label) == ["marb@prod", "marb@test", "chip"])
        #expect(subjects[0].production && !subjects[1].production)
        #expect(subjects[0].units == ["marb@prod.service", "marb@.service"])
        #expect(subjects[0].paths == ["/srv/marb/prod", "/etc/marb/prod.env"])
        #expect(subjects[2].instance == "" && subjects[2].units == ["chip.service", "chip.service"])
    }

    @Test func theRunningVersionIsTheNewestSuccessfulDeployOrRollbackAndTheLastDeployTheNewestOfAny() {
        let deploys = [Self.deploy(1, "prod", "v1.0", "succeeded", at: 0), Self.deploy(2, "prod", "v1.1", "succeeded", at: 10),
                       Self.deploy(3, "prod", "v1.2", "rolled-back", at: 20), Self.deploy(4, "test", "v1.3", "running", at: 30),
                       Self.deploy(5, "prod", "v1.0", "succeeded", kind: "rollback", at: 40), Self.deploy(6, "prod", "v1.4", "failed", at: 50)]
        let overview = InstanceOverview.build(subjects: InstanceOverview.subjects(Self.manifest), deploys: deploys, backups: [], findings: [], checks: [])
        #expect(overview[0].running == .init(ref: "v1.0", commit: "c5", deployID: 5, since: Self.at(42)))
        #expect(overview[0].lastDeploy?.id == 6 && overview[0].lastDeploy?.status == "failed" && overview[0].lastDeploy?.operatorName == "api:ci")
        #expect(overview[1].running == nil && overview[1].lastDeploy?.status == "running" && overview[1].lastDeploy?.finishedAt == nil)
        #expect(overview[2].running == nil && overview[2].lastDeploy == nil)
    }

    @Test func theLastBackupIsTheNewestKeptAndVerifiedMeansEverySourcesNewestPassed() {
        let backups = [Self.backup(1, "db", at: 0, passed: true), Self.backup(2, "config", at: 1, passed: true),
                       Self.backup(3, "db", at: 60, passed: nil), Self.backup(4, "db", at: 120, passed: true, removed: true),
                       Self.backup(5, "db", at: 30, passed: false, instance: "test")]
        let overview = InstanceOverview.build(subjects: InstanceOverview.subjects(Self.manifest), deploys: [], backups: backups, findings: [], checks: [])
        let prod = overview[0]
        #expect(prod.lastBackup == .init(id: 3, source: "db", createdAt: Self.at(60), sizeBytes: 3000, status: "unverified", verified: false, verifiedAt: nil),
                "a pruned backup is not the last one")
        #expect(prod.backups.map(\.id) == [2, 3] && !prod.verified, "config then db; db's newest is not verified")
        #expect(overview[1].lastBackup?.status == "verification-failed" && !overview[1].verified)
        #expect(overview[2].lastBackup == nil && overview[2].backups == [] && !overview[2].verified)

        let proven = InstanceOverview.build(subjects: InstanceOverview.subjects(Self.manifest), deploys: [],
                                            backups: [Self.backup(1, "db", at: 0, passed: true)], findings: [], checks: [])
        #expect(proven[0].verified && proven[0].lastBackup?.verifiedAt == Self.at(1) && proven[0].lastBackup?.status == "verified")
    }

    @Test func anInstanceOnlyTheStateDatabaseKnowsIsListedAfterTheManifests() {
        let overview = InstanceOverview.build(subjects: InstanceOverview.subjects(Self.manifest),
                                              deploys: [Self.deploy(1, "prod", "v1", "succeeded", at: 0)],
                                              backups: [Self.backup(2, "db", at: 0, passed: nil, instance: "staging"),
                                                        Self.backup(3, "db", at: 0, passed: nil, removed: true, instance: "old")],
                                              findings: [], checks: [])
        #expect(overview.map { "\($0.app)@\($0.instance ?? "")" } == ["marb@prod", "marb@test", "chip@", "marb@staging"],
                "a pruned backup does not bring its instance back")
        #expect(overview[3].lastBackup?.id == 2 && !overview[3].production)
    }

    @Test func findingsCountForTheInstanceTheyNameAndHostFindingsForNone() {
        let findings = ["marb@prod", "marb@prod/db", "marb@prod.service", "marb@.service", "/srv/marb/prod/.git", "/etc/marb/prod.env",
                        "/srv/marb/production", "marb@test", "nginx", "/", "chip"].map(Self.finding)
        let overview = InstanceOverview.build(subjects: InstanceOverview.subjects(Self.manifest), deploys: [], backups: [], findings: findings, checks: [])
        #expect(overview.map(\.openFindings) == [6, 2, 1], "prod: label, source, unit, template, tree, env file; not /srv/marb/production")
    }

    @Test func checksAreCountedByStateAppWideOnesForEveryInstance() {
        let checks = [InstanceOverview.CheckState(app: "marb", instance: "prod", state: "pass"),
                      .init(app: "marb", instance: "prod", state: "fail"), .init(app: "marb", instance: nil, state: "unknown"),
                      .init(app: "marb", instance: "test", state: "pending"), .init(app: nil, instance: nil, state: "fail"),
                      .init(app: "chip", instance: nil, state: "pass")]
        let overview = InstanceOverview.build(subjects: InstanceOverview.subjects(Self.manifest), deploys: [], backups: [], findings: [], checks: checks)
        #expect(overview[0].checks == .init(pass: 1, fail: 1, unknown: 1, pending: 0))
        #expect(overview[1].checks == .init(pass: 0, fail: 0, unknown: 1, pending: 1))
        #expect(overview[2].checks == .init(pass: 1, fail: 0, unknown: 0, pending: 0))
    }
}
