import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

@Suite struct RunnerTests {
    let runner = CommandRunner()

    @Test func capturesOutputAndExitCode() async throws {
        let r = try await runner.run(Command("sh", ["-c", "echo out; echo err >&2; exit 3"]), timeout: .seconds(5)).get()
        #expect(r == CommandResult(exitCode: 3, stdout: "out\n", stderr: "err\n"))
    }

    /// The fleet's request reaches `steward agent` on its standard input, whole, and nothing else does.
    @Test func bytesGivenAsInputAreTheChildsStandardInput() async throws {
        let request = Array((#"{"operation":"audit","request":{}}"# + String(repeating: " ", count: 200_000) + "\n").utf8)
        let r = try await CommandRunner().run(Command("wc", ["-c"]).withInput(request)).get()
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(request.count))
        let none = try await CommandRunner().run(Command("wc", ["-c"])).get()
        #expect(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func argumentsAreNeverInterpretedByAShell() async throws {
        let r = try await runner.run(Command("printf", ["%s|", "$(id)", "a b", ";rm -rf /"]), timeout: .seconds(5)).get()
        #expect(r.stdout == "$(id)|a b|;rm -rf /|")
    }

    @Test func missingProgramIsNotFound() async {
        let r = await runner.run(Command("steward-no-such-program", []), timeout: .seconds(5))
        #expect(r == .failure(.notFound("steward-no-such-program")))
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let marker = "steward-timeout-\(UUID().uuidString.prefix(8))"
        let start = ContinuousClock.now
        // The grandchild holds stdout open; without a process-group kill the read would block for 30 s.
        let r = await runner.run(Command("bash", ["-c", "sleep 30 & exec -a \(marker) sleep 30"]), timeout: .milliseconds(300))
        #expect(r == .failure(.timedOut("bash", seconds: 0.3)))
        #expect(ContinuousClock.now - start < .seconds(5))
        try await Task.sleep(for: .milliseconds(500))
        let ps = try await runner.run(Command("pgrep", ["-f", marker]), timeout: .seconds(5)).get()
        #expect(ps.stdout.isEmpty, "process outlived the timeout: \(ps.stdout)")
    }

    @Test func environmentIsFixedToCLocaleWithoutPager() async throws {
        let r = try await runner.run(Command("sh", ["-c", "echo $LC_ALL:$SYSTEMD_COLORS:$PAGER"]), timeout: .seconds(5)).get()
        #expect(r.stdout == "C.UTF-8:0:cat\n")
    }
}
