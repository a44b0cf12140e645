import Testing
@testable import StewardCore

@Suite("Service rules")
struct ServiceRuleTests {
    // MARK: service.failed

    @Test func failedUnitIsCritical() {
        let facts = n1Facts().with(unit: N1.prodUnit) {
            $0.activeState = "failed"
            $0.subState = "failed"
            $0.mainPID = 0
        }
        let result = findings("service.failed", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.failed", "calb-sizingtool@prod", .critical)])
        #expect(result.first?.fix.contains("systemctl reset-failed calb-sizingtool@prod.service") == true)
    }

    @Test func failedIsSilentOnActiveAndInactiveUnits() {
        #expect(findings("service.failed", n1Facts()).isEmpty)
    }

    // MARK: service.restarts

    @Test func restartsFireOnNRestartsAtTheThreshold() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.nRestarts = 1 }
        let result = findings("service.restarts", facts)
        #expect(result.map { RuleSubject($0) }.contains(RuleSubject("service.restarts", "calb-sizingtool@prod", .warning)))
    }

    @Test func restartsThresholdComesFromTheManifest() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.nRestarts = 2 }
        let manifest = parsedManifest("""
            thresholds:
              restarts_warning: 3
            """)
        #expect(!subjects(findings("service.restarts", facts, manifest)).contains("calb-sizingtool@prod"))
        #expect(subjects(findings("service.restarts", facts)).contains("calb-sizingtool@prod"))
    }

    @Test func restartsFireOnJournalChurnOfTheTunnel() {
        // N1: calb-ngrok@prod started and stopped repeatedly around 01:21–01:25, NRestarts=0.
        let result = findings("service.restarts", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.restarts", "calb-ngrok@prod", .warning)])
    }

    @Test("service.restarts: one start in the window is not churn; two are",
          arguments: [(1, 0, false), (2, 0, true), (0, 2, true), (1, 1, false)] as [(Int, Int, Bool)])
    func churnBoundary(starts: Int, failures: Int, fires: Bool) {
        let facts = n1Facts().with(logs: UnitLogFacts(unit: N1.prodUnit, starts: starts, failures: failures))
        let fired = subjects(findings("service.restarts", facts)).contains("calb-sizingtool@prod")
        #expect(fired == fires)
    }

    @Test func restartsIgnoreUnitsOutsideTheInventory() {
        let facts = n1Facts().changing {
            $0.units.append(UnitFacts(name: "systemd-resolved.service", activeState: "active", nRestarts: 5,
                                      execStart: ["/usr/lib/systemd/systemd-resolved"],
                                      fragmentPath: "/usr/lib/systemd/system/systemd-resolved.service"))
        }
        #expect(!subjects(findings("service.restarts", facts)).contains("systemd-resolved"))
    }

    // MARK: service.runs-as-root

    @Test("service.runs-as-root: empty User= is root", arguments: ["", "root", "0"])
    func runsAsRoot(user: String) {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.user = user }
        let result = findings("service.runs-as-root", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.runs-as-root", "calb-sizingtool@.service", .warning)])
        if user.isEmpty { #expect(result.first?.evidence.first == "User=(unset: root)") }
    }

    @Test func runsAsRootReportsATemplateOnce() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.user = "" }.with(unit: N1.testUnit) { $0.user = "" }
        #expect(findings("service.runs-as-root", facts).count == 1)
    }

    @Test func runsAsRootIsSilentForAServiceUserAndForTunnels() {
        #expect(findings("service.runs-as-root", n1Facts()).isEmpty)
        // The ngrok agent is a tunnel, not an app: this rule judges apps only.
        let facts = n1Facts().with(unit: N1.ngrokUnit) { $0.user = "" }
        #expect(findings("service.runs-as-root", facts).isEmpty)
    }

    @Test func runsAsRootEvidenceScrubsExecStart() {
        let facts = n1Facts().with(unit: N1.prodUnit) {
            $0.user = ""
            $0.execStart += ["--token", "CANARY_EXECSTART_TOKEN"]
        }
        let evidence = findings("service.runs-as-root", facts).flatMap(\.evidence).joined(separator: "\n")
        #expect(!evidence.contains("CANARY_EXECSTART_TOKEN"))
        #expect(evidence.contains("--token \(Secret.mask)"))
    }

    // MARK: service.syslog-output

    @Test func syslogOutputIsInfoOncePerUnitFile() {
        // Both calb-ngrok@prod and calb-ngrok@test come from calb-ngrok@.service with StandardOutput=syslog.
        let result = findings("service.syslog-output", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.syslog-output", "calb-ngrok@.service", .info)])
        #expect(result.first?.evidence == ["StandardOutput=syslog in \(N1.ngrokTemplate)"])
    }

    @Test func syslogOutputAlsoChecksStandardError() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.standardError = "syslog+console" }
        #expect(subjects(findings("service.syslog-output", facts)).contains("calb-sizingtool@.service"))
    }

    @Test func syslogOutputIsSilentForJournal() {
        let facts = n1Facts().with(unit: N1.ngrokUnit) { $0.standardOutput = "journal" }.with(unit: N1.ngrokTestUnit) { $0.standardOutput = "journal" }
        #expect(findings("service.syslog-output", facts).isEmpty)
    }

    // MARK: service.missing-envfile

    @Test func missingEnvfileOfAnActiveUnitIsCritical() {
        let facts = n1Facts().with(envFile: N1.prodEnv) { $0 = EnvFileFacts(path: N1.prodEnv, exists: false) }
        let result = findings("service.missing-envfile", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.missing-envfile", "calb-sizingtool@prod", .critical)])
    }

    @Test func missingEnvfileOfAnInactiveDisabledUnitIsAWarning() {
        let facts = n1Facts().with(envFile: N1.testEnv) { $0 = EnvFileFacts(path: N1.testEnv, exists: false) }
        let result = findings("service.missing-envfile", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.missing-envfile", "calb-sizingtool@test", .warning)])
    }

    @Test func missingEnvfileOfAnEnabledButStoppedUnitIsCritical() {
        let facts = n1Facts()
            .with(unit: N1.testUnit) { $0.unitFileState = "enabled" }
            .with(envFile: N1.testEnv) { $0 = EnvFileFacts(path: N1.testEnv, exists: false) }
        #expect(findings("service.missing-envfile", facts).map(\.severity) == [.critical])
    }

    @Test func missingEnvfileIsSilentWhenOptionalOrUnknownOrPresent() {
        #expect(findings("service.missing-envfile", n1Facts()).isEmpty)
        let optional = n1Facts()
            .with(unit: N1.prodUnit) { $0.environmentFiles = [EnvironmentFileRef(path: N1.prodEnv, optional: true)] }
            .with(envFile: N1.prodEnv) { $0 = EnvFileFacts(path: N1.prodEnv, exists: false) }
        #expect(findings("service.missing-envfile", optional).isEmpty)
        // Not probed at all: unknown is not missing.
        let unknown = n1Facts().changing { $0.envFiles = [] }
        #expect(findings("service.missing-envfile", unknown).isEmpty)
    }

    // MARK: service.missing-executable

    @Test func missingExecutableOfAnActiveUnitIsCritical() {
        let facts = n1Facts().with(unit: N1.prodUnit) { $0.executableExists = false }
        let result = findings("service.missing-executable", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.missing-executable", "calb-sizingtool@prod", .critical)])
        #expect(result.first?.fix.contains("python3 -m venv .venv") == true)
    }

    @Test func brokenVenvPythonOfAStoppedUnitIsAWarning() {
        let facts = n1Facts().with(appDir: N1.testDir) { $0.venv?.pythonExists = false }
        let result = findings("service.missing-executable", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("service.missing-executable", "calb-sizingtool@test", .warning)])
        #expect(result.first?.evidence == ["\(N1.testDir)/.venv/bin/python is missing or a broken link"])
    }

    @Test func venvWhoseBaseInterpreterIsGoneIsReported() {
        let facts = n1Facts().with(appDir: N1.prodDir) { $0.venv?.homeInterpreterExists = false }
        let result = findings("service.missing-executable", facts)
        #expect(subjects(result) == ["calb-sizingtool@prod"])
        #expect(result.first?.evidence.first?.contains("/usr/bin") == true)
    }

    @Test func missingExecutableIsSilentWhenPresentOrUnchecked() {
        #expect(findings("service.missing-executable", n1Facts()).isEmpty)
        let unchecked = n1Facts().with(unit: N1.prodUnit) { $0.executableExists = nil }
        #expect(findings("service.missing-executable", unchecked).isEmpty)
    }

    @Test func venvStateIsIgnoredWhenExecStartDoesNotUseTheVenv() {
        let facts = n1Facts()
            .with(unit: N1.prodUnit) { $0.execStart = ["/usr/local/bin/streamlit", "run", "app.py"] }
            .with(appDir: N1.prodDir) { $0.venv?.pythonExists = false }
        #expect(findings("service.missing-executable", facts).isEmpty)
    }
}
