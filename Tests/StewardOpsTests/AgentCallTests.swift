import Foundation
import StewardCore
import StewardSystem
import Testing
@testable import StewardOps

/// The daemon's audit through an agent (``AgentCall`` over ``LocalAgentTransport``): the report comes back as the
/// audit made it, whatever the agent's JSON lines did to it on the way; a refusal or a dead agent is an error with
/// its reason. The real child `steward agent` under systemd: ServeSandboxTests.
@Suite struct AgentCallTests {
    /// An agent in this process: the request goes through ``AgentProtocol/serve`` as `steward agent` would run it.
    struct InMemoryAgent: AgentTransport {
        let operations: [String: OperationRegistry.Runner]
        func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem> { .success(.reused) }
        func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem> {
            let out = LockedLines()
            _ = await AgentProtocol.serve(request, operations: operations, host: { _, events in
                HostContext(statePath: "/nonexistent/state.db", identity: OperationIdentity(operatorName: "t", host: "h", operationID: "op"), events: events)
            }, write: { out.append($0) })
            return .success(out.text)
        }
    }

    final class LockedLines: @unchecked Sendable {
        let lock = NSLock()
        var data = Data()
        func append(_ d: Data) { lock.withLock { data.append(d) } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    static let report: AuditReport = {
        let facts = Facts(host: HostFacts(hostname: "n1", kernel: "6.1.0", architecture: "x86_64", uptimeSeconds: 4242,
                                          load: [0.25, 1.0, 2.5], cpuCount: 2))
        let findings = [
            Finding(rule: "svc.failed", severity: .critical, subject: "app@prod.service", summary: "failed",
                    evidence: ["ActiveState=failed", "ünïcode → quoted \"x\""], fix: "systemctl restart app@prod"),
            Finding(rule: "logs.x", severity: .info, subject: "s", summary: "", evidence: [], fix: "", silenced: "accepted"),
        ]
        return AuditReport(facts: facts, context: AuditContext(facts: facts), findings: findings,
                           probes: [ProbeReport(name: "units", status: .ok, durationMs: 12),
                                    ProbeReport(name: "journal", status: .unknown, reason: "permission denied", durationMs: 3)],
                           generatedAt: "2026-12-03T09:00:00Z", durationMs: 150)
    }()

    @Test func theReportComesBackAsTheAuditMadeIt() async throws {
        let agent = InMemoryAgent(operations: ["audit": { request, _ throws(OperationError) in
            // What the daemon asked for arrives as the operation's own request.
            let decoded = try? JSONDecoder.steward.decode(AuditOperation.Request.self, from: request)
            guard decoded?.manifest == "/etc/steward/steward.yml", decoded?.state == "/var/lib/steward/state.db" else {
                throw OperationError(.invalidRequest, "unexpected request \(String(decoding: request, as: UTF8.self))")
            }
            return (try! JSONEncoder.stewardLine.encode(Self.report), Self.report.exitCode, nil)
        }])
        let (report, code) = try await AgentCall.run(AuditOperation.self, .init(manifest: "/etc/steward/steward.yml", state: "/var/lib/steward/state.db"),
                                                    state: "/var/lib/steward/state.db", transport: agent, timeout: .seconds(5))
        #expect(report == Self.report)
        #expect(code == 2)
        #expect(report.activeFindings.map { $0.rule } == ["svc.failed"])
    }

    @Test func aRefusalIsTheAgentsOwnError() async {
        let agent = InMemoryAgent(operations: ["audit": { _, _ throws(OperationError) in
            throw OperationError(.invalidRequest, "manifest: line 3: unknown key \"chekcs\"")
        }])
        await #expect(throws: OperationError(.invalidRequest, "manifest: line 3: unknown key \"chekcs\"")) {
            try await AgentCall.run(AuditOperation.self, .init(), transport: agent, timeout: .seconds(5))
        }
    }

    /// Answers one command with a fixed result and records it.
    final class OneAnswer: CommandRunning, @unchecked Sendable {
        let lock = NSLock()
        var commands: [Command] = []
        let answer: CommandResult
        init(_ answer: CommandResult) { self.answer = answer }
        func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
            lock.withLock { commands.append(command) }
            return .success(answer)
        }
    }

    @Test func theLocalAgentIsThisExecutableWithTheRequestOnItsInput() async throws {
        #expect(LocalAgentCommand.agent(request: Array("{}".utf8)).argv == ["/proc/self/exe", "agent"])
        #expect(LocalAgentCommand.agent(request: Array("{}".utf8)).input == Array("{}".utf8))
        let line = #"{"type":"result","exit_code":0,"result":{"ok":true}}"# + "\n"
        let runner = OneAnswer(CommandResult(exitCode: 0, stdout: line, stderr: ""))
        let r = await LocalAgentTransport(runner: runner).call(AgentCall.localHost, request: Data(#"{"operation":"audit"}"#.utf8), timeout: .seconds(1))
        #expect(r == .success(line))
        #expect(runner.commands.map(\.argv) == [["/proc/self/exe", "agent"]])
        #expect(runner.commands.first?.input == Array(#"{"operation":"audit"}"#.utf8))
    }

    @Test func anAgentThatDiedSaysSoWithoutRepeatingWhatItPrinted() async {
        // Whatever a dying child wrote to stderr stays out of the daemon's log: it could hold anything it read.
        let runner = OneAnswer(CommandResult(exitCode: 134, stdout: "", stderr: "fatal: SECRET_KEY=hunter2-canary"))
        let r = await LocalAgentTransport(runner: runner).call(AgentCall.localHost, request: Data("{}".utf8), timeout: .seconds(1))
        #expect(r == .failure(HostProblem("the local agent exited 134 without an answer (32 bytes on stderr)")))
        await #expect(throws: OperationError(.unavailable, "audit through the agent: the local agent exited 134 without an answer (32 bytes on stderr)", subject: "local")) {
            try await AgentCall.run(AuditOperation.self, .init(), transport: LocalAgentTransport(runner: runner), timeout: .seconds(1))
        }
    }
}
