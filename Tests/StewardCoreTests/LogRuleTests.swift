import Testing
@testable import StewardCore

@Suite("Log rules")
struct LogRuleTests {
    /// Facts of N1 with the journal of `unit` replaced by `logs` and every other unit's journal removed.
    static func onlyLogs(_ logs: UnitLogFacts) -> Facts {
        n1Facts().changing { $0.unitLogs = [logs] }
    }

    // MARK: logs.tracebacks

    @Test func tracebacksOnN1AreAWarningAboutProd() {
        let result = findings("logs.tracebacks", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("logs.tracebacks", "calb-sizingtool@prod", .warning)])
        #expect(result.first?.summary.contains("StreamlitValueAssignmentNotAllowedError") == true)
        #expect(result.first?.evidence.first == "StreamlitValueAssignmentNotAllowedError: 4")
    }

    @Test("logs.tracebacks: threshold from the manifest", arguments: [(3, true), (4, true), (5, false)] as [(Int, Bool)])
    func tracebackThreshold(threshold: Int, fires: Bool) {
        let manifest = parsedManifest("thresholds:\n  tracebacks_warning: \(threshold)\n")
        #expect(manifest.thresholds.tracebacksWarning == threshold)
        #expect(!findings("logs.tracebacks", n1Facts(), manifest).isEmpty == fires)
    }

    @Test func noTracebacksNoFinding() {
        let facts = Self.onlyLogs(UnitLogFacts(unit: N1.prodUnit, lines: 300, errorLines: 3, tracebacks: 0, starts: 1))
        #expect(findings("logs.tracebacks", facts).isEmpty)
    }

    @Test func tracebacksOfUnitsOutsideTheInventoryAreIgnored() {
        let facts = n1Facts().changing {
            $0.units.append(UnitFacts(name: "unattended-upgrades.service", activeState: "active",
                                      execStart: ["/usr/bin/python3", "/usr/share/unattended-upgrades/unattended-upgrade-shutdown"],
                                      fragmentPath: "/lib/systemd/system/unattended-upgrades.service"))
            $0.unitLogs = [UnitLogFacts(unit: "unattended-upgrades.service", tracebacks: 7, exceptionTypes: ["KeyError": 7])]
        }
        #expect(findings("logs.tracebacks", facts).isEmpty)
    }

    // MARK: logs.worker-timeouts

    @Test func workerTimeoutsAreAWarning() {
        let facts = Self.onlyLogs(UnitLogFacts(unit: N1.prodUnit, workerTimeouts: 3,
                                               samples: ["[CRITICAL] WORKER TIMEOUT (pid:4242)", "unrelated line"]))
        let result = findings("logs.worker-timeouts", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("logs.worker-timeouts", "calb-sizingtool@prod", .warning)])
        #expect(result.first?.evidence == ["[CRITICAL] WORKER TIMEOUT (pid:4242)"])
    }

    @Test func workerTimeoutsSilentOnN1() {
        #expect(findings("logs.worker-timeouts", n1Facts()).isEmpty)
    }

    // MARK: logs.csrf-failures

    @Test func csrfFailuresAreAWarning() {
        let facts = Self.onlyLogs(UnitLogFacts(unit: N1.testUnit, csrfFailures: 2,
                                               samples: ["Forbidden (CSRF cookie not set.): /admin/login/"]))
        let result = findings("logs.csrf-failures", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("logs.csrf-failures", "calb-sizingtool@test", .warning)])
        #expect(result.first?.evidence == ["Forbidden (CSRF cookie not set.): /admin/login/"])
    }

    @Test func csrfFailuresSilentOnN1() {
        #expect(findings("logs.csrf-failures", n1Facts()).isEmpty)
    }

    // MARK: logs.module-not-found

    @Test func moduleNotFoundIsCriticalAndNamesTheVenv() {
        let facts = Self.onlyLogs(UnitLogFacts(unit: N1.prodUnit, moduleNotFound: ["plotly", "openpyxl"]))
        let result = findings("logs.module-not-found", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("logs.module-not-found", "calb-sizingtool@prod", .critical)])
        #expect(result.first?.evidence == ["ModuleNotFoundError: No module named 'plotly'",
                                           "ModuleNotFoundError: No module named 'openpyxl'"])
        #expect(result.first?.fix.contains("cd \(N1.prodDir) && .venv/bin/pip install -r requirements.txt") == true)
    }

    @Test func moduleNotFoundSilentOnN1() {
        #expect(findings("logs.module-not-found", n1Facts()).isEmpty)
    }
}
