import Foundation
import StewardTestSupport
import Testing

extension IntegrationTests {
    /// The backup family on the operations layer, in the real-systemd sandbox: `--events jsonl` streams the services'
    /// steps on stderr while stdout keeps the text, and every command's `--format json` is its versioned document
    /// (docs/json.md), errors included.
    @Suite(.sandbox("racklab"), .serialized) struct RacklabBackupJSON {
        static let manifest = Sandbox.packageRoot.path + "/Tests/Scenarios/racklab/steward.yml"

        func steward(_ args: [String]) throws -> Sandbox.Output {
            try SandboxScenario.sandbox().steward(args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-json/state.db", "--store", "/var/backups/json"])
        }

        func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        }

        @Test func eventsStreamAsJSONLinesAndEveryDocumentIsVersioned() throws {
            let backup = try steward(["backup", "racklab@prod", "--events", "jsonl"])
            #expect(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
            #expect(backup.stdout.hasPrefix("✓ racklab@prod/db  #1  ") && backup.stdout.contains("✓ racklab@prod/media  #2  "), "\(backup.stdout)")
            let events = try backup.stderr.split(separator: "\n").map { try object(String($0)) }
            let steps = events.filter { $0["kind"] as? String == "step_finished" }.map { "\($0["step"] ?? "") \($0["result"] ?? "")" }
            #expect(steps == ["backup racklab@prod/db ok", "backup racklab@prod/media ok", "backup racklab@prod/config ok"], "\(backup.stderr)")
            #expect(events.contains { $0["kind"] as? String == "progress" && $0["unit"] as? String == "bytes" && ($0["done"] as? Int ?? 0) > 0 })
            #expect(events.filter { $0["kind"] as? String == "log" }.count == 3)
            #expect(Set(events.compactMap { $0["operation"] as? String }).count == 1)

            let verify = try steward(["backup", "verify", "--latest", "racklab@prod", "--format", "json"])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            let verified = try object(verify.stdout)
            #expect(verified["schema"] as? String == "steward.verify/1")
            let items = try #require(verified["verifications"] as? [[String: Any]])
            #expect(items.count == 3 && items.allSatisfy { $0["passed"] as? Bool == true && $0["id"] is Int }, "\(items)")
            #expect(!verify.stdout.contains("\"true\""))

            let prune = try object(try steward(["backup", "prune", "--dry-run", "--format", "json"]).stdout)
            #expect(prune["schema"] as? String == "steward.prune/1" && prune["deleted"] as? Int == 0 && (prune["decisions"] as? [Any])?.count == 3)

            let schedule = try object(try steward(["backup", "schedule", "racklab", "--dry-run", "--format", "json"]).stdout)
            #expect(schedule["schema"] as? String == "steward.schedule/1" && schedule["onCalendar"] as? String == "*-*-* 03:15:00")
            let service = try #require((schedule["units"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(service.contains("--reason scheduled --state /var/lib/steward-json/state.db --store /var/backups/json --manifest "), "\(service)")

            let restore = try steward(["restore", "1", "--dry-run", "--format", "json"])
            let plan = try object(restore.stdout)
            #expect(plan["schema"] as? String == "steward.restore/1" && plan["dryRun"] as? Bool == true && plan["target"] as? String == "racklab@prod/db")
            #expect(((plan["plan"] as? [[String: Any]])?.count ?? 0) > 3, "\(restore.stdout)")

            let unknown = try steward(["backup", "nope", "--format", "json"])
            #expect(unknown.status == 3)
            #expect(unknown.stderr.hasPrefix("steward: no app instance nope on this host; known: ") && unknown.stderr.contains("racklab@prod"), "\(unknown.stderr)")
            let error = try #require(try object(unknown.stdout)["error"] as? [String: Any])
            #expect(error["code"] as? String == "invalid_request" && error["exit_code"] as? Int == 3)
        }
    }
}
