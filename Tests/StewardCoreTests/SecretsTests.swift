import Testing
@testable import StewardCore

@Suite("Secrets never reach output")
struct SecretsTests {
    static let canary = "CANARY_S3CR3T_VALUE"

    /// N1 with canary values in both env files and in unit `Environment=` lines, under secret-looking and plain keys.
    static func plantedFacts() -> Facts {
        n1Facts()
            .with(envFile: N1.prodEnv) {
                $0 = envFile(N1.prodEnv, [
                    "PORT": "8511",
                    "DATABASE_URL": "postgres://app:\(canary)_1@db/app",
                    "SECRET_KEY": "\(canary)_2",
                    "API_TOKEN": "\(canary)_3",
                    "FOO": "\(canary)_4",
                    "DB_PASSWORD": "changeme",  // a default: makes files.default-credentials fire too
                ])
            }
            .with(envFile: N1.testEnv) {
                $0 = envFile(N1.testEnv, mode: 0o644, [
                    "PORT": "8512",
                    "REDIS_URL": "redis://default:\(canary)_5@127.0.0.1:6379/0",
                    "PLAIN_SETTING": "\(canary)_6",
                ])
            }
            .with(unit: N1.prodUnit) {
                $0.environment = ["DB_PASSWORD": Secret("\(canary)_7"), "STREAMLIT_THEME": Secret("\(canary)_8")]
            }
            .with(unit: N1.ngrokUnit) {
                $0.environment["NGROK_AUTHTOKEN"] = Secret("\(canary)_9")
            }
    }

    static func renderedReport(_ facts: Facts) -> (report: AuditReport, outputs: [(String, String)]) {
        let context = AuditContext(facts: facts)
        let report = AuditReport(facts: facts, context: context, findings: RuleCatalog.evaluate(context),
                                 probes: [ProbeReport(name: "files", status: .ok, durationMs: 3)],
                                 generatedAt: "2025-12-27T09:39:16Z", durationMs: 120)
        return (report, [
            ("json", JSONRenderer.render(report)),
            ("text", TextRenderer(color: false).render(report)),
            ("markdown", MarkdownRenderer.render(report)),
        ])
    }

    @Test func noEnvOrEnvironmentValueAppearsInAnyRendering() {
        let (report, outputs) = Self.renderedReport(Self.plantedFacts())
        // The planted files were audited: the secret, default-credential and permission rules saw them.
        let rules = Set(report.findings.map(\.rule))
        #expect(rules.isSuperset(of: ["files.secrets-in-envfile", "files.default-credentials", "files.envfile-permissions"]))
        for (name, text) in outputs {
            let leaks = text.contains(Self.canary), leaksDefault = text.contains("changeme"), masks = text.contains(Secret.mask)
            #expect(!leaks, "\(name) output leaks a planted value")
            #expect(!leaksDefault, "\(name) output leaks a default password")
            #expect(masks, "\(name) output shows no masked value at all")
        }
        // Keys are shown, so the report is still useful.
        let markdown = outputs[2].1
        #expect(markdown.contains("`SECRET_KEY=\(Secret.mask)`"))
        #expect(markdown.contains("`DB_PASSWORD=\(Secret.mask)`"))
        let json = outputs[0].1
        #expect(json.contains("\"API_TOKEN\""))
        #expect(json.contains("\"NGROK_AUTHTOKEN\""))
        let text = outputs[1].1
        #expect(text.contains("files.secrets-in-envfile"))
    }

    @Test func aCredentialOnTheExecStartLineIsNotInAnyRendering() {
        // ExecStart is shown scrubbed in findings and in the Markdown runbook; the JSON report carries the unit facts
        // too, so a password passed on the command line must be masked there as well.
        let facts = n1Facts().with(unit: N1.prodUnit) {
            $0.user = ""  // makes service.runs-as-root quote ExecStart
            $0.execStart += ["--db-password=\(Self.canary)_10", "--token", "\(Self.canary)_11"]
        }
        let (_, outputs) = Self.renderedReport(facts)
        for (name, text) in outputs where name != "json" {
            let leaks = text.contains(Self.canary)
            #expect(!leaks, "\(name) output leaks a command-line credential")
        }
        let jsonLeaks = outputs[0].1.contains(Self.canary)
        #expect(!jsonLeaks, "json output leaks a command-line credential")
    }

    /// The daemon's brief report drops the facts that told the encoder which values to mask: they are masked first.
    @Test func aBriefReportKeepsFindingsAndProbesWithTheSecretsMasked() {
        var facts = Self.plantedFacts()
        facts.host = HostFacts(hostname: "n1", kernel: "6.1", architecture: "x86_64", uptimeSeconds: 9, load: [1], cpuCount: 2)
        let context = AuditContext(facts: facts)
        var findings = RuleCatalog.evaluate(context)
        findings.append(Finding(rule: "x.leak", severity: .warning, subject: "s", summary: "value \(Self.canary)_7 seen",
                                evidence: ["DB_PASSWORD=\(Self.canary)_7"], fix: "rotate \(Self.canary)_7"))
        let report = AuditReport(facts: facts, context: context, findings: findings,
                                 probes: [ProbeReport(name: "files", status: .unknown, reason: "could not read \(Self.canary)_7", durationMs: 3)],
                                 generatedAt: "2025-12-27T09:39:16Z", durationMs: 120)
        let brief = report.brief
        #expect(brief.facts == Facts(host: HostFacts(hostname: "n1", kernel: "6.1", architecture: "x86_64")))
        #expect(brief.inventory.isEmpty && !report.inventory.isEmpty)
        #expect(brief.findings.map(\.rule) == report.findings.map(\.rule))
        #expect(brief.findings.last?.evidence == ["DB_PASSWORD=\(Secret.mask)"] && brief.findings.last?.fix == "rotate \(Secret.mask)")
        #expect(brief.probes.first?.reason == "could not read \(Secret.mask)")
        #expect(!JSONRenderer.render(brief).contains(Self.canary))
    }

    @Test func secretValuesEncodeAsTheMask() {
        #expect("\(Secret("\(Self.canary)_12"))" == Secret.mask)
        #expect(String(describing: Secret("x")) == Secret.mask)
        #expect(String(reflecting: Secret("x")) == Secret.mask)
        #expect(JSONRenderer.render(["k": Secret("\(Self.canary)_13")]).contains(Secret.mask))
        #expect(!JSONRenderer.render(["k": Secret("\(Self.canary)_13")]).contains(Self.canary))
    }

    // MARK: Redactor

    @Test("Redactor.scrub masks credentials", arguments: [
        ("postgres://u:pw@h/db", "postgres://u:***MASKED***@h/db"),
        ("--password=x", "--password=***MASKED***"),
        ("--token x", "--token ***MASKED***"),
        ("DB_PASSWORD=x", "DB_PASSWORD=***MASKED***"),
        ("gunicorn --bind 0.0.0.0:8000 --api-key abc app:app", "gunicorn --bind 0.0.0.0:8000 --api-key ***MASKED*** app:app"),
        ("connect to redis://default:s3cr3t@cache:6379/0 failed", "connect to redis://default:***MASKED***@cache:6379/0 failed"),
        ("SECRET_KEY=abc DEBUG=1", "SECRET_KEY=***MASKED*** DEBUG=1"),
    ] as [(String, String)])
    func scrubMasks(input: String, expected: String) {
        #expect(Redactor.scrub(input) == expected)
    }

    @Test("Redactor.scrub leaves ordinary text alone", arguments: [
        "python -m streamlit run app.py --server.port 8511",
        "PORT=8511",
        "https://example.com/users/a@b",
        "mailto:ops@example.com",
        "Started calb-sizingtool@prod.service",
    ])
    func scrubKeeps(input: String) {
        #expect(Redactor.scrub(input) == input)
    }

    @Test func scrubOfAnArgvKeepsItsShape() {
        #expect(Redactor.scrub(["/usr/bin/app", "--token", "t0k", "--port", "8000"])
                == ["/usr/bin/app", "--token", Secret.mask, "--port", "8000"])
    }
}
