import Hummingbird
import HummingbirdAuth
import StewardSystem

/// Reads `Authorization: Bearer TOKEN` and checks it against the token file. A request without the header goes on
/// anonymous (``RequireScope`` refuses it where a scope is needed); one with a token that does not verify is refused
/// here with 401, so a wrong token never falls back to what an anonymous request may see.
struct TokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = ServeContext
    let tokens: TokenStore

    func authenticate(request: Request, context: ServeContext) async throws -> ServeIdentity? {
        guard request.headers[.authorization] != nil else { return nil }
        guard let bearer = request.headers.bearer else {
            throw APIError.unauthorized("expected Authorization: Bearer TOKEN")
        }
        switch tokens.verify(bearer.token) {
        case .granted(let name, let scopes):
            return ServeIdentity(name: name, scopes: scopes)
        case .denied:
            context.logger.notice("refused a token from \(context.remote ?? "a local client")")
            throw APIError.unauthorized("invalid token")
        case .unavailable(let why):
            context.logger.warning("refused a token from \(context.remote ?? "a local client"): tokens unavailable: \(why)")
            throw APIError.unauthorized("no token can be checked on this host now; the daemon's log says why")
        }
    }
}
