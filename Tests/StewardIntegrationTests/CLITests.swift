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

    /// A command line is parsed from the subcommand it names when that parses cleanly (a faster start); errors,
    /// help and usage still come from the root, naming `steward` and the whole command path.
    @Test func errorsAndHelpNameTheWholeCommandPath() throws {
        let unknown = try steward(["audit", "--bogus"])
        #expect(unknown.status == 3 && unknown.stderr.contains("Unknown option '--bogus'") && unknown.stderr.contains("Usage: steward audit "), "\(unknown.stderr)")
        let nested = try steward(["backup", "verify", "--bogus"])
        #expect(nested.status == 3 && nested.stderr.contains("Usage: steward backup verify "), "\(nested.stderr)")
        let help = try steward(["backup", "verify", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: steward backup verify "), "\(help.stdout)")
        let word = try steward(["help", "audit"])
        #expect(word.status == 0 && word.stdout.contains("USAGE: steward audit "), "\(word.stdout)")
        let version = try steward(["version", "--format", "json"])
        #expect(version.status == 0 && version.stdout.contains("\"schema\" : \"steward.version/1\""), "\(version.stdout)")
        #expect(try steward(["--version"]).stdout == "0.1.0\n")
    }

    /// `steward serve` declares --manifest and --state too: `serve token` must still edit the manifest's token file
    /// and record in the state database it was given, not the defaults.
    @Test func serveTokenUsesTheManifestAndStateItIsGiven() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("token-cli-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 1\nserve:\n  tokens: \(dir)/tokens\n".write(toFile: "\(dir)/steward.yml", atomically: true, encoding: .utf8)
        chmod("\(dir)/steward.yml", 0o600)
        let added = try steward(["serve", "token", "add", "cli-test", "--manifest", "\(dir)/steward.yml", "--state", "\(dir)/state.db"])
        #expect(added.status == 0 && added.stdout.hasPrefix("token cli-test (read) added to \(dir)/tokens."), "\(added.stdout)\(added.stderr)")
        #expect(try String(contentsOfFile: "\(dir)/tokens", encoding: .utf8).contains("\ncli-test read sha256:"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/state.db"))
        let listed = try steward(["serve", "token", "list", "--manifest", "\(dir)/steward.yml", "--format", "json"])
        #expect(listed.stdout.contains("\"file\" : \"\(dir)/tokens\""), "\(listed.stdout)")
    }

    @Test func promoteNamesHostsOnBothSidesOrNeither() throws {
        let half = try steward(["promote", "chip", "--from", "test@n1-test", "--to", "prod"])
        #expect(half.status == 3 && half.stderr.contains("--from and --to name hosts both (test@n1-test, prod@n1-prod) or neither"), "\(half.stderr)")
        let empty = try steward(["promote", "chip", "--from", "test@", "--to", "prod@n1-prod"])
        #expect(empty.status == 3 && empty.stderr.contains("--from: expected INSTANCE@HOST, e.g. test@n1-test"), "\(empty.stderr)")
        let same = try steward(["promote", "chip", "--from", "prod@n1", "--to", "prod@n1"])
        #expect(same.status == 3 && same.stderr.contains("--from and --to name the same instance"), "\(same.stderr)")
        let local = try steward(["promote", "chip", "--inventory", "/etc/fleet.yml"])
        #expect(local.status == 3 && local.stderr.contains("--inventory and --ssh-config go with --from and --to naming hosts"), "\(local.stderr)")
        for r in [half, empty, same, local] { #expect(r.stdout.isEmpty) }
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

    @Test func manifestCheckReadsTheShippedInventoryAndLocatesItsErrors() throws {
        let example = Sandbox.packageRoot.appendingPathComponent("examples/fleet.yml").path
        let r = try steward(["manifest", "check", "--inventory", example])
        #expect(r.status == 0 && r.stdout == "\(example): ok (3 host(s) in 3 group(s))\n", "\(r.stdout)\(r.stderr)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bad-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "version: 1\nhosts:\n  web:\n    ssh: -oProxyCommand=id\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try steward(["manifest", "check", "--inventory", file, "--format", "json"])
        #expect(bad.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any]
        #expect(json?["valid"] as? Bool == false)
        #expect((json?["errors"] as? [String])?.first?.hasPrefix("\(file):4:10: hosts.web.ssh: expected an SSH destination") == true, "\(bad.stdout)")
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

/// `steward check` as a user meets it outside the sandbox: refused specs, local checks, formats.
@Suite struct CheckCLITests {
    func steward(_ args: [String]) throws -> Sandbox.Output { try Sandbox.run([Sandbox.stewardBinary] + args) }

    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("steward-checks-\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func badSpecsAreRefusedLocatedBeforeAnythingRuns() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("steward-ran-\(UUID().uuidString)").path
        let path = try file("""
            checks:
              - command: {argv: [/usr/bin/touch, \(marker)]}
              - http: {url: "http://127.0.0.1/", status: 20x}
              - postgres: {dsn: "postgres://app:hunter2@db/app"}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try steward(["check", "-f", path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("\(path):3:"))
        #expect(r.stderr.contains("checks[1].http.status"))
        #expect(r.stderr.contains("checks[2].postgres.dsn"))
        #expect(!r.stderr.contains("hunter2"))
        #expect(!FileManager.default.fileExists(atPath: marker), "a check ran although the file was refused")
    }

    @Test func localChecksRunAndEveryFormatRenders() throws {
        let path = try file("""
            checks:
              - file: {path: /etc/passwd, exists: true}
              - command: {argv: [/bin/true]}
              - disk: {path: /, warning: 99, critical: 100}
              - name: nothing on port 1
                port: {port: 1, listening: false}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try steward(["check", "-f", path])
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("4 checks: 4 passed"))
        #expect(try steward(["check", "-f", path, "--format", "nagios"]).stdout.hasPrefix("STEWARD CHECK OK - 4 checks"))
        #expect(try steward(["check", "-f", path, "--format", "junit"]).stdout.contains("<testsuite name=\"steward check\" tests=\"4\""))
        #expect(try steward(["check", "-f", path, "--format", "prometheus"]).stdout.contains("steward_check_success{id=\"nothing on port 1\",kind=\"port\"} 1"))
    }

    @Test func aFailingCheckSetsTheExitCode() throws {
        let path = try file("checks:\n  - file: {path: /nonexistent/steward-test}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try steward(["check", "-f", path])
        #expect(r.status == 2)
        #expect(r.stdout.contains("/nonexistent/steward-test does not exist"))
    }

    @Test func badOptionsExitThree() throws {
        #expect(try steward(["check", "--deadline", "soon"]).status == 3)
        #expect(try steward(["check", "--parallel", "0"]).status == 3)
    }
}
