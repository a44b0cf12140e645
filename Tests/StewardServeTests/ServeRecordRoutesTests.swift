import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// The record routes over a real history: every scheduled check with its state, the audit's findings (open, or all
/// with the resolved), and the deploys and backups imported from a real state database by the daemon's importer.
extension ServeRoutesTests {
    @Test func checksListsEveryScheduledCheck() async throws {
        try await withApp(try fixture()) { client in
            try await client.execute(uri: "/api/v1/checks", method: .get, headers: Self.read) { response in
                let body = try Self.json(response)
                #expect(body["schema"] as? String == "steward.serve.checks/1")
                let checks = try #require(body["checks"] as? [[String: Any]])
                #expect(checks.map { $0["id"] as? String } == ["api health", "disk /", "queue"])
                #expect(checks.map { $0["state"] as? String } == ["fail", "pass", "pending"])
            }
        }
    }

    @Test func findingsAreOpenByDefaultOrAllWithTheResolved() async throws {
        let fixture = try fixture()
        let history = try #require(fixture.state.history)
        let t0 = Self.now.addingTimeInterval(-3600)
        let open = Finding(rule: "nginx.config-invalid", severity: .critical, subject: "nginx", summary: "nginx -t fails",
                           evidence: ["line 3"], fix: "nginx -t")
        let gone = Finding(rule: "disk.low", severity: .warning, subject: "/", summary: "disk 91% full", evidence: ["91%"], fix: "free space")
        _ = try await history.run { try $0.recordFindings(runAt: t0, findings: [open, gone]) }
        _ = try await history.run { try $0.recordFindings(runAt: t0.addingTimeInterval(900), findings: [open]) }
        try await withApp(fixture) { client in
            try await client.execute(uri: "/api/v1/findings", method: .get, headers: Self.read) { response in
                let body = try Self.json(response)
                #expect(body["state"] as? String == "open")
                let findings = try #require(body["findings"] as? [[String: Any]])
                #expect(findings.map { $0["rule"] as? String } == ["nginx.config-invalid"])
                #expect(findings[0]["fix"] as? String == "nginx -t" && findings[0]["severity"] as? String == "critical")
                #expect(findings[0]["resolved_at"] == nil)
            }
            try await client.execute(uri: "/api/v1/findings?state=all", method: .get, headers: Self.read) { response in
                let findings = try #require(try Self.json(response)["findings"] as? [[String: Any]])
                #expect(Set(findings.compactMap { $0["rule"] as? String }) == ["nginx.config-invalid", "disk.low"])
                #expect(findings.first { $0["rule"] as? String == "disk.low" }?["resolved_at"] as? String == "2025-12-01T23:15:00Z")
            }
            try await client.execute(uri: "/api/v1/findings?state=closed", method: .get, headers: Self.read) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func deploysAndBackupsComeFromTheStateDatabaseThroughTheImporter() async throws {
        let fixture = try fixture()
        let history = try #require(fixture.state.history)
        let statePath = fixture.directory.appendingPathComponent("state/state.db").path
        let state = try StateStore(path: statePath)
        let started = Self.now.addingTimeInterval(-600)
        _ = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: "v1.4.2", commit: "abc123", strategy: .releases,
                                                release: "/srv/marb/releases/1", user: "api:ci", startedAt: started, pid: 1, host: "h"))
        _ = try state.insert(BackupRecord(app: "marb", instance: "prod", source: "db", kind: .postgres, path: "/b/1", createdAt: started,
                                          sizeBytes: 4096, sha256: "ab", durationMs: 5, contents: BackupContents(), reason: "pre-deploy"))
        let importer = StateImporter(statePath: statePath, history: history, logger: .init(label: "test"))
        let imported = await importer.once(now: Self.now)
        #expect(imported?.deploys == 1 && imported?.backups == 1)
        try await withApp(fixture) { client in
            try await client.execute(uri: "/api/v1/deploys?app=marb", method: .get, headers: Self.read) { response in
                let deploys = try #require(try Self.json(response)["deploys"] as? [[String: Any]])
                #expect(deploys.map { $0["ref"] as? String } == ["v1.4.2"])
                #expect(deploys[0]["operator"] as? String == "api:ci" && deploys[0]["started_at"] as? String == "2025-12-01T23:50:00Z")
            }
            try await client.execute(uri: "/api/v1/deploys?app=chip", method: .get, headers: Self.read) { response in
                let deploys = try Self.json(response)["deploys"] as? [Any]
                #expect(deploys?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/deploys?from=tomorrow", method: .get, headers: Self.read) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/backups", method: .get, headers: Self.read) { response in
                let backups = try #require(try Self.json(response)["backups"] as? [[String: Any]])
                #expect(backups.map { $0["source"] as? String } == ["db"])
                #expect(backups[0]["size_bytes"] as? Int == 4096 && backups[0]["reason"] as? String == "pre-deploy")
            }
        }
    }

    @Test func theImporterLeavesAMissingStateDatabaseUncreated() async throws {
        let fixture = try fixture()
        let history = try #require(fixture.state.history)
        let statePath = fixture.directory.appendingPathComponent("none/state.db").path
        let importer = StateImporter(statePath: statePath, history: history, logger: .init(label: "test"))
        #expect(await importer.once(now: Self.now) == nil)
        #expect(!FileManager.default.fileExists(atPath: statePath))
        await history.shutdown()
        try? FileManager.default.removeItem(at: fixture.directory)
    }
}
