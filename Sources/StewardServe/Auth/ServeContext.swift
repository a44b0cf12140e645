import Hummingbird
import HummingbirdAuth
import NIOCore

/// The request context of every route: Hummingbird's core storage, the authenticated identity (set by
/// ``TokenAuthenticator``), and the client's address for rate limits and the audit log.
public struct ServeContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: ServeIdentity?
    /// The peer's IP address; nil when there is none (a Unix socket, the router tests).
    public var remote: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        remote = source.channel.remoteAddress?.ipAddress
    }

    /// Requests carry small JSON bodies at most.
    public var maxUploadSize: Int { 64 << 10 }
}
