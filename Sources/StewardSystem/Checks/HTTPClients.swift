import AsyncHTTPClient
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP clients of HTTP checks: one per (redirects, TLS verification) pair, both client-wide settings in
/// AsyncHTTPClient, made when first asked for.
///
/// `steward check` makes one set a run. `steward serve` keeps one set for its life: a client a check run (its
/// connection pool, its TLS context cache, the shutdown) cost ~2 MiB of heap at any time with 250 HTTP checks every
/// 30 s (measured with heaptrack), and CPU at every run. Check requests ask the server to close the connection
/// (``CheckExecutor``), so a kept client holds no connection between runs and every run still opens its own, as
/// `curl` in a runbook does.
public final class HTTPClients: Sendable {
    private struct State {
        var clients: [String: HTTPClient] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    private let connectionsPerHost: Int

    /// The checks' bound on parallel runs, `parallel`, is the connections a client may open to one host at once
    /// (AsyncHTTPClient's default, 8, would queue a shared client's requests inside its pool, and the wait would count
    /// against the checks' timeouts).
    public init(parallel: Int = 8) {
        connectionsPerHost = max(8, parallel)
    }

    public struct Closed: Error, CustomStringConvertible {
        public var description: String { "the HTTP clients are shut down (the daemon is stopping)" }
    }

    /// How many clients exist (tests).
    var count: Int { state.withLock { $0.clients.count } }

    /// The client for this pair; after ``shutdown()`` none (a check still running then fails instead of leaving a
    /// client nobody shuts down).
    func client(followRedirects: Bool, verifyTLS: Bool) throws(Closed) -> HTTPClient {
        let key = "\(followRedirects)-\(verifyTLS)"
        let perHost = connectionsPerHost
        return try state.withLock { s throws(Closed) -> HTTPClient in
            guard !s.closed else { throw Closed() }
            if let client = s.clients[key] { return client }
            let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
                                    configuration: Self.configuration(followRedirects: followRedirects, verifyTLS: verifyTLS,
                                                                      connectionsPerHost: perHost))
            s.clients[key] = client
            return client
        }
    }

    static func configuration(followRedirects: Bool, verifyTLS: Bool, connectionsPerHost: Int = 8) -> HTTPClient.Configuration {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = followRedirects ? .follow(max: 5, allowCycles: false) : .disallow
        if !verifyTLS { config.tlsConfiguration = { var t = TLSConfiguration.makeClientConfiguration(); t.certificateVerification = .none; return t }() }
        config.decompression = .disabled
        // A refused connection is the answer a check looks for (the server is down): AsyncHTTPClient would retry
        // with backoff until the timeout, so the failure would be seen seconds late and as a timeout. A check
        // that is allowed to be flaky says so with its own `retries`.
        config.connectionPool.retryConnectionEstablishment = false
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        // HTTP/1.1 only: HTTP/2 has no `Connection: close` (NIO drops the header), so its connection would be kept and
        // shared by the next runs and retries. A connection left open anyway is closed after a second idle.
        config.httpVersion = .http1Only
        config.connectionPool.idleTimeout = .seconds(1)
        return config
    }

    /// Shuts every client down, waiting for it (a client's requests in flight fail); later asks fail.
    public func shutdown() async {
        let all = state.withLock { s -> [HTTPClient] in
            s.closed = true
            defer { s.clients.removeAll() }
            return Array(s.clients.values)
        }
        for client in all { try? await client.shutdown() }
    }
}
