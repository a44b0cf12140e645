import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import StewardTestSupport
@testable import StewardCore

/// A fixed `steward check` run: passes, a warning and a critical failure, an unknown, a message with markup
/// characters and a line break, checks with and without app and instance.
enum CheckFixture {
    static let hostileMessage = "database <unreachable> & redis said \"down\"\nit's 'retrying'"

    static func report() -> CheckReport {
        CheckReport(host: "marb-1", generatedAt: "2026-01-02T03:04:05Z", results: [
            CheckResult(id: "service:marb@prod", kind: "service", app: "marb", instance: "prod", status: .pass,
                        expected: "active", found: "active", durationMs: 1.25),
            CheckResult(id: "port:marb@prod", kind: "port", app: "marb", instance: "prod", status: .pass,
                        expected: "listening on 127.0.0.1:8000", found: "listening on 127.0.0.1:8000", durationMs: 0.4),
            CheckResult(id: "http:marb@prod/api/v1/health", kind: "http", app: "marb", instance: "prod", status: .fail, severity: .critical,
                        expected: "status == \"healthy\"", found: "status == \"degraded\"", message: hostileMessage,
                        durationMs: 84.2, attempts: 2),
            CheckResult(id: "tls:marb.example.org:443", kind: "tls", app: "marb", status: .fail, severity: .warning,
                        expected: "expires in more than 14 days", found: "expires in 5 days",
                        message: "certificate for marb.example.org expires on 2026-01-07", durationMs: 12),
            CheckResult(id: "postgres:marb@prod", kind: "postgres", app: "marb", instance: "prod", status: .unknown, severity: .warning,
                        expected: "SELECT 1 returns 1", found: "unknown", message: "could not connect: timed out after 5000 ms",
                        durationMs: 5000),
            CheckResult(id: "disk:/", kind: "disk", status: .pass, expected: "at most 80% used", found: "42% used", durationMs: 0.05),
            CheckResult(id: "command:grep -c 'ERROR' /var/log/marb.log", kind: "command", status: .pass,
                        expected: "exit 0", found: "exit 0", durationMs: 3.5),
        ], durationMs: 5003.6)
    }

    /// A report whose exit code is `code`.
    static func report(exitCode code: Int32) -> CheckReport {
        let pass = CheckResult(id: "file:/etc/hosts", kind: "file", status: .pass, expected: "exists", found: "exists", durationMs: 0.2)
        let extra: [CheckResult] = switch code {
        case 1: [CheckResult(id: "load", kind: "load", status: .fail, severity: .warning, expected: "at most 4", found: "6.5", durationMs: 0.1)]
        case 2: [CheckResult(id: "service:x", kind: "service", status: .fail, severity: .critical, expected: "active", found: "failed", durationMs: 2)]
        case 3: [CheckResult(id: "redis:x", kind: "redis", status: .unknown, expected: "PONG", found: "unknown", message: "connection refused", durationMs: 1)]
        default: []
        }
        return CheckReport(host: "h", generatedAt: "2026-01-02T03:04:05Z", results: [pass] + extra, durationMs: 3)
    }
}

@Suite struct CheckRendererTests {
    // MARK: goldens

    @Test func textGolden() throws {
        try Golden.assertMatches(CheckTextRenderer(color: false).render(CheckFixture.report()), "checks.txt")
    }

    @Test func jsonGolden() throws {
        try Golden.assertMatches(JSONRenderer.render(CheckFixture.report()), "checks.json")
    }

    @Test func junitGolden() throws {
        try Golden.assertMatches(CheckJUnitRenderer.render(CheckFixture.report()), "checks.junit.xml")
    }

    @Test func nagiosGolden() throws {
        try Golden.assertMatches(CheckNagiosRenderer.render(CheckFixture.report()), "checks.nagios.txt")
    }

    @Test func prometheusGolden() throws {
        try Golden.assertMatches(CheckPrometheusRenderer.render(CheckFixture.report()), "checks.prom")
    }

    // MARK: text

    @Test func textSummaryLineCountsEveryOutcome() {
        let text = CheckTextRenderer(color: false).render(CheckFixture.report())
        let last = text.split(separator: "\n").last.map(String.init)
        #expect(last == "7 checks: 4 passed, 2 failed (1 critical, 1 warning), 1 unknown in 5.0 s")
    }

    @Test func textKeepsDeclarationOrderAndIndentsDetails() {
        let lines = CheckTextRenderer(color: false).render(CheckFixture.report()).split(separator: "\n").map(String.init)
        let ids = CheckFixture.report().results.map(\.id)
        let positions = ids.map { id in lines.firstIndex { $0.contains(id) } ?? -1 }
        #expect(positions == positions.sorted() && !positions.contains(-1))
        let fail = lines.firstIndex { $0.hasPrefix("FAIL") && $0.contains("http:marb@prod/api/v1/health") } ?? 0
        #expect(lines[fail + 1].hasPrefix("           expected: status == \"healthy\""))
        #expect(lines[fail + 2].hasPrefix("           found:    status == \"degraded\""))
        #expect(lines[fail + 3] == "           database <unreachable> & redis said \"down\"")
        #expect(lines[fail + 4] == "           it's 'retrying'")
    }

    @Test func textColourOnlyWhenAsked() {
        let coloured = CheckTextRenderer(color: true).render(CheckFixture.report())
        let plain = CheckTextRenderer(color: false).render(CheckFixture.report())
        #expect(coloured.contains("\u{1B}[") && coloured.contains("✓") && coloured.contains("✗"))
        #expect(!plain.contains("\u{1B}"))
        let ascii = plain.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(ascii, "the renderer's own text is ASCII without colour")
    }

    @Test func textNeutralisesControlCharacters() {
        let r = CheckResult(id: "http:x", kind: "http", status: .fail, expected: "200", found: "500",
                            message: "server said \u{1B}[2Jboom\u{07}")
        let text = CheckTextRenderer(color: false).render(CheckReport(host: "h", generatedAt: "", results: [r], durationMs: 1))
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"))
        #expect(text.contains("server said \\x1B[2Jboom\\x07"))
    }

    @Test func textWithNothingToReport() {
        let text = CheckTextRenderer(color: false).render(CheckReport(host: "h", generatedAt: "", results: [], durationMs: 0))
        #expect(text.hasSuffix("0 checks: 0 passed, 0 failed, 0 unknown in 0.0 ms\n"))
    }

    // MARK: JSON

    @Test func jsonRoundTrips() throws {
        let report = CheckFixture.report()
        let decoded = try JSONDecoder().decode(CheckReport.self, from: Data(JSONRenderer.render(report).utf8))
        #expect(decoded == report)
    }

    // MARK: JUnit

    #if canImport(FoundationXML) || os(macOS)
    @Test func junitIsWellFormedXMLWithTheRightCounts() throws {
        let doc = try XMLDocument(xmlString: CheckJUnitRenderer.render(CheckFixture.report()), options: [])
        let suite = try #require(try doc.nodes(forXPath: "/testsuites/testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "tests")?.stringValue == "7")
        #expect(suite.attribute(forName: "failures")?.stringValue == "2")
        #expect(suite.attribute(forName: "errors")?.stringValue == "1")
        #expect(suite.attribute(forName: "time")?.stringValue == "5.0036")
        let cases = try doc.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue ?? "" } == CheckFixture.report().results.map(\.id))
        #expect(cases.map { $0.attribute(forName: "classname")?.stringValue ?? "" } == CheckFixture.report().results.map(\.kind))

        let failure = try #require(try doc.nodes(forXPath: "//testcase[@name='http:marb@prod/api/v1/health']/failure").first as? XMLElement)
        #expect(failure.attribute(forName: "type")?.stringValue == "critical")
        // The attribute carries the message on one line; the element text carries it whole.
        #expect(failure.attribute(forName: "message")?.stringValue == "database <unreachable> & redis said \"down\" / it's 'retrying'")
        #expect(failure.stringValue?.contains(CheckFixture.hostileMessage) == true)
        #expect(failure.stringValue?.contains("expected: status == \"healthy\"\nfound: status == \"degraded\"") == true)
        let warning = try #require(try doc.nodes(forXPath: "//testcase[@name='tls:marb.example.org:443']/failure").first as? XMLElement)
        #expect(warning.attribute(forName: "type")?.stringValue == "warning")
        let error = try #require(try doc.nodes(forXPath: "//testcase[@name='postgres:marb@prod']/error").first as? XMLElement)
        #expect(error.attribute(forName: "message")?.stringValue == "could not connect: timed out after 5000 ms")
        #expect(try doc.nodes(forXPath: "//testcase[@name='disk:/']/*").isEmpty)
    }

    @Test func junitSurvivesControlCharactersAndMarkupEverywhere() throws {
        let nasty = "a<b>&c\"d'e\u{0}f\u{1B}g\u{7F}h\r\ni\tj"
        let r = CheckResult(id: "command:\(nasty)", kind: "com<mand>", status: .fail, severity: .warning, expected: nasty, found: nasty, message: nasty)
        let u = CheckResult(id: "redis:\(nasty)", kind: "redis", status: .unknown, expected: "", found: "", message: nasty)
        let xml = CheckJUnitRenderer.render(CheckReport(host: "h<&>\"'", generatedAt: "t", results: [r, u], durationMs: 1, deadlineExceeded: true))
        let doc = try XMLDocument(xmlString: xml, options: [])
        let cases = try doc.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.first?.attribute(forName: "name")?.stringValue == "command:a<b>&c\"d'e\\x00f\\x1Bg\u{7F}h\r\ni\tj")
        #expect(cases.first?.attribute(forName: "classname")?.stringValue == "com<mand>")
        #expect(try doc.nodes(forXPath: "//property[@name='deadlineExceeded']").count == 1)
    }
    #endif

    @Test func junitEscapesByHand() {
        #expect(CheckJUnitRenderer.attribute("<&>\"'\n\t\r") == "&lt;&amp;&gt;&quot;&apos;&#10;&#9;&#13;")
        #expect(CheckJUnitRenderer.text("<&>\"'\n\r") == "&lt;&amp;&gt;&quot;&apos;\n&#13;")
        #expect(CheckJUnitRenderer.text("\u{0}\u{1B}\u{85}") == "\\x00\\x1B&#x85;")
        let xml = CheckJUnitRenderer.render(CheckFixture.report())
        #expect(!xml.contains("<unreachable>"))
        #expect(xml.contains("database &lt;unreachable&gt; &amp; redis said &quot;down&quot;"))
    }

    // MARK: Nagios

    @Test(arguments: [(Int32(0), "OK"), (1, "WARNING"), (2, "CRITICAL"), (3, "UNKNOWN")])
    func nagiosStatusWordFollowsTheExitCode(code: Int32, word: String) {
        let report = CheckFixture.report(exitCode: code)
        #expect(report.exitCode == code)
        let first = CheckNagiosRenderer.render(report).split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("STEWARD CHECK \(word) - "))
    }

    @Test func nagiosDeadlineAloneIsUnknown() {
        var report = CheckFixture.report(exitCode: 0)
        report.deadlineExceeded = true
        #expect(CheckNagiosRenderer.render(report).hasPrefix("STEWARD CHECK UNKNOWN - 1 check, 0 failed, deadline exceeded | "))
    }

    @Test func nagiosFirstLine() {
        let lines = CheckNagiosRenderer.render(CheckFixture.report()).split(separator: "\n").map(String.init)
        #expect(lines[0] == "STEWARD CHECK CRITICAL - 7 checks, 2 failed, 1 unknown: http:marb@prod/api/v1/health, tls:marb.example.org:443, postgres:marb@prod"
                + " | 'service:marb@prod'=1.25ms;;;0 'port:marb@prod'=0.4ms;;;0 'http:marb@prod/api/v1/health'=84.2ms;;;0"
                + " 'tls:marb.example.org:443'=12ms;;;0 'postgres:marb@prod'=5000ms;;;0 'disk:/'=0.05ms;;;0"
                + " 'command:grep -c ''ERROR'' /var/log/marb.log'=3.5ms;;;0")
        #expect(lines.count == 4, "one long-output line per check that did not pass")
        #expect(lines[1].hasPrefix("CRITICAL http:marb@prod/api/v1/health: "))
        #expect(lines[2].hasPrefix("WARNING tls:marb.example.org:443: "))
        #expect(lines[3].hasPrefix("UNKNOWN postgres:marb@prod: "))
        // Only the first line has the performance-data separator.
        #expect(lines.dropFirst().allSatisfy { !$0.contains("|") })
    }

    @Test func nagiosPerfdataGrammar() {
        let first = CheckNagiosRenderer.render(CheckFixture.report()).split(separator: "\n").first.map(String.init) ?? ""
        let parts = first.split(separator: "|", maxSplits: 1)
        #expect(parts.count == 2)
        let perf = String(parts[1]).trimmingCharacters(in: .whitespaces)
        // 'label'=value[UOM];warn;crit;min[;max], labels quoted with '' for a quote.
        let item = #/'(?:[^'=]|'')+'=-?[0-9]+(?:\.[0-9]+)?ms;;;0/#
        var rest = Substring(perf)
        var count = 0
        while !rest.isEmpty {
            guard let m = rest.prefixMatch(of: item) else { Issue.record("bad perfdata at: \(rest)"); return }
            count += 1
            rest = rest[m.range.upperBound...].drop { $0 == " " }
        }
        #expect(count == 7)
    }

    @Test func nagiosLabelsAndTextAreEscaped() {
        #expect(CheckNagiosRenderer.label("file:o'brien=x|y\nz") == "'file:o''brien_x/y z'")
        let r = CheckResult(id: "a|b", kind: "command", status: .fail, severity: .critical, expected: "x|y", found: "z",
                            message: "line one | pipe\nline two\u{1B}")
        let out = CheckNagiosRenderer.render(CheckReport(host: "h", generatedAt: "", results: [r], durationMs: 1))
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0] == "STEWARD CHECK CRITICAL - 1 check, 1 failed: a/b | 'a/b'=0ms;;;0")
        #expect(lines[1] == "CRITICAL a/b: line one / pipe / line two\\x1B (expected x/y, found z)")
    }

    // MARK: Prometheus

    /// One sample line of the 0.0.4 text format: metric name, optional labels with escaped values, a float, no timestamp.
    nonisolated(unsafe) static let sampleLine = #/[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*")*\})? (?:-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)/#

    @Test func prometheusLinesFollowTheExpositionGrammar() throws {
        let text = CheckPrometheusRenderer.render(CheckFixture.report())
        #expect(text.hasSuffix("\n"))
        var typed: [String: String] = [:]
        var seenFamilies: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4)
                typed[String(parts[2])] = String(parts[3])
                seenFamilies.append(String(parts[2]))
                continue
            }
            #expect(line.wholeMatch(of: Self.sampleLine) != nil, "not a valid sample line: \(line)")
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(typed[name] != nil, "sample before its # TYPE: \(line)")
            #expect(seenFamilies.last == name, "samples of one family must be contiguous: \(line)")
        }
        #expect(typed.values.allSatisfy { $0 == "gauge" }, "gauges only")
        #expect(!text.contains("_total"), "no counters")
        #expect(Set(typed.keys) == ["steward_check_success", "steward_check_state", "steward_check_duration_seconds",
                                     "steward_check_run_state", "steward_check_run_duration_seconds"])
    }

    @Test func prometheusValues() {
        let lines = Set(CheckPrometheusRenderer.render(CheckFixture.report()).split(separator: "\n").map(String.init))
        let http = #"{id="http:marb@prod/api/v1/health",kind="http",app="marb",app_instance="prod"}"#
        #expect(lines.contains("steward_check_success\(http) 0"))
        #expect(lines.contains("steward_check_state\(http) 2"))
        #expect(lines.contains("steward_check_duration_seconds\(http) 0.0842"))
        #expect(lines.contains(#"steward_check_state{id="tls:marb.example.org:443",kind="tls",app="marb"} 1"#))
        #expect(lines.contains(#"steward_check_state{id="postgres:marb@prod",kind="postgres",app="marb",app_instance="prod"} 3"#))
        #expect(lines.contains(#"steward_check_success{id="disk:/",kind="disk"} 1"#))
        #expect(lines.contains(#"steward_check_state{id="disk:/",kind="disk"} 0"#))
        #expect(lines.contains("steward_check_run_state 2"))
        #expect(lines.contains("steward_check_run_duration_seconds 5.0036"))
    }

    @Test func prometheusRunStateIsTheExitCode() {
        for code: Int32 in 0...3 {
            let text = CheckPrometheusRenderer.render(CheckFixture.report(exitCode: code))
            #expect(text.contains("\nsteward_check_run_state \(code)\n"))
        }
    }

    @Test func prometheusEscapesLabelValues() {
        #expect(CheckPrometheusRenderer.escapeLabelValue("a\\b\"c\nd") == #"a\\b\"c\nd"#)
        let r = CheckResult(id: "file:C:\\x \"y\"\nz", kind: "file", app: "a\"pp", status: .pass, expected: "", found: "", durationMs: 1)
        let text = CheckPrometheusRenderer.render(CheckReport(host: "h", generatedAt: "", results: [r], durationMs: 1))
        #expect(text.contains(#"steward_check_success{id="file:C:\\x \"y\"\nz",kind="file",app="a\"pp"} 1"#))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.wholeMatch(of: Self.sampleLine) != nil, "not a valid sample line: \(line)")
        }
    }

    // MARK: all formats

    @Test func everyFormatNamesEveryCheck() {
        let report = CheckFixture.report()
        let outputs = [CheckTextRenderer(color: false).render(report), JSONRenderer.render(report), CheckJUnitRenderer.render(report),
                       CheckNagiosRenderer.render(report), CheckPrometheusRenderer.render(report)]
        for output in outputs {
            for id in ["service:marb@prod", "disk:/", "postgres:marb@prod"] {
                #expect(output.contains(id))
            }
        }
    }
}
