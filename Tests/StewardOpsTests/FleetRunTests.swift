import Foundation
import StewardCore
import Testing
@testable import StewardOps

/// The fleet's run over a scripted transport: answers in the inventory's order whatever order they come in, at most
/// `parallel` hosts at once, and a host that is down, refuses or answers nonsense is unknown with its reason while
/// the others answer. The real transport (OpenSSH to sshd in sandboxes) is tested by FleetSandboxTests.
@Suite struct FleetRunTests {
    /// A transport whose hosts answer from a script, after a delay; it counts the sessions open at once.
    final class ScriptedTransport: AgentTransport, @unchecked Sendable {
        let lock = NSLock()
        var open = 0, mostOpen = 0
        var requests: [String: Data] = [:]
        let answers: [String: (delayMs: Int, answer: Result<String, HostProblem>)]
        let unprepared: Set<String>

        init(_ answers: [String: (Int, Result<String, HostProblem>)], unprepared: Set<String> = []) {
            self.answers = answers.mapValues { (delayMs: $0.0, answer: $0.1) }
            self.unprepared = unprepared
        }

        func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem> {
            unprepared.contains(host.name) ? .failure(HostProblem("\(host.name): ssh failed (exit 255): Host key verification failed.")) : .success(.reused)
        }

        func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem> {
            lock.withLock { open += 1; mostOpen = max(mostOpen, open); requests[host.name] = request }
            let (delay, answer) = answers[host.name] ?? (0, .failure(HostProblem("no script")))
            try? await Task.sleep(for: .milliseconds(delay))
            lock.withLock { open -= 1 }
            return answer
        }
    }

    static func result(_ code: Int, _ json: String = #"{"ok":true}"#) -> Result<String, HostProblem> {
        .success(#"{"type":"event","kind":"log","message":"hi"}"# + "\n" + #"{"type":"result","exit_code":\#(code),"result":\#(json)}"# + "\n")
    }

    static func hosts(_ names: [String]) -> [FleetHost] { names.map { FleetHost(name: $0, destination: "root@\($0)") } }

    @Test func answersComeInTheInventorysOrderWithTheWorstExitCode() async {
        let transport = ScriptedTransport([
            "a": (120, Self.result(0)), "b": (10, Self.result(2)), "c": (60, .failure(HostProblem("c: ssh failed (exit 255): Connection refused"))),
        ])
        let envelope = AgentProtocol.Envelope(operation: "audit", operationID: "op-1")
        let outcomes = await FleetRun.run(envelope, on: Self.hosts(["a", "b", "c"]), transport: transport)
        #expect(outcomes.map(\.host) == ["a", "b", "c"])
        #expect(outcomes.map(\.exitCode) == [0, 2, 3])
        #expect(HostOutcome.worst(outcomes) == 3)
        #expect(outcomes[2].state == .unreachable("c: ssh failed (exit 255): Connection refused"))
        guard case .answered(let session) = outcomes[0].state else { Issue.record("a did not answer"); return }
        #expect(session.events.count == 1)
        #expect(session.ending == .result(exitCode: 0, json: Data(#"{"ok":true}"#.utf8)))
        // Every host got the same envelope, with the controller's operation id.
        let sent = try? JSONDecoder.steward.decode(AgentProtocol.Envelope.self, from: transport.requests["a"] ?? Data())
        #expect(sent?.operation == "audit" && sent?.operationID == "op-1")
    }

    @Test func noMoreThanParallelHostsAreAskedAtOnce() async {
        let names = (1...7).map { "h\($0)" }
        let transport = ScriptedTransport(Dictionary(uniqueKeysWithValues: names.map { ($0, (40, Self.result(0))) }))
        let outcomes = await FleetRun.run(AgentProtocol.Envelope(operation: "check"), on: Self.hosts(names), parallel: 3, transport: transport)
        #expect(outcomes.count == 7 && outcomes.allSatisfy { $0.exitCode == 0 })
        #expect(transport.mostOpen == 3)
    }

    @Test func aHostThatCannotBeReadiedOrAnswersNonsenseIsUnknownWithItsReason() async {
        let transport = ScriptedTransport([
            "keyed": (0, Self.result(0)),
            "garbled": (0, .success("Welcome to Ubuntu!\n")),
            "died": (0, .success(#"{"type":"event","kind":"log"}"# + "\n")),
            "refused": (0, .success(#"{"type":"error","error":{"code":"invalid_config","message":"/etc/steward/steward.yml: 2 error(s); nothing was done","exit_code":3}}"# + "\n")),
        ], unprepared: ["keyed"])
        let outcomes = await FleetRun.run(AgentProtocol.Envelope(operation: "audit"), on: Self.hosts(["keyed", "garbled", "died", "refused"]),
                                          transport: transport)
        #expect(outcomes[0].state == .unreachable("keyed: ssh failed (exit 255): Host key verification failed."))
        #expect(outcomes[0].preparation == nil)
        #expect(outcomes[1].state == .unreachable("the agent's output is not JSON lines (18 bytes of something else)"))
        #expect(outcomes[2].state == .unreachable("the agent ended without a result"))
        guard case .answered(let s) = outcomes[3].state, case .refused(let error) = s.ending else { Issue.record("not refused"); return }
        #expect(error.code == .invalidConfig && outcomes[3].exitCode == 3)
        #expect(outcomes.allSatisfy { $0.exitCode == 3 })
    }

    @Test func theReportHasASectionPerHostASummaryAndOneDocumentKeyedByHost() throws {
        let answered = HostOutcome(host: "web1", destination: "root@web1",
                                   state: .answered(AgentSession(events: [], ending: .result(exitCode: 2, json: Data(#"{"findings":1}"#.utf8)))),
                                   preparation: .copied, seconds: 0.4201)
        let down = HostOutcome(host: "db1", destination: "db1", state: .unreachable("db1 (db1): ssh failed (exit 255): Connection refused"),
                               preparation: nil, seconds: 0.01)
        let report = FleetReport(operation: "audit", outcomes: [answered, down])
        #expect(report.exitCode == 3)
        #expect(report.text { String(decoding: $0, as: UTF8.self) + "\n" } == """
            == web1 (root@web1) · 0.42 s, Steward copied ==
            {"findings":1}

            == db1 (db1) · 0.01 s ==
            unknown: not reached: db1 (db1): ssh failed (exit 255): Connection refused

            fleet: 2 host(s), audit: web1 critical (2), db1 unknown (not reached); exit 3

            """)
        let document = try JSONEncoder.stewardLine.encode(report.document)
        #expect(String(decoding: document, as: UTF8.self) == #"{"exit_code":3,"hosts":{"db1":{"destination":"db1","exit_code":3,"seconds":0.01,"#
                + #""unreachable":"db1 (db1): ssh failed (exit 255): Connection refused"},"web1":{"binary":"copied","destination":"root@web1","#
                + #""exit_code":2,"result":{"findings":1},"seconds":0.42}},"operation":"audit","schema":"steward.fleet/1"}"#)
    }

    @Test func aHostsSectionShowsWhatItsOperationSaidAsItWentThenItsResult() throws {
        // As `steward deploy` prints on the host: its log lines, its warnings as `steward: …`; step and progress
        // events (for --events json) are not repeated in text.
        let transcript = [
            #"{"type":"event","operation":"deploy","at":"2026-12-03T10:00:00Z","kind":"step_started","step":"preflight"}"#,
            #"{"type":"event","operation":"deploy","at":"2026-12-03T10:00:00Z","kind":"log","message":"  ✓ preflight    v2 is eb5f2e62de89 (tag)"}"#,
            #"{"type":"event","operation":"deploy","at":"2026-12-03T10:00:01Z","kind":"warning","message":"the record could not be written"}"#,
            #"{"type":"result","exit_code":0,"result":{"ok":true}}"#,
        ].joined(separator: "\n") + "\n"
        let session = try AgentSession.parse(transcript).get()
        #expect(session.progressText == "  ✓ preflight    v2 is eb5f2e62de89 (tag)\nsteward: the record could not be written\n")
        let outcome = HostOutcome(host: "h1", destination: "10.0.0.1", state: .answered(session), preparation: .reused, seconds: 1)
        #expect(FleetReport(operation: "deploy", outcomes: [outcome]).sections { _ in "deployed\n" } == """
            == h1 (10.0.0.1) · 1.00 s ==
              ✓ preflight    v2 is eb5f2e62de89 (tag)
            steward: the record could not be written
            deployed


            """)
    }
}

/// The rolling deploy's order over a scripted transport: batches in the inventory's order, the next only after the
/// whole batch passed, the first failure stops it, and --all-or-nothing rolls back every host already deployed,
/// newest first. The hosts' deploys themselves (health gate, automatic rollback) are the deploy operation's, tested
/// on real systemd.
@Suite struct FleetRolloutTests {
    /// Answers deploys from a script by host (exit code), rollbacks with 0 (or `failingRollbacks`); logs the order.
    final class DeployTransport: AgentTransport, @unchecked Sendable {
        let lock = NSLock()
        var log: [String] = []
        let deployCodes: [String: Int]
        let failingRollbacks: Set<String>

        init(_ deployCodes: [String: Int], failingRollbacks: Set<String> = []) {
            self.deployCodes = deployCodes
            self.failingRollbacks = failingRollbacks
        }

        func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem> { .success(.reused) }

        func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem> {
            let envelope = try? JSONDecoder.steward.decode(AgentProtocol.Envelope.self, from: request)
            let operation = envelope?.operation ?? "?"
            lock.withLock { log.append("\(operation) \(host.name)") }
            let code = operation == "rollback" ? (failingRollbacks.contains(host.name) ? 2 : 0) : (deployCodes[host.name] ?? 0)
            try? await Task.sleep(for: .milliseconds(host.name == "w1" ? 30 : 5))
            return .success(#"{"type":"result","exit_code":\#(code),"result":{}}"# + "\n")
        }
    }

    static let hosts = ["w1", "w2", "w3", "w4", "w5"].map { FleetHost(name: $0, destination: $0, groups: ["web"]) }
    static let deploy = AgentProtocol.Envelope(operation: "deploy", operationID: "fleet-1")
    static let rollback = AgentProtocol.Envelope(operation: "rollback", operationID: "fleet-1:rollback")

    @Test func batchesFollowTheInventory() {
        #expect(FleetRollout.batches(Self.hosts, size: 2).map { $0.map(\.name) } == [["w1", "w2"], ["w3", "w4"], ["w5"]])
        #expect(FleetRollout.batches(Self.hosts, size: 0).count == 5)
        #expect(FleetRollout.batches([], size: 3).isEmpty)
    }

    @Test func everyBatchPassesAndEveryHostIsDeployed() async {
        let t = DeployTransport([:])
        let results = await FleetRollout.run(deploy: Self.deploy, rollback: Self.rollback, on: Self.hosts, batch: 2, pause: .milliseconds(1),
                                             allOrNothing: false, transport: t)
        #expect(results.map(\.step) == Array(repeating: .deployed, count: 5))
        #expect(results.map(\.batch) == [1, 1, 2, 2, 3])
        #expect(FleetRollout.exitCode(results) == 0)
        // The batch of two waits for its slower host before the next batch starts.
        #expect(Array(t.log.suffix(3)) == ["deploy w3", "deploy w4", "deploy w5"] || Array(t.log.suffix(3)) == ["deploy w4", "deploy w3", "deploy w5"])
        #expect(Set(t.log.prefix(2)) == ["deploy w1", "deploy w2"])
    }

    @Test func theFirstFailureStopsTheRolloutAndKeepsTheHostsDone() async {
        let t = DeployTransport(["w2": 1])
        let results = await FleetRollout.run(deploy: Self.deploy, rollback: Self.rollback, on: Self.hosts, batch: 1, pause: .zero,
                                             allOrNothing: false, transport: t)
        #expect(results.map(\.host) == ["w1", "w2", "w3", "w4", "w5"])
        #expect(results.map(\.step) == [.deployed, .failed, .notStarted, .notStarted, .notStarted])
        #expect(t.log == ["deploy w1", "deploy w2"])
        #expect(FleetRollout.exitCode(results) == 2)
        let text = FleetRolloutReport(operationID: "fleet-1", results: results).text { _ in "deployed\n" }
        #expect(text.hasSuffix("rollout fleet-1:\n  w1  batch 1  deployed\n  w2  batch 2  failed\n  w3  batch 3  not started\n"
                               + "  w4  batch 4  not started\n  w5  batch 5  not started\nstopped at w2; exit 2\n"), "\(text)")
    }

    /// A host that answered 2 without a deploy record (put back, or not: unknown) or was not reached stops the rollout
    /// and asks for the operator.
    @Test func aHostInAnUnknownStateNeedsTheOperator() async {
        let t = DeployTransport(["w1": 2])
        let results = await FleetRollout.run(deploy: Self.deploy, rollback: Self.rollback, on: Self.hosts, batch: 1, pause: .zero,
                                             allOrNothing: false, transport: t)
        #expect(results.map(\.step) == [.needsAttention, .notStarted, .notStarted, .notStarted, .notStarted])
        #expect(FleetRollout.exitCode(results) == 3)
        let unreachable = HostOutcome(host: "w1", destination: "w1", state: .unreachable("down"), preparation: nil, seconds: 0)
        #expect(FleetRollout.judge(unreachable) == .needsAttention)
    }

    @Test func allOrNothingRollsBackTheHostsAlreadyDeployedNewestFirst() async {
        let t = DeployTransport(["w4": 1], failingRollbacks: ["w1"])
        let results = await FleetRollout.run(deploy: Self.deploy, rollback: Self.rollback, on: Self.hosts, batch: 2, pause: .zero,
                                             allOrNothing: true, transport: t)
        #expect(results.map(\.step) == [.rollbackFailed, .rolledBack, .rolledBack, .failed, .notStarted])
        #expect(Array(t.log.suffix(3)) == ["rollback w3", "rollback w2", "rollback w1"])
        #expect(FleetRollout.exitCode(results) == 3)
        guard case .object(let doc) = FleetRolloutReport(operationID: "fleet-1", results: results).document,
              case .object(let hosts)? = doc["hosts"], case .object(let w3)? = hosts["w3"] else { Issue.record("no document"); return }
        #expect(doc["schema"] == .string("steward.rollout/1") && doc["exit_code"] == .integer(3))
        #expect(w3["step"] == .string("rolled_back") && w3["batch"] == .integer(2))
        if case .object(let undo)? = w3["rollback"] { #expect(undo["exit_code"] == .integer(0)) } else { Issue.record("w3 has no rollback") }
    }

    /// A host's agent that rendered its result (the envelope's `render`) is printed as it rendered it: the controller
    /// does not decode the result; one that did not is rendered here.
    @Test func aHostsOwnTextIsPrintedAndOtherwiseTheResultIsRenderedHere() throws {
        let rendered = try AgentSession.parse(#"{"type":"text","text":"web1: 2 findings\n"}"# + "\n" + #"{"type":"result","exit_code":1,"result":{"ok":false}}"# + "\n").get()
        #expect(rendered.text == "web1: 2 findings\n" && rendered.ending == .result(exitCode: 1, json: Data(#"{"ok":false}"#.utf8)))
        let plain = try AgentSession.parse(#"{"type":"result","exit_code":0,"result":{"ok":true}}"# + "\n").get()
        let outcomes = [HostOutcome(host: "h1", destination: "10.0.0.1", state: .answered(rendered), preparation: .reused, seconds: 1),
                        HostOutcome(host: "h2", destination: "10.0.0.2", state: .answered(plain), preparation: .reused, seconds: 1)]
        #expect(FleetReport(operation: "audit", outcomes: outcomes).sections { String(decoding: $0, as: UTF8.self) + " rendered here\n" } == """
            == h1 (10.0.0.1) · 1.00 s ==
            web1: 2 findings

            == h2 (10.0.0.2) · 1.00 s ==
            {"ok":true} rendered here


            """)
    }
}
