import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection for the small protocols checks speak (a bare connect, RESP), on SwiftNIO's event loops: no
/// thread of Swift's cooperative pool waits on a socket or a name lookup, so a server that never answers stalls
/// only its own check. One deadline covers the whole exchange, connect included: when it passes, the channel is
/// closed, and the read or write that waits fails with "timed out".
struct TCPConnection: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let deadline: NIODeadline

    /// Connects to `host:port` (names resolved by NIO off the event loop, every address tried, Happy Eyeballs).
    static func connect(host: String, port: Int, timeoutMs: Int) async throws(Failure) -> TCPConnection {
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMs))
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeoutMs)))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            return TCPConnection(channel: channel, deadline: deadline)
        } catch {
            throw Failure(description: describe(error, host: host, port: port, timeoutMs: timeoutMs))
        }
    }

    /// Runs `body` with the connection's reader and writer, then closes the connection.
    func exchange<T: Sendable>(_ body: (Exchange) async throws -> T) async throws -> T {
        let channel = self.channel.channel
        let closer = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
        defer { closer.cancel() }
        return try await self.channel.executeThenClose { inbound, outbound in
            try await body(Exchange(reader: inbound.makeAsyncIterator(), writer: outbound, deadline: deadline))
        }
    }

    /// Closes the connection unused (the `tcp` check only connects).
    func close() async {
        try? await channel.channel.close()
    }

    struct Exchange {
        var reader: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let deadline: NIODeadline

        func send(_ bytes: [UInt8]) async throws(Failure) {
            do {
                try await writer.write(ByteBuffer(bytes: bytes))
            } catch {
                throw Failure(description: NIODeadline.now() >= deadline ? "write timed out" : "connection closed while writing")
            }
        }

        /// Whatever has arrived (at least one byte), waiting until the deadline.
        mutating func receive() async throws(Failure) -> [UInt8] {
            let chunk: ByteBuffer?
            do { chunk = try await reader.next() } catch { chunk = nil }
            guard let chunk else {
                throw Failure(description: NIODeadline.now() >= deadline ? "read timed out" : "connection closed by the server")
            }
            return Array(buffer: chunk)
        }
    }

    /// The words the blocking client used: "cannot connect to HOST:PORT: Connection refused", "connection to
    /// HOST:PORT timed out after N ms", "cannot resolve HOST".
    static func describe(_ error: any Error, host: String, port: Int, timeoutMs: Int) -> String {
        if let e = error as? ChannelError, case .connectTimeout = e { return "connection to \(host):\(port) timed out after \(timeoutMs) ms" }
        if let e = error as? NIOConnectionError {
            if let io = e.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first {
                return "cannot connect to \(host):\(port): \(String(cString: strerror(io.errnoCode)))"
            }
            if let failure = e.connectionErrors.first { return "cannot connect to \(host):\(port): \(failure.error)" }
            return "cannot resolve \(host)"
        }
        if let io = error as? IOError { return "cannot connect to \(host):\(port): \(String(cString: strerror(io.errnoCode)))" }
        return "cannot connect to \(host):\(port): \(error)"
    }
}
