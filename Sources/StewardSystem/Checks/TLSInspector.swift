import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import StewardCore
import X509

/// Fetches a server's certificate chain (or reads a certificate file) and judges expiry, names, self-signing and
/// chain validity. Two handshakes: one that accepts anything to read the certificate, one that verifies it
/// against the system's roots to say whether clients will trust it.
enum TLSInspector {
    static func check(_ e: TLSExpectation, files: HostFiles, timeoutMs: Int) async throws -> Verdict {
        let observation: NetworkEvaluators.TLSObservation
        if let file = e.file {
            let pem = try files.read(file)
            let certificate = try Certificate(pemEncoded: firstPEMBlock(pem))
            observation = describe(certificate, chainError: nil)
        } else {
            let host = e.host ?? "127.0.0.1"
            let sni = e.serverName ?? (isAddress(host) ? nil : host)
            let chain: [NIOSSLCertificate]
            do {
                chain = try await handshake(host: host, port: e.port, serverName: sni, verify: false, timeoutMs: timeoutMs)
            } catch {
                return .noConnection(expected: "TLS on \(host):\(e.port)", found: "no handshake", "TLS handshake with \(host):\(e.port) failed: \(short(error))")
            }
            guard let leaf = chain.first else { return .unknown(expected: "certificate", "the server sent no certificate") }
            let certificate = try Certificate(derEncoded: try leaf.toDERBytes())
            var chainError: String? = nil
            do {
                _ = try await handshake(host: host, port: e.port, serverName: sni, verify: true, timeoutMs: timeoutMs)
            } catch {
                chainError = "certificate chain does not verify: \(short(error))"
            }
            observation = describe(certificate, chainError: chainError)
        }
        return NetworkEvaluators.tls(e, observation, now: Date())
    }

    static func describe(_ c: Certificate, chainError: String?) -> NetworkEvaluators.TLSObservation {
        var names: [String] = []
        if let sans = try? c.extensions.subjectAlternativeNames {
            for name in sans { if case .dnsName(let dns) = name { names.append(dns) } }
        }
        for rdn in c.subject { for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
            let cn = String(describing: attribute.value)
            if names.isEmpty { names.append(cn) }
        } }
        return .init(notAfter: c.notValidAfter, subject: String(describing: c.subject), names: names,
                     selfSigned: c.subject == c.issuer, chainError: chainError)
    }

    static func firstPEMBlock(_ text: String) -> String {
        guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex) else { return text }
        return String(text[start.lowerBound..<end.upperBound])
    }

    static func isAddress(_ host: String) -> Bool { host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":") }

    static func short(_ error: any Error) -> String { String(String(describing: error).prefix(200)) }

    /// Completes a TLS handshake and returns the peer's chain. With `verify`, the system's roots and the host name
    /// must accept it, or this throws.
    static func handshake(host: String, port: Int, serverName: String?, verify: Bool, timeoutMs: Int) async throws -> [NIOSSLCertificate] {
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = verify ? (serverName == nil ? .noHostnameVerification : .fullVerification) : .fullVerification
        let context = try NIOSSLContext(configuration: config)
        let captured = NIOLockedValueBox<[NIOSSLCertificate]>([])
        let done = NIOLockedValueBox<EventLoopPromise<Void>?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .channelInitializer { channel in
                let promise = channel.eventLoop.makePromise(of: Void.self)
                done.withLockedValue { $0 = promise }
                return channel.eventLoop.makeCompletedFuture {
                    let handler: NIOSSLClientHandler
                    if verify {
                        handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    } else {
                        handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, verification in
                            captured.withLockedValue { $0 = certificates }
                            verification.succeed(.certificateVerified)
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: promise))
                }
            }
            .connect(host: host, port: port).get()
        defer { channel.close(promise: nil) }
        guard let promise = done.withLockedValue({ $0 }) else { throw ProbeFailure("no channel") }
        try await promise.futureResult.get()
        return captured.withLockedValue { $0 }
    }
}

/// Fulfils a promise when the TLS handshake completes, fails it on the first error or when the channel closes.
final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ProbeFailure("connection closed during the TLS handshake"))
        context.fireChannelInactive()
    }
}
