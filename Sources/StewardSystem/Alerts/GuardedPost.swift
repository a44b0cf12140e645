import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import StewardCore

/// One POST to a channel URL (webhook, Slack, ntfy) through the SSRF guard (design §7): the URL checked, its host
/// resolved once and judged by ``AddressPolicy``, and the connection made to the judged address only.
///
/// The address is pinned with AsyncHTTPClient's `dnsOverride`, keyed by ``OutboundURL/host`` (the host exactly as
/// the client parses it), so the client never resolves the name again: a DNS answer that changes between the check
/// and the connection (rebinding) cannot move it. TLS still checks the certificate against the name. `dnsOverride`
/// is a client-wide setting (the per-request one is internal to the library), so each delivery makes its own
/// client and shuts it down: deliveries are rare, and a shared client would pin one host's address for all.
struct GuardedPost {
    var allowPrivate: [String]
    /// The whole exchange, from connecting to the answer's status.
    var timeout: Duration

    /// Connecting gets at most this long, within ``timeout``.
    static let connectTimeout = Duration.seconds(5)
    /// What is read of an answer at most: enough for an error message, not a way to fill memory.
    static let responseLimit = 64 * 1024

    func send(to text: String, headers: [(name: String, value: String)], body: [UInt8]) async -> DeliveryOutcome {
        let url: OutboundURL
        do { url = try OutboundURL(text) } catch { return .failed("refused: \(error)") }
        let addresses: [RawIPAddress]
        switch await HostResolver.resolve(url.host, port: url.port) {
        case .success(let found): addresses = found
        case .failure(let failure): return .failed("cannot resolve \(url.host): \(failure.reason)")
        }
        let decision = AddressPolicy.decide(host: url.host, addresses: addresses, allowPrivate: allowPrivate)
        guard case .allowed(let address) = decision else { return .failed(decision.message(host: url.host) ?? "refused") }

        var config = HTTPClient.Configuration()
        config.dnsOverride = [url.host: address.description]
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: Self.amount(min(Self.connectTimeout, timeout)), read: Self.amount(timeout))
        config.proxy = nil
        config.decompression = .disabled
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config)
        let outcome = await exchange(client, text, host: url.host, headers: headers, body: body)
        try? await client.shutdown()
        return outcome
    }

    private func exchange(_ client: HTTPClient, _ url: String, host: String, headers: [(name: String, value: String)],
                          body: [UInt8]) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "User-Agent", value: "steward")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: Self.amount(timeout))
            let status = Int(response.status.code)
            switch status {
            case 200..<300:
                return DeliveryOutcome(ok: true, detail: "HTTP \(status) from \(host)")
            case 300..<400:
                return .failed("HTTP \(status) from \(host): redirects are not followed; use the URL it points to")
            default:
                let answer = await Self.read(response)
                return .failed("HTTP \(status) from \(host)" + (answer.isEmpty ? "" : ": " + answer))
            }
        } catch {
            return .failed("no answer from \(host): \(HTTPErrors.describe(error))")
        }
    }

    /// The start of an error answer (its message: Slack's `no_service`, ntfy's JSON error), at most
    /// ``responseLimit`` bytes; what arrived before a failure mid-body.
    private static func read(_ response: HTTPClientResponse) async -> String {
        var bytes: [UInt8] = []
        do {
            for try await chunk in response.body {
                bytes += chunk.readableBytesView.prefix(responseLimit - bytes.count)
                if bytes.count >= responseLimit { break }
            }
        } catch {}
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
