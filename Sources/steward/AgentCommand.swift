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

    @Option(name: .customLong("expect-sha256"),
            help: ArgumentHelp("Run only if this executable's SHA-256 is this (the controller's build); else exit 10, having run nothing.",
                               valueName: "hex"))
    var expectSHA256: String?

    func validate() throws {
        guard (1...3600).contains(requestTimeout) else { throw ValidationError("--request-timeout: expected 1 to 3600 seconds, got \(requestTimeout)") }
        if let hex = expectSHA256, hex.count != 64 || !hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            throw ValidationError("--expect-sha256: expected 64 lowercase hex digits")
        }
    }

    func run() async throws {
        // A caller that opens the session and never finishes its request (a hung controller, a half-open SSH
        // channel) must not hold an agent, and whatever it would lock, forever.
        guard let input = FileHandle.standardInput.readBounded(AgentProtocol.maxRequestBytes + 1, within: .seconds(requestTimeout)) else {
            throw ExitCode(AgentProtocol.refuse(OperationError(.invalidRequest, "no complete request on stdin within \(requestTimeout) s"),
                                                write: { FileHandle.standardOutput.write($0) }))
        }
        // The controller's check that this is its own build, made here rather than by a round trip of its own before
        // the session (the host's copy hashed with `sha256sum`: a second per host and run): the digest is cached
        // (SelfDigestCache), so the check costs a stat. Made after the request was read, so the controller's write
        // of it never meets a closed pipe.
        if let expected = expectSHA256 {
            let own: String
            do { own = try SelfBinary.digest() } catch {
                FileHandle.standardError.write(Data("steward agent: cannot read this executable to compare it with the controller's build\n".utf8))
                throw ExitCode(AgentProtocol.otherBuildExitCode)
            }
            guard own == expected else {
                FileHandle.standardError.write(Data("steward agent: this is another build than the controller's (SHA-256 \(own.prefix(12))…, not \(expected.prefix(12))…); nothing was run\n".utf8))
                throw ExitCode(AgentProtocol.otherBuildExitCode)
            }
        }
        let code = await AgentProtocol.serve(input, host: { envelope, events in
            var host = HostContext.forProcess(statePath: envelope.state ?? StateStore.defaultPath, events: events, operationID: envelope.operationID,
                                              operatorName: envelope.operatorName)
            host.renderText = envelope.render.flatMap { FleetText.renderer(operation: envelope.operation, format: $0) }
            return host
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
