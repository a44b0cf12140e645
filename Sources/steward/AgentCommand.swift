import ArgumentParser
import Foundation
import StewardOps
import StewardSystem

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Run one operation given as JSON on stdin; events and the result as JSON lines on stdout.",
        discussion: """
            The request: {"operation": "status", "request": {...}, "state": "/var/lib/steward/state.db", "operation_id": "…"} \
            (at most 1 MiB). Each event is a line {"type":"event", …}; the last line is {"type":"result","exit_code":N,"result":{…}} \
            or {"type":"error","error":{…}}. The exit code is the operation's (3 for a request that cannot run). \
            The protocol is documented in docs/json.md; the fleet runs it over SSH.
            """)

    func run() async throws {
        let input = FileHandle.standardInput.readBounded(AgentProtocol.maxRequestBytes + 1)
        let code = await AgentProtocol.serve(input, host: { envelope, events in
            HostContext.forProcess(statePath: envelope.state ?? StateStore.defaultPath, events: events, operationID: envelope.operationID,
                                   operatorName: envelope.operatorName)
        }, write: { FileHandle.standardOutput.write($0) })
        throw ExitCode(code)
    }
}

extension FileHandle {
    /// Up to `limit` bytes, to the end of the input or the limit, whichever comes first: a request larger than the
    /// limit is seen as such without reading it all.
    func readBounded(_ limit: Int) -> Data {
        var data = Data()
        while data.count < limit, let chunk = try? read(upToCount: min(64 << 10, limit - data.count)), !chunk.isEmpty {
            data.append(chunk)
        }
        return data
    }
}
