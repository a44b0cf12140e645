import Testing
@testable import StewardCore

@Suite("Runtime rules")
struct RuntimeRuleTests {
    @Test("runtime.python-mismatch: minor versions decide", arguments: [
        ("3.10.12", nil), ("3.10.6", nil), ("3.11.2", "3.11.2"), ("3.12.3", "3.12.3"), ("3.1.0", "3.1.0"),
    ] as [(String, String?)])
    func pythonMinor(system: String, mismatch: String?) {
        let facts = n1Facts().changing { $0.systemPythonVersion = system }
        let result = findings("runtime.python-mismatch", facts)
        if mismatch != nil {
            // One finding per venv: prod's and test's.
            #expect(result.map { RuleSubject($0) } == [
                RuleSubject("runtime.python-mismatch", "\(N1.prodDir)/.venv", .warning),
                RuleSubject("runtime.python-mismatch", "\(N1.testDir)/.venv", .warning),
            ])
            #expect(result.first?.summary == "\(N1.prodDir)/.venv uses Python 3.10.12, the system has \(system)")
        } else {
            #expect(result.isEmpty)
        }
    }

    @Test func noSystemPythonOrNoVenvVersionIsSilent() {
        #expect(findings("runtime.python-mismatch", n1Facts().changing { $0.systemPythonVersion = nil }).isEmpty)
        let noVersion = n1Facts()
            .changing { $0.systemPythonVersion = "3.12.3" }
            .with(appDir: N1.prodDir) { $0.venv?.pythonVersion = nil }
            .with(appDir: N1.testDir) { $0.venv = nil }
        #expect(findings("runtime.python-mismatch", noVersion).isEmpty)
    }
}
