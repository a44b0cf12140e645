import Foundation
import Testing
@testable import StewardOps

/// `steward agent`'s protocol in memory: one request in, JSON lines out, the operation's exit code.
@Suite struct AgentProtocolTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [Data] = []
        func add(_ d: Data) { lock.withLock { data.append(d) } }
        var objects: [[String: Any]] {
            lock.withLock { data }.map { (try? JSONSerialization.jsonObject(with: $0) as? [String: Any]) ?? ["unparsed": String(decoding: $0, as: UTF8.self)] }
        }
        var text: [String] { lock.withLock { data }.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Serves `input` with the given operations (the real table by default) on a scratch state database.
    func serve(_ input: String, operations: [String: OperationRegistry.Runner] = OperationRegistry.all, scratch: OpsScratch) async -> (Int32, Lines) {
        let lines = Lines()
        let code = await AgentProtocol.serve(Data(input.utf8), operations: operations, host: { envelope, events in
            var host = scratch.host()
            host.events = events
            host.statePath = envelope.state ?? host.statePath
            if let id = envelope.operationID { host.identity.operationID = id }
            return host
        }, write: { lines.add($0) })
        return (code, lines)
    }

    @Test func statusAndReleasesAnswerWithTheirResultAsTheLastLine() async throws {
        let scratch = try OpsScratch()
        let (code, lines) = await serve(#"{"operation":"status","request":{"target":"marb@prod"},"state":"\#(scratch.path)/s.db"}"#, scratch: scratch)
        #expect(code == 0)
        let last = try #require(lines.objects.last)
        #expect(last["type"] as? String == "result" && last["exit_code"] as? Int == 0)
        let result = try #require(last["result"] as? [String: Any])
        #expect(result["schema"] as? String == "steward.status/1" && result["state"] as? String == "\(scratch.path)/s.db")
        #expect(lines.text.allSatisfy { $0.hasSuffix("}\n") && !$0.dropLast().contains("\n") }, "one JSON object per line")

        let (rcode, rlines) = await serve(#"{"operation":"releases","request":{"target":"marb@prod","limit":5}}"#, scratch: scratch)
        #expect(rcode == 0)
        #expect((rlines.objects.last?["result"] as? [String: Any])?["schema"] as? String == "steward.releases/1")
    }

    @Test func eventsComeFirstEachALineWithItsTypeThenTheResultWithTheOperationsExitCode() async throws {
        let scratch = try OpsScratch()
        let fake: OperationRegistry.Runner = { _, host throws(OperationError) in
            host.emit(.stepStarted, step: "fetch")
            host.say("fetched")
            return (Data(#"{"done":true}"#.utf8), 2, nil)
        }
        let (code, lines) = await serve(#"{"operation":"fake","operation_id":"ctl-42"}"#, operations: ["fake": fake], scratch: scratch)
        #expect(code == 2)
        #expect(lines.text[0].hasPrefix(#"{"type":"event","#))
        #expect(lines.objects.map { $0["type"] as? String } == ["event", "event", "result"])
        #expect(lines.objects[0]["kind"] as? String == "step_started" && lines.objects[0]["operation"] as? String == "ctl-42")
        #expect(lines.objects[1]["message"] as? String == "fetched")
        #expect(lines.text[2] == #"{"type":"result","exit_code":2,"result":{"done":true}}"# + "\n")
    }

    @Test func aMalformedRequestIsOneTypedErrorLineAndExit3() async throws {
        let scratch = try OpsScratch()
        let cases: [(String, String)] = [
            ("not json", "the request is not valid"),
            (#"["status"]"#, "the request is not valid"),
            (#"{"request":{}}"#, "operation: missing"),
            (#"{"operation":"status","operationId":"x"}"#, #"unknown key "operationId""#),
            (#"{"operation":"rm -rf"}"#, #"unknown operation "rm -rf"; known: "#),
            (#"{"operation":"status","state":"state.db"}"#, "state: expected an absolute path"),
            (#"{"operation":"status","operation_id":"a b"}"#, "operation_id: expected"),
            (#"{"operation":"status","request":{"target":7}}"#, "status: the request is not valid: target: expected"),
            (#"{"operation":"deploy","request":{"target":"marb@prod"}}"#, "give exactly one of --ref TAG, --resume or --abort"),
            (#"{"operation":"deploy","request":{"target":"marb@prod","ref":"v1","dry_run":true}}"#, #"deploy: the request is not valid: unknown key "dry_run""#),
            (String(repeating: " ", count: AgentProtocol.maxRequestBytes + 1), "larger than 1 MiB"),
        ]
        for (input, message) in cases {
            let (code, lines) = await serve(input, scratch: scratch)
            #expect(code == 3, "\(input.prefix(40))")
            #expect(lines.objects.count == 1, "\(input.prefix(40)): \(lines.text)")
            let error = try #require(lines.objects.first?["error"] as? [String: Any], "\(lines.text)")
            #expect(lines.objects.first?["type"] as? String == "error")
            #expect(error["code"] as? String == "invalid_request" && error["exit_code"] as? Int == 3)
            #expect((error["message"] as? String)?.contains(message) == true, "\(input.prefix(40)): \(error)")
        }
    }

    /// Asked to render (`"render":"text"`), the agent writes the operation's text, rendered by the context's
    /// renderer from the typed result and with the result's known secrets masked, as a line before the result; not
    /// asked, no text line. A value other than text or markdown is refused.
    @Test func askedToRenderTheAgentWritesTheResultsTextMaskedBeforeTheResult() async throws {
        let scratch = try OpsScratch()
        struct Out: OperationOutput { var word: String; var exitCode: Int32 { 1 }; var knownSecrets: [String] { ["hunter22secret"] } }
        struct Op: StewardOperation {
            struct Request: Codable, Sendable {}
            static let name = "word"
            static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Out { Out(word: "hunter22secret") }
        }
        let operations = Dictionary(uniqueKeysWithValues: [OperationRegistry.entry(Op.self)])
        func serveRendering(_ input: String) async -> (Int32, Lines) {
            let lines = Lines()
            let code = await AgentProtocol.serve(Data(input.utf8), operations: operations, host: { envelope, events in
                var host = scratch.host()
                host.events = events
                if envelope.render == .text { host.renderText = { ($0 as? Out).map { "the word is \($0.word)\n" } } }
                return host
            }, write: { lines.add($0) })
            return (code, lines)
        }
        let (code, lines) = await serveRendering(#"{"operation":"word","render":"text"}"#)
        #expect(code == 1)
        #expect(lines.objects.map { $0["type"] as? String } == ["text", "result"])
        #expect(lines.objects[0]["text"] as? String == "the word is ***MASKED***\n")
        #expect(!lines.text.joined().contains("hunter22secret"))
        let session = try AgentSession.parse(lines.text.joined()).get()
        #expect(session.text == "the word is ***MASKED***\n")
        // The text stands for the result, which is not encoded.
        #expect(session.ending == .result(exitCode: 1, json: Data("null".utf8)))

        let (_, plain) = await serveRendering(#"{"operation":"word"}"#)
        #expect(plain.objects.map { $0["type"] as? String } == ["result"])
        #expect(plain.text.last == #"{"type":"result","exit_code":1,"result":{"word":"***MASKED***"}}"# + "\n")
        #expect(try AgentSession.parse(plain.text.joined()).get().text == nil)

        let (bad, refused) = await serveRendering(#"{"operation":"word","render":"html"}"#)
        #expect(bad == 3 && refused.objects.first?["type"] as? String == "error")
    }

    /// The result line's layout and the controller's reading of it are each other's inverse; any other line is not
    /// read as a result line (the controller then decodes it whole). The result's bytes themselves are judged where
    /// they are decoded.
    @Test func theResultLinesBytesComeBackAsTheyWereWritten() {
        for (code, result) in [(Int32(0), #"{"a":[1,2.5,true,null,"x"],"b":{"c":-3}}"#), (3, "null"), (-1, #""}""#), (2, #"{"result":"x","exit_code":9}"#)] {
            let line = String(decoding: AgentProtocol.resultLine(exitCode: code, result: Data(result.utf8)), as: UTF8.self)
            #expect(line.hasSuffix("}\n"))
            let parts = AgentProtocol.resultParts(line.dropLast().utf8)
            #expect(parts?.exitCode == code && parts.map { String(decoding: $0.result, as: UTF8.self) } == result, "\(line)")
        }
        for other in [#"{"type":"result","exit_code":x,"result":{}}"#, #"{"type":"result","result":{},"exit_code":0}"#,
                      #"{"type":"result","exit_code":0,"result":}"#, #"{"type":"event","exit_code":0,"result":{}}"#,
                      ""] {
            #expect(AgentProtocol.resultParts(Substring(other).utf8) == nil, "\(other)")
        }
    }

    @Test func theRequestReachesTheOperationAsItCame() async throws {
        let scratch = try OpsScratch()
        let echo: OperationRegistry.Runner = { request, _ in (request, 0, nil) }
        let (_, lines) = await serve(#"{"operation":"echo","request":{"a":[1,2.5,true,null,"x"],"b":{"c":-3}}}"#, operations: ["echo": echo], scratch: scratch)
        #expect(lines.text.last == #"{"type":"result","exit_code":0,"result":{"a":[1,2.5,true,null,"x"],"b":{"c":-3}}}"# + "\n")
    }

    @Test func everyDeployOperationIsInTheTable() {
        for name in ["status", "releases", "deploy", "rollback", "promote"] { #expect(OperationRegistry.all[name] != nil, "\(name)") }
    }
}
