import Foundation
import Testing

/// The CLI as a user meets it, outside any sandbox: usage errors, rules listing, manifest checking.
@Suite struct CLITests {
    func steward(_ args: [String]) throws -> Sandbox.Output { try Sandbox.run([Sandbox.stewardBinary] + args) }

    @Test func badArgumentsExitThreeWithALocatedMessage() throws {
        let r = try steward(["audit", "--since", "3x"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("--since: expected a duration like 30m, 6h, 24h or 7d, got \"3x\""))
        #expect(r.stdout.isEmpty)
        #expect(try steward(["audit", "--format", "yaml"]).status == 3)
    }

    @Test func rulesListsEveryRuleOnceWithSeverityAndRationale() throws {
        let r = try steward(["rules", "--format", "json"])
        #expect(r.status == 0)
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        let ids = rules.compactMap { $0["id"] }
        #expect(ids.count == Set(ids).count && ids.count >= 30)
        for rule in rules {
            #expect(["info", "warning", "critical"].contains(rule["severity"] ?? ""))
            #expect((rule["rationale"] ?? "").count > 20)
            #expect(rule["id"]?.contains(".") == true)
        }
        let text = try steward(["rules"]).stdout
        #expect(text.contains("git.prod-on-branch") && text.contains("ngrok.config-invalid"))
    }

    @Test func manifestCheckAcceptsTheShippedExample() throws {
        let example = Sandbox.packageRoot.appendingPathComponent("examples/steward.n1.yml").path
        let r = try steward(["manifest", "check", example])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ok (2 app(s)"))
    }

    @Test func manifestCheckPrintsEveryErrorLocated() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("steward-bad-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "version: 1\napps:\n  web:\n    instnces: {}\n    kind: rails\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try steward(["manifest", "check", file])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("\(file):4:5: apps.web.instnces: unknown key") == true)
        #expect(r.stdout.contains("did you mean \"instances\""))
        #expect(lines.last?.hasPrefix("\(file):5:11: apps.web.kind:") == true)
    }

    @Test func versionPrintsTheVersion() throws {
        let r = try steward(["version"])
        #expect(r.status == 0 && r.stdout.hasPrefix("steward "))
    }
}
