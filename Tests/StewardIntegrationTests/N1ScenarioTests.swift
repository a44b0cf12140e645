import Foundation
import StewardTestSupport
import Testing

/// The N1 host of seed 000, rebuilt in a real systemd sandbox: `steward audit` with no configuration must report
/// every finding the hand-made report makes, and nothing else.
@Suite(.serialized) struct IntegrationTests {
    @Suite(.sandbox("n1")) struct N1Scenario {
        /// (rule, subject) pairs the seed report names, in Steward's words.
        static let expected: Set<String> = [
            "host.disk-space /opt/calb",
            "host.ssh-bruteforce sshd",
            "service.restarts calb-ngrok@prod",
            "service.syslog-output calb-ngrok@.service",
            // Issue 16: the seed's unit sets none of NoNewPrivileges, ProtectSystem, PrivateTmp (info).
            "service.hardening calb-sizingtool@.service",
            "logs.tracebacks calb-sizingtool@prod",
            "ports.conflict calb-sizingtool@test",
            "ports.public-bind calb-sizingtool@prod",
            "ngrok.config-invalid /home/calb/.config/ngrok/ngrok.yml",
            "git.prod-on-branch calb-sizingtool@prod",
            "git.dirty-worktree /opt/calb/prod/CALB_SIZINGTOOL",
            "git.dirty-worktree /opt/calb/test/CALB_SIZINGTOOL",
            "git.untracked-files /opt/calb/prod/CALB_SIZINGTOOL",
            "git.untracked-files /opt/calb/test/CALB_SIZINGTOOL",
        ]

        func auditJSON() throws -> (Sandbox.Output, [String: Any]) {
            let out = try SandboxScenario.sandbox().steward(["audit", "--format", "json"])
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any],
                                   "not JSON: \(out.stdout.prefix(500)) \(out.stderr.prefix(500))")
            return (out, obj)
        }

        @Test func zeroConfigAuditReportsExactlyTheSeedFindings() throws {
            let (out, report) = try auditJSON()
            let findings = try #require(report["findings"] as? [[String: Any]])
            // The machine's own root filesystem is not part of the scenario: a nearly full CI disk must not fail it.
            let pairs = Set(findings.map { "\($0["rule"] as? String ?? "?") \($0["subject"] as? String ?? "?")" })
                .subtracting(["host.disk-space /"])
            #expect(pairs == Self.expected, "missing: \(Self.expected.subtracting(pairs)); unexpected: \(pairs.subtracting(Self.expected))")
            // ngrok cannot start with its config: critical, so the audit exits 2 (Nagios CRITICAL).
            #expect(out.status == 2)
            let probes = try #require(report["probes"] as? [[String: Any]])
            let unknown = probes.filter { ($0["status"] as? String) == "unknown" }
            #expect(unknown.isEmpty, "probes unknown: \(unknown)")
        }

        @Test func severitiesMatchTheRisk() throws {
            let (_, report) = try auditJSON()
            let findings = try #require(report["findings"] as? [[String: Any]])
            func severity(_ rule: String, _ subject: String) -> String? {
                findings.first { $0["rule"] as? String == rule && $0["subject"] as? String == subject }?["severity"] as? String
            }
            #expect(severity("ngrok.config-invalid", "/home/calb/.config/ngrok/ngrok.yml") == "critical")
            #expect(severity("host.disk-space", "/opt/calb") == "warning")
            // test is inactive: the clash bites when it starts, so warning, not critical.
            #expect(severity("ports.conflict", "calb-sizingtool@test") == "warning")
            #expect(severity("service.syslog-output", "calb-ngrok@.service") == "info")
            #expect(severity("git.prod-on-branch", "calb-sizingtool@prod") == "warning")
        }

        @Test func factsDescribeTheHostAsTheSeedDoes() throws {
            let (_, report) = try auditJSON()
            let facts = try #require(report["facts"] as? [String: Any])
            let units = try #require(facts["units"] as? [[String: Any]])
            func unit(_ name: String) -> [String: Any]? { units.first { $0["name"] as? String == name } }
            let prod = try #require(unit("calb-sizingtool@prod.service"))
            #expect(prod["activeState"] as? String == "active" && prod["unitFileState"] as? String == "enabled")
            #expect(prod["user"] as? String == "calb" && prod["workingDirectory"] as? String == "/opt/calb/prod/CALB_SIZINGTOOL")
            let test = try #require(unit("calb-sizingtool@test.service"))
            #expect(test["activeState"] as? String == "inactive" && test["unitFileState"] as? String == "disabled")
            #expect(unit("calb-ngrok@prod.service")?["standardOutput"] as? String == "syslog" || unit("calb-ngrok@prod.service")?["standardOutput"] as? String == "journal")

            let envFiles = try #require(facts["envFiles"] as? [[String: Any]])
            for file in envFiles {
                #expect(file["owner"] as? String == "root" && file["mode"] as? Int == 0o600)
                #expect(file["keys"] as? [String] == ["PORT"])
            }
            let sockets = try #require(facts["sockets"] as? [[String: Any]])
            let app = sockets.first { $0["port"] as? Int == 8511 }
            #expect(app?["address"] as? String == "0.0.0.0")
            #expect(app?["unit"] as? String == "calb-sizingtool@prod.service")
            let dirs = try #require(facts["appDirs"] as? [[String: Any]])
            let commits = Set(dirs.compactMap { ($0["git"] as? [String: Any])?["commit"] as? String })
            #expect(commits.count == 1, "prod and test sit at the same commit")
            for dir in dirs where (dir["path"] as? String)?.hasPrefix("/opt/calb") == true {
                let git = try #require(dir["git"] as? [String: Any])
                #expect(git["branch"] as? String == "refactor/streamlit-structure-v1")
                #expect(git["modified"] as? [String] == ["requirements.txt"])
                #expect((dir["venv"] as? [String: Any]) != nil)
            }
            let logs = try #require(facts["unitLogs"] as? [[String: Any]])
            let prodLogs = try #require(logs.first { $0["unit"] as? String == "calb-sizingtool@prod.service" })
            let types = try #require(prodLogs["exceptionTypes"] as? [String: Int])
            #expect(types["StreamlitValueAssignmentNotAllowedError", default: 0] > 0)
        }

        @Test func jsonGolden() throws {
            let (_, report) = try auditJSON()
            try Golden.assertMatches(Normalize.json(report), "n1.json")
        }

        @Test func markdownRunbookGolden() throws {
            let out = try SandboxScenario.sandbox().steward(["audit", "--format", "markdown"])
            #expect(out.status == 2)
            try Golden.assertMatches(Normalize.text(out.stdout), "n1.md")
        }

        @Test func textOutputHasNoColourWhenNotATerminalAndNamesEveryFinding() throws {
            let out = try SandboxScenario.sandbox().steward(["audit"])
            #expect(!out.stdout.contains("\u{1B}["))
            for pair in Self.expected {
                let rule = String(pair.split(separator: " ")[0])
                #expect(out.stdout.contains(rule), "text output lacks \(rule)")
            }
        }

        @Test func manifestMakesTestProductionAndSilencesWithReason() throws {
            let sandbox = try SandboxScenario.sandbox()
            let manifest = sandbox.state + "/share/steward.yml"
            try """
                version: 1
                apps:
                  calb-sizingtool:
                    kind: streamlit
                    instances:
                      prod: {port: 8511}
                      test: {production: true}
                silence:
                  - rule: ports.public-bind
                    subject: calb-sizingtool@prod
                    reason: firewalled at the provider
                """.write(toFile: manifest, atomically: true, encoding: .utf8)
            let out = try sandbox.steward(["audit", "--format", "json", "--manifest", manifest])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stderr)")
            let findings = try #require(report["findings"] as? [[String: Any]])
            let silenced = findings.first { $0["rule"] as? String == "ports.public-bind" }
            #expect(silenced?["silenced"] as? String == "firewalled at the provider")
            #expect(findings.contains { $0["rule"] as? String == "git.prod-on-branch" && $0["subject"] as? String == "calb-sizingtool@test" })
        }

        @Test func invalidManifestIsRefusedWithALocatedErrorAndNothingAudited() throws {
            let sandbox = try SandboxScenario.sandbox()
            let manifest = sandbox.state + "/share/bad.yml"
            try "version: 1\napps:\n  web:\n    instances:\n      prod:\n        port: 80a\n".write(toFile: manifest, atomically: true, encoding: .utf8)
            let out = try sandbox.steward(["audit", "--manifest", manifest])
            #expect(out.status == 3)
            #expect(out.stdout.isEmpty)
            #expect(out.stderr.contains("\(manifest):6:15: apps.web.instances.prod.port: expected an integer"))
            let check = try sandbox.steward(["manifest", "check", manifest])
            #expect(check.status == 1)
            #expect(check.stdout.contains("bad.yml:6:15"))
        }
    }
}

/// Masks what legitimately changes between runs (times, PIDs, sizes, load) so goldens compare the rest.
enum Normalize {
    static let volatileKeys: Set<String> = [
        "durationMs", "generatedAt", "uptimeSeconds", "load", "memory", "topProcesses", "availableBytes", "usedBytes",
        "sizeBytes", "mainPID", "pid", "cpuCount", "kernel", "architecture", "hostname", "device", "lines", "errorLines",
        "samples", "nRestarts", "starts", "stops", "failures", "sshFailedPasswords", "sshSources", "systemPythonVersion",
        "pythonVersion", "home", "commit", "tracebacks", "exceptionTypes", "observedAt", "bytes", "filesystemBytes",
    ]

    static func json(_ value: Any) throws -> String {
        let cleaned = clean(value, key: nil)
        let data = try JSONSerialization.data(withJSONObject: cleaned, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return text(String(decoding: data, as: UTF8.self)) + "\n"
    }

    static func clean(_ value: Any, key: String?) -> Any {
        if let key, volatileKeys.contains(key) { return "<volatile>" }
        if let dict = value as? [String: Any] {
            return Dictionary(uniqueKeysWithValues: dict.map { ($0.key, clean($0.value, key: $0.key)) })
        }
        if let list = value as? [Any] { return list.map { clean($0, key: nil) } }
        return value
    }

    /// Regex masks for rendered text: sizes, percentages, PIDs, counts of log lines, times.
    static func text(_ s: String) -> String {
        var out = s
        let rules: [(String, String)] = [
            (#"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)\b"#, "<size>"),
            (#"\b\d+(\.\d+)?%"#, "<pct>"),
            (#"(?i)\b(pid|MainPID[=:]?|PID) \d+"#, "$1 <pid>"),
            (#"MainPID=\d+"#, "MainPID=<pid>"),
            (#"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, "<time>"),
            (#"(Uptime: |up )[0-9dhm ]+"#, "$1<uptime> "),
            (#"load avg: [0-9., ]+;"#, "load avg: <load>;"),
            (#"\b[0-9a-f]{7}\b"#, "<commit>"),
            (#"\| \d+ \| \d+ \|"#, "| <pid> | <n> |"),
            (#"\d+ lines, \d+ error-level, \d+ tracebacks"#, "<n> lines, <n> error-level, <n> tracebacks"),
            (#"\d+ starts / \d+ stops / \d+ failures"#, "<n> starts / <n> stops / <n> failures"),
            (#"× \d+"#, "× <n>"),
            (#"SSH failed logins: \d+ from \d+"#, "SSH failed logins: <n> from <n>"),
            (#"\d+ CPU\)"#, "<n> CPU)"),
            (#"System python3: [0-9.]+"#, "System python3: <version>"),
            (#"Python [0-9.]+"#, "Python <version>"),
            (#"(?m)^  - PID .*$"#, "  - <process>"),
            (#"\(`Linux [^`]*`, [a-z0-9_]+\)"#, "(<kernel>)"),
            (#"(?m)^# .* — runbook$"#, "# <host> — runbook"),
        ]
        for (pattern, template) in rules {
            guard let re = try? NSRegularExpression(pattern: pattern) else { continue }
            out = re.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out
    }
}
