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
    private let clients = Mutex<[String: HTTPClient]>([:])

    public init() {}

    /// How many clients exist (tests).
    var count: Int { clients.withLock { $0.count } }

    func client(followRedirects: Bool, verifyTLS: Bool) -> HTTPClient {
        let key = "\(followRedirects)-\(verifyTLS)"
        return clients.withLock { dict in
            if let client = dict[key] { return client }
            let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
                                    configuration: Self.configuration(followRedirects: followRedirects, verifyTLS: verifyTLS))
            dict[key] = client
            return client
        }
    }

    static func configuration(followRedirects: Bool, verifyTLS: Bool) -> HTTPClient.Configuration {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = followRedirects ? .follow(max: 5, allowCycles: false) : .disallow
        if !verifyTLS { config.tlsConfiguration = { var t = TLSConfiguration.makeClientConfiguration(); t.certificateVerification = .none; return t }() }
        config.decompression = .disabled
        // A refused connection is the answer a check looks for (the server is down): AsyncHTTPClient would retry
        // with backoff until the timeout, so the failure would be seen seconds late and as a timeout. A check
        // that is allowed to be flaky says so with its own `retries`.
        config.connectionPool.retryConnectionEstablishment = false
        // HTTP/2 has no `Connection: close`: a connection it leaves open is closed after a second idle, not kept for
        // the next run.
        config.connectionPool.idleTimeout = .seconds(1)
        return config
    }

    /// Takes the clients out, for a shutdown: later asks make new ones.
    private func takeAll() -> [HTTPClient] {
        clients.withLock { dict in
            defer { dict.removeAll() }
            return Array(dict.values)
        }
    }

    /// Shuts every client down, waiting for it (a client's requests in flight fail).
    public func shutdown() async {
        for client in takeAll() { try? await client.shutdown() }
    }

    /// The same from synchronous code (the end of a `steward check` run, whose requests have all ended).
    func syncShutdown() {
        for client in takeAll() { try? client.syncShutdown() }
    }
}
