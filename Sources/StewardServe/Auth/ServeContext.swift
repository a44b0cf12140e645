import Hummingbird
import HummingbirdAuth
import NIOCore
import StewardCore

/// The request context of every route: Hummingbird's core storage, the authenticated identity (set by
/// ``TokenAuthenticator``), and the client's address for rate limits and the audit log.
public struct ServeContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: ServeIdentity?
    /// The peer's IP address; nil when there is none (a Unix socket, the router tests).
    public var remote: String?
    /// The dashboard's login behind the request's session cookie (set by ``DashboardSessionMiddleware`` on the
    /// dashboard's routes only; the API takes bearer tokens alone).
    public var dashboardSession: DashboardSessionTable.Session?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        dashboardSession = nil
        remote = source.channel.remoteAddress?.ipAddress
    }

    /// Requests carry small JSON bodies at most.
    public var maxUploadSize: Int { 64 << 10 }
}
