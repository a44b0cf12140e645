import Foundation
import Testing

/// `steward agent` end to end with the real binary: one JSON request on stdin, events and the result as JSON lines
/// on stdout, the operation's exit code.
@Suite struct AgentTests {
    /// The lines of an agent's stdout, each parsed.
    static func lines(_ out: Sandbox.Output) throws -> [[String: Any]] {
        try out.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    /// `steward agent` with `request` on stdin, outside any sandbox.
    static func agent(_ request: String) throws -> Sandbox.Output {
        try Sandbox.run(["/bin/bash", "-c", "printf '%s' \"$1\" | \"$2\" agent", "agent", request, Sandbox.stewardBinary])
    }

    @Test func statusAndReleasesAnswerFromAStateDatabase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-agent-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let status = try Self.agent(#"{"operation":"status","state":"\#(dir)/state.db","operation_id":"ctl-1"}"#)
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        let last = try #require(try Self.lines(status).last)
        #expect(last["type"] as? String == "result" && last["exit_code"] as? Int == 0)
        #expect((last["result"] as? [String: Any])?["schema"] as? String == "steward.status/1")
        let releases = try Self.agent(#"{"operation":"releases","request":{"target":"marb@prod"},"state":"\#(dir)/state.db"}"#)
        let result = try #require(try Self.lines(releases).last?["result"] as? [String: Any], "\(releases.stdout)")
        #expect(result["schema"] as? String == "steward.releases/1" && (result["releases"] as? [Any])?.isEmpty == true)
    }

    @Test func aMalformedRequestIsOneErrorLineAndExit3() throws {
        for request in ["{\"operation\": ", #"{"operation":"nope"}"#, #"{"operation":"status","stat":"/x"}"#, ""] {
            let out = try Self.agent(request)
            #expect(out.status == 3, "\(request): \(out.stdout)")
            let lines = try Self.lines(out)
            #expect(lines.count == 1 && lines[0]["type"] as? String == "error", "\(out.stdout)")
            #expect((lines[0]["error"] as? [String: Any])?["code"] as? String == "invalid_request")
        }
        // More than 1 MiB is refused without being read whole.
        let big = try Sandbox.run(["/bin/bash", "-c", "head -c 3000000 /dev/zero | \"$1\" agent", "agent", Sandbox.stewardBinary])
        #expect(big.status == 3 && big.stdout.contains("larger than 1 MiB"), "\(big.stdout)")
    }

    /// A caller that opens stdin and never finishes its request gets an error once the deadline passes, not an
    /// agent that waits forever: here the test holds the pipe's writing end open after half a request.
    @Test func aRequestThatNeverCompletesTimesOut() throws {
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Sandbox.stewardBinary)
        agent.arguments = ["agent", "--request-timeout", "1"]
        let input = Pipe(), output = Pipe()
        agent.standardInput = input
        agent.standardOutput = output
        agent.standardError = FileHandle.nullDevice
        let started = ContinuousClock.now
        try agent.run()
        input.fileHandleForWriting.write(Data(#"{"operation":"#.utf8))
        defer { try? input.fileHandleForWriting.close() }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        agent.waitUntilExit()
        let waited = ContinuousClock.now - started
        #expect(agent.terminationStatus == 3)
        #expect(waited >= .seconds(1) && waited < .seconds(10), "answered after \(waited)")
        let lines = try Self.lines(Sandbox.Output(status: agent.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: ""))
        #expect(lines.count == 1 && (lines.first?["error"] as? [String: Any])?["message"] as? String == "no complete request on stdin within 1 s", "\(lines)")
    }

    /// Seed 004's chip_dashboard (Django, SQLite, nginx) in the real-systemd sandbox, deployed through the agent.
    @Suite(.sandbox("chip"), .serialized) struct Deploys {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/chip/steward.yml"
        static let state = "/var/lib/steward-agent/state.db"

        func agent(_ request: String) throws -> (Sandbox.Output, [[String: Any]]) {
            let out = try SandboxScenario.sandbox().exec(["bash", "-c", "printf '%s' \"$1\" | \"$2\" agent", "agent", request, Sandbox.stewardBinary])
            #expect(!out.stdout.contains("chip-secret-key-test-only-5e1a"), "the app's SECRET_KEY was printed")
            return (out, try AgentTests.lines(out))
        }

        func deploy(_ ref: String, id: String) -> String {
            #"{"operation":"deploy","request":{"target":"broker_portal@prod","ref":"\#(ref)","manifest":"\#(Self.manifest)","store":"/var/backups/agent"},"state":"\#(Self.state)","operation_id":"\#(id)"}"#
        }

        @Test func aDeployStreamsItsStepsThenItsRecordAndTheHistoryReadsIt() throws {
            let reset = try SandboxScenario.sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/chip/ctl.sh", "reset", "prod"])
            try #require(reset.status == 0, "\(reset.stderr)")
            let (out, lines) = try agent(deploy("v1.1.0", id: "fleet-7"))
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            #expect(lines.dropLast().allSatisfy { $0["type"] as? String == "event" && $0["operation"] as? String == "fleet-7" })
            let started = lines.filter { $0["kind"] as? String == "step_started" }.compactMap { $0["step"] as? String }
            #expect(started == ["preflight", "lock", "pre-deploy", "fetch", "dependencies", "migrate", "build", "restart", "health", "post-deploy"])
            let migrate = try #require(lines.first { $0["kind"] as? String == "step_finished" && $0["step"] as? String == "migrate" })
            #expect(migrate["result"] as? String == "ok" && migrate["duration_ms"] is Int)
            #expect(lines.contains { ($0["message"] as? String)?.hasPrefix("✓ deploy #1: broker_portal@prod runs v1.1.0") == true })
            let last = try #require(lines.last)
            #expect(last["type"] as? String == "result" && last["exit_code"] as? Int == 0)
            let result = try #require(last["result"] as? [String: Any])
            #expect(result["schema"] as? String == "steward.deploy/1" && result["action"] as? String == "deploy")
            let record = try #require(result["record"] as? [String: Any])
            #expect(record["status"] as? String == "succeeded" && record["ref"] as? String == "v1.1.0" && record["operationID"] as? String == "fleet-7")

            // A ref that does not exist: refused by the preflight, recorded, exit 1 with the record.
            let (bad, badLines) = try agent(deploy("v9.9.9", id: "fleet-8"))
            #expect(bad.status == 1, "\(bad.stdout)")
            #expect(badLines.last?["exit_code"] as? Int == 1)
            #expect(((badLines.last?["result"] as? [String: Any])?["record"] as? [String: Any])?["status"] as? String == "failed")

            let (_, history) = try agent(#"{"operation":"releases","request":{"target":"broker_portal@prod"},"state":"\#(Self.state)"}"#)
            let releases = try #require((history.last?["result"] as? [String: Any])?["releases"] as? [[String: Any]])
            #expect(releases.map { $0["ref"] as? String } == ["v9.9.9", "v1.1.0"])
            let (status, statusLines) = try agent(#"{"operation":"status","request":{"target":"broker_portal"},"state":"\#(Self.state)"}"#)
            #expect(status.status == 0)
            let instances = try #require((statusLines.last?["result"] as? [String: Any])?["instances"] as? [[String: Any]])
            #expect(((instances.first?["serving"] as? [String: Any])?["ref"] as? String) == "v1.1.0")
        }
    }
}
