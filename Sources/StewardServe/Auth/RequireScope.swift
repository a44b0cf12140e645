import Hummingbird
import StewardCore

/// Lets a request through only when its identity holds `scope` (`operate` includes `read`): 401 without an
/// identity, 403 with one that lacks the scope.
struct RequireScope: RouterMiddleware {
    typealias Context = ServeContext
    let scope: TokenScope

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw APIError.unauthorized("this route needs a token with the \(scope.rawValue) scope") }
        guard scope.isGranted(by: identity.scopes) else {
            throw APIError(.forbidden, "forbidden", "the token \(identity.name) lacks the \(scope.rawValue) scope")
        }
        return try await next(request, context)
    }
}
