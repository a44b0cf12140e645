import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Seconds to wait for the whole request on stdin.", valueName: "seconds"))
    var requestTimeout: Int = 30

    func validate() throws {
        guard (1...3600).contains(requestTimeout) else { throw ValidationError("--request-timeout: expected 1 to 3600 seconds, got \(requestTimeout)") }
    }

    func run() async throws {
        // A caller that opens the session and never finishes its request (a hung controller, a half-open SSH
        // channel) must not hold an agent, and whatever it would lock, forever.
        guard let input = FileHandle.standardInput.readBounded(AgentProtocol.maxRequestBytes + 1, within: .seconds(requestTimeout)) else {
            throw ExitCode(AgentProtocol.refuse(OperationError(.invalidRequest, "no complete request on stdin within \(requestTimeout) s"),
                                                write: { FileHandle.standardOutput.write($0) }))
        }
        let code = await AgentProtocol.serve(input, host: { envelope, events in
            HostContext.forProcess(statePath: envelope.state ?? StateStore.defaultPath, events: events, operationID: envelope.operationID,
                                   operatorName: envelope.operatorName)
        }, write: { FileHandle.standardOutput.write($0) })
        throw ExitCode(code)
    }
}

extension FileHandle {
    /// Up to `limit` bytes, to the end of the input or the limit, whichever comes first: a request larger than the
    /// limit is seen as such without reading it all. Nil when neither came within `deadline`.
    func readBounded(_ limit: Int, within deadline: Duration) -> Data? {
        let end = ContinuousClock.now + deadline
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while data.count < limit {
            let left = ContinuousClock.now.duration(to: end)
            guard left > .zero else { return nil }
            var ready = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            let millis = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let polled = poll(&ready, 1, millis)
            if polled < 0 { if errno == EINTR { continue } else { break } }
            if polled == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, min($0.count, limit - data.count)) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue } else { break } }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }
}
