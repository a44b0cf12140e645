import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// `GET /api/v1/status`'s `instances` over a real history, its deploys and backups imported from a real state
/// database: the route gathers, ``InstanceOverview`` aggregates (tested on its own), the answer carries it.
extension ServeRoutesTests {
    @Test func statusAnswersEveryInstanceWithItsVersionDeployBackupFindingsAndChecks() async throws {
        var fixture = try fixture()
        var manifest = Manifest()
        manifest.apps = [AppSpec(name: "marb", instances: [InstanceSpec(name: "prod")]), AppSpec(name: "chip")]
        fixture.state.instances = InstanceOverview.subjects(manifest)
        let history = try #require(fixture.state.history)
        let statePath = fixture.directory.appendingPathComponent("state/state.db").path
        let state = try StateStore(path: statePath)
        let started = Self.now.addingTimeInterval(-600)
        var deploy = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: "v1.4.2", commit: "abc123", strategy: .releases,
                                                         release: "/srv/marb/releases/1", user: "api:ci", startedAt: started, pid: 1, host: "h"))
        deploy.status = .succeeded
        deploy.finishedAt = started.addingTimeInterval(60)
        try state.updateDeploy(deploy)
        _ = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: "v1.5.0", commit: "def456", strategy: .releases,
                                                release: "/srv/marb/releases/2", user: "serve:schedule", startedAt: started.addingTimeInterval(300),
                                                pid: 1, host: "h"))
        let backup = try state.insert(BackupRecord(app: "marb", instance: "prod", source: "db", kind: .sqlite, path: "/b/1", createdAt: started,
                                                   sizeBytes: 4096, sha256: "ab", durationMs: 5, contents: BackupContents(), reason: "scheduled"))
        try state.addVerification(Verification(at: started.addingTimeInterval(30), passed: true, durationMs: 9, message: "ok"), backup: backup.id)
        _ = await StateImporter(statePath: statePath, history: history, logger: .init(label: "test")).once(now: Self.now)
        _ = try await history.run {
            try $0.recordFindings(runAt: Self.now, findings: [Finding(rule: "backup.stale", severity: .warning, subject: "marb@prod/db", summary: "",
                                                                      evidence: [], fix: ""),
                                                              Finding(rule: "disk.low", severity: .warning, subject: "/", summary: "", evidence: [], fix: "")])
        }
        try await withApp(fixture) { client in
            try await client.execute(uri: "/api/v1/status", method: .get, headers: Self.read) { response in
                let body = try Self.json(response)
                #expect(body["open_findings"] as? Int == 2)
                let instances = try #require(body["instances"] as? [[String: Any]])
                #expect(instances.map { $0["app"] as? String } == ["marb", "chip"])
                #expect(instances[0]["instance"] as? String == "prod" && instances[1]["instance"] == nil)
                let prod = instances[0]
                let running = try #require(prod["running"] as? [String: Any])
                #expect(running["ref"] as? String == "v1.4.2" && running["commit"] as? String == "abc123" && running["deploy_id"] as? Int == 1
                        && running["since"] as? String == "2025-12-01T23:51:00Z", "the newest successful deploy, not the running one")
                let last = try #require(prod["last_deploy"] as? [String: Any])
                #expect(last["ref"] as? String == "v1.5.0" && last["status"] as? String == "running" && last["operator"] as? String == "serve:schedule")
                let lastBackup = try #require(prod["last_backup"] as? [String: Any])
                #expect(lastBackup["id"] as? Int == 1 && lastBackup["size_bytes"] as? Int == 4096 && lastBackup["status"] as? String == "verified")
                #expect(lastBackup["verified_at"] as? String == "2025-12-01T23:50:30Z" && prod["verified"] as? Bool == true)
                #expect(prod["open_findings"] as? Int == 1)
                #expect(prod["checks"] as? [String: Int] == ["pass": 0, "fail": 1, "unknown": 0, "pending": 1])
                // Every key answered is one the OpenAPI document describes, and every key it requires is there.
                let schemas = try #require(OpenAPIDocument.document["components"] as? [String: Any])["schemas"] as? [String: [String: Any]]
                for (object, name) in [(prod, "Instance"), (instances[1], "Instance"), (lastBackup, "InstanceBackup")] {
                    let schema = try #require(schemas?[name])
                    let properties = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
                    #expect(Set(object.keys).isSubset(of: properties), "\(name): \(Set(object.keys).subtracting(properties))")
                    #expect(Set(schema["required"] as? [String] ?? []).isSubset(of: Set(object.keys)), "\(name)")
                }
                let chip = instances[1]
                #expect(chip["last_backup"] == nil && chip["running"] == nil && chip["verified"] as? Bool == false)
                #expect(chip["checks"] as? [String: Int] == ["pass": 0, "fail": 0, "unknown": 0, "pending": 0])
            }
        }
    }
}
